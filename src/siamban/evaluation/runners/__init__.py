"""Runners: one sequence under a protocol (``protocols``), many sequences in lock-step on a batched tracker
(``batch``), and a whole benchmark resumably in parallel processes (``run``)."""

from siamban.evaluation.runners.batch import BatchedFactory, BatchedSiamBAN, SlotTracker, TrackerPool, run_ope_batched
from siamban.evaluation.runners.protocols import OPERun, RealtimeRuntime, VOTRun, run_ope, run_realtime, run_supervised
from siamban.evaluation.runners.run import RunOptions, RunSummary, run_benchmark, run_sequence

__all__ = [
    "BatchedFactory",
    "BatchedSiamBAN",
    "OPERun",
    "RealtimeRuntime",
    "RunOptions",
    "RunSummary",
    "SlotTracker",
    "TrackerPool",
    "VOTRun",
    "run_benchmark",
    "run_ope",
    "run_ope_batched",
    "run_realtime",
    "run_sequence",
    "run_supervised",
]
