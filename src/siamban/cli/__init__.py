"""The ``siamban`` command: thin subcommands that parse arguments, call the library and print.

Each subcommand is a module here with ``add_parser(subparsers)``, which registers its options and sets
``func`` to a ``run(args) -> int`` function. Errors siamban raises on purpose, and any file-system error (a full
disk, a missing permission), become one line and exit code 2; siamban's warnings are one ``warning:`` line each.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from importlib import metadata

from siamban.errors import SiamBANError, SiamBANWarning

#: Subcommand modules, in the order ``siamban --help`` lists them.
COMMANDS = ("track", "demo", "synth", "prepare", "train", "test", "eval", "tune", "vot", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="siamban", description="SiamBAN visual object tracker")
    parser.add_argument("--version", action="version", version=f"siamban {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"siamban.cli.{name}").add_parser(sub)
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
        finally:
            warnings.showwarning = previous


def _one_line_warning(command: str, fallback):
    def show(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001 - warnings' signature
        if issubclass(category, SiamBANWarning):
            from tqdm import tqdm

            tqdm.write(f"siamban {command}: warning: {message}", file=file or sys.stderr)  # not inside a progress bar
        else:
            fallback(message, category, filename, lineno, file, line)

    return show
