"""``prepare`` on tiny fabricated releases of every raw format: index, crops, problems, resuming."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from data_helpers import drawn_bounds, scene, white_bounds, write_image
from siamban.data.crop import box_in_context_crop
from siamban.data.datasets import PreparedDataset
from siamban.data.prepare import prepare_dataset
from siamban.errors import DatasetError


def read_index(path: Path) -> dict:
    return json.loads(path.read_text())


def crops(out: Path) -> list[str]:
    return sorted(p.relative_to(out / "crop511").as_posix() for p in (out / "crop511").rglob("*.jpg"))


# ---------------------------------------------------------------------------------------------------------------------
# GOT-10k


def make_got10k(raw: Path) -> None:
    seq = raw / "train" / "GOT-10k_Train_000001"
    for i in range(4):
        write_image(seq / f"{i + 1:08d}.jpg", scene(64, 48, (10 + i, 12, 40 + i, 32)))
    (seq / "groundtruth.txt").write_text("10,12,30,20\n11.0000,12.0000,30.0000,20.0000\noops,1,2\n0,0,0,0\n")
    seq = raw / "train" / "GOT-10k_Train_000002"
    for i in range(2):
        write_image(seq / f"{i + 1:08d}.jpg", scene(64, 48, (5, 5, 25, 25)))
    (seq / "groundtruth.txt").write_text("5,5,20,20\n50,10,30,20\n")  # second box leaves the 64-wide frame
    seq = raw / "val" / "GOT-10k_Val_000001"
    for i in range(2):
        write_image(seq / f"{i + 1:08d}.jpg", scene(64, 48, (20, 10, 44, 40)))
    (seq / "groundtruth.txt").write_text("20,10,24,30\n20,10,24,30\n")


def test_got10k_index_crops_problems_and_resume(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    make_got10k(raw)
    summary = prepare_dataset("got-10k", raw, out, workers=2, progress=False)
    assert read_index(out / "train.json") == {
        "train/GOT-10k_Train_000001": {"00": {"000000": [10, 12, 40, 32], "000001": [11, 12, 41, 32]}},
        "train/GOT-10k_Train_000002": {"00": {"000000": [5, 5, 25, 25]}},
    }
    assert read_index(out / "val.json") == {"val/GOT-10k_Val_000001": {"00": {"000000": [20, 10, 44, 40],
                                                                             "000001": [20, 10, 44, 40]}}}
    assert crops(out) == [
        "train/GOT-10k_Train_000001/000000.00.x.jpg",
        "train/GOT-10k_Train_000001/000001.00.x.jpg",
        "train/GOT-10k_Train_000002/000000.00.x.jpg",
        "val/GOT-10k_Val_000001/000000.00.x.jpg",
        "val/GOT-10k_Val_000001/000001.00.x.jpg",
    ]
    assert (summary.units, summary.units_skipped, summary.crops_written, summary.boxes) == (3, 0, 5, 5)
    assert dict(summary.dropped) == {"zero-size boxes": 1, "boxes leaving the frame": 1}
    gt = raw / "train" / "GOT-10k_Train_000001" / "groundtruth.txt"
    assert [str(p) for p in summary.problems] == [f"{gt}:3: expected four numbers x,y,w,h, got 'oops,1,2'"]
    problems = (out / "prepare_GOT10K_problems.txt").read_text()
    assert problems == f"{gt}:3: expected four numbers x,y,w,h, got 'oops,1,2'\n"

    # the crop holds the target where the index box puts it
    crop = cv2.imread(str(out / "crop511/train/GOT-10k_Train_000001/000000.00.x.jpg"))
    box = box_in_context_crop(crop.shape, (30, 20))  # s_z = sqrt(55 * 45) = 49.749372, 127 / s_z = 2.552796
    assert box == pytest.approx([216.708059, 229.472039, 293.291941, 280.527961])
    assert white_bounds(crop) == pytest.approx(drawn_bounds(box, 2.552796), abs=1.2)

    # a second run skips everything and writes the same index
    before = (out / "train.json").read_bytes()
    again = prepare_dataset("GOT10K", raw, out, workers=1, progress=False)
    assert (again.units_skipped, again.crops_written, again.boxes) == (3, 0, 5)
    assert len(again.problems) == 1 and (out / "train.json").read_bytes() == before


def test_resume_after_a_crash_redoes_only_unfinished_units(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    make_got10k(raw)
    prepare_dataset("GOT10K", raw, out, workers=1, progress=False)
    journal = out / ".prepare_GOT10K.jsonl"
    lines = journal.read_text().splitlines()
    # simulate a kill while the last unit was being journaled, and a crop written by a half-finished unit
    journal.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])
    last = json.loads(lines[-1])["video"]
    leftover = out / "crop511" / last / "000000.00.x.jpg.123.tmp"
    leftover.write_bytes(b"partial")
    summary = prepare_dataset("GOT10K", raw, out, workers=1, progress=False)
    counts = (summary.units_skipped, summary.crops_written, summary.crops_existing)
    assert counts == (2, 0, 1 if "Train_000002" in last else 2)
    assert not leftover.exists()
    assert summary.boxes == 5


# ---------------------------------------------------------------------------------------------------------------------
# LaSOT


def test_lasot_splits_by_testing_set_and_reports_unreadable_images(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    for name in ("cat-1", "cat-2"):
        for i in range(3):
            write_image(raw / "cat" / name / "img" / f"{i + 1:08d}.jpg", scene(64, 48, (8, 8, 28, 24)))
        (raw / "cat" / name / "groundtruth.txt").write_text("8,8,20,16\n8,8,20,16\n8,8,20,16\n")
    bad = raw / "cat" / "cat-1" / "img" / "00000002.jpg"
    bad.write_bytes(b"not a jpeg")
    (raw / "testing_set.txt").write_text("cat-2\n")
    summary = prepare_dataset("LASOT", raw, out, workers=1, progress=False)
    assert read_index(out / "train.json") == {"cat/cat-1": {"00": {"000000": [8, 8, 28, 24], "000002": [8, 8, 28, 24]}}}
    assert list(read_index(out / "val.json")) == ["cat/cat-2"]
    assert [str(p) for p in summary.problems] == [
        f"{bad}: unreadable image (annotated at {raw / 'cat' / 'cat-1' / 'groundtruth.txt'}:2)"
    ]


# ---------------------------------------------------------------------------------------------------------------------
# COCO


def test_coco_tracks_zero_size_malformed_and_missing_images(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    write_image(raw / "train2017" / "000000000001.jpg", scene(64, 48, (10, 10, 30, 25)))
    write_image(raw / "train2017" / "000000000002.jpg", scene(64, 48, (5, 5, 25, 25)))
    annotations = {
        "images": [
            {"id": 1, "file_name": "000000000001.jpg"},
            {"id": 2, "file_name": "000000000002.jpg"},
            {"id": 3, "file_name": "000000000003.jpg"},
        ],
        "annotations": [
            {"image_id": 1, "bbox": [10, 10, 20, 15]},
            {"image_id": 1, "bbox": [30, 5, 10, 0]},
            {"image_id": 2, "bbox": [5, 5, 20, 20]},
            {"image_id": 2, "bbox": "bad"},
            {"image_id": 1, "bbox": [40.5, 20, 10, 10]},
            {"image_id": 3, "bbox": [1, 1, 5, 5]},
        ],
    }
    (raw / "annotations").mkdir(parents=True)
    ann_file = raw / "annotations" / "instances_train2017.json"
    ann_file.write_text(json.dumps(annotations))
    summary = prepare_dataset("coco", raw, out, workers=1, progress=False)
    assert read_index(out / "train2017.json") == {
        "train2017/000000000001": {"00": {"000000": [10, 10, 30, 25]}, "02": {"000000": [40.5, 20, 50.5, 30]}},
        "train2017/000000000002": {"00": {"000000": [5, 5, 25, 25]}},
    }
    assert dict(summary.dropped) == {"zero-size boxes": 1}
    assert [str(p) for p in summary.problems] == [
        f"{ann_file}: annotations[3]: needs 'image_id' and a 'bbox' of four numbers, got "
        "{'image_id': 2, 'bbox': 'bad'}",
        f"{raw / 'train2017' / '000000000003.jpg'}: missing image (annotated at {ann_file}: annotations[5])",
    ]


# ---------------------------------------------------------------------------------------------------------------------
# ImageNet VID and DET


def vid_xml(frame: int, objects: list[tuple[int, tuple[int, int, int, int]]]) -> str:
    body = "".join(
        f"  <object>\n    <trackid>{t}</trackid>\n    <name>n01</name>\n    <bndbox>\n"
        f"      <xmax>{b[2]}</xmax>\n      <xmin>{b[0]}</xmin>\n      <ymax>{b[3]}</ymax>\n      <ymin>{b[1]}</ymin>\n"
        f"    </bndbox>\n    <occluded>0</occluded>\n  </object>\n"
        for t, b in objects
    )
    return (
        f"<annotation>\n  <filename>{frame:06d}</filename>\n  <size><width>64</width><height>48</height></size>\n"
        f"{body}</annotation>\n"
    )


def test_vid_keeps_each_tracks_last_run_and_reports_bad_xml_lines(tmp_path):
    raw, out = tmp_path / "ILSVRC2015", tmp_path / "out"
    part = "train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000000"
    a, b, c = (4, 4, 20, 20), (30, 10, 50, 30), (20, 30, 30, 40)
    frames = {0: [(0, a), (1, b)], 1: [(0, a), (1, b)], 2: [(0, a), (2, c)], 3: [(1, b)], 4: [(0, a), (1, b)]}
    for f, objects in frames.items():
        (raw / "Annotations/VID" / part).mkdir(parents=True, exist_ok=True)
        (raw / "Annotations/VID" / part / f"{f:06d}.xml").write_text(vid_xml(f, objects))
        write_image(raw / "Data/VID" / part / f"{f:06d}.JPEG", scene(64, 48, a))
    broken = raw / "Annotations/VID/train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000001/000000.xml"
    broken.parent.mkdir(parents=True)
    broken.write_text("<annotation>\n  <object>\n  </objectt>\n</annotation>\n")
    val = "val/ILSVRC2015_val_00000000"
    for f in range(2):
        (raw / "Annotations/VID" / val).mkdir(parents=True, exist_ok=True)
        (raw / "Annotations/VID" / val / f"{f:06d}.xml").write_text(vid_xml(f, [(3, c)]))
        write_image(raw / "Data/VID" / val / f"{f:06d}.JPEG", scene(64, 48, c))
    summary = prepare_dataset("VID", raw, out, workers=1, progress=False)
    # track 0: runs {0,1,2} and {4}: keeps 0-2; track 1: runs {0,1} and {3,4}: keeps 3-4 (official); track 2: one frame
    assert read_index(out / "train.json") == {
        "a/ILSVRC2015_train_00000000": {
            "00": {"000000": [4, 4, 20, 20], "000001": [4, 4, 20, 20], "000002": [4, 4, 20, 20]},
            "01": {"000003": [30, 10, 50, 30], "000004": [30, 10, 50, 30]},
        }
    }
    assert read_index(out / "val.json") == {
        "e/ILSVRC2015_val_00000000": {"03": {"000000": [20, 30, 30, 40], "000001": [20, 30, 30, 40]}}
    }
    assert dict(summary.dropped) == {"VID frames outside a track's last run": 4}
    assert [str(p) for p in summary.problems] == [f"{broken}:3: malformed XML (mismatched tag)"]
    assert "a/ILSVRC2015_train_00000000/000004.01.x.jpg" in crops(out)


def det_xml(objects: list[tuple[str, str, str, str]]) -> str:
    body = "".join(
        f"<object>\n<name>n01</name>\n<bndbox>\n<xmin>{o[0]}</xmin>\n<ymin>{o[1]}</ymin>\n<xmax>{o[2]}</xmax>\n"
        f"<ymax>{o[3]}</ymax>\n</bndbox>\n</object>\n"
        for o in objects
    )
    return f"<annotation>\n<folder>x</folder>\n{body}</annotation>\n"


def test_det_parts_objects_and_malformed_object_line(tmp_path):
    raw, out = tmp_path / "ILSVRC2015", tmp_path / "out"
    files = {
        "train/ILSVRC2013_train/n01443537/n01443537_1": [("4", "4", "20", "20"), ("30", "10", "50", "30")],
        "train/ILSVRC2014_train_0000/ILSVRC2014_train_00000001": [("abc", "4", "20", "20"), ("5", "6", "25", "26")],
        "val/ILSVRC2012_val_00000001": [("1", "2", "31", "42")],
    }
    for rel, objects in files.items():
        xml = raw / "Annotations/DET" / f"{rel}.xml"
        xml.parent.mkdir(parents=True, exist_ok=True)
        xml.write_text(det_xml(objects))
        write_image(raw / "Data/DET" / f"{rel}.JPEG", scene(64, 48, (4, 4, 20, 20)))
    summary = prepare_dataset("DET", raw, out, workers=1, progress=False)
    assert read_index(out / "train.json") == {
        "a/n01443537_1": {"00": {"000000": [4, 4, 20, 20]}, "01": {"000000": [30, 10, 50, 30]}},
        "b/ILSVRC2014_train_00000001": {"01": {"000000": [5, 6, 25, 26]}},
    }
    assert read_index(out / "val.json") == {"i/ILSVRC2012_val_00000001": {"00": {"000000": [1, 2, 31, 42]}}}
    xml = raw / "Annotations/DET/train/ILSVRC2014_train_0000/ILSVRC2014_train_00000001.xml"
    assert [str(p) for p in summary.problems] == [f"{xml}:3: object 0: bndbox and trackid must be integers"]


# ---------------------------------------------------------------------------------------------------------------------
# YouTube-BoundingBoxes


def test_youtube_bb_rows_to_pixel_boxes(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    csv = raw / "yt_bb_detection_train.csv"
    csv.parent.mkdir(parents=True)
    csv.write_text(
        "vidA,1000,0,person,0,present,0.1,0.5,0.2,0.6\n"
        "vidA,2000,0,person,0,present,0.2,0.6,0.2,0.6\n"
        "vidA,3000,0,person,0,absent,-1,-1,-1,-1\n"
        "vidB,1000,3,dog,1,present,0.1,0.4,0.1,0.5\n"
        "garbage line\n"
        "vidB,2000,3,dog,1,present,0.1,0.4,x,0.5\n"
        "vidB,5000,3,dog,1,present,0.1,0.4,0.1,0.5\n"
    )
    frames = raw / "yt_bb_detection_train"
    write_image(frames / "0" / "vidA_1000_0_0.jpg", scene(80, 60, (8, 12, 40, 36)))
    write_image(frames / "0" / "vidA_2000_0_0.jpg", scene(80, 60, (16, 12, 48, 36)))
    write_image(frames / "3" / "vidB_1000_3_1.jpg", scene(80, 60, (8, 6, 32, 30)))
    summary = prepare_dataset("YT_BB", raw, out, workers=1, progress=False)
    index = read_index(out / "train.json")
    assert sorted(index) == ["yt_bb_detection_train/0/vidA", "yt_bb_detection_train/3/vidB"]
    vid_a = index["yt_bb_detection_train/0/vidA"]["00"]
    assert sorted(vid_a) == ["000001", "000002"]
    assert vid_a["000001"] == pytest.approx([8, 12, 40, 36]) and vid_a["000002"] == pytest.approx([16, 12, 48, 36])
    assert index["yt_bb_detection_train/3/vidB"]["01"]["000001"] == pytest.approx([8, 6, 32, 30])
    assert dict(summary.dropped) == {"YouTube-BB rows marked absent": 1}
    problems = sorted(str(p) for p in summary.problems)
    assert problems == sorted([
        f"{csv}:5: malformed row: b'garbage line\\n'",
        f"{csv}:6: malformed row (could not convert string to float: 'x'): "
        "'vidB,2000,3,dog,1,present,0.1,0.4,x,0.5'",
        f"{frames / '3' / 'vidB_5000_3_1.jpg'}: missing image (annotated at {csv}:7)",
    ])


# ---------------------------------------------------------------------------------------------------------------------
# Errors and compatibility


def test_missing_raw_folder_and_wrong_layout_are_clear_errors(tmp_path):
    with pytest.raises(DatasetError, match="raw dataset folder not found"):
        prepare_dataset("LASOT", tmp_path / "nope", tmp_path / "out", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match=r"no annotations/instances_\*\.json; expected the COCO layout"):
        prepare_dataset("COCO", tmp_path / "empty", tmp_path / "out", progress=False)
    with pytest.raises(DatasetError, match="unknown dataset 'imagenet' \\(known: VID"):
        prepare_dataset("imagenet", tmp_path / "empty", tmp_path / "out", progress=False)


def test_prepared_output_loads_as_a_training_dataset(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    make_got10k(raw)
    prepare_dataset("GOT10K", raw, out, workers=1, progress=False)
    ds = PreparedDataset("GOT10K", out / "crop511", out / "train.json", frame_range=100, num_use=-1)
    assert ds.num_sequences() == 2 and ds.frames(0).tolist() == [0, 1] and ds.frames(1).tolist() == [0]
    crop, box = ds.get(0, 1)
    assert crop.shape == (511, 511, 3)
    assert box == pytest.approx(box_in_context_crop((511, 511), (30, 20)))
    assert white_bounds(crop) == pytest.approx(drawn_bounds(box, 2.552796), abs=1.2)


def test_an_index_written_by_the_official_scripts_loads(tmp_path):
    # par_crop.py / gen_json.py output: track keys "00".."NN", frame keys "000000"; boxes [x1, y1, x2, y2] or
    # [w, h]; zero-size boxes and emptied tracks and videos are dropped, as the official _filter_zero does.
    index = {
        "train/vid0": {
            "00": {"000000": [10, 10, 50, 30], "000004": [12, 10, 52, 30], "000002": [0, 0, 0, 0]},
            "03": {"000001": [40, 20]},
        },
        "train/vid1": {"00": {"000000": [5, 5, 5, 9]}},
    }
    (tmp_path / "train.json").write_text(json.dumps(index))
    crop = scene(511, 511, box_in_context_crop((511, 511), (40, 20)))
    write_image(tmp_path / "crop511/train/vid0/000004.00.x.jpg", crop)
    ds = PreparedDataset("VID", tmp_path / "crop511", tmp_path / "train.json", frame_range=100, num_use=-1)
    assert ds.num_sequences() == 1 and ds.num_tracks(0) == 2
    assert ds.frames(0, 0).tolist() == [0, 4] and ds.frames(0, 1).tolist() == [1]
    assert ds.crop_path(0, 1, 1).name == "000001.03.x.jpg"
    image, box = ds.get(0, 4, 0)
    assert box == pytest.approx(box_in_context_crop((511, 511), (40, 20)))
    assert white_bounds(image) == pytest.approx(box.tolist(), abs=1.0)
    with pytest.raises(DatasetError, match=r"crop511/train/vid0/000000.00.x.jpg: missing crop listed in .*train.json"):
        ds.get(0, 0, 0)
