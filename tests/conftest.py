import sys
from pathlib import Path

import pytest
import torch

# Test helper modules (golden.py, probe_model.py) sit beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

#: Every test starts on two torch threads, whatever an earlier test (or a CLI command it ran) set: the golden
#: comparisons use badly conditioned weights whose outputs move by 1e-3 with the summation order a thread count gives.
TEST_THREADS = 2


@pytest.fixture(autouse=True)
def _seed_and_threads() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(TEST_THREADS)
