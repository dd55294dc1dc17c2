"""Inference speed of every path (eager fp32, optimized fp32, bf16, fp16 on CUDA, ONNX Runtime) of the R50 and
Lite0 models: per-frame step and end-to-end tracking, batch 1 and batch N, latency percentiles, peak memory, FLOPs and
the FLOP floor of this machine, each also as a ratio to the eager fp32 baseline measured in the same run; and how
closely the bf16 boxes follow the fp32 ones (mean IoU) on the sample clip and the shared real sequences.

    python benchmarks/speed.py                                          # both models, all paths, CPU
    python benchmarks/speed.py --models lite0 --frames 20 --batch 4     # a quick look
    python benchmarks/speed.py --weights lite0=runs/x/model.pth --iou-frames 100
    python benchmarks/speed.py --models r50 --paths fp32 bf16 --profile

Prints the protocol, a table, and writes JSON (default benchmarks/results/speed_<device>.json). See docs/inference.md.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from siamban.api import crops_on_device, inference_network
from siamban.assets import default_weights, sample_clip
from siamban.config import SiamBANConfig, resolve_config
from siamban.errors import CheckpointError
from siamban.geometry import iou_xywh
from siamban.inference import set_inference_threads
from siamban.io import open_frames
from siamban.models import build_model, count_parameters, load_weights
from siamban.tracker import SiamBANTracker
from siamban.tracker.sequence import track_frames
from siamban.machine import device_name, report_path

MODELS = {"r50": "siamban_r50_l234", "lite0": "siamban_lite0"}
PATHS = ("eager", "fp32", "bf16", "fp16", "onnxruntime")
FRAME_SIZE = (480, 360)
SHARED_SEQUENCES = Path(__file__).resolve().parents[2] / "shared" / "data" / "sequences"


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
    if path == "fp16" and device.type != "cuda":
        return None
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
    return SiamBANTracker(net, cfg.track, stride=cfg.point.stride, device=device, device_crop=device_crop)


def time_end_to_end(
    tracker: SiamBANTracker, frames: list[np.ndarray], box: Any, warmup: int, device: torch.device
) -> list[float]:
    """Seconds of each ``tracker.track`` call (crop, network, post-processing) after ``warmup`` tracked frames."""
    tracker.init(frames[0], box)
    times = []
    for i, frame in enumerate(frames[1:]):
        seconds = _time_once(lambda: tracker.track(frame), device)
        if i >= warmup:
            times.append(seconds)
    return times


def track_boxes(tracker: SiamBANTracker, frames: list[Any], box: Any) -> np.ndarray:
    """Boxes of one tracked run (frames: arrays or image paths)."""
    images = (cv2.imread(str(f)) if isinstance(f, (str, Path)) else f for f in frames)
    return np.array([r.box for _, _, r in track_frames(tracker, images, box)])


# ----------------------------------------------------------------------------------------------------------------------
# Report


def summary(times: list[float], batch: int = 1) -> dict[str, float]:
    t = np.asarray(times)
    return {
        "fps": batch / float(t.mean()),
        "ms_mean": 1e3 * float(t.mean()),
        "ms_p50": 1e3 * float(np.percentile(t, 50)),
        "ms_p90": 1e3 * float(np.percentile(t, 90)),
        "ms_p99": 1e3 * float(np.percentile(t, 99)),
        "samples": len(times),
    }


def add_ratios(rows: list[dict]) -> None:
    """Every figure also as a ratio to the eager row of the same model (fps: speed-up; ms, MB: fraction)."""
    keys = ("step_b1", "step_bn", "end_to_end")
    for row in rows:
        base = next((r for r in rows if r["model"] == row["model"] and r["path"] == "eager"), None)
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
        f"{'model':6} {'path':11} {'step fps':>9} {'x':>5} {f'b{batch} fps':>8} {'x':>5} {'e2e fps':>8} {'x':>5} "
        f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'floor fps':>9} {'mem MB':>7} {'IoU':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r.get("ratio_to_eager", {})
        e2e = r.get("end_to_end") or {}
        iou = r.get("iou_vs_fp32")
        print(
            f"{r['model']:6} {r['path']:11} {r['step_b1']['fps']:9.2f} {ratio.get('step_b1_fps', 1):5.2f} "
            f"{r['step_bn']['fps']:8.2f} {ratio.get('step_bn_fps', 1):5.2f} {e2e.get('fps', float('nan')):8.2f} "
            f"{ratio.get('end_to_end_fps', float('nan')):5.2f} {r['step_b1']['ms_p50']:8.1f} "
            f"{r['step_b1']['ms_p90']:8.1f} {r['step_b1']['ms_p99']:8.1f} {r['floor_fps']:9.2f} "
            f"{r['peak_memory_mb']:7.0f} {'' if iou is None else f'{iou:.3f}':>6}"
        )


def iou_agreement(
    model: nn.Module, cfg: SiamBANConfig, device: torch.device, max_frames: int, root: Path
) -> dict[str, Any]:
    """Mean IoU of bf16 boxes vs fp32 ones (and of optimized fp32 vs eager) on the sample clip and ``root``.

    For scale, also fp32 on the same frames with +-1 grey level of seeded noise against fp32 on the clean ones: how far
    the tracker's own trajectories move under an imperceptible change of input (argmax among near-tied points).
    """
    from siamban.benchmarks import load_benchmark

    runs: list[tuple[str, list[Any], Any]] = []
    frames, box = clip_frames(max_frames)
    runs.append(("sample", frames, box))
    if root.is_dir():
        for seq in load_benchmark("shared", root).sequences:
            start = seq.init_frame
            runs.append((seq.name, seq.frames[start : start + max_frames], seq.ground_truth[start]))
    nets = {p: build_path(p, model, cfg) for p in ("eager", "fp32", "bf16")}
    per_sequence = {}
    for name, seq_frames, init in runs:
        images = [cv2.imread(str(f)) if isinstance(f, (str, Path)) else f for f in seq_frames]
        boxes = {p: track_boxes(make_tracker(net, p, cfg, device), images, init) for p, net in nets.items()}
        rng = np.random.default_rng(0)
        noisy = [np.clip(f.astype(np.int16) + rng.integers(-1, 2, f.shape), 0, 255).astype(np.uint8) for f in images]
        boxes["fp32_noisy"] = track_boxes(make_tracker(nets["fp32"], "fp32", cfg, device), noisy, init)
        per_sequence[name] = {
            "frames": len(seq_frames),
            "bf16_vs_fp32": float(iou_xywh(boxes["bf16"], boxes["fp32"]).mean()),
            "fp32_vs_eager": float(iou_xywh(boxes["fp32"], boxes["eager"]).mean()),
            "fp32_noise1_vs_fp32": float(iou_xywh(boxes["fp32_noisy"], boxes["fp32"]).mean()),
        }
    real = [v for k, v in per_sequence.items() if k != "sample"]
    return {
        "max_frames": max_frames,
        "sample_bf16_vs_fp32": per_sequence["sample"]["bf16_vs_fp32"],
        "sequences_bf16_vs_fp32": float(np.mean([v["bf16_vs_fp32"] for v in real])) if real else None,
        "sequences_fp32_vs_eager": float(np.mean([v["fp32_vs_eager"] for v in real])) if real else None,
        "sample_fp32_noise1_vs_fp32": per_sequence["sample"]["fp32_noise1_vs_fp32"],
        "sequences_fp32_noise1_vs_fp32": float(np.mean([v["fp32_noise1_vs_fp32"] for v in real])) if real else None,
        "per_sequence": per_sequence,
    }


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
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--threads", type=int, help="CPU threads (default: OMP_NUM_THREADS, else physical cores)")
    p.add_argument("--weights", nargs="*", default=[], metavar="MODEL=PATH",
                   help="trained weights (lite0 defaults to the bundled ones when shipped); random init otherwise")
    p.add_argument("--iou-frames", type=int, default=60, help="frames per sequence for the bf16 IoU check (0: skip)")
    p.add_argument("--sequences", type=Path, default=SHARED_SEQUENCES, help="real sequences (shared layout)")
    p.add_argument("--profile", action="store_true", help="print a torch.profiler table of the fastest path's step")
    p.add_argument("--json", type=Path, help="output (default benchmarks/results/speed_<device>.json)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    device = torch.device(args.device)
    threads = set_inference_threads(args.threads)
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
        "warmup": args.warmup,
        "frames": args.frames,
        "batch": args.batch,
        "input": "template 127x127, search 255x255, batch 1 and batch N",
        "threads": threads,
        "hardware": hardware,
        "device": str(device),
        "torch": torch.__version__,
        "onnxruntime": ort_version,
        "memory": "peak RSS of the process so far (monotone, paths in order)" if device.type == "cpu"
        else "torch.cuda.max_memory_allocated per path",
        "floor": "per-frame-pass FLOPs / measured 3x3 convolution throughput of the path's precision",
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
            print(f"note: {key}: random weights (no trained weights given): speed only, no bf16 IoU check")
            settle_random_model(model)
        model.eval()
        template_flops, search_flops = count_flops(model, device)
        for path in paths:
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            net = build_path(path, model, cfg)
            if net is None:
                print(f"note: {key}: path {path} skipped (not available here)")
                continue
            precision = path if path in throughput else "fp32"
            b1 = summary(time_step(net, 1, args.frames, args.warmup, device))
            bn_steps = max(2, args.frames // args.batch)
            bn = summary(time_step(net, args.batch, bn_steps, 1, device), args.batch)
            e2e = summary(time_end_to_end(make_tracker(net, path, cfg, device), frames, box, args.warmup, device))
            floor_s = search_flops / (throughput[precision]["conv3x3"] * 1e9)
            rows.append({
                "model": key, "config": MODELS[key], "path": path, "weights": weights and report_path(weights),
                "parameters": count_parameters(model), "template_gflops": template_flops / 1e9,
                "search_gflops": search_flops / 1e9, "floor_fps": 1 / floor_s,
                "step_b1": b1, "step_bn": bn, "end_to_end": e2e, "peak_memory_mb": peak_memory_mb(device),
            })
            del net
        if weights and args.iou_frames > 0 and "bf16" in paths:
            agreement[key] = iou_agreement(model, cfg, device, args.iou_frames, args.sequences)
            for row in rows:
                if row["model"] == key and row["path"] == "bf16":
                    found = agreement[key]
                    row["iou_vs_fp32"] = found["sequences_bf16_vs_fp32"] or found["sample_bf16_vs_fp32"]
    add_ratios(rows)
    print_table(rows, args.batch)
    for key, value in agreement.items():
        print(f"bf16 vs fp32 boxes, {key}: mean IoU {value['sample_bf16_vs_fp32']:.4f} on the sample clip, "
              f"{value['sequences_bf16_vs_fp32'] or float('nan'):.4f} over real sequences "
              f"(first {value['max_frames']} frames each); optimized fp32 vs eager "
              f"{value['sequences_fp32_vs_eager'] or float('nan'):.4f}; for scale, fp32 on frames with +-1 grey level "
              f"of noise vs fp32: {value['sample_fp32_noise1_vs_fp32']:.4f} / "
              f"{value['sequences_fp32_noise1_vs_fp32'] or float('nan'):.4f}")
    report = {"protocol": protocol, "throughput_gflops": throughput, "results": rows, "bf16_agreement": agreement}
    output = args.json or Path(__file__).resolve().parent / "results" / f"speed_{device.type}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2))
    print(f"-> {output}")
    if args.profile and rows:
        best = max(rows, key=lambda r: r["step_b1"]["fps"])
        print(f"\nprofile: {best['model']} {best['path']} per-frame step")
        cfg = resolve_config(best["config"])
        model = build_model(cfg).to(device).eval()
        profile_step(build_path(best["path"], model, cfg), device)
    return report


if __name__ == "__main__":
    main()
