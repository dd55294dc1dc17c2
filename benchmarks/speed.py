"""Inference speed of every path (eager fp32, optimized fp32, bf16, fp16 on CUDA, ONNX Runtime) of the R50 and
Lite0 models: per-frame step and end-to-end tracking, batch 1 and batch N, latency percentiles, peak memory, FLOPs and
the FLOP floor of this machine, each also as a ratio to the eager fp32 baseline measured in the same run; and how
closely the bf16 / fp16 boxes follow the fp32 ones (mean IoU) on the sample clip and the shared real sequences.

    python benchmarks/speed.py                                          # both models, all paths, CPU
    python benchmarks/speed.py --models lite0 --frames 20 --batch 4     # a quick look
    python benchmarks/speed.py --weights lite0=runs/x/model.pth --iou-frames 100
    python benchmarks/speed.py --models r50 --paths fp32 bf16 --profile
    python benchmarks/speed.py --models lite0 --paths fp32 --threads 1 2 auto --background-load 2   # a busy machine

Prints the protocol, a table, and writes JSON (default benchmarks/results/speed_<device>.json). See docs/inference.md.
"""

from __future__ import annotations

import argparse
import json
import contextlib
import math
import multiprocessing as mp
import os
import resource
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from siamban.api import LoadedNetwork, crops_on_device, inference_network
from siamban.assets import default_weights, sample_clip
from siamban.config import SiamBANConfig, resolve_config
from siamban.errors import CheckpointError
from siamban.geometry import iou_xywh
from siamban.inference import optimize_for_inference
from siamban.inference.optimize import cpu_busy_elsewhere, physical_cores, resolve_inference_threads
from siamban.io import open_frames
from siamban.models import build_model, count_parameters, load_weights
from siamban.tracker import BatchTracker, SiamBANTracker
from siamban.tracker.sequence import track_frames
from siamban.machine import device_name, report_path

MODELS = {"r50": "siamban_r50_l234", "lite0": "siamban_lite0"}
PATHS = ("eager", "fp32", "bf16", "fp16", "onnxruntime", "fp32-nchw", "fp16-nchw")  # -nchw: no channels-last
FRAME_SIZE = (480, 360)
SHARED_SEQUENCES = Path(__file__).resolve().parents[2] / "folders" / "data" / "sequences"


# ----------------------------------------------------------------------------------------------------------------------
# Machine


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory_mb(device: torch.device) -> float:
    """CUDA: peak allocated since the last reset; CPU: the process's peak RSS so far (monotone over the run)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure_throughput(device: torch.device, dtype: torch.dtype, repeats: int = 5) -> dict[str, float]:
    """GFLOP/s of a 1024^3 matrix product and a 3x3 256->256 convolution on 33x33 (channels-last) in ``dtype``."""
    a = torch.randn(1024, 1024, device=device, dtype=dtype)
    x = torch.randn(1, 256, 33, 33, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    conv = nn.Conv2d(256, 256, 3, bias=False).to(device, dtype, memory_format=torch.channels_last).eval()
    cases = {"matmul": (lambda: a @ a, 2 * 1024**3), "conv3x3": (lambda: conv(x), 2 * 256 * 256 * 9 * 31 * 31)}
    result = {}
    with torch.inference_mode():
        for name, (fn, flops) in cases.items():
            seconds = min(_time_once(fn, device) for _ in range(repeats + 1))
            result[name] = flops / seconds / 1e9
    return result


def _time_once(fn: Callable[[], Any], device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def _spin(stop: Any) -> None:
    """Keep one core busy with arithmetic until ``stop`` is set (a background-load process)."""
    x = 0
    while not stop.is_set():
        for i in range(100_000):
            x = (x * 31 + i) % 1_000_003


@contextlib.contextmanager
def background_load(processes: int, settle: float = 0.5) -> Iterator[list[Any]]:
    """``processes`` busy processes (one core each) while the block runs; stopped when it ends, however it ends
    (an error, Ctrl-C), and killed if they do not stop within a second. ``settle``: seconds to let them start."""
    context = mp.get_context("fork")  # a plain function of this script (not importable under spawn)
    stop = context.Event()
    workers = [context.Process(target=_spin, args=(stop,), daemon=True, name=f"busy-{i}") for i in range(processes)]
    try:
        for worker in workers:
            worker.start()
        if workers:
            time.sleep(settle)
        yield workers
    finally:
        stop.set()
        for worker in workers:
            if worker.pid is not None:
                worker.join(timeout=1.0)
                if worker.is_alive():
                    worker.kill()
                    worker.join()


def parse_threads(text: str) -> int | str:
    """One ``--threads`` value: a count of at least 1, or ``auto`` (siamban's default policy)."""
    if text == "auto":
        return text
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a thread count of at least 1, or auto")
    return int(text)


# ----------------------------------------------------------------------------------------------------------------------
# Models and paths


def model_weights(key: str, given: dict[str, str]) -> str | None:
    """Trained weights for ``key``: --weights, else the bundled default-model weights for lite0, else None."""
    if key in given:
        return given[key]
    if MODELS[key] == "siamban_lite0":
        try:
            return str(default_weights())
        except CheckpointError:
            return None
    return None


@torch.no_grad()
def settle_random_model(model: nn.Module) -> nn.Module:
    """Make a randomly initialised network numerically tame, so its timings (and tracked boxes) are realistic:
    batch-norm statistics from one random batch (as if calibrated) and a small regression scale (no ``exp``
    overflow; infinities and denormals would distort the timing and derail the tracker)."""
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = 1.0
    device = next(model.parameters()).device
    model.train()(torch.rand(1, 3, 127, 127, device=device) * 255, torch.rand(1, 3, 255, 255, device=device) * 255)
    scale = 0.05
    model.head.loc_scale.fill_(scale)
    for name in model.head.names:  # regression starts near 32 px, as a trained model's does
        getattr(model.head, name).loc.head[-1].bias.fill_(math.log(32.0) / scale)
    return model.eval()


def build_path(path: str, model: nn.Module, cfg: SiamBANConfig) -> nn.Module | None:
    """The network of one path (template / track interface), or None where it cannot run here."""
    device = next(model.parameters()).device
    if path.startswith("fp16") and device.type != "cuda":
        return None
    if path.endswith("-nchw"):
        return optimize_for_inference(model, path.removesuffix("-nchw"), channels_last=False)  # type: ignore[arg-type]
    if path == "onnxruntime":
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return None
        return inference_network(model, cfg, backend="onnxruntime")  # type: ignore[return-value]
    if path == "eager":
        return inference_network(model, cfg, optimize=False)  # type: ignore[return-value]
    return inference_network(model, cfg, path)  # type: ignore[arg-type, return-value]


def count_flops(model: nn.Module, device: torch.device) -> tuple[int, int]:
    """FLOPs of one template pass (127x127) and one per-frame pass (255x255) of the eager model, batch 1."""
    z = torch.rand(1, 3, 127, 127, device=device) * 255
    x = torch.rand(1, 3, 255, 255, device=device) * 255
    with torch.inference_mode():
        with FlopCounterMode(display=False) as counter:
            kernels = model.template(z)
        template = counter.get_total_flops()
        with FlopCounterMode(display=False) as counter:
            model.track(x, kernels)
    return template, counter.get_total_flops()


def time_step(net: nn.Module, batch: int, steps: int, warmup: int, device: torch.device) -> list[float]:
    """Seconds of each of ``steps`` per-frame steps (search side only; kernels computed beforehand)."""
    generator = torch.Generator().manual_seed(0)
    z = (torch.rand(1, 3, 127, 127, generator=generator) * 255).to(device)
    x = (torch.rand(batch, 3, 255, 255, generator=generator) * 255).to(device)
    with torch.inference_mode():
        kernels = net.template(z)
        for _ in range(warmup):
            net.track(x, kernels)
        return [_time_once(lambda: net.track(x, kernels), device) for _ in range(steps)]


def clip_frames(count: int) -> tuple[list[np.ndarray], tuple[float, float, float, float]]:
    """The first ``count`` frames of the bundled sample clip (480x360) and its first box."""
    clip = sample_clip()
    frames = []
    for frame in open_frames(clip.video):
        frames.append(frame)
        if len(frames) == count:
            break
    return frames, clip.first_box()


def make_tracker(net: nn.Module, path: str, cfg: SiamBANConfig, device: torch.device) -> SiamBANTracker:
    """A tracker running ``net``; optimized paths on CUDA crop on the GPU (the eager baseline crops with OpenCV)."""
    backend = "onnxruntime" if path == "onnxruntime" else "torch"
    device_crop = crops_on_device(device, optimize=path != "eager", backend=backend)
    return LoadedNetwork(net, cfg, device, device_crop).tracker()  # type: ignore[arg-type]


def time_end_to_end(
    tracker: SiamBANTracker, frames: list[np.ndarray], box: Any, warmup: int, device: torch.device
) -> list[float]:
    """Seconds of each ``tracker.track`` call (crop, network, post-processing) after ``warmup`` tracked frames."""
    tracker.init(frames[0], box)
    return _time_tracking(tracker.track, frames[1:], warmup, device)


def time_batch_end_to_end(
    tracker: BatchTracker, frames: list[np.ndarray], box: Any, targets: int, warmup: int, device: torch.device
) -> list[float]:
    """Seconds of each ``BatchTracker.track`` call following ``targets`` boxes (the first box, shifted by a few
    pixels each) on the same frames, after ``warmup`` tracked frames."""
    for i in range(targets):
        tracker.add(frames[0], np.asarray(box, dtype=float) + (i % 4, i // 4 % 4, 0, 0), target_id=i)
    return _time_tracking(tracker.track, frames[1:], warmup, device)


def _time_tracking(track: Callable[[np.ndarray], Any], frames: list[np.ndarray], warmup: int,
                   device: torch.device) -> list[float]:
    times = [_time_once(lambda: track(frame), device) for frame in frames]  # noqa: B023 (called at once)
    return times[warmup:]


def track_boxes(tracker: SiamBANTracker, frames: list[Any], box: Any) -> np.ndarray:
    """Boxes of one tracked run (frames: arrays or image paths)."""
    images = (cv2.imread(str(f)) if isinstance(f, (str, Path)) else f for f in frames)
    return np.array([r.box for _, _, r in track_frames(tracker, images, box)])


# ----------------------------------------------------------------------------------------------------------------------
# Report


def summary(times: list[float], batch: int = 1) -> dict[str, float]:
    """Frames per second from the median step (a shared machine's occasional stalls skew the mean), and the
    latency distribution in ms; ``fps_mean`` is the throughput from the mean step time."""
    t = np.asarray(times)
    return {
        "fps": batch / float(np.median(t)),
        "fps_mean": batch / float(t.mean()),
        "ms_mean": 1e3 * float(t.mean()),
        "ms_p50": 1e3 * float(np.percentile(t, 50)),
        "ms_p90": 1e3 * float(np.percentile(t, 90)),
        "ms_p99": 1e3 * float(np.percentile(t, 99)),
        "samples": len(times),
    }


def add_ratios(rows: list[dict]) -> None:
    """Every figure also as a ratio to the eager row of the same model and thread count (fps: speed-up; ms, MB:
    fraction)."""
    keys = ("step_b1", "step_bn", "end_to_end", "end_to_end_bn")
    for row in rows:
        base = next((r for r in rows if r["model"] == row["model"] and r["path"] == "eager"
                     and r["threads_choice"] == row["threads_choice"]), None)
        if base is None:
            continue
        row["ratio_to_eager"] = {
            f"{k}_{field}": row[k][field] / base[k][field]
            for k in keys
            if row.get(k) and base.get(k)
            for field in ("fps", "ms_p50", "ms_p90", "ms_p99")
        }
        row["ratio_to_eager"]["peak_memory"] = row["peak_memory_mb"] / base["peak_memory_mb"]


def print_table(rows: list[dict], batch: int) -> None:
    head = (
        f"{'model':6} {'path':11} {'threads':>7} {'step fps':>9} {'x':>5} {f'b{batch} fps':>8} {'x':>5} "
        f"{'e2e fps':>8} {'x':>5} "
        f"{f'e2e b{batch}':>8} {'x':>5} "
        f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'floor fps':>9} {'mem MB':>7} {'IoU free/same':>13}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r.get("ratio_to_eager", {})
        e2e = r.get("end_to_end") or {}
        iou = "" if r.get("iou_vs_fp32") is None else f"{r['iou_vs_fp32']:.3f}/{r['iou_vs_fp32_same_state']:.3f}"
        print(
            f"{r['model']:6} {r['path']:11} {_threads_label(r):>7} {r['step_b1']['fps']:9.2f} "
            f"{ratio.get('step_b1_fps', 1):5.2f} "
            f"{r['step_bn']['fps']:8.2f} {ratio.get('step_bn_fps', 1):5.2f} {e2e.get('fps', float('nan')):8.2f} "
            f"{ratio.get('end_to_end_fps', float('nan')):5.2f} {r['end_to_end_bn']['fps']:8.2f} "
            f"{ratio.get('end_to_end_bn_fps', float('nan')):5.2f} {r['step_b1']['ms_p50']:8.1f} "
            f"{r['step_b1']['ms_p90']:8.1f} {r['step_b1']['ms_p99']:8.1f} {r['floor_fps']:9.2f} "
            f"{r['peak_memory_mb']:7.0f} {iou:>13}"
        )


def _threads_label(row: dict) -> str:
    choice = row.get("threads_choice", str(row["threads"]))
    return f"auto={row['threads']}" if choice == "auto" else choice


def same_state_ious(
    leader: SiamBANTracker, follower: SiamBANTracker, frames: list[np.ndarray], follower_frames: list[np.ndarray],
    box: Any,
) -> np.ndarray:
    """IoU per frame between the leader's box and the follower's box computed from the leader's state on that frame.

    Both start on the first frame; before each later frame the follower restores the leader's snapshot, so
    differences do not accumulate: this is the per-frame effect of the follower's precision (or input), whereas
    free-running trajectories drift apart once a near tie between two grid points falls the other way.
    """
    leader.init(frames[0], box)
    follower.init(follower_frames[0], box)
    ious = []
    for frame, other in zip(frames[1:], follower_frames[1:]):
        follower.restore(leader.snapshot())
        ious.append(iou_xywh(np.array(leader.track(frame).box), np.array(follower.track(other).box)))
    return np.array(ious, dtype=float)


def iou_agreement(
    model: nn.Module, cfg: SiamBANConfig, device: torch.device, max_frames: int, root: Path,
    low: tuple[str, ...] = ("bf16",), nets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Mean IoU of the boxes of each reduced-precision path in ``low`` (bf16, fp16) vs fp32 ones, and of optimized
    fp32 vs eager, on the sample clip and the sequences under ``root``.

    Two measures: free-running trajectories (each tracker on its own), and the same state (the low-precision box of
    each frame from the fp32 tracker's state, ``same_state_ious``). For scale, both also for fp32 fed the frames with
    +-1 grey level of seeded noise against fp32 on the clean ones: how far the tracker moves under an imperceptible
    change of input (the argmax among near-tied points). ``nets``: paths already built from ``model`` (the others are
    built here).
    """
    from siamban.evaluation import load_benchmark

    runs: list[tuple[str, list[Any], Any]] = []
    frames, box = clip_frames(max_frames)
    runs.append(("sample", frames, box))
    if root.is_dir():
        for seq in load_benchmark("folders", root).sequences:
            start = seq.init_frame
            runs.append((seq.name, seq.frames[start : start + max_frames], seq.ground_truth[start]))
    built = nets or {}
    nets = {p: built[p] if p in built else build_path(p, model, cfg) for p in ("eager", "fp32", *low)}

    def tracker(path: str) -> SiamBANTracker:
        return make_tracker(nets[path], path, cfg, device)

    per_sequence = {}
    for name, seq_frames, init in runs:
        images = [cv2.imread(str(f)) if isinstance(f, (str, Path)) else f for f in seq_frames]
        rng = np.random.default_rng(0)
        noisy = [np.clip(f.astype(np.int16) + rng.integers(-1, 2, f.shape), 0, 255).astype(np.uint8) for f in images]
        boxes = {p: track_boxes(tracker(p), images, init) for p in nets}
        boxes["fp32_noise1"] = track_boxes(tracker("fp32"), noisy, init)
        found = {"frames": len(seq_frames), "fp32_vs_eager": float(iou_xywh(boxes["fp32"], boxes["eager"]).mean())}
        for path, leader_frames in [(p, images) for p in low] + [("fp32_noise1", noisy)]:
            follower = tracker("fp32" if path == "fp32_noise1" else path)
            found[f"{path}_vs_fp32"] = float(iou_xywh(boxes[path], boxes["fp32"]).mean())
            found[f"{path}_vs_fp32_same_state"] = float(
                same_state_ious(tracker("fp32"), follower, images, leader_frames, init).mean())
        per_sequence[name] = found
    real = [v for k, v in per_sequence.items() if k != "sample"]
    result: dict[str, Any] = {"max_frames": max_frames, "paths": list(low)}
    for measure in per_sequence["sample"]:
        if measure != "frames":
            result[f"sample_{measure}"] = per_sequence["sample"][measure]
            result[f"sequences_{measure}"] = float(np.mean([v[measure] for v in real])) if real else None
    result["per_sequence"] = per_sequence
    return result


def profile_step(net: nn.Module, device: torch.device, steps: int = 3) -> None:
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    time_step(net, 1, 1, 1, device)
    with profile(activities=activities) as prof:
        time_step(net, 1, steps, 0, device)
    sort = "cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=sort, row_limit=15))


# ----------------------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    p.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS),
                   help="eager is always measured first (the baseline of every ratio)")
    p.add_argument("--frames", type=int, default=30, help="timed per-frame steps and tracked frames per path")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps (and tracked frames) before timing")
    p.add_argument("--batch", type=int, default=8, help="batch N of the batched per-frame step")
    p.add_argument("--rounds", type=int, default=3,
                   help="split the timed frames into this many round-robin rounds over the paths")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--threads", nargs="+", type=parse_threads, default=["auto"], metavar="N|auto",
                   help="CPU threads; several: each path timed at each count, in the same turns (default: auto,\n"
                   "siamban's policy: OMP_NUM_THREADS, else one per physical core left free by other processes)")
    p.add_argument("--background-load", type=int, default=0, metavar="N",
                   help="run N busy processes (one core each) beside the timing, as on a shared machine")
    p.add_argument("--weights", nargs="*", default=[], metavar="MODEL=PATH",
                   help="trained weights (lite0 defaults to the bundled ones when shipped); random init otherwise")
    p.add_argument("--iou-frames", type=int, default=60,
                   help="frames per sequence for the bf16/fp16 box agreement check (0: skip)")
    p.add_argument("--sequences", type=Path, default=SHARED_SEQUENCES, help="real sequences (shared layout)")
    p.add_argument("--profile", action="store_true", help="print a torch.profiler table of each model's fastest path")
    p.add_argument("--output", "--json", dest="output", type=Path,
                   help="JSON results (default benchmarks/results/speed_<device>.json)")
    args = p.parse_args(argv)
    if args.background_load < 0:
        p.error(f"--background-load {args.background_load}: must be 0 or more")
    if len(set(args.threads)) != len(args.threads):
        p.error("--threads: a value is repeated")
    for name in ("frames", "rounds", "batch"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if args.rounds > args.frames:
        p.error(f"--rounds {args.rounds} is more than --frames {args.frames}: each round times at least one frame")
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    with background_load(args.background_load):
        return measure(args)


def measure(args: argparse.Namespace) -> dict:
    """Everything but the argument parsing: time, print, write the JSON (under main's background load)."""
    device = torch.device(args.device)
    busy = cpu_busy_elsewhere(0.5)
    variants = {str(choice): resolve_inference_threads(None if choice == "auto" else choice)
                for choice in args.threads}  # "auto" resolved now, under the background load, as the CLI would
    threads = next(iter(variants.values())) if len(variants) == 1 else list(variants.values())
    torch.set_num_threads(next(iter(variants.values())))
    given = dict(item.split("=", 1) for item in args.weights)
    paths = ["eager"] + [p for p in args.paths if p != "eager"]
    try:
        import onnxruntime

        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = None
    hardware = device_name(device)
    protocol = {
        "per_frame_step": "model.track(x, kernels) on a random (B, 3, 255, 255) crop, template kernels computed "
        "beforehand; each step timed alone with time.perf_counter" + (", torch.cuda.synchronize before and after"
                                                                      if device.type == "cuda" else ""),
        "end_to_end": f"SiamBANTracker.track on the sample clip ({FRAME_SIZE[0]}x{FRAME_SIZE[1]}): crop, network, "
        "post-processing; each call timed alone",
        "end_to_end_bn": "BatchTracker.track following N targets (the first box shifted by 0-3 px) on the clip: "
        "N crops, one network call, post-processing; frames/s counts target-frames",
        "warmup": args.warmup,
        "frames": args.frames,
        "rounds": f"{args.rounds}: the paths take turns, each timing frames/rounds steps and tracked frames per turn "
        "(warm-up repeated in each turn)",
        "batch": args.batch,
        "input": "template 127x127, search 255x255, batch 1 and batch N",
        "threads": threads,
        "threads_requested": [str(c) for c in args.threads],
        "thread_variants": "each path timed at each thread count in turn within every round" if len(variants) > 1
        else "one thread count",
        "background_load": args.background_load,
        "background_load_kind": "N processes spinning on integer arithmetic (one core each), started 0.5 s before "
        "the measurements and stopped after them",
        "physical_cores": physical_cores(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset (libgomp spins before sleeping)"),
        "cpu_busy_elsewhere": round(busy, 3),
        "hardware": hardware,
        "device": str(device),
        "torch": torch.__version__,
        "onnxruntime": ort_version,
        "memory": "peak RSS of the process so far (monotone; a model's paths are all built before its timing)"
        if device.type == "cpu"
        else "torch.cuda.max_memory_allocated per path",
        "floor": "per-frame-pass FLOPs / measured 3x3 convolution throughput of the path's precision",
        "fps": "batch / median time of one call (fps_mean in the JSON: batch / mean time)",
    }
    print("Timing protocol")
    for key, value in protocol.items():
        print(f"  {key}: {value}")
    throughput = {
        "fp32": measure_throughput(device, torch.float32),
        "bf16": measure_throughput(device, torch.bfloat16),
    }
    if device.type == "cuda":
        throughput["fp16"] = measure_throughput(device, torch.float16)
    print("  throughput GFLOP/s: " + ", ".join(
        f"{k} matmul {v['matmul']:.0f} conv3x3 {v['conv3x3']:.0f}" for k, v in throughput.items()))
    print()

    rows: list[dict] = []
    agreement: dict[str, Any] = {}
    frames, box = clip_frames(args.frames + args.warmup + 1)
    for key in args.models:
        cfg = resolve_config(MODELS[key])
        weights = model_weights(key, given)
        torch.manual_seed(0)
        model = build_model(cfg)
        if weights:
            model = load_weights(model, weights)
        model = model.to(device)
        if not weights:
            print(f"note: {key}: random weights (no trained weights given): speed only, no box agreement check")
            settle_random_model(model)
        model.eval()
        template_flops, search_flops = count_flops(model, device)
        nets = {}
        for path in paths:
            net = build_path(path, model, cfg)
            if net is None:
                print(f"note: {key}: path {path} skipped (not available here)")
            else:
                nets[path] = net
        times: dict[tuple[str, str], dict[str, list[float]]] = {
            (p, c): {"b1": [], "bn": [], "e2e": [], "e2e_bn": []} for p in nets for c in variants}
        memory: dict[str, float] = {}
        per_round = max(1, args.frames // args.rounds)
        for _ in range(args.rounds):  # round-robin, so slow drifts of a shared machine hit every path alike
            for path, net in nets.items():
                for choice, count in variants.items():
                    torch.set_num_threads(count)
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats(device)
                    timed = times[path, choice]
                    timed["b1"] += time_step(net, 1, per_round, args.warmup, device)
                    timed["bn"] += time_step(net, args.batch, max(1, per_round // args.batch), 1, device)
                    tracker = make_tracker(net, path, cfg, device)
                    timed["e2e"] += time_end_to_end(tracker, frames[: per_round + args.warmup + 1], box,
                                                    args.warmup, device)
                    batch_frames = frames[: max(1, per_round // args.batch) + 1 + 1]
                    timed["e2e_bn"] += time_batch_end_to_end(BatchTracker.like(tracker), batch_frames, box,
                                                             args.batch, 1, device)
                    memory[path] = max(memory.get(path, 0.0), peak_memory_mb(device))
        torch.set_num_threads(next(iter(variants.values())))
        for (path, choice), timed in times.items():
            precision = path.removesuffix("-nchw") if path.removesuffix("-nchw") in throughput else "fp32"
            floor_s = search_flops / (throughput[precision]["conv3x3"] * 1e9)
            rows.append({
                "model": key, "config": MODELS[key], "path": path, "threads": variants[choice],
                "threads_choice": choice, "weights": weights and report_path(weights),
                "parameters": count_parameters(model), "template_gflops": template_flops / 1e9,
                "search_gflops": search_flops / 1e9, "floor_fps": 1 / floor_s,
                "step_b1": summary(timed["b1"]), "step_bn": summary(timed["bn"], args.batch),
                "end_to_end": summary(timed["e2e"]),
                "end_to_end_bn": summary(timed["e2e_bn"], args.batch), "peak_memory_mb": memory[path],
            })
        low = tuple(p for p in ("bf16", "fp16") if p in nets)
        if weights and args.iou_frames > 0 and low:
            agreement[key] = iou_agreement(model, cfg, device, args.iou_frames, args.sequences, low, nets)
            found = agreement[key]
            for row in rows:
                if row["model"] == key and row["path"] in low:
                    for field, suffix in (("iou_vs_fp32", ""), ("iou_vs_fp32_same_state", "_same_state")):
                        measure = f"{row['path']}_vs_fp32{suffix}"
                        row[field] = found[f"sequences_{measure}"] or found[f"sample_{measure}"]
        del nets
    add_ratios(rows)
    print_table(rows, args.batch)
    for key, value in agreement.items():
        print(f"box agreement, {key} "
              f"(mean IoU; sample clip / real sequences, first {value['max_frames']} frames each):")
        labels = [(f"{p} vs fp32, free-running", f"{p}_vs_fp32") for p in value["paths"]]
        labels += [(f"{p} vs fp32, same state each frame", f"{p}_vs_fp32_same_state") for p in value["paths"]]
        labels += [("optimized fp32 vs eager, free-running", "fp32_vs_eager"),
                   ("scale: fp32 +-1 grey noise vs fp32, free-running", "fp32_noise1_vs_fp32"),
                   ("scale: fp32 +-1 grey noise vs fp32, same state", "fp32_noise1_vs_fp32_same_state")]
        for label, measure in labels:
            real = value[f"sequences_{measure}"]
            print(f"  {label:50} {value[f'sample_{measure}']:.4f} / {float('nan') if real is None else real:.4f}")
    report = {"protocol": protocol, "throughput_gflops": throughput, "results": rows, "box_agreement": agreement}
    output = args.output or Path(__file__).resolve().parent / "results" / f"speed_{device.type}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    print(f"-> {output}")
    for key in args.models if args.profile else ():
        best = max((r for r in rows if r["model"] == key), key=lambda r: r["step_b1"]["fps"])
        print(f"\nprofile: {key} {best['path']} (its fastest path) per-frame step")
        cfg = resolve_config(best["config"])
        model = build_model(cfg).to(device).eval()
        profile_step(build_path(best["path"], model, cfg), device)
    return report


if __name__ == "__main__":
    main()
