import os
import sys
from pathlib import Path

import pytest
import torch

# Test helper modules (golden.py, probe_model.py) sit beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

#: Torch threads a test starts on, whatever an earlier test (or a CLI command it ran) set. Under pytest-xdist
#: (`pytest -n 2`, the default: two worker processes share the cores) one each; alone, two. A test marked
#: ``threads(n)`` gets n: the golden comparisons use badly conditioned weights whose outputs move by 1e-3 with the
#: summation order a thread count gives, so they run on the 2 threads their tolerances were set with.
TEST_THREADS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2


@pytest.fixture(autouse=True)
def _seed_and_threads(request: pytest.FixtureRequest) -> None:
    torch.manual_seed(0)
    marker = request.node.get_closest_marker("threads")
    torch.set_num_threads(marker.args[0] if marker else TEST_THREADS)
