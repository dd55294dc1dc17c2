"""Choose the default model's epoch on validation data and ship it in fp16 inside the package.

Scores each epoch snapshot of a ``siamban train`` run (``RUN/snapshot/checkpoint_eN.pth``) on the val-role real
sequences of ``shared/data/sequences`` and on generated validation sequences (seeds disjoint from training and from
the held-out report), picks the best success AUC on the real val sequences (``--select mean``: the mean of both
sets), and writes its model weights (fp32; ``--fp16`` halves the file) to
``src/siamban/assets/models/siamban_lite0.pth`` plus the selection log as JSON. Held-out sequences are never read.

    python tools/select_and_ship.py runs/default_model --epochs 8 10 12
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from siamban.assets import DEFAULT_CONFIG, DEFAULT_WEIGHTS
from siamban.evaluation import load_benchmark
from siamban.evaluation.evaluate import track_and_score
from siamban.evaluation.trackers import SiamBANFactory
from siamban.config import load_config, resolve_config
from siamban.data.synthetic import SyntheticConfig, write_otb_sequences
from siamban.errors import CheckpointError, SiamBANError
from siamban.models.weights import read_state_dict
from siamban.training.snapshots import checkpoint_path

VAL_SEEDS = range(800_000, 800_008)
VAL_CONFIG = SyntheticConfig(width=320, height=240, length=150, distractors=2, occlusions=1)
SELECTIONS = {"real-val": "success AUC on the real val sequences",
              "mean": "mean of the real-val and generated-val success AUCs"}


def fp16_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Floating tensors in fp16 (integer buffers such as ``num_batches_tracked`` unchanged)."""
    return {k: v.half() if v.is_floating_point() else v for k, v in state.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="the training run folder (holds config.yaml and snapshot/)")
    parser.add_argument("--epochs", type=int, nargs="+", help="epochs to score (default: every snapshot)")
    parser.add_argument("--shared-root", default="../shared/data/sequences")
    parser.add_argument("--generated-root", default="work_data/synthetic_val")
    parser.add_argument("--output", default=str(DEFAULT_WEIGHTS))
    parser.add_argument("--log", default="benchmarks/results/default_model_selection.json")
    parser.add_argument("--no-ship", action="store_true", help="score and log only; write no weights")
    parser.add_argument("--select", choices=SELECTIONS, default="real-val",
                        help="the score that picks the epoch (default: real-val, the sets the targets are on)")
    parser.add_argument("--fp16", action="store_true", help="ship the weights in fp16 (default: fp32)")
    args = parser.parse_args()

    run = Path(args.run)
    trained = load_config(run / "config.yaml")
    bundled = resolve_config(DEFAULT_CONFIG)
    for section in ("backbone", "neck", "head", "point"):
        ours, theirs = getattr(trained, section), getattr(bundled, section)
        if section == "backbone":  # training-only fields may differ
            ours, theirs = (ours.type, ours.kwargs), (theirs.type, theirs.kwargs)
        if ours != theirs:
            raise CheckpointError(f"{run}/config.yaml: its {section} differs from the bundled {DEFAULT_CONFIG} config")
    snapshots = sorted((run / "snapshot").glob("checkpoint_e*.pth"), key=lambda p: int(p.stem.split("_e")[1]))
    if args.epochs:
        snapshots = [checkpoint_path(run / "snapshot", e) for e in args.epochs]
    missing = [str(p) for p in snapshots if not p.is_file()]
    if missing or not snapshots:
        raise CheckpointError(f"{run}: no snapshot to score ({', '.join(missing) or 'snapshot/ is empty'})")

    generated = Path(args.generated_root)
    if not (generated / f"val_{VAL_SEEDS[-1]:06d}" / "groundtruth.txt").is_file():
        write_otb_sequences(generated, VAL_SEEDS, VAL_CONFIG, prefix="val")
    splits = {"real-val": load_benchmark("folders", args.shared_root, roles=["val"]),
              "generated-val": load_benchmark("folders", generated)}

    log_path = Path(args.log)
    log = {"run": str(run), "selection": SELECTIONS[args.select], "epochs": {}}
    if log_path.is_file():  # scores of the very same snapshot files (size and time) are kept
        earlier = json.loads(log_path.read_text())
        if earlier.get("run") == str(run):
            log["epochs"] = earlier.get("epochs", {})
    best: tuple[float, Path] | None = None
    for path in snapshots:
        stamp = {"bytes": path.stat().st_size, "mtime": round(path.stat().st_mtime, 3)}
        if log["epochs"].get(path.name, {}).get("file") != stamp:  # a snapshot of an earlier run: score again
            factory = SiamBANFactory(bundled, path)
            aucs = {name: track_and_score(bench, factory, None, path.stem).summary["success_auc"]
                    for name, bench in splits.items()}
            log["epochs"][path.name] = {**aucs, "mean": sum(aucs.values()) / len(aucs), "file": stamp}
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text(json.dumps(log, indent=2))
        scores = log["epochs"][path.name]
        aucs = {k: v for k, v in scores.items() if k not in ("mean", "file")}
        score = scores[args.select]
        print(f"{path.name}: " + ", ".join(f"{k} {v:.3f}" for k, v in aucs.items()) + f", mean {scores['mean']:.3f}")
        if best is None or score > best[0]:
            best = (score, path)
    assert best is not None
    if args.no_ship:
        return 0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = read_state_dict(best[1])
    torch.save(fp16_state(state) if args.fp16 else state, out)
    log["chosen"] = best[1].name
    log_path.write_text(json.dumps(log, indent=2))
    print(f"chose {best[1].name} ({args.select} AUC {best[0]:.3f}) -> {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SiamBANError as exc:
        sys.exit(f"select_and_ship.py: error: {exc}")
