"""Progress: a tqdm bar on a terminal, plain occasional lines (no carriage returns, no escape codes) elsewhere."""

from __future__ import annotations

import io

import numpy as np
from tqdm import tqdm

from siamban.data.synthetic import SyntheticConfig, write_otb_sequences
from siamban.progress import PlainProgress, is_interactive, progress_bar


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_every_tenth_and_at_the_end():
    out, clock = io.StringIO(), _Clock()
    bar = PlainProgress(total=200, desc="OTB100 run", unit="frame", file=out, clock=clock)
    for _ in range(199):
        clock.now += 0.1
        bar.update(1)
    clock.now += 0.1
    bar.update(1)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # 10%, 20%, ... 100%: the closing call adds nothing new
    assert lines[0] == "OTB100 run: 20/200 [10%, 0:00:02 elapsed, 10.0 frame/s]"
    assert lines[-1] == "OTB100 run: 200/200 [100%, 0:00:20 elapsed, 10.0 frame/s]"
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()


def test_plain_lines_every_30_seconds_without_a_total_and_a_final_line():
    out, clock = io.StringIO(), _Clock()
    bar = PlainProgress(desc="webcam", unit="frame", file=out, clock=clock)
    bar.set_postfix(loss="0.1234")
    for _ in range(70):
        clock.now += 1.0
        bar.update(2)
    bar.close()
    bar.close()  # twice is once
    assert out.getvalue().splitlines() == [
        "webcam: 60 frame [0:00:30 elapsed, 2.0 frame/s, loss=0.1234]",
        "webcam: 120 frame [0:01:00 elapsed, 2.0 frame/s, loss=0.1234]",
        "webcam: 140 frame [0:01:10 elapsed, 2.0 frame/s, loss=0.1234]",
    ]


def test_disabled_and_resumed_counters():
    out = io.StringIO()
    with PlainProgress(total=10, file=out, disable=True) as bar:
        bar.update(10)
    assert out.getvalue() == ""
    clock = _Clock()
    with PlainProgress(total=10, initial=5, desc="prepare VID", unit="video", file=out, clock=clock) as bar:
        clock.now = 5.0
        bar.update(1)
    assert out.getvalue().splitlines() == ["prepare VID: 6/10 [60%, 0:00:05 elapsed, 0.2 video/s]"]


def test_progress_bar_picks_tqdm_only_on_a_terminal(monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    terminal, log = _Terminal(), io.StringIO()
    assert is_interactive(terminal) and not is_interactive(log)
    bar = progress_bar(total=3, desc="x", file=terminal)
    assert isinstance(bar, tqdm)
    bar.close()
    assert isinstance(progress_bar(total=3, file=log), PlainProgress)
    monkeypatch.setenv("TERM", "dumb")
    assert not is_interactive(terminal)


def test_iterating_a_plain_counter_yields_every_item():
    out, clock = io.StringIO(), _Clock()
    items = list(PlainProgress(range(4), desc="seqs", unit="seq", file=out, clock=clock, percent=50))
    assert items == [0, 1, 2, 3]
    assert [line.split(" [")[0] for line in out.getvalue().splitlines()] == ["seqs: 2/4", "seqs: 4/4"]


def test_a_command_writing_to_a_log_gets_plain_lines(tmp_path, capsys):
    config = SyntheticConfig(width=64, height=48, length=3, occlusions=0)
    write_otb_sequences(tmp_path, [1, 2], config)
    err = capsys.readouterr().err  # pytest's captured stderr is not a terminal, as a CI log is not
    assert "\r" not in err and "\x1b" not in err
    assert [line.split(" [")[0] for line in err.splitlines()] == ["synthetic sequences: 1/2",
                                                                   "synthetic sequences: 2/2"]
    assert np.all([(tmp_path / f"synthetic_{s:06d}" / "groundtruth.txt").is_file() for s in (1, 2)])
