"""Benchmarks: dataset readers, the one-pass and VOT runners, metrics that agree with pysot-toolkit and the GOT-10k
toolkit, and reports. ``siamban test`` and ``siamban eval`` are thin commands over this package."""

from siamban.evaluation.datasets import Benchmark, Sequence, load_benchmark
from siamban.evaluation.evaluate import TrackerScores, evaluate_benchmark, track_and_score
from siamban.evaluation.report import write_report
from siamban.evaluation.results import check_submission
from siamban.evaluation.runners import RunOptions, run_benchmark
from siamban.evaluation.trackers import OpenCVFactory, OpenCVTracker, SiamBANFactory

__all__ = [
    "Benchmark",
    "OpenCVFactory",
    "OpenCVTracker",
    "RunOptions",
    "Sequence",
    "SiamBANFactory",
    "TrackerScores",
    "check_submission",
    "evaluate_benchmark",
    "load_benchmark",
    "run_benchmark",
    "track_and_score",
    "write_report",
]
