"""Hostile checkpoint files: whatever a junk, truncated or diverged file holds, reading it is one CheckpointError."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest
import torch

from siamban.errors import CheckpointError
from siamban.models import read_state_dict
from siamban.models.weights import load_checkpoint_file, unwrap_state_dict


def _junk_files(tmp_path):
    """Text, empty, random and near-miss files named .pth (seeded)."""
    rng = np.random.default_rng(0)
    good = io.BytesIO()
    torch.save({"w": torch.ones(3)}, good)
    good = good.getvalue()
    blobs = {
        "text.pth": b"this is not a checkpoint\n",
        "empty.pth": b"",
        "yaml.pth": b"TRACK:\n  LR: 0.3\n",
        "pickle_list.pth": pickle.dumps([1, 2, 3], protocol=2),
        "pickle_marker.pth": b"\x80\x02}q\x00.",
        "truncated.pth": good[: len(good) // 2],
        "flipped.pth": good[:200] + bytes(255 - b for b in good[200:400]) + good[400:],
    }
    for i in range(40):
        blobs[f"random_{i}.pth"] = rng.integers(0, 256, int(rng.integers(1, 400)), dtype=np.uint8).tobytes()
        blobs[f"pickle_prefix_{i}.pth"] = b"\x80\x02" + rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02]q\x00.")
    blobs["zip_without_tensors.pth"] = zipped.getvalue()
    paths = []
    for name, data in blobs.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_every_junk_file_is_one_checkpoint_error(tmp_path):
    for path in _junk_files(tmp_path):
        with pytest.raises(CheckpointError) as caught:
            read_state_dict(path)
        message = str(caught.value)
        assert message.startswith(f"{path}: ") and "\n" not in message, message


def test_a_folder_or_missing_file_is_one_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="checkpoint file not found"):
        load_checkpoint_file(tmp_path)
    with pytest.raises(CheckpointError, match="checkpoint file not found"):
        load_checkpoint_file(tmp_path / "none.pth")


def test_a_checkpoint_full_of_nan_is_refused(tmp_path):
    path = tmp_path / "diverged.pth"
    torch.save({"state_dict": {"conv.weight": torch.full((2, 2), float("nan")), "conv.bias": torch.zeros(2),
                               "bn.num_batches_tracked": torch.tensor(3)}}, path)
    with pytest.raises(CheckpointError, match=r"diverged\.pth: 1 tensors hold NaN or infinite values \(conv\.weight\)"):
        read_state_dict(path)
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        unwrap_state_dict({"w": torch.tensor([1.0, float("inf")])})
    assert set(unwrap_state_dict({"w": torch.ones(2), "n": torch.tensor(1)})) == {"w", "n"}
