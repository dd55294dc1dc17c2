"""The pair sampler (epoch lists with per-dataset NUM_USE, frames within FRAME_RANGE, negative pairs with NEG) and
the pairs it makes from a prepared dataset (box on the target after cropping and augmentation, labels on the box)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from data_helpers import scene, white_bounds, write_image
from siamban.config import AugmentationConfig, DatasetConfig, DatasetSourceConfig, SiamBANConfig
from siamban.data.datasets.base import TrackingDataset
from siamban.data.labels import label_regions
from siamban.data.pairs import build_pair_dataset
from siamban.data.prepare import prepare_dataset
from siamban.data.sampler import PairSampler
from siamban.errors import DatasetError


class FrameLists(TrackingDataset):
    """Sequences given as one sorted frame-id list per track (no images: ``get`` is never called here)."""

    def __init__(self, name: str, tracks: list[list[list[int]]], frame_range: int = 100, num_use: int = -1) -> None:
        super().__init__(name, frame_range, num_use)
        self.tracks = [[np.asarray(t, dtype=np.int64) for t in seq] for seq in tracks]

    def num_sequences(self) -> int:
        return len(self.tracks)

    def num_tracks(self, seq: int) -> int:
        return len(self.tracks[seq])

    def frames(self, seq: int, track: int = 0) -> np.ndarray:
        return self.tracks[seq][track]

    def get(self, seq: int, frame: int, track: int = 0):
        raise AssertionError("the sampler must not read images")


def one_frame_each(name: str, sequences: int, num_use: int) -> FrameLists:
    return FrameLists(name, [[[0]] for _ in range(sequences)], frame_range=1, num_use=num_use)


def draws(sampler: PairSampler, epoch: int = 0):
    return [sampler.draw(epoch, i, sampler.item_rng(epoch, i)) for i in range(len(sampler))]


def test_epoch_list_takes_num_use_sequences_of_each_dataset():
    # A: 3 sequences, NUM_USE 7 (its shuffled list repeated: every sequence 2 or 3 times); B: 5 sequences,
    # NUM_USE 2 (two different ones); C: NUM_USE -1 (all, once).
    datasets = [one_frame_each("A", 3, 7), one_frame_each("B", 5, 2), one_frame_each("C", 2, -1)]
    sampler = PairSampler(datasets, videos_per_epoch=0, neg=0.0, seed=1)
    entries = sampler.epoch_list(0)
    assert len(sampler) == 11 and entries.shape == (11, 2)
    assert Counter(entries[:, 0].tolist()) == {0: 7, 1: 2, 2: 2}
    per_seq_a = Counter(entries[entries[:, 0] == 0, 1].tolist())
    assert sorted(per_seq_a.values()) == [2, 2, 3]
    assert len(set(entries[entries[:, 0] == 1, 1].tolist())) == 2
    assert sorted(entries[entries[:, 0] == 2, 1].tolist()) == [0, 1]
    assert entries[:, 0].tolist() != sorted(entries[:, 0].tolist())  # the datasets are mixed
    # Fixed by (seed, epoch): the same again, another list next epoch.
    assert np.array_equal(PairSampler(datasets, 0, 0.0, seed=1).epoch_list(0), entries)
    assert not np.array_equal(sampler.epoch_list(1), entries)
    # Each pair draws from its entry's dataset and sequence.
    assert [(p.template.dataset, p.template.sequence) for p in draws(sampler)] == [tuple(e) for e in entries]


def test_videos_per_epoch_repeats_reshuffled_rounds():
    datasets = [one_frame_each("A", 3, 7), one_frame_each("B", 5, 2), one_frame_each("C", 2, -1)]
    sampler = PairSampler(datasets, videos_per_epoch=25, neg=0.0, seed=2)
    entries = sampler.epoch_list(0)
    assert len(sampler) == 25 and len(entries) == 25
    rounds = [Counter(map(tuple, entries[k : k + 11].tolist())) for k in (0, 11)]
    assert rounds[0] == rounds[1] and sum(rounds[0].values()) == 11  # the same 11 entries ...
    assert entries[:11].tolist() != entries[11:22].tolist()  # ... in another order
    assert Counter(entries[:22, 0].tolist()) == {0: 14, 1: 4, 2: 4}


def test_search_frames_lie_within_frame_range_of_the_template():
    # Frame ids with gaps (every third frame annotated): the range counts positions in the sorted list, not ids.
    ids = list(range(0, 60, 3))
    ds = FrameLists("V", [[ids, ids[:5]], [ids[3:9]]], frame_range=3, num_use=400)
    pairs = draws(PairSampler([ds], videos_per_epoch=0, neg=0.0, seed=3))
    distances = Counter()
    for pair in pairs:
        t, s = pair.template, pair.search
        assert not pair.negative and (t.dataset, t.sequence, t.track) == (s.dataset, s.sequence, s.track)
        frames = ds.frames(t.sequence, t.track).tolist()
        distances[frames.index(s.frame) - frames.index(t.frame)] += 1
    assert set(distances) == {-3, -2, -1, 0, 1, 2, 3}  # every offset occurs, none beyond the range
    tracks = Counter((p.template.sequence, p.template.track) for p in pairs)
    assert set(tracks) == {(0, 0), (0, 1), (1, 0)}  # a random track of the sequence
    # FRAME_RANGE 0 (still images, COCO and DET's 1-frame tracks): the search frame is the template frame.
    still = FrameLists("S", [[ids]], frame_range=0, num_use=50)
    assert all(p.template == p.search for p in draws(PairSampler([still], 0, 0.0, seed=3)))


def test_negative_pairs_come_with_probability_neg_from_any_dataset():
    datasets = [one_frame_each("A", 4, 1000), one_frame_each("B", 4, 1000)]
    pairs = draws(PairSampler(datasets, videos_per_epoch=0, neg=0.2, seed=4))
    negatives = [p for p in pairs if p.negative]
    assert len(negatives) / len(pairs) == pytest.approx(0.2, abs=0.03)  # 2000 draws: 3 standard deviations
    entries = PairSampler(datasets, 0, 0.2, seed=4).epoch_list(0)
    for pair, entry in zip(pairs, entries):  # the template comes from the entry, the search from any dataset
        assert (pair.template.dataset, pair.template.sequence) == tuple(entry)
    assert Counter(p.search.dataset for p in negatives).keys() == {0, 1}
    assert not any(p.negative for p in draws(PairSampler(datasets, 0, 0.0, seed=4)))
    assert all(p.negative for p in draws(PairSampler(datasets, 0, 1.0, seed=4)))


def test_sampler_errors_name_the_dataset():
    with pytest.raises(DatasetError, match="DATASET.NAMES is empty"):
        PairSampler([], 0, 0.0, 0)
    with pytest.raises(DatasetError, match="^E: no sequence to sample from"):
        PairSampler([FrameLists("E", [])], 0, 0.0, 0)
    with pytest.raises(DatasetError, match="every dataset has NUM_USE 0"):
        PairSampler([one_frame_each("Z", 2, 0)], 10, 0.0, 0).epoch_list(0)


# ---------------------------------------------------------------------------------------------------------------------
# Pairs from a prepared dataset


def prepared_got10k(tmp_path):
    """Two GOT-10k sequences of a white rectangle moving over 5 frames, through ``siamban prepare``."""
    raw, out = tmp_path / "raw", tmp_path / "got10k"
    for n, (w, h) in enumerate([(40, 24), (20, 30)]):
        seq = raw / "train" / f"GOT-10k_Train_{n + 1:06d}"
        lines = []
        for f in range(5):
            x, y = 30 + 6 * f, 40 - 3 * f
            write_image(seq / f"{f + 1:08d}.jpg", scene(160, 120, (x, y, x + w, y + h)))
            lines.append(f"{x},{y},{w},{h}")
        (seq / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    prepare_dataset("GOT10K", raw, out, workers=1, progress=False)
    return out


def pair_config(out, **dataset_changes) -> SiamBANConfig:
    source = DatasetSourceConfig(root=str(out / "crop511"), anno=str(out / "train.json"), frame_range=2, num_use=6)
    data = DatasetConfig(
        names=("GOT10K",),
        videos_per_epoch=0,
        template=AugmentationConfig(shift=4, scale=0.05, blur=0.0, flip=0.0, color=0.0),
        search=AugmentationConfig(shift=64, scale=0.18, blur=0.0, flip=0.0, color=0.0),
        neg=0.0,
        sources={"GOT10K": source},
    )
    return SiamBANConfig(dataset=dataclasses.replace(data, **dataset_changes))


def test_prepared_pairs_box_the_target_and_label_around_it(tmp_path):
    pairs = build_pair_dataset(pair_config(prepared_got10k(tmp_path)))
    assert len(pairs) == 6  # NUM_USE 6 of 2 sequences
    for index in range(len(pairs)):
        item = pairs[index]
        assert item["template"].shape == (3, 127, 127) and item["search"].shape == (3, 255, 255)
        assert item["label_cls"].shape == (25, 25) and item["label_loc"].shape == (4, 25, 25)
        box = item["search_box"].numpy()
        # The box bounds the white rectangle in the search patch (crop511 JPEG, then jittered warp).
        search = item["search"].numpy().transpose(1, 2, 0)
        assert white_bounds(search) == pytest.approx(box.tolist(), abs=1.5)
        template = item["template"].numpy().transpose(1, 2, 0)
        tx1, ty1, tx2, ty2 = white_bounds(template)
        assert abs((tx1 + tx2) / 2 - 63) <= 5 and abs((ty1 + ty2) / 2 - 63) <= 5  # centred up to SHIFT 4
        # Positives inside E2 of that box, at most 16; their targets are the distances to its sides.
        cls, loc = item["label_cls"].numpy(), item["label_loc"].numpy()
        positive, outside = label_regions(box, pairs.points, "ellipse")
        assert 0 < (cls == 1).sum() <= 16 and np.all(positive[cls == 1]) and np.all(outside[cls == 0])
        assert (cls == 0).sum() == 48
        px, py = pairs.points[0][cls == 1], pairs.points[1][cls == 1]
        assert loc[0][cls == 1] == pytest.approx(px - box[0], abs=1e-4)
        assert loc[3][cls == 1] == pytest.approx(box[3] - py, abs=1e-4)
    # Items are fixed by (seed, epoch, index).
    again = build_pair_dataset(pair_config(tmp_path / "got10k"))
    assert all(np.array_equal(again[i]["search"], pairs[i]["search"]) for i in range(3))
    pairs.set_epoch(1)
    assert not np.array_equal(again[0]["search"], pairs[0]["search"])


def test_prepared_negative_and_grey_pairs(tmp_path):
    pairs = build_pair_dataset(pair_config(prepared_got10k(tmp_path), neg=1.0, gray=1.0))
    for index in range(len(pairs)):
        item = pairs[index]
        cls = item["label_cls"].numpy()
        assert item["negative"] and (cls == 1).sum() == 0 and 0 < (cls == 0).sum() <= 16
        for name in ("template", "search"):  # GRAY 1 and no colour offset: the three channels are equal
            image = item[name].numpy()
            assert np.array_equal(image[0], image[1]) and np.array_equal(image[0], image[2])
