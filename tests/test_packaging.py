"""Packaging: dependency ranges with an exact constraints file, py.typed, ``siamban --version``."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import siamban
from siamban.cli import main

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
_REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)(.*)$")


def _requirements() -> dict[str, list[str]]:
    groups = {"base": PYPROJECT["project"]["dependencies"]}
    groups.update(PYPROJECT["project"]["optional-dependencies"])
    return groups


def _name(requirement: str) -> tuple[str, str]:
    match = _REQUIREMENT.match(requirement.replace(" ", ""))
    assert match, requirement
    return match.group(1).lower(), match.group(2)


def test_dependencies_are_ranges_to_the_next_major():
    for group, requirements in _requirements().items():
        for requirement in requirements:
            name, spec = _name(requirement)
            assert ">=" in spec and "<" in spec.replace("<=", "") and "==" not in spec, (group, requirement)


def test_matplotlib_and_contrib_opencv_are_not_needed_to_track():
    base = {_name(r)[0] for r in _requirements()["base"]}
    assert "matplotlib" not in base and "opencv-contrib-python-headless" not in base
    assert "opencv-python-headless" in base
    assert {_name(r)[0] for r in _requirements()["report"]} == {"matplotlib"}
    assert "matplotlib" in {_name(r)[0] for r in _requirements()["test"]}


def test_the_constraints_file_pins_every_dependency_exactly_and_ci_uses_it():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.strip().lower()] = version.strip()
    named = {_name(r)[0] for requirements in _requirements().values() for r in requirements}
    assert named <= set(pins), named - set(pins)
    assert pins["torch"] == "2.13.0"  # exact: a range would let pip take a CUDA build
    assert all(re.fullmatch(r"[0-9][0-9.]*", v) for v in pins.values()), pins
    assert 'pip install -q -c constraints.txt -e ".[test]"' in (ROOT / ".ci" / "run").read_text()


def test_the_package_ships_py_typed():
    assert (Path(siamban.__file__).parent / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["siamban"]


def test_version_option_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"siamban {metadata.version('siamban')}"
