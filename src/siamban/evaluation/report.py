"""Reports of ``siamban eval``: a Markdown table and a JSON summary comparing trackers, and plots (success and
precision plots, EAO curves, per-attribute breakdowns) drawn with matplotlib's Agg backend when it is installed.

Each plot is written as PNG, PDF and SVG (fonts embedded as TrueType in the PDF, text kept as text in the SVG, no
dates inside, so the same scores give the same files). Every tracker keeps one colour, line style and marker in
every plot (bars: one hatch), so the curves stay apart in greyscale print; its legend entry is its display name."""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping, TypeVar

import numpy as np

from siamban.evaluation.evaluate import TrackerScores
from siamban.evaluation.metrics.ope import (
    NORM_PRECISION_THRESHOLDS,
    PRECISION_THRESHOLDS,
    SUCCESS_THRESHOLDS,
    GOT10kResult,
    OPEResult,
)
from siamban.evaluation.metrics.vot import VOTResult
from siamban.errors import InputError, SiamBANWarning
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


def display_names(scores: list[TrackerScores], names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each scored tracker's display name: ``names[folder]`` where given, else the folder name. InputError when
    ``names`` names a tracker that was not scored, or gives two trackers the same display name."""
    names = dict(names or {})
    scored = [s.tracker for s in scores]
    unknown = sorted(set(names) - set(scored))
    if unknown:
        raise InputError(f"--names {unknown[0]}: no such tracker among the scored ones ({', '.join(scored)})")
    labels = {tracker: names.get(tracker, tracker) for tracker in scored}
    seen: dict[str, str] = {}
    for tracker, label in labels.items():
        if label in seen:
            raise InputError(f"--names: {seen[label]} and {tracker} would both be shown as {label!r}")
        seen[label] = tracker
    return labels


def sequence_count(scores: list[TrackerScores]) -> int:
    """How many sequences the scores cover (the most any tracker was scored on)."""
    counts = []
    for s in scores:
        if isinstance(s.details, OPEResult):
            counts.append(len(s.details.names))
        elif isinstance(s.details, VOTResult):
            counts.append(len(s.details.per_sequence))
        else:
            counts.append(len(s.details.per_sequence_ao))
    return max(counts, default=0)


def markdown_table(dataset: str, scores: list[TrackerScores], evaluator: str,
                   names: Mapping[str, str] | None = None) -> str:
    """The comparison table (best first) and, when present, the per-attribute table; trackers by display name."""
    labels = display_names(scores, names)
    kind = scores[0].kind
    cols = _COLUMNS[kind]
    lines = [f"## {dataset}", "", f"Evaluator: {evaluator}", "",
             "| Tracker | " + " | ".join(c[1] for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for s in scores:
        lines.append(f"| {labels[s.tracker]} | "
                     + " | ".join(_fmt(s.summary.get(k, float('nan')), k) for k, _ in cols) + " |")
    attrs = sorted({a for s in scores for a in s.by_attribute})
    if attrs:
        metric = "eao" if kind == "vot" else "success_auc"
        lines += ["", f"Per attribute ({'EAO' if kind == 'vot' else 'success AUC'}):", "",
                  "| Tracker | " + " | ".join(attrs) + " |", "|---|" + "---|" * len(attrs)]
        for s in scores:
            lines.append(f"| {labels[s.tracker]} | " + " | ".join(
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


def summary_json(dataset: str, scores: list[TrackerScores], evaluator: str,
                 names: Mapping[str, str] | None = None) -> dict:
    """The numbers behind the table and the plots, keyed by tracker folder (``label``: the display name)."""
    labels = display_names(scores, names)
    trackers: dict[str, dict[str, Any]] = {}
    out = {"dataset": dataset, "evaluator": evaluator, "sequences": sequence_count(scores), "trackers": trackers}
    for s in scores:
        entry: dict[str, Any] = {"label": labels[s.tracker], "summary": s.summary, "by_attribute": s.by_attribute}
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


#: Figure formats written for every plot, beside each other (``success_plot.png``, ``.pdf``, ``.svg``).
PLOT_FORMATS = ("png", "pdf", "svg")

#: Metadata without creation dates, per format, so the same scores give byte-identical files.
_METADATA: dict[str, dict[str, Any]] = {"pdf": {"CreationDate": None, "ModDate": None}, "svg": {"Date": None}}

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
_LINESTYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "x", "*", "P", "<", ">")
_HATCHES = ("", "//", "..", "xx", "\\\\", "oo", "--", "++", "||", "**")


def plot_styles(count: int) -> list[dict[str, Any]]:
    """Matplotlib line styles for ``count`` trackers: colour, dash pattern and marker all change from one tracker to
    the next, so each stays recognisable in greyscale (the first 20 have distinct dash-and-marker pairs)."""
    return [{"color": _COLORS[i % len(_COLORS)], "linestyle": _LINESTYLES[i % len(_LINESTYLES)],
             "marker": _MARKERS[i % len(_MARKERS)], "hatch": _HATCHES[i % len(_HATCHES)]} for i in range(count)]


def _draw_curve(ax: Any, x: np.ndarray, y: np.ndarray, label: str, style: Mapping[str, Any]) -> None:
    ax.plot(x, y, linewidth=2, label=label, color=style["color"], linestyle=style["linestyle"],
            marker=style["marker"], markersize=5, markevery=max(1, len(x) // 8))


def plot_title(plot: str, dataset: str, sequences: int, title: str | None = None) -> str:
    """``Success plots of OPE on OTB100 (100 sequences)``; with ``title``, that title above the plot's kind."""
    count = f"{sequences} sequence{'s' if sequences != 1 else ''}"
    return f"{title}\n{plot} ({count})" if title else f"{plot} on {dataset} ({count})"


@contextlib.contextmanager
def _figure() -> Iterator[tuple[Any, Any]]:
    """A figure and its axes under the paper settings; closed when the block ends."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    # figures a paper can include: TrueType fonts in PDF (venues reject Type 3), editable SVG text, and a fixed SVG
    # id salt so the files do not change from run to run
    with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
                                "svg.hashsalt": "siamban"}):
        fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
        try:
            yield fig, ax
        finally:
            plt.close(fig)


def _save_figure(fig: Any, stem: Path) -> list[Path]:
    """Save ``fig`` as ``stem`` + each of PLOT_FORMATS, each atomically; return the paths."""
    paths = []
    for fmt in PLOT_FORMATS:
        path = stem.with_name(f"{stem.name}.{fmt}")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=_METADATA.get(fmt))
        paths.append(path)
    return paths


def _curve_plot(stem: Path, x: np.ndarray, curves: list[tuple[str, np.ndarray, float]], title: str, xlabel: str,
                ylabel: str, styles: Mapping[str, dict[str, Any]], legend: str = "best") -> list[Path]:
    """One curve per tracker (legend best first, ``[score] name``); ``styles`` by display name."""
    with _figure() as (fig, ax):
        for label, y, score in sorted(curves, key=lambda c: -np.nan_to_num(c[2], nan=-1)):
            _draw_curve(ax, x, y, f"[{score:.3f}] {label}", styles[label])
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(x.min(), x.max()), ylim=(0, 1.0))
        ax.grid(True, linestyle=":")
        ax.legend(loc=legend, fontsize=8)
        fig.tight_layout()
        return _save_figure(fig, stem)


def _bar_plot(stem: Path, groups: list[str], series: dict[str, list[float]], title: str, ylabel: str,
              styles: Mapping[str, dict[str, Any]]) -> list[Path]:
    with _figure() as (fig, ax):
        width = 0.8 / max(1, len(series))
        xs = np.arange(len(groups))
        for i, (name, values) in enumerate(series.items()):
            style = styles[name]
            ax.bar(xs + i * width, np.nan_to_num(values), width, label=name, color=style["color"],
                   hatch=style["hatch"], edgecolor="black", linewidth=0.5)
        ax.set_xticks(xs + width * (len(series) - 1) / 2, groups, rotation=45, ha="right", fontsize=8)
        ax.set(title=title, ylabel=ylabel)
        ax.legend(fontsize=8)
        fig.tight_layout()
        return _save_figure(fig, stem)


def write_report(
    report_dir: str | Path,
    dataset: str,
    scores: list[TrackerScores],
    evaluator: str,
    *,
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    sequences: int | None = None,
) -> list[Path]:
    """Write ``summary.md``, ``summary.json`` and the plots (PNG, PDF, SVG) for ``scores`` into ``report_dir``;
    return the paths. ``title`` heads every plot, ``names`` maps tracker folders to display names, ``sequences``
    (default: counted from the scores) goes into the plot titles.

    Without matplotlib (the ``report`` extra) the plots are skipped with a SiamBANWarning that says what to install."""
    labels = display_names(scores, names)
    report_dir = check_output_dir(report_dir, "report folder")
    report_dir.mkdir(parents=True, exist_ok=True)
    written = [report_dir / "summary.md", report_dir / "summary.json"]
    write_text_atomic(written[0], markdown_table(dataset, scores, evaluator, labels))
    write_text_atomic(written[1], json.dumps(summary_json(dataset, scores, evaluator, labels), indent=2))
    if not _matplotlib_installed():
        warnings.warn("plots skipped: they need matplotlib (pip install 'siamban[report]')", SiamBANWarning,
                      stacklevel=2)
        return written
    count = sequence_count(scores) if sequences is None else sequences
    styles = dict(zip(labels.values(), plot_styles(len(scores))))  # by the order given: the same in every plot
    kind = scores[0].kind
    if kind == "ope":
        written += _curve_plot(
            report_dir / "success_plot", SUCCESS_THRESHOLDS,
            [(labels[s.tracker], _details(s, OPEResult).success.mean(0), s.summary["success_auc"]) for s in scores],
            plot_title("Success plots of OPE", dataset, count, title), "Overlap threshold", "Success rate", styles,
            "lower left")
        written += _curve_plot(
            report_dir / "precision_plot", PRECISION_THRESHOLDS,
            [(labels[s.tracker], _details(s, OPEResult).precision.mean(0), s.summary["precision"]) for s in scores],
            plot_title("Precision plots of OPE", dataset, count, title), "Location error threshold (px)",
            "Precision", styles, "lower right")
        if dataset == "LaSOT":
            written += _curve_plot(
                report_dir / "norm_precision_plot", NORM_PRECISION_THRESHOLDS,
                [(labels[s.tracker], _details(s, OPEResult).norm_precision.mean(0), s.summary["norm_precision"])
                 for s in scores],
                plot_title("Normalized precision plots of OPE", dataset, count, title),
                "Normalized location error threshold", "Precision", styles, "lower right")
    elif kind == "got10k":
        written += _curve_plot(
            report_dir / "success_plot", np.linspace(0, 1, 101),
            [(labels[s.tracker], _details(s, GOT10kResult).success, s.summary["ao"]) for s in scores],
            plot_title("Success plots", dataset, count, title), "Overlap threshold", "Success rate", styles,
            "lower left")
    else:
        with _figure() as (fig, ax):
            for s in scores:
                curve = np.asarray(_details(s, VOTResult).curve)
                label = labels[s.tracker]
                _draw_curve(ax, np.arange(len(curve)), curve, f"[{s.summary['eao']:.3f}] {label}", styles[label])
            ax.set(title=plot_title("Expected overlap curves", dataset, count, title), xlabel="Sequence length",
                   ylabel="Expected overlap", ylim=(0, 1.0))
            ax.grid(True, linestyle=":")
            ax.legend(fontsize=8)
            fig.tight_layout()
            written += _save_figure(fig, report_dir / "eao_curve")
    attrs = sorted({a for s in scores for a in s.by_attribute})
    if attrs:
        metric = "eao" if kind == "vot" else "success_auc"
        name = "EAO" if kind == "vot" else "Success AUC"
        written += _bar_plot(
            report_dir / "attributes", attrs,
            {labels[s.tracker]: [s.by_attribute.get(a, {}).get(metric, float("nan")) for a in attrs] for s in scores},
            plot_title(f"{name} per attribute", dataset, count, title), name, styles)
    return written
