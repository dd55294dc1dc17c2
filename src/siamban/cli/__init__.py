"""The ``siamban`` command: thin subcommands that parse arguments, call the library and print.

Each subcommand is a module here with ``add_parser(subparsers)``, which registers its options and sets
``func`` to a ``run(args) -> int`` function. Errors siamban raises on purpose become one line and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from siamban.errors import SiamBANError

#: Subcommand modules, in the order ``siamban --help`` lists them.
COMMANDS = ("track", "demo", "synth", "prepare", "train", "test", "eval", "tune", "vot", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="siamban", description="SiamBAN visual object tracker")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"siamban.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``siamban`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SiamBANError as exc:
        print(f"siamban {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"siamban {args.command}: interrupted", file=sys.stderr)
        return 130
