"""Readers of every on-disk layout, on tiny fabricated datasets."""

from __future__ import annotations

import numpy as np
import pytest

from siamban.evaluation.datasets import load_benchmark, read_annotation
from siamban.errors import DatasetError

from bench_fakes import write_frames, write_lines


def test_otb_mixed_separators_two_targets_and_frame_range(otb_root):
    bench = load_benchmark("OTB100", otb_root)
    assert [s.name for s in bench] == ["Basketball", "Jogging-1", "Jogging-2", "Tiger1"]
    np.testing.assert_array_equal(bench["Basketball"].ground_truth[:, 0], [10, 11, 12, 13])
    assert bench["Jogging-2"].ground_truth[0].tolist() == [30, 5, 10, 10]
    tiger = bench["Tiger1"]  # evaluated from image 6: frames 6..8, and the matching annotation rows
    assert [p.name for p in tiger.frames] == ["0006.jpg", "0007.jpg", "0008.jpg"]
    np.testing.assert_array_equal(tiger.ground_truth[:, 0], [5, 6, 7])
    assert [s.name for s in load_benchmark("OTB2013", otb_root)] == ["Basketball", "Jogging-1", "Jogging-2", "Tiger1"]


def test_malformed_line_names_file_and_line(tmp_path):
    path = write_lines(tmp_path / "groundtruth.txt", ["1,2,3,4", "1,2,x,4"])
    with pytest.raises(DatasetError, match=r"groundtruth.txt:2: not a list of numbers"):
        read_annotation(path)
    write_lines(path, ["1,2,3,4", "1,2,3"])
    with pytest.raises(DatasetError, match=r"groundtruth.txt:2: expected 4 values, got 3"):
        read_annotation(path)


def test_nan_rows_are_kept(tmp_path):
    path = write_lines(tmp_path / "a.txt", ["1,2,3,4", "NaN,NaN,NaN,NaN"])
    gt = read_annotation(path)
    assert np.isnan(gt[1]).all() and gt[0].tolist() == [1, 2, 3, 4]


def test_vot_polygons_tags_and_list(tmp_path):
    root = tmp_path / "VOT2018"
    write_lines(root / "list.txt", ["ants1"])
    write_frames(root / "ants1" / "color", 4)
    write_lines(root / "ants1" / "groundtruth.txt", [(1, 1, 9, 1, 9, 9, 1, 9)] * 4)
    write_lines(root / "ants1" / "occlusion.tag", ["0", "1", "1"])  # stops early: the rest is untagged
    bench = load_benchmark("vot2018", root)
    seq = bench["ants1"]
    assert bench.protocol == "vot" and bench.eao_interval == (100, 356)
    assert seq.ground_truth.shape == (4, 8)
    assert seq.tags["occlusion"].tolist() == [False, True, True, False]
    assert not seq.tags["camera_motion"].any()
    write_lines(root / "list.txt", ["ants1", "bag"])
    with pytest.raises(DatasetError, match="lists 'bag'"):
        load_benchmark("VOT2018", root)


def test_uav123_subsequence_frame_range_and_nan(tmp_path):
    root = tmp_path / "UAV123"
    write_frames(root / "data_seq" / "UAV123" / "car1", 1, "{:06d}.jpg", start=751)
    write_frames(root / "data_seq" / "UAV123" / "car1", 1, "{:06d}.jpg", start=1627)
    write_frames(root / "data_seq" / "UAV123" / "boat1", 2, "{:06d}.jpg")
    rows = [(i, 1, 5, 5) for i in range(877)]
    rows[3] = (float("nan"),) * 4
    write_lines(root / "anno" / "UAV123" / "car1_2.txt", rows)  # car1_2 is frames 751..1627 of car1
    write_lines(root / "anno" / "UAV123" / "boat1.txt", [(1, 1, 5, 5)] * 2)
    write_lines(root / "anno" / "UAV123" / "att" / "boat1.txt", ["1,0,0,1,0,0,0,0,0,0,0,0"])
    bench = load_benchmark("UAV123", root)
    car = bench["car1_2"]
    assert car.frames[0].name == "000751.jpg" and car.frames[-1].name == "001627.jpg" and len(car) == 877
    assert bench["boat1"].attributes == ("SV", "FM")
    assert np.isnan(car.ground_truth[3]).all()


def test_nfs_samples_every_eighth_240fps_row(tmp_path):
    root = tmp_path / "NFS"
    write_frames(root / "Gymnastics" / "30" / "Gymnastics", 3, "{:05d}.jpg")
    rows = [f'1 {i} 10 {i + 20} 40 {i} 0 {int(i == 8)} 0 "person"' for i in range(24)]
    write_lines(root / "Gymnastics" / "30" / "Gymnastics.txt", rows)
    seq = load_benchmark("NFS30", root)["Gymnastics"]
    np.testing.assert_array_equal(seq.ground_truth, [[0, 10, 20, 30], [8, 10, 20, 30], [16, 10, 20, 30]])
    assert seq.tags["occlusion"].tolist() == [False, True, False]
    assert seq.attributes == ("person",)


def test_lasot_absent_frames_and_test_list(tmp_path):
    root = tmp_path / "LaSOT"
    for name in ("airplane-1", "airplane-13"):
        seq = root / "airplane" / name
        write_frames(seq / "img", 3)
        write_lines(seq / "groundtruth.txt", [(1, 1, 5, 5), (0, 0, 0, 0), (2, 2, 5, 5)])
        write_lines(seq / "full_occlusion.txt", ["0,1,0"])
        write_lines(seq / "out_of_view.txt", ["0,0,1"])
    write_lines(root / "testing_set.txt", ["airplane-13"])
    bench = load_benchmark("LaSOT", root)
    assert [s.name for s in bench] == ["airplane-13"]
    assert bench["airplane-13"].absent.tolist() == [False, True, True]


def test_got10k_val_and_test_splits(tmp_path):
    root = tmp_path / "GOT-10k"
    for split, n_gt in (("val", 3), ("test", 1)):
        name = f"GOT-10k_{split.capitalize()}_000001"
        write_lines(root / split / "list.txt", [name])
        write_frames(root / split / name, 3)
        write_lines(root / split / name / "groundtruth.txt", [(1, 1, 5, 5)] * n_gt)
        if split == "val":
            write_lines(root / split / name / "cover.label", ["8", "0", "3"])
            (root / split / name / "meta_info.ini").write_text("[METAINFO]\nobject_class: ant\nresolution: (64, 48)\n")
    val = load_benchmark("GOT-10k-val", root)["GOT-10k_Val_000001"]
    assert val.absent.tolist() == [False, True, False] and val.meta["resolution"] == "(64, 48)"
    test = load_benchmark("GOT-10k", root)
    assert test.protocol == "got10k" and np.isnan(test["GOT-10k_Test_000001"].ground_truth[1:]).all()


def test_unknown_dataset_and_missing_root(tmp_path):
    with pytest.raises(DatasetError, match="unknown dataset 'KITTI'"):
        load_benchmark("KITTI", tmp_path)
    with pytest.raises(DatasetError, match="dataset root not found"):
        load_benchmark("OTB100", tmp_path / "nowhere")
