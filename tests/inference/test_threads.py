"""Thread defaults for a busy machine (issue 17): the load-aware default, its /proc reading, and speed.py's
``--background-load`` processes (started for the timing, stopped however it ends)."""

from __future__ import annotations

import os

import pytest
import torch

from benchmark_scripts import load_benchmark_script
from siamban.errors import ConfigError
from siamban.inference import optimize
from siamban.inference.optimize import (
    cpu_busy_elsewhere,
    default_inference_threads,
    quiet_openmp_waits,
    resolve_inference_threads,
    set_inference_threads,
)


@pytest.mark.parametrize(
    ("cores", "busy", "threads"),
    [(2, 0.0, 2), (2, 0.4, 2), (2, 0.6, 1), (2, 1.0, 1), (2, 2.0, 1), (2, 5.5, 1), (1, 0.0, 1), (8, 3.0, 5),
     (8, 0.3, 8)],
)
def test_default_threads_leave_the_busy_cores_alone(cores, busy, threads):
    assert default_inference_threads(cores, busy) == threads


def test_set_inference_threads_drops_to_one_thread_beside_two_busy_processes(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(optimize, "physical_cores", lambda: 2)
    monkeypatch.setattr(optimize, "cpu_busy_elsewhere", lambda interval=0.2: 2.0)
    assert set_inference_threads() == 1 and torch.get_num_threads() == 1
    monkeypatch.setattr(optimize, "cpu_busy_elsewhere", lambda interval=0.2: 0.0)
    assert set_inference_threads() == 2 and torch.get_num_threads() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the user's choice wins over the measured load
    monkeypatch.setattr(optimize, "cpu_busy_elsewhere", lambda interval=0.2: 2.0)
    assert set_inference_threads() == 2
    assert set_inference_threads(1) == 1 and torch.get_num_threads() == 1


@pytest.mark.parametrize("threads", [0, -1, True, 1.5])
def test_thread_counts_below_one_are_refused(threads):
    with pytest.raises(ConfigError, match="threads"):
        resolve_inference_threads(threads)


def test_cpu_busy_elsewhere_counts_other_processes_time_only(monkeypatch):
    # two /proc readings on 2 cores: 20 jiffies between them in all, 15 busy, 5 of them this process's own
    cpu = iter([(1000, 400), (1020, 415)])
    own = iter([50, 55])
    monkeypatch.setattr(optimize, "_cpu_jiffies", lambda: next(cpu))
    monkeypatch.setattr(optimize, "_own_jiffies", lambda: next(own))
    monkeypatch.setattr(optimize, "physical_cores", lambda: 2)
    monkeypatch.setattr(optimize.time, "sleep", lambda s: None)
    assert cpu_busy_elsewhere() == pytest.approx(1.0)  # (15 - 5) / 20 of 2 cores

    def unreadable():
        raise OSError("no /proc")

    monkeypatch.setattr(optimize, "_cpu_jiffies", unreadable)
    assert cpu_busy_elsewhere() == 0.0


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="reads /proc")
def test_proc_readings_parse_on_this_machine():
    total, busy = optimize._cpu_jiffies()
    assert 0 <= busy <= total and optimize._own_jiffies() >= 0
    assert 0.0 <= cpu_busy_elsewhere(0.01) <= optimize.physical_cores()


def test_quiet_openmp_waits_respects_the_users_choice():
    env: dict[str, str] = {}
    assert quiet_openmp_waits(env) and env == {"OMP_WAIT_POLICY": "PASSIVE"}
    for chosen in ({"OMP_WAIT_POLICY": "ACTIVE"}, {"GOMP_SPINCOUNT": "1000"}):
        env = dict(chosen)
        assert not quiet_openmp_waits(env) and env == chosen


@pytest.mark.parametrize("argv, training", [
    (["/venv/bin/siamban", "train", "--config", "x"], True),
    (["-m", "train", "--config", "x"], True),  # python -m siamban train (torchrun's workers too)
    (["/venv/bin/siamban", "track", "video.mp4"], False),
    (["/venv/bin/siamban", "--version"], False),
    (["script.py", "train"], False),  # a user's own script: its argv says nothing about siamban
    (["/venv/bin/siamban"], False),
])
def test_training_commands_keep_active_waits(argv, training):
    env: dict[str, str] = {}
    assert quiet_openmp_waits(env, argv) is not training
    assert env == ({} if training else {"OMP_WAIT_POLICY": "PASSIVE"})


# ----------------------------------------------------------------------------------------------------------------------
# benchmarks/speed.py --background-load


def test_background_load_processes_run_inside_and_stop_after():
    speed = load_benchmark_script("speed")
    with speed.background_load(2, settle=0.0) as workers:
        assert len(workers) == 2 and all(w.is_alive() for w in workers)
    assert all(not w.is_alive() and w.exitcode is not None for w in workers)
    with speed.background_load(0) as none:
        assert none == []


def test_background_load_stops_on_an_error_or_ctrl_c():
    speed = load_benchmark_script("speed")
    for error in (RuntimeError("timing failed"), KeyboardInterrupt()):
        with pytest.raises(type(error)):
            with speed.background_load(1, settle=0.0) as workers:
                raise error
        assert not workers[0].is_alive()


def test_speed_options_for_threads_and_load():
    speed = load_benchmark_script("speed")
    args = speed.parse_args(["--threads", "1", "2", "auto", "--background-load", "2"])
    assert args.threads == [1, 2, "auto"] and args.background_load == 2
    assert speed.parse_args([]).threads == ["auto"] and speed.parse_args([]).background_load == 0
    for bad in (["--threads", "0"], ["--threads", "x"], ["--background-load", "-1"], ["--threads", "1", "1"]):
        with pytest.raises(SystemExit):
            speed.parse_args(bad)


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_importing_siamban_first_makes_openmp_waits_passive_unless_chosen(given, expected):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    if given:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, siamban, siamban._environment as o; print(os.environ['OMP_WAIT_POLICY'], o.PASSIVE_SET)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == [expected, str(given is None)]
    later = "import torch, os, siamban; print(os.environ.get('OMP_WAIT_POLICY'))"  # torch first: left alone
    out = subprocess.run([sys.executable, "-c", later], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == (given or "None")
