"""``siamban eval`` plots a paper can use: a chosen title, display names, line styles that survive greyscale, the
sequence count in the title, and PDF and SVG beside each PNG."""

from __future__ import annotations

import json
import re

import pytest

from siamban.evaluation.report import PLOT_FORMATS, plot_styles, plot_title
from siamban.cli import main

from bench_fakes import write_lines

pytest.importorskip("matplotlib")


def _results(results, otb_root):
    """Three trackers on Basketball and Tiger1: exact, 3 px off and 6 px off."""
    for name, shift in (("run_a", 0), ("run_b", 3), ("run_c", 6)):
        folder = results / "OTB100" / name
        write_lines(folder / "Basketball.txt", [(10 + i + shift, 10, 20, 20) for i in range(4)])
        write_lines(folder / "Tiger1.txt", [(i + shift, 0, 10, 10) for i in range(5, 8)])  # frames 6 to 8


def _eval(otb_root, tmp_path, *extra):
    return main(["eval", "--dataset", "OTB100", "--dataset-root", str(otb_root), "--sequences", "Basketball", "Tiger1",
                 "--results-dir", str(tmp_path / "results"), "--report-dir", str(tmp_path / "report"), *extra])


def _svg_texts(path):
    return re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text())


def test_title_names_styles_and_formats(otb_root, tmp_path, capsys):
    _results(tmp_path / "results", otb_root)
    assert _eval(otb_root, tmp_path, "--title", "OTB-2015 ablation", "--names", "run_a=SiamBAN (ours)",
                 "run_c = No ellipse labels") == 0
    out = capsys.readouterr().out
    assert "| SiamBAN (ours) | 0.952 |" in out and "| No ellipse labels |" in out and "| run_b |" in out
    report = tmp_path / "report"
    stems = ("success_plot", "precision_plot")
    assert sorted(p.name for p in report.iterdir()) == sorted(
        ["summary.md", "summary.json"] + [f"{s}.{fmt}" for s in stems for fmt in ("png", "pdf", "svg")])
    assert "report: 8 files in" in out
    texts = _svg_texts(report / "success_plot.svg")  # SVG text stays text: editable, and readable here
    assert "OTB-2015 ablation" in texts and "Success plots of OPE (2 sequences)" in texts
    assert "[0.952] SiamBAN (ours)" in texts and "No ellipse labels" in " ".join(texts) and "run_b" in " ".join(texts)
    assert "Precision plots of OPE (2 sequences)" in _svg_texts(report / "precision_plot.svg")
    svg = (report / "success_plot.svg").read_text()
    assert "stroke-dasharray" in svg  # dashed curves, not colour alone
    pdf = (report / "success_plot.pdf").read_bytes()  # TrueType font program embedded, no Type 3 fonts
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf and b"/Type3" not in pdf and b"/CreationDate" not in pdf
    assert (report / "success_plot.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((report / "summary.json").read_text())
    assert summary["sequences"] == 2
    assert {k: v["label"] for k, v in summary["trackers"].items()} == {
        "run_a": "SiamBAN (ours)", "run_b": "run_b", "run_c": "No ellipse labels"}


def test_default_titles_count_the_sequences_and_plots_are_reproducible(otb_root, tmp_path):
    _results(tmp_path / "results", otb_root)
    assert _eval(otb_root, tmp_path) == 0
    report = tmp_path / "report"
    assert "Success plots of OPE on OTB100 (2 sequences)" in _svg_texts(report / "success_plot.svg")
    first = {p.name: p.read_bytes() for p in report.iterdir() if p.suffix in (".pdf", ".svg")}
    assert _eval(otb_root, tmp_path) == 0
    assert {p.name: p.read_bytes() for p in report.iterdir() if p.suffix in (".pdf", ".svg")} == first


def test_styles_differ_in_dash_and_marker():
    styles = plot_styles(20)
    assert len({(s["linestyle"], s["marker"]) for s in styles}) == 20
    assert len({s["hatch"] for s in styles[:10]}) == 10
    assert [s["linestyle"] for s in styles[:4]] == ["-", "--", "-.", ":"]
    assert plot_title("EAO per attribute", "VOT2018", 1) == "EAO per attribute on VOT2018 (1 sequence)"
    assert PLOT_FORMATS == ("png", "pdf", "svg")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--names", "run_a"], "--names 'run_a': expected NAME=LABEL"),
        (["--names", "run_a=A", "run_a=B"], "--names run_a: given twice"),
        (["--names", "nobody=X"], "--names nobody: no such tracker among the scored ones (run_a, run_b, run_c)"),
        (["--names", "run_a=Same", "run_b=Same"], "--names: run_a and run_b would both be shown as 'Same'"),
        (["--trackers", "run_a", "--names", "run_b=B"], "--names run_b: not among --trackers (run_a)"),
        (["--title", "  "], "--title: empty"),
    ],
)
def test_bad_names_and_titles_are_one_line_before_anything_is_written(otb_root, tmp_path, capsys, extra, message):
    _results(tmp_path / "results", otb_root)
    assert _eval(otb_root, tmp_path, *extra) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1 and captured.out == ""
    assert not (tmp_path / "report").exists()
