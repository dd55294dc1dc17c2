"""The one reader layer on fabricated copies of shared/data: videos, image sets, sequence folders and data roles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from real_data_fakes import write_image_sequence, write_image_set, write_index, write_video
from siamban.evaluation import load_benchmark
from siamban.data import prepare_dataset
from siamban.data.datasets import PreparedDataset, SequenceFolderDataset
from siamban.data.raw.videos import video_names
from siamban.errors import DatasetError
from siamban.io import read_image
from siamban.io.annotations import read_annotation, read_groundtruth
from siamban.io.sequences import read_sequence_folder


def test_video_is_decoded_once_into_crops_and_absent_frames_are_skipped(tmp_path):
    boxes = write_video(tmp_path / "raw" / "clip", count=12, absent=(3, 7))
    summary = prepare_dataset("VIDEOS", tmp_path / "raw", tmp_path / "out", workers=1, progress=False)
    assert (summary.units, summary.crops_written, summary.boxes) == (1, 10, 10)
    assert summary.dropped["absent-target frames"] == 2 and not summary.problems
    index = json.loads((tmp_path / "out" / "train.json").read_text())
    frames = index["clip"]["00"]
    assert sorted(frames) == [f"{i:06d}" for i in range(12) if i not in (3, 7)]
    x, y, w, h = boxes[5]
    assert frames["000005"] == [x, y, x + w, y + h]
    dataset = PreparedDataset("VIDEOS", tmp_path / "out" / "crop511", tmp_path / "out" / "train.json")
    crop, box = dataset.get(0, 5)
    assert crop.shape == (511, 511, 3)
    # the square (bright yellow in BGR 40, 200, 240) sits where the crop box says
    x1, y1, x2, y2 = box.round().astype(int)
    assert crop[y1 + 3 : y2 - 3, x1 + 3 : x2 - 3, 2].mean() > 180
    assert crop[: y1 - 20, :, 2].mean() < 120


def test_video_with_more_lines_than_frames_is_skipped_with_both_counts(tmp_path):
    write_video(tmp_path / "raw" / "bad", count=10, lines=13)
    write_video(tmp_path / "raw" / "good", count=8)
    summary = prepare_dataset("VIDEOS", tmp_path / "raw", tmp_path / "out", workers=1, progress=False)
    assert summary.boxes == 8
    (problem,) = summary.problems
    assert "bad/video.mp4" in problem.where and "10 frames decoded but 13 box lines" in problem.message
    with pytest.raises(DatasetError, match=r"bad/video.mp4: 10 frames decoded but groundtruth.txt has 13 box lines"):
        read_sequence_folder(tmp_path / "raw" / "bad")


def test_video_sequence_is_scorable_as_a_benchmark(tmp_path):
    boxes = write_video(tmp_path / "videos" / "clip", count=9, absent=(4,))
    bench = load_benchmark("folders", tmp_path / "videos")
    (seq,) = bench.sequences
    assert len(seq) == 9 and seq.absent is not None and seq.absent.tolist() == [i == 4 for i in range(9)]
    # frames are read by index, in order or not, each matching its box
    for i in (0, 5, 2, 8):
        image = read_image(seq.frames[i])
        x, y, w, h = boxes[i].astype(int)
        assert image.shape == (120, 160, 3) and image[y + 12 : y + h - 2, x + 2 : x + w - 2, 2].mean() > 180


def test_image_set_gives_one_crop_per_box(tmp_path):
    total = write_image_set(tmp_path / "raw" / "squares", count=3)
    summary = prepare_dataset("IMAGES", tmp_path / "raw", tmp_path / "out", workers=1, progress=False)
    assert summary.units == 3 and summary.boxes == total == 5
    index = json.loads((tmp_path / "out" / "train.json").read_text())
    assert sorted(index) == ["squares/im0", "squares/im1", "squares/im2"]
    assert sorted(index["squares/im0"]) == ["00", "01"] and index["squares/im0"]["01"]["000000"] == [100, 80, 112, 90]


def test_image_set_with_a_malformed_entry_reports_it(tmp_path):
    write_image_set(tmp_path / "raw" / "squares", count=2)
    path = tmp_path / "raw" / "squares" / "annotations.json"
    data = json.loads(path.read_text())
    data["images"].append({"file": "images/x.jpg", "boxes": [["a", 1, 2, 3, "c"]]})
    path.write_text(json.dumps(data))
    summary = prepare_dataset("IMAGES", tmp_path / "raw", tmp_path / "out", workers=1, progress=False)
    assert summary.units == 2 and len(summary.problems) == 1
    assert "annotations.json: images[2]" in summary.problems[0].where


@pytest.mark.parametrize("role", ["val", "heldout"])
def test_val_and_heldout_names_never_reach_training(tmp_path, role):
    for name in ("a", "b"):
        write_image_sequence(tmp_path / "seqs" / name, count=4)
    write_index(tmp_path / "seqs", {"a": "train", "b": role})
    assert SequenceFolderDataset("S", tmp_path / "seqs").names == ["a"]  # default: the train-role ones only
    with pytest.raises(DatasetError, match=f"b is a {role} sequence; only train-role data may be used for training"):
        SequenceFolderDataset("S", tmp_path / "seqs", names=["a", "b"])
    for name in ("a", "b"):
        write_video(tmp_path / "vids" / name, count=4)
    write_index(tmp_path / "vids", {"a": "train", "b": role})
    assert video_names(tmp_path / "vids") == ["a"]
    with pytest.raises(DatasetError, match=f"b is a {role} sequence"):
        video_names(tmp_path / "vids", ["b"])
    summary = prepare_dataset("VIDEOS", tmp_path / "vids", tmp_path / "out", workers=1, progress=False)
    assert list(json.loads((tmp_path / "out" / "train.json").read_text())) == ["a"] and summary.units == 1


def test_videos_are_not_cropped_on_the_fly(tmp_path):
    write_video(tmp_path / "vids" / "a", count=4)
    with pytest.raises(DatasetError, match="siamban prepare VIDEOS"):
        SequenceFolderDataset("S", tmp_path / "vids")


def test_one_parser_two_policies(tmp_path):
    path = tmp_path / "groundtruth.txt"
    path.write_text("1,2,3,4\n5\t6 7;8\nnan,nan,nan,nan\noops,1,2\n\n")
    boxes, problems = read_groundtruth(path)  # lenient: a bad line costs one frame
    assert boxes.shape == (4, 4) and boxes[1].tolist() == [5, 6, 7, 8] and np.isnan(boxes[2:]).all()
    assert [str(p) for p in problems] == [f"{path}:4: expected four numbers x,y,w,h, got 'oops,1,2'"]
    with pytest.raises(DatasetError, match=r"groundtruth.txt:4: not a list of numbers: 'oops,1,2'"):
        read_annotation(path)  # strict: the same line stops a benchmark
