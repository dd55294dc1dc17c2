"""The ``siamban`` command: thin subcommands that parse arguments, call the library and print.

Each subcommand is a module here with ``add_parser(subparsers)``, which registers its options and sets
``func`` to a ``run(args) -> int`` function. Errors siamban raises on purpose, and any file-system error (a full
disk, a missing permission), become one line and exit code 2; siamban's warnings are one ``warning:`` line each.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import warnings
from importlib import metadata

from siamban.errors import SiamBANError, SiamBANWarning

#: Subcommands, in the order ``siamban --help`` lists them.
COMMANDS = ("track", "demo", "synth", "prepare", "train", "test", "eval", "tune", "vot", "export")
#: The module of a subcommand whose name would mislead as a module name (``test`` runs a benchmark).
MODULES = {"test": "run_benchmark"}


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one ``PROG: error: ...`` line (and exit code 2), pointing at
    ``--help`` instead of printing the whole usage block; subcommand parsers inherit it."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class Terminated(BaseException):
    """SIGTERM (``kill``, a job scheduler's time limit) raised in the main thread, so that every ``finally`` runs
    and no temporary file is left behind, as with Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="siamban", description="SiamBAN visual object tracker")
    parser.add_argument("--version", action="version", version=f"siamban {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"siamban.cli.{MODULES.get(name, name)}").add_parser(sub)
    return parser


def _version() -> str:
    """The installed distribution's version (``unknown`` when running from a source tree never installed)."""
    try:
        return metadata.version("siamban")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``siamban`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    previous_term = _install_sigterm()
    with warnings.catch_warnings():
        warnings.simplefilter("always", SiamBANWarning)
        previous = warnings.showwarning
        warnings.showwarning = _one_line_warning(args.command, previous)
        try:
            return int(args.func(args) or 0)
        except SiamBANError as exc:
            print(f"siamban {args.command}: error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # a file-system failure the library did not name itself
            where = f"{exc.filename}: " if exc.filename else ""
            print(f"siamban {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"siamban {args.command}: interrupted", file=sys.stderr)
            return 130
        except Terminated:
            print(f"siamban {args.command}: terminated", file=sys.stderr)
            return 143
        finally:
            warnings.showwarning = previous
            if previous_term is not None:
                signal.signal(signal.SIGTERM, previous_term)


def _install_sigterm():  # noqa: ANN202 - signal's handler type
    """Turn SIGTERM into ``Terminated`` (main thread only; returns the previous handler, or None when not set)."""
    try:
        return signal.signal(signal.SIGTERM, _terminate)
    except (ValueError, OSError):  # not the main thread, or no SIGTERM on this platform
        return None


def _one_line_warning(command: str, fallback):
    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001 - warnings' signature
        if issubclass(category, SiamBANWarning):
            from tqdm import tqdm

            tqdm.write(f"siamban {command}: warning: {message}", file=file or sys.stderr)  # not inside a progress bar
        else:
            fallback(message, category, filename, lineno, file, line)

    return show
