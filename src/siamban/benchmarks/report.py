"""Reports of ``siamban eval``: a Markdown table and a JSON summary comparing trackers, and PNG plots (success and
precision plots, EAO curves, per-attribute breakdowns) drawn with matplotlib's Agg backend when it is installed."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from siamban.benchmarks.evaluate import TrackerScores
from siamban.benchmarks.metrics.ope import (
    NORM_PRECISION_THRESHOLDS,
    PRECISION_THRESHOLDS,
    SUCCESS_THRESHOLDS,
    GOT10kResult,
    OPEResult,
)
from siamban.benchmarks.metrics.vot import VOTResult
from siamban.errors import SiamBANWarning
from siamban.io.atomic import atomic_path, check_output_dir, write_text_atomic

_COLUMNS = {
    "ope": [("success_auc", "Success AUC"), ("precision", "Precision@20"), ("norm_precision", "Norm. precision"),
            ("fps", "FPS")],
    "vot": [("eao", "EAO"), ("accuracy", "Accuracy"), ("robustness", "Robustness"), ("lost_number", "Lost"),
            ("fps", "FPS")],
    "got10k": [("ao", "AO"), ("sr50", "SR0.50"), ("sr75", "SR0.75"), ("fps", "FPS")],
}


_Details = TypeVar("_Details", OPEResult, VOTResult, GOT10kResult)


def _details(scores: TrackerScores, kind: type[_Details]) -> _Details:
    """``scores.details`` as the result type its ``kind`` promises."""
    if not isinstance(scores.details, kind):
        raise TypeError(f"{scores.tracker}: {scores.kind} scores hold a {type(scores.details).__name__}")
    return scores.details


def _fmt(value: float, key: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if key in ("fps",):
        return f"{value:.1f}"
    if key == "lost_number":
        return f"{value:.1f}"
    return f"{value:.3f}"


def markdown_table(dataset: str, scores: list[TrackerScores], evaluator: str) -> str:
    """The comparison table (best first) and, when present, the per-attribute table."""
    kind = scores[0].kind
    cols = _COLUMNS[kind]
    lines = [f"## {dataset}", "", f"Evaluator: {evaluator}", "",
             "| Tracker | " + " | ".join(c[1] for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for s in scores:
        lines.append(f"| {s.tracker} | " + " | ".join(_fmt(s.summary.get(k, float('nan')), k) for k, _ in cols) + " |")
    attrs = sorted({a for s in scores for a in s.by_attribute})
    if attrs:
        metric = "eao" if kind == "vot" else "success_auc"
        lines += ["", f"Per attribute ({'EAO' if kind == 'vot' else 'success AUC'}):", "",
                  "| Tracker | " + " | ".join(attrs) + " |", "|---|" + "---|" * len(attrs)]
        for s in scores:
            lines.append(f"| {s.tracker} | " + " | ".join(
                _fmt(s.by_attribute.get(a, {}).get(metric, float("nan")), metric) for a in attrs) + " |")
    return "\n".join(lines) + "\n"


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(float(obj)) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def summary_json(dataset: str, scores: list[TrackerScores], evaluator: str) -> dict:
    trackers: dict[str, dict[str, Any]] = {}
    out = {"dataset": dataset, "evaluator": evaluator, "trackers": trackers}
    for s in scores:
        entry: dict[str, Any] = {"summary": s.summary, "by_attribute": s.by_attribute}
        if s.kind == "ope":
            d = _details(s, OPEResult)
            entry["success_curve"] = d.success.mean(axis=0) if len(d.names) else []
            entry["precision_curve"] = d.precision.mean(axis=0) if len(d.names) else []
            entry["per_sequence"] = {n: {"success_auc": d.success[i].mean(), "precision": d.precision[i, 20]}
                                     for i, n in enumerate(d.names)}
        elif s.kind == "vot":
            vot = _details(s, VOTResult)
            entry["eao_curve"] = vot.curve
            entry["per_sequence"] = vot.per_sequence
        else:
            got = _details(s, GOT10kResult)
            entry["success_curve"] = got.success
            entry["per_sequence"] = {n: {"ao": v} for n, v in got.per_sequence_ao.items()}
        trackers[s.tracker] = entry
    return _jsonable(out)


def _matplotlib_installed() -> bool:
    """Whether matplotlib imports: it is an optional extra (``siamban[report]``), needed for the plots only."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
    return plt, fig, ax


def _curve_plot(path: Path, x: np.ndarray, curves: list[tuple[str, np.ndarray, float]], title: str, xlabel: str,
                ylabel: str) -> None:
    plt, fig, ax = _figure()
    for label, y, score in sorted(curves, key=lambda c: -np.nan_to_num(c[2], nan=-1)):
        ax.plot(x, y, linewidth=2, label=f"[{score:.3f}] {label}")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(x.min(), x.max()), ylim=(0, 1.0))
    ax.grid(True, linestyle=":")
    ax.legend(loc="lower left" if "Success" in title else "lower right", fontsize=8)
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)


def _save_figure(fig, path: Path) -> None:
    """Save a figure atomically (format from the suffix)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png")


def _bar_plot(path: Path, groups: list[str], series: dict[str, list[float]], title: str, ylabel: str) -> None:
    plt, fig, ax = _figure()
    width = 0.8 / max(1, len(series))
    xs = np.arange(len(groups))
    for i, (name, values) in enumerate(series.items()):
        ax.bar(xs + i * width, np.nan_to_num(values), width, label=name)
    ax.set_xticks(xs + width * (len(series) - 1) / 2, groups, rotation=45, ha="right", fontsize=8)
    ax.set(title=title, ylabel=ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save_figure(fig, path)
    plt.close(fig)


def write_report(report_dir: str | Path, dataset: str, scores: list[TrackerScores], evaluator: str) -> list[Path]:
    """Write ``summary.md``, ``summary.json`` and the plots for ``scores`` into ``report_dir``; return the paths.

    Without matplotlib (the ``report`` extra) the plots are skipped with a SiamBANWarning that says what to install."""
    report_dir = check_output_dir(report_dir, "report folder")
    report_dir.mkdir(parents=True, exist_ok=True)
    written = [report_dir / "summary.md", report_dir / "summary.json"]
    write_text_atomic(written[0], markdown_table(dataset, scores, evaluator))
    write_text_atomic(written[1], json.dumps(summary_json(dataset, scores, evaluator), indent=2))
    if not _matplotlib_installed():
        warnings.warn("plots skipped: they need matplotlib (pip install 'siamban[report]')", SiamBANWarning,
                      stacklevel=2)
        return written
    kind = scores[0].kind
    if kind == "ope":
        _curve_plot(report_dir / "success_plot.png", SUCCESS_THRESHOLDS,
                    [(s.tracker, _details(s, OPEResult).success.mean(0), s.summary["success_auc"]) for s in scores],
                    f"Success plots of OPE on {dataset}", "Overlap threshold", "Success rate")
        _curve_plot(report_dir / "precision_plot.png", PRECISION_THRESHOLDS,
                    [(s.tracker, _details(s, OPEResult).precision.mean(0), s.summary["precision"]) for s in scores],
                    f"Precision plots of OPE on {dataset}", "Location error threshold (px)", "Precision")
        written += [report_dir / "success_plot.png", report_dir / "precision_plot.png"]
        if dataset == "LaSOT":
            _curve_plot(report_dir / "norm_precision_plot.png", NORM_PRECISION_THRESHOLDS,
                        [(s.tracker, _details(s, OPEResult).norm_precision.mean(0), s.summary["norm_precision"])
                         for s in scores],
                        f"Normalized precision plots of OPE on {dataset}", "Normalized location error threshold",
                        "Precision")
            written.append(report_dir / "norm_precision_plot.png")
    elif kind == "got10k":
        _curve_plot(report_dir / "success_plot.png", np.linspace(0, 1, 101),
                    [(s.tracker, _details(s, GOT10kResult).success, s.summary["ao"]) for s in scores],
                    f"Success plots on {dataset}", "Overlap threshold", "Success rate")
        written.append(report_dir / "success_plot.png")
    else:
        plt, fig, ax = _figure()
        for s in scores:
            curve = _details(s, VOTResult).curve
            ax.plot(np.arange(len(curve)), curve, linewidth=2, label=f"[{s.summary['eao']:.3f}] {s.tracker}")
        ax.set(title=f"Expected overlap curves on {dataset}", xlabel="Sequence length", ylabel="Expected overlap",
               ylim=(0, 1.0))
        ax.grid(True, linestyle=":")
        ax.legend(fontsize=8)
        fig.tight_layout()
        _save_figure(fig, report_dir / "eao_curve.png")
        plt.close(fig)
        written.append(report_dir / "eao_curve.png")
    attrs = sorted({a for s in scores for a in s.by_attribute})
    if attrs:
        metric = "eao" if kind == "vot" else "success_auc"
        _bar_plot(report_dir / "attributes.png", attrs,
                  {s.tracker: [s.by_attribute.get(a, {}).get(metric, float("nan")) for a in attrs] for s in scores},
                  f"{'EAO' if kind == 'vot' else 'Success AUC'} per attribute on {dataset}",
                  "EAO" if kind == "vot" else "Success AUC")
        written.append(report_dir / "attributes.png")
    return written
