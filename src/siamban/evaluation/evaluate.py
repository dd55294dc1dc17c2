"""Scoring the result folders of any number of trackers on a benchmark (``siamban eval``), and ``track_and_score``:
run one tracker (siamban's, OpenCV's, anyone's) over a benchmark and score it in one call."""

from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from siamban.evaluation.datasets.base import Benchmark, Sequence
from siamban.evaluation.datasets.vot import VOT_TAGS
from siamban.evaluation.metrics.ope import GOT10kResult, OPEResult, evaluate_got10k, evaluate_ope
from siamban.evaluation.metrics.vot import VOTResult, VOTSequenceRecord, evaluate_vot
from siamban.evaluation.results import list_trackers, read_boxes, read_times, read_vot_repetitions, result_paths
from siamban.evaluation.runners.run import RunOptions, run_benchmark
from siamban.errors import InputError
from siamban.io.frames import read_image
from siamban.tracker.sequence import SingleTargetTracker


@dataclass
class TrackerScores:
    """One tracker's numbers on one benchmark: ``summary`` (the table row), ``details`` (curves), per attribute."""

    tracker: str
    kind: str  # "ope", "vot" or "got10k"
    summary: dict[str, float]
    details: OPEResult | VOTResult | GOT10kResult
    by_attribute: dict[str, dict[str, float]] = field(default_factory=dict)


def _speed(paths: list[Path]) -> float:
    """Frames per second over all frames with a positive time (the first frame excluded)."""
    total, frames = 0.0, 0
    for path in paths:
        times = read_times(path)
        if times is not None and len(times) > 1:
            t = times[1:][times[1:] > 0]
            total += float(t.sum())
            frames += len(t)
    return frames / total if total > 0 else float("nan")


def _image_size(seq: Sequence) -> tuple[int, int]:
    if "resolution" in seq.meta:
        try:
            w, h = ast.literal_eval(seq.meta["resolution"])
            return int(w), int(h)
        except (ValueError, SyntaxError):
            pass
    image = read_image(seq.frames[0])
    return image.shape[1], image.shape[0]


def _read_predictions(
    benchmark: Benchmark, results_dir: Path, name: str
) -> tuple[list[tuple[Sequence, np.ndarray]], list[Path]]:
    """Each sequence with the tracker's boxes on it (one per frame, checked), and the tracker's time files."""
    predictions, times = [], []
    for seq in benchmark:
        path, time_path = result_paths(benchmark, results_dir, name, seq)
        pred = read_boxes(path, len(seq))
        predictions.append((seq, pred))
        times.append(time_path)
    return predictions, times


def _ope_scores(benchmark: Benchmark, results_dir: Path, name: str, toolkit: str) -> TrackerScores:
    predictions, times = _read_predictions(benchmark, results_dir, name)
    result = evaluate_ope([(seq.name, seq.ground_truth, pred, seq.absent) for seq, pred in predictions], toolkit)
    summary = {"success_auc": result.auc, "precision": result.precision20, "norm_precision": result.norm_precision20,
               "fps": _speed(times)}
    by_attr: dict[str, dict[str, float]] = {}
    for attr in sorted({a for seq in benchmark for a in seq.attributes}):
        names = [s.name for s in benchmark if attr in s.attributes]
        sub = result.subset(names)
        by_attr[attr] = {"success_auc": sub.auc, "precision": sub.precision20, "sequences": len(names)}
    return TrackerScores(name, "ope", summary, result, by_attr)


def _got10k_scores(benchmark: Benchmark, results_dir: Path, name: str) -> TrackerScores:
    if any(not np.all(np.isfinite(seq.ground_truth)) for seq in benchmark):
        raise InputError(
            f"{benchmark.name}: the test split's ground truth is withheld; upload the results to the evaluation "
            "server (check them first with `siamban eval --check-submission`)"
        )
    predictions, times = _read_predictions(benchmark, results_dir, name)
    result = evaluate_got10k(
        [(seq.name, seq.ground_truth, pred, seq.absent, _image_size(seq)) for seq, pred in predictions]
    )
    summary = {"ao": result.ao, "sr50": result.sr50, "sr75": result.sr75, "fps": _speed(times)}
    return TrackerScores(name, "got10k", summary, result)


def _vot_scores(benchmark: Benchmark, results_dir: Path, name: str, experiment: str) -> TrackerScores:
    records, times = [], []
    for seq in benchmark:
        path, time_path = result_paths(benchmark, results_dir, name, seq, experiment)
        trajectories = read_vot_repetitions(path.parent, seq.name, len(seq))
        tags = dict(seq.tags)
        tags["unassigned"] = ~np.any([seq.tags[t] for t in VOT_TAGS if t in seq.tags], axis=0) if seq.tags else (
            np.ones(len(seq), bool))
        records.append(VOTSequenceRecord(seq.name, trajectories, seq.ground_truth, _image_size(seq), tags))
        times.append(time_path)
    interval = benchmark.eao_interval or (100, 356)
    result = evaluate_vot(records, interval, tags=(*VOT_TAGS, "unassigned"))
    summary = {"eao": result.eao, "accuracy": result.accuracy, "robustness": result.robustness,
               "lost_number": result.lost_number, "fps": _speed(times)}
    by_attr = {tag: {"eao": value} for tag, value in result.eao_by_tag.items() if tag != "all"}
    return TrackerScores(name, "vot", summary, result, by_attr)


def evaluate_benchmark(
    benchmark: Benchmark,
    results_dir: str | Path,
    trackers: list[str] | None = None,
    toolkit: str = "pysot",
    experiment: str = "baseline",
) -> list[TrackerScores]:
    """Score every tracker folder under ``<results>/<benchmark>`` (or the named ones), best first."""
    results_dir = Path(results_dir)
    names = trackers or list_trackers(results_dir, benchmark.name)
    scores = []
    for name in names:
        if not (results_dir / benchmark.name / name).is_dir():
            raise InputError(f"{results_dir / benchmark.name / name}: no results for tracker {name!r}")
        if benchmark.protocol == "vot":
            scores.append(_vot_scores(benchmark, results_dir, name, experiment))
        elif benchmark.protocol == "got10k":
            scores.append(_got10k_scores(benchmark, results_dir, name))
        else:
            scores.append(_ope_scores(benchmark, results_dir, name, toolkit))
    key = {"vot": "eao", "got10k": "ao", "ope": "success_auc"}[scores[0].kind]
    return sorted(scores, key=lambda s: -np.nan_to_num(s.summary[key], nan=-1))


class _Fixed:
    """A factory handing out one existing tracker (in-process runs only)."""

    def __init__(self, tracker: SingleTargetTracker) -> None:
        self.tracker = tracker

    def __call__(self) -> SingleTargetTracker:
        return self.tracker


def track_and_score(
    benchmark: Benchmark,
    tracker: SingleTargetTracker | Callable[[], SingleTargetTracker],
    results_dir: str | Path | None,
    tracker_name: str,
    workers: int = 1,
    options: RunOptions = RunOptions(),
    toolkit: str = "pysot",
    show_progress: bool = True,
) -> TrackerScores:
    """Run ``tracker`` over every unfinished sequence of ``benchmark`` and score all of its sequences.

    ``tracker`` is any object with ``init(image, box_xywh)`` and ``track(image) -> TrackResult`` (run in this process)
    or a picklable factory of one (needed for ``workers > 1``). Result files go to ``results_dir`` in pysot-toolkit's
    layout (a temporary folder when None). ``summary`` holds ``success_auc``, ``precision`` (at 20 px),
    ``norm_precision`` and ``fps`` (tracker time only) for one-pass benchmarks; ``eao``, ``accuracy``, ``robustness``
    for VOT; ``ao``, ``sr50``, ``sr75`` for GOT-10k val.
    """
    factory: Callable[[], SingleTargetTracker]
    if isinstance(tracker, SingleTargetTracker):  # has init and track
        if workers > 1:
            raise InputError("a tracker object runs in this process only: pass a picklable factory for workers > 1")
        factory = _Fixed(tracker)
    else:
        factory = tracker
    if results_dir is None:
        with tempfile.TemporaryDirectory(prefix="siamban-results-") as tmp:
            return track_and_score(benchmark, factory, tmp, tracker_name, workers, options, toolkit, show_progress)
    run_benchmark(benchmark, factory, results_dir, tracker_name, workers, options, show_progress=show_progress)
    return evaluate_benchmark(benchmark, results_dir, [tracker_name], toolkit, options.experiment)[0]
