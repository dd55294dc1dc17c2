"""Running a tracker over a whole benchmark: resumable, in parallel worker processes, with progress bars.

``run_benchmark`` skips sequences whose result file is complete, runs the others in ``workers`` processes (each
builds its own tracker once from ``factory``, a picklable zero-argument callable, and uses ``threads`` torch threads)
and writes each sequence's files atomically as soon as it finishes. With ``workers=1`` everything runs in this process.
``run_jobs`` is the engine under it: any list of (sequence, tracker name, hyper-parameter overrides) jobs, which is
how ``siamban tune`` runs all its trials' sequences in one pool (the factory is then called as ``factory(overrides)``).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import queue as queue_module
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from siamban.evaluation.datasets.base import Benchmark, Sequence
from siamban.evaluation.results import read_result, result_paths, write_boxes, write_times, write_trajectory
from siamban.evaluation.runners.batch import SlotTracker, run_ope_batched
from siamban.evaluation.runners.protocols import OPERun, run_ope, run_realtime, run_supervised
from siamban.errors import InputError, SiamBANWarning
from siamban.progress import progress_bar
from siamban.tracker.sequence import SingleTargetTracker

EXPERIMENTS = ("baseline", "realtime")


@dataclass(frozen=True)
class RunOptions:
    """How sequences are run: the VOT experiment and its real-time pace."""

    experiment: str = "baseline"
    fps: float = 20.0
    grace: int = 3
    skip: int = 5


@dataclass
class RunSummary:
    done: list[str]
    skipped: list[str]
    frames: int
    seconds: float
    failures: int

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")


def result_problem(path: Path, frames: int, protocol: str) -> str:
    """Why the result file ``path`` cannot count as a finished run of a ``frames``-frame sequence ("" when it can):
    the check ``siamban eval`` applies when it scores the file (``read_result``), as one line naming ``file:line``."""
    path = Path(path)
    try:
        read_result(path, protocol, frames)
    except InputError as exc:
        return str(exc)
    except OSError as exc:
        return f"{path}: unreadable ({exc.strerror or exc})"
    return ""


def is_finished(path: Path, frames: int, protocol: str) -> bool:
    """Whether ``path`` holds a whole, valid result (resumed runs skip such sequences); a file that exists but is
    not valid is run again, with a warning that names it and says why."""
    path = Path(path)
    if not path.is_file():
        return False
    problem = result_problem(path, frames, protocol)
    if problem:
        warnings.warn(SiamBANWarning(f"existing result file is not valid, running the sequence again: {problem}"),
                      stacklevel=2)
    return not problem


def run_sequence(
    tracker: SingleTargetTracker,
    benchmark: Benchmark,
    seq: Sequence,
    results_dir: Path,
    tracker_name: str,
    options: RunOptions,
    on_frame: Callable[[int], None] = lambda n: None,
) -> tuple[int, float, int]:
    """Run ``seq`` under the benchmark's protocol and write its files; return (frames, tracker seconds, failures)."""
    result, times_path = result_paths(benchmark, results_dir, tracker_name, seq, options.experiment)
    if benchmark.protocol == "vot":
        if options.experiment == "realtime":
            run = run_realtime(tracker, seq, options.fps, options.grace, options.skip, on_frame=on_frame)
        else:
            run = run_supervised(tracker, seq, options.skip, on_frame=on_frame)
        write_times(times_path, run.times)
        write_trajectory(result, run.trajectory)
        return len(seq), float(run.times.sum()), run.failures
    ope = run_ope(tracker, seq, on_frame=on_frame)
    _write_ope(result, times_path, ope)
    return len(seq), float(ope.times.sum()), 0


def _write_ope(result: Path, times_path: Path, run: OPERun) -> None:
    write_times(times_path, run.times)  # the box file last: its presence marks the sequence finished
    write_boxes(result, run.boxes)


# ----------------------------------------------------------------------------------------------------------------------
# jobs, in this process or in worker processes

#: Tracker hyper-parameter overrides of a job (``None``: the factory's own tracker, built once per process).
Overrides = Mapping[str, float] | None


@dataclass(frozen=True)
class Job:
    """One sequence to run under one tracker name; ``overrides`` go to the factory (``siamban tune``'s trials)."""

    seq: Sequence
    tracker_name: str
    overrides: Overrides = None


class _TrackerCache:
    """Hands out the tracker of a job: one per process without overrides, a fresh one from ``factory(overrides)``."""

    def __init__(self, factory: Callable[..., SingleTargetTracker]) -> None:
        self.factory = factory
        self.default: SingleTargetTracker | None = None

    def get(self, overrides: Overrides) -> SingleTargetTracker:
        if overrides is not None:
            return self.factory(dict(overrides))
        if self.default is None:
            self.default = self.factory()
        return self.default


_WORKER: dict = {}


def _worker_init(factory: Callable[..., SingleTargetTracker], progress: "mp.Queue", threads: int) -> None:
    import torch

    torch.set_num_threads(max(1, threads))
    _WORKER["trackers"] = _TrackerCache(factory)
    _WORKER["progress"] = progress


def _worker_run(benchmark: Benchmark, job: Job, results_dir: Path, options: RunOptions):
    progress = _WORKER["progress"]
    pending = [0]

    def on_frame(n: int) -> None:
        pending[0] += n
        if pending[0] >= 10:
            progress.put(pending[0])
            pending[0] = 0

    tracker = _WORKER["trackers"].get(job.overrides)
    out = run_sequence(tracker, benchmark, job.seq, results_dir, job.tracker_name, options, on_frame)
    progress.put(pending[0])
    return out


def run_jobs(
    benchmark: Benchmark,
    factory: Callable[..., SingleTargetTracker],
    results_dir: Path,
    jobs: list[Job],
    on_done: Callable[[Job, tuple[int, float, int]], None],
    workers: int = 1,
    options: RunOptions = RunOptions(),
    threads: int | None = None,
    show_progress: bool = True,
    desc: str = "",
) -> None:
    """Run ``jobs`` (in order with ``workers=1``, else in ``workers`` spawned processes), writing each one's files;
    ``on_done(job, (frames, tracker seconds, failures))`` is called in this process as each job finishes."""
    if not jobs:
        return
    bar_jobs = progress_bar(total=len(jobs), unit="seq", desc=desc or benchmark.name, disable=not show_progress,
                            position=0)
    bar_frames = progress_bar(total=sum(len(j.seq) for j in jobs), unit="frame", desc="frames",
                              disable=not show_progress, position=1, leave=False)

    def finished(job: Job, out: tuple[int, float, int]) -> None:
        bar_jobs.update(1)
        bar_jobs.set_postfix_str(job.seq.name)
        on_done(job, out)

    try:
        if workers <= 1:
            trackers = _TrackerCache(factory)
            for job in jobs:
                tracker = trackers.get(job.overrides)
                finished(job, run_sequence(tracker, benchmark, job.seq, results_dir, job.tracker_name, options,
                                           bar_frames.update))
        else:
            _run_parallel(benchmark, factory, results_dir, jobs, workers, options, threads, finished, bar_frames)
    finally:
        bar_frames.close()
        bar_jobs.close()


def run_benchmark(
    benchmark: Benchmark,
    factory: Callable[[], SingleTargetTracker],
    results_dir: str | Path,
    tracker_name: str,
    workers: int = 1,
    options: RunOptions = RunOptions(),
    threads: int | None = None,
    batch_factory: Callable[[], SlotTracker] | None = None,
    show_progress: bool = True,
) -> RunSummary:
    """Run every unfinished sequence of ``benchmark``; see the module docstring."""
    if options.experiment not in EXPERIMENTS:
        raise InputError(f"unknown experiment {options.experiment!r} (known: {', '.join(EXPERIMENTS)})")
    if options.experiment == "realtime" and benchmark.protocol != "vot":
        raise InputError(f"the real-time experiment is a VOT protocol; {benchmark.name} is a one-pass benchmark")
    if options.experiment == "realtime" and not (0 < options.fps < math.inf):
        raise InputError(f"--fps {options.fps:g}: the real-time frame rate must be a positive number")
    results_dir = Path(results_dir)
    todo: list[Sequence] = []
    skipped: list[Sequence] = []
    for seq in benchmark:
        path, _ = result_paths(benchmark, results_dir, tracker_name, seq, options.experiment)
        (skipped if is_finished(path, len(seq), benchmark.protocol) else todo).append(seq)
    summary = RunSummary([], [s.name for s in skipped], 0, 0.0, 0)

    def finished(name: str, frames: int, seconds: float, failures: int) -> None:
        summary.done.append(name)
        summary.frames += frames
        summary.seconds += seconds
        summary.failures += failures

    if batch_factory is not None and todo:
        if benchmark.protocol == "vot":
            raise InputError("batched tracking runs one-pass benchmarks only (VOT re-initialises per sequence)")
        bar = progress_bar(total=sum(len(s) for s in todo), unit="frame", desc=f"{benchmark.name} {tracker_name}",
                           disable=not show_progress)

        def done(seq: Sequence, run: OPERun) -> None:
            _write_ope(*result_paths(benchmark, results_dir, tracker_name, seq), run)
            finished(seq.name, len(seq), float(run.times.sum()), 0)

        with bar:
            run_ope_batched(batch_factory(), todo, done, bar.update)
        return summary
    run_jobs(benchmark, factory, results_dir, [Job(seq, tracker_name) for seq in todo],
             lambda job, out: finished(job.seq.name, *out), workers, options, threads, show_progress,
             f"{benchmark.name} {tracker_name}")
    return summary


def _run_parallel(benchmark, factory, results_dir, jobs, workers, options, threads, finished, bar) -> None:
    context = mp.get_context("spawn")  # safe with CUDA and with torch's thread pools
    progress = context.Queue()
    threads = threads or max(1, (os.cpu_count() or 1) // workers)
    stub = benchmark.select([])  # the sequences travel with their jobs, not with every task
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                             initargs=(factory, progress, threads)) as pool:
        futures = {pool.submit(_worker_run, stub, job, results_dir, options): job for job in jobs}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(progress, bar)
            for future in done:
                finished(futures[future], future.result())
        _drain(progress, bar)


def _drain(progress, bar) -> None:
    while True:
        try:
            bar.update(progress.get_nowait())
        except queue_module.Empty:
            return
