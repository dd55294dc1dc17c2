"""Fixtures of the training tests."""

from __future__ import annotations

from typing import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    # The tiny model's convolutions are too small to gain from intra-op threads, and on a busy 2-core machine two
    # spinning threads make these tests ten times slower (measured: 51 s against 3.7 s for the loss-falls run).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
