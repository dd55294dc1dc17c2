"""Score tracker settings (or several weights) on the validation data only: the evidence behind each tracker change.

Each trial is a name and TRACK overrides (``name:key=value,key=value``; ``name:`` alone is the config as it is),
run with the given weights on the ``val``-role real sequences of ``shared/data/sequences`` and on the generated
validation sequences of ``tools/select_and_ship.py``. Prints one row per trial (mean success AUC and precision at
20 px per split, AUC per real sequence) and writes JSON. Held-out sequences are never read.

    python tools/val_ablation.py --trial base: --trial small:small_target_size=24,small_instance_size=319
    python tools/val_ablation.py --weights runs/default_model/snapshot/checkpoint_e10.pth --trial e10:
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from siamban.assets import DEFAULT_CONFIG, DEFAULT_WEIGHTS
from siamban.evaluation import load_benchmark
from siamban.evaluation.evaluate import track_and_score
from siamban.evaluation.trackers import SiamBANFactory
from siamban.data.synthetic import write_otb_sequences
from siamban.errors import InputError, SiamBANError
from siamban.io.atomic import write_text_atomic
from siamban.machine import report_path

sys.path.insert(0, str(Path(__file__).parent))
from select_and_ship import VAL_CONFIG, VAL_SEEDS  # noqa: E402  (the same generated validation sequences)


def parse_trial(text: str) -> tuple[str, dict[str, float]]:
    """``name:key=value,...`` -> (name, overrides)."""
    name, _, rest = text.partition(":")
    overrides: dict[str, float] = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        try:
            overrides[key.strip()] = float(value)
        except ValueError:
            raise InputError(f"--trial {text!r}: {item!r} is not key=number") from None
        if not sep:
            raise InputError(f"--trial {text!r}: {item!r} is not key=number")
    if not name:
        raise InputError(f"--trial {text!r}: give it a name before the colon")
    return name, overrides


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trial", action="append", required=True, help="name:key=value,... (repeatable)")
    parser.add_argument("--weights", action="append", help="weights to score (repeatable; default: the bundled)")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="model and tracker config (default: bundled)")
    parser.add_argument("--shared-root", default="../shared/data/sequences")
    parser.add_argument("--generated-root", default="work_data/synthetic_val")
    parser.add_argument("--no-generated", action="store_true", help="real val sequences only")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--output", default="val_ablation.json")
    args = parser.parse_args()

    trials = [parse_trial(t) for t in args.trial]
    splits = {"real-val": load_benchmark("folders", args.shared_root, roles=["val"])}
    if not args.no_generated:
        generated = Path(args.generated_root)
        if not (generated / f"val_{VAL_SEEDS[-1]:06d}" / "groundtruth.txt").is_file():
            write_otb_sequences(generated, VAL_SEEDS, VAL_CONFIG, prefix="val")
        splits["generated-val"] = load_benchmark("folders", generated)
    rows = []
    for weights in args.weights or [str(DEFAULT_WEIGHTS)]:
        factory = SiamBANFactory(args.config, weights)
        for name, overrides in trials:
            row: dict = {"trial": name, "weights": report_path(weights), "overrides": overrides}
            for split, bench in splits.items():
                scores = track_and_score(bench, _Bound(factory, overrides), None, name, workers=args.workers,
                                         show_progress=False)
                row[split] = {
                    "success_auc": scores.summary["success_auc"],
                    "precision_20px": scores.summary["precision"],
                    "per_sequence_auc": dict(zip(scores.details.names,
                                                 (float(v) for v in scores.details.success.mean(axis=1)))),
                }
            rows.append(row)
            cells = "  ".join(f"{s} AUC {row[s]['success_auc']:.3f} P@20 {row[s]['precision_20px']:.3f}"
                              for s in splits)
            real = row["real-val"]["per_sequence_auc"]
            per = " ".join(f"{k.split('_', 1)[-1][:10]} {v:.3f}" for k, v in real.items())
            print(f"{name:<16} {Path(weights).name:<22} {cells}  | {per}", flush=True)
    write_text_atomic(args.output, json.dumps({"splits": {k: [s.name for s in b] for k, b in splits.items()},
                                               "rows": rows}, indent=2))
    print(f"-> {args.output}")
    return 0


class _Bound:
    """A picklable factory of trackers with fixed overrides."""

    def __init__(self, factory: SiamBANFactory, overrides: dict[str, float]) -> None:
        self.factory, self.overrides = factory, overrides

    def __call__(self):
        return self.factory(self.overrides)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SiamBANError as exc:
        sys.exit(f"val_ablation.py: error: {exc}")
