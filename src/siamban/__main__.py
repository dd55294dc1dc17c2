"""``python -m siamban``: the same as the ``siamban`` command (and what ``torchrun ... -m siamban`` runs)."""

import sys

from siamban.cli import main

if __name__ == "__main__":  # spawned worker processes import this module again as __mp_main__
    sys.exit(main())
