"""A tiny training run fed through the real-data readers (prepared videos and image sets, a sequence folder)."""

from __future__ import annotations

import dataclasses

from real_data_fakes import write_image_sequence, write_image_set, write_index, write_video
from siamban.config import DatasetConfig, DatasetSourceConfig, ScheduleConfig
from siamban.data import build_pair_dataset, prepare_dataset
from siamban.training import train
from training_fakes import tiny_config


def test_loss_falls_on_videos_images_and_sequences(tmp_path):
    for i in range(3):
        write_video(tmp_path / "videos" / f"v{i}", count=16, absent=(2,), seed=i)
    write_video(tmp_path / "videos" / "kept_back", count=16, seed=9)
    write_index(tmp_path / "videos", {"v0": "train", "v1": "train", "v2": "train", "kept_back": "heldout"})
    write_image_set(tmp_path / "images" / "squares", count=6)
    write_image_sequence(tmp_path / "seqs" / "s0", count=16, seed=5)
    prepare_dataset("VIDEOS", tmp_path / "videos", tmp_path / "prep_v", workers=1, progress=False)
    prepare_dataset("IMAGES", tmp_path / "images", tmp_path / "prep_i", workers=1, progress=False)

    def prepared(folder: str, frame_range: int) -> DatasetSourceConfig:
        return DatasetSourceConfig(str(tmp_path / folder / "crop511"), str(tmp_path / folder / "train.json"),
                                   frame_range, num_use=24)

    sources = {
        "VIDEOS": prepared("prep_v", 10),
        "IMAGES": prepared("prep_i", 1),
        "SEQS": DatasetSourceConfig(str(tmp_path / "seqs"), "", 10, num_use=24),
    }
    cfg = tiny_config(
        epochs=4, batch_size=8, base_lr=0.1,
        lr=ScheduleConfig("log", {"start_lr": 0.1, "end_lr": 0.03}),
        lr_warmup=ScheduleConfig("step", {"start_lr": 0.05, "end_lr": 0.1, "step": 1}, epoch=1),
    )
    data = DatasetConfig(names=("VIDEOS", "IMAGES", "SEQS"), videos_per_epoch=96, sources=sources,
                         search=dataclasses.replace(DatasetConfig().search, shift=32))
    cfg = dataclasses.replace(cfg, dataset=data)
    pairs = build_pair_dataset(cfg)
    assert [ds.num_sequences() for ds in pairs.datasets] == [3, 6, 1]  # the heldout video was never prepared
    summary = train(cfg, pairs, tmp_path / "run", progress=False)
    first, last = summary.epochs[0], summary.epochs[-1]
    assert all(e.steps == 12 and e.skipped == 0 for e in summary.epochs)
    assert last.loss < 0.8 * first.loss and last.cls_loss < 0.6 * first.cls_loss
