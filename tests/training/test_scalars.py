"""Scalar logs: JSONL always, TensorBoard when installed, one notice when it is not."""

from __future__ import annotations

import sys

import pytest

from siamban.training.scalars import JSONL_NAME, ScalarWriter, read_scalars


def test_without_tensorboard_scalars_go_to_jsonl_and_the_writer_says_so_once(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # makes the import fail
    notices: list[str] = []
    writer = ScalarWriter(tmp_path, say=notices.append)
    writer.write(10, {"loss/total": 1.5, "lr/head": 0.005}, epoch=1)
    writer.write(20, {"loss/total": 1.25}, epoch=1)
    writer.close()
    assert not writer.tensorboard
    assert len(notices) == 1 and "pip install 'siamban[train]'" in notices[0]
    records = read_scalars(tmp_path)
    assert [(r["step"], r["epoch"], r["loss/total"]) for r in records] == [(10, 1, 1.5), (20, 1, 1.25)]
    assert records[0]["lr/head"] == 0.005


def test_with_tensorboard_event_files_are_written(tmp_path):
    pytest.importorskip("tensorboard")
    writer = ScalarWriter(tmp_path, say=lambda message: pytest.fail(message))
    writer.write(1, {"loss/total": 2.0})
    writer.close()
    assert writer.tensorboard
    assert list(tmp_path.glob("events.out.tfevents.*"))
    assert read_scalars(tmp_path)[0]["loss/total"] == 2.0


def test_a_resumed_writer_cuts_the_records_after_the_snapshot_step(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    writer = ScalarWriter(tmp_path, say=lambda message: None)
    for step in (2, 4, 6, 8):
        writer.write(step, {"loss/total": step / 10})
    writer.close()
    with open(tmp_path / JSONL_NAME, "a") as log:
        log.write('{"step": 10, "loss/t')  # the line a kill tore
    notices: list[str] = []
    writer = ScalarWriter(tmp_path, say=notices.append, resume_step=4)
    writer.write(6, {"loss/total": 0.5})
    writer.close()
    assert [(r["step"], r["loss/total"]) for r in read_scalars(tmp_path)] == [(2, 0.2), (4, 0.4), (6, 0.5)]
    assert any("cut 3 records after step 4" in n for n in notices)
