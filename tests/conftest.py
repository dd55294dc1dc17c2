import sys
from pathlib import Path

import pytest
import torch

# Test helper modules (golden.py, probe_model.py) sit beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

torch.set_num_threads(2)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)
