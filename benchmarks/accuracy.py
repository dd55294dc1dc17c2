"""Accuracy report of the default model against OpenCV's CSRT and KCF trackers.

Scores every tracker with siamban's own benchmark code (pysot-toolkit's OTB definitions: success AUC over 21
thresholds, precision at 20 px) on

- the held-out real sequences of ``shared/data/sequences`` (role ``heldout``; ``--role val`` for model selection), and
- held-out generated sequences (``siamban.data.synthetic``, seeds disjoint from the training ones),

and prints one table, per-sequence AUCs, and writes them to JSON. Run from the repository root::

    python benchmarks/accuracy.py                       # default model, CSRT, KCF on heldout real + generated
    python benchmarks/accuracy.py --role val --trackers siamban --weights runs/default_model/snapshot/checkpoint_e8.pth
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2
import torch

from siamban.api import resolve_model
from siamban.evaluation import load_benchmark
from siamban.evaluation.evaluate import track_and_score
from siamban.evaluation.trackers import OpenCVFactory, SiamBANFactory
from siamban.data.synthetic import SyntheticConfig, write_otb_sequences
from siamban.errors import SiamBANError
from siamban.io.atomic import write_text_atomic
from siamban.machine import cpu_name, report_path

TRACKERS = ("siamban", "siamban-bf16", "csrt", "kcf")

#: Held-out generated sequences: seeds far from the training ones (0-239 in recipes/default_model).
GENERATED_SEEDS = range(900_000, 900_016)
GENERATED_CONFIGS = (
    SyntheticConfig(width=320, height=240, length=150, distractors=2, occlusions=1),
    SyntheticConfig(width=640, height=360, length=150, target_area=(0.004, 0.03), max_speed=0.03, distractors=3,
                    occlusions=1, max_rotation=30.0),
)


def generated_root(folder: Path) -> Path:
    """Write the held-out generated sequences into ``folder`` once (half with each config); return it."""
    seeds = list(GENERATED_SEEDS)
    if not (folder / f"generated_{seeds[-1]:06d}" / "groundtruth.txt").is_file():
        half = len(seeds) // 2
        write_otb_sequences(folder, seeds[:half], GENERATED_CONFIGS[0], prefix="generated")
        write_otb_sequences(folder, seeds[half:], GENERATED_CONFIGS[1], prefix="generated")
    return folder


def score(benchmark, factory, name: str, results: Path, workers: int) -> dict:
    scores = track_and_score(benchmark, factory, results, name, workers=workers, show_progress=True)
    per_sequence = dict(zip(scores.details.names, (float(v) for v in scores.details.success.mean(axis=1))))
    return {
        "success_auc": scores.summary["success_auc"],
        "precision_20px": scores.summary["precision"],
        "fps": scores.summary["fps"],
        "per_sequence_auc": per_sequence,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="model config (default: the bundled default model)")
    parser.add_argument("--weights", help="weights (default: the bundled default model's)")
    parser.add_argument("--shared-root", default="../shared/data/sequences", help="real sequences (OTB layout)")
    parser.add_argument("--role", default="heldout", help="role of the real sequences to score (default: heldout)")
    parser.add_argument("--generated-root", default="work_data/synthetic_heldout",
                        help="where the held-out generated sequences are written once (default: %(default)s)")
    parser.add_argument("--no-generated", action="store_true", help="skip the generated sequences")
    parser.add_argument("--trackers", default="siamban,csrt,kcf",
                        help=f"comma-separated, of {', '.join(TRACKERS)} (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="parallel processes (1 gives clean frame rates)")
    parser.add_argument("--output", default="benchmarks/results/accuracy.json", help="JSON report")
    args = parser.parse_args()

    chosen = [t.strip() for t in args.trackers.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in TRACKERS]
    if unknown:
        parser.error(f"unknown tracker {unknown[0]!r} (known: {', '.join(TRACKERS)})")
    factories = {k: (OpenCVFactory(k), f"opencv-{k}") for k in ("csrt", "kcf")}
    config, weights = ("-", "-")
    if any(t.startswith("siamban") for t in chosen):
        config, weights = resolve_model(args.config, args.weights)
        factories["siamban"] = (SiamBANFactory(config, weights), f"siamban-{Path(weights).stem}")
        factories["siamban-bf16"] = (SiamBANFactory(config, weights, precision="bf16"),
                                     f"siamban-{Path(weights).stem}-bf16")

    splits = {f"real-{args.role}": load_benchmark("folders", args.shared_root, roles=[args.role])}
    if not args.no_generated:
        root = generated_root(Path(args.generated_root))
        splits["generated-heldout"] = load_benchmark("folders", root)

    report: dict = {
        "protocol": "one-pass, started on the first ground-truth box; success AUC = mean over sequences of the mean "
        "success over overlap thresholds 0, 0.05, ..., 1 (pysot-toolkit OTB); precision at 20 px; fps = tracker time "
        "only (init and track calls), one process",
        "machine": {"cpu": cpu_name(),
                    "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "opencv": cv2.__version__,
                    "python": sys.version.split()[0]},
        "model": {"config": report_path(config), "weights": report_path(weights)},
        "splits": {},
    }
    with tempfile.TemporaryDirectory(prefix="siamban-accuracy-") as tmp:
        for split, benchmark in splits.items():
            report["splits"][split] = {"sequences": [s.name for s in benchmark], "trackers": {}}
            for key in chosen:
                factory, name = factories[key]
                result = score(benchmark, factory, name, Path(tmp) / split, args.workers)
                report["splits"][split]["trackers"][key] = result

    print(f"\n{'split':<20} {'tracker':<13} {'AUC':>6} {'P@20':>6} {'fps':>7}")
    for split, data in report["splits"].items():
        for key, r in data["trackers"].items():
            print(f"{split:<20} {key:<13} {r['success_auc']:6.3f} {r['precision_20px']:6.3f} {r['fps']:7.1f}")
    for split, data in report["splits"].items():
        trackers = data["trackers"]
        if "siamban" in trackers and "csrt" in trackers:
            ours, theirs = trackers["siamban"], trackers["csrt"]
            data["siamban_minus_csrt"] = {k: ours[k] - theirs[k] for k in ("success_auc", "precision_20px")}
            print(f"{split:<20} siamban - CSRT: AUC {data['siamban_minus_csrt']['success_auc']:+.3f}, "
                  f"P@20 {data['siamban_minus_csrt']['precision_20px']:+.3f}")
    print("\nper-sequence success AUC")
    for split, data in report["splits"].items():
        print(f"{split}: " + ", ".join(chosen))
        for seq in data["sequences"]:
            values = [data["trackers"][k]["per_sequence_auc"].get(seq, float("nan")) for k in chosen]
            print(f"  {seq:<28} " + " ".join(f"{v:6.3f}" for v in values))
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, json.dumps(report, indent=2))
    print(f"\n-> {out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SiamBANError as exc:
        sys.exit(f"accuracy.py: error: {exc}")
