"""Every option and argument of every command says what it is for in `grader … --help`."""
from __future__ import annotations

import argparse

from grader.apps.cli import parser


def _unexplained(p: argparse.ArgumentParser, path: str) -> list[str]:
    found = []
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _unexplained(sub, f"{path} {name}")
        elif not action.help and not isinstance(action, argparse._HelpAction):
            found.append(f"{path}: {'/'.join(action.option_strings) or action.dest}")
    return found


def test_every_option_of_every_command_has_help_text():
    assert _unexplained(parser(), "grader") == []


def test_the_check_finds_an_option_without_help():
    p = argparse.ArgumentParser()
    p.add_subparsers().add_parser("x").add_argument("--bare")
    assert _unexplained(p, "grader") == ["grader x: --bare"]
