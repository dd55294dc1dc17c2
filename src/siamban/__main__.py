import sys

from siamban.cli import main

sys.exit(main())
