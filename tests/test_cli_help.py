"""Help that reads well at any terminal width: docstrings wrapped in the source are rewrapped by the terminal."""

from __future__ import annotations

import functools
import itertools
import os
import re
import subprocess
import sys

import pytest

from alsate_cli.cli import SUBCOMMANDS, load_subcommand, reflow

WIDE = 200


def test_reflow_joins_a_paragraphs_wrapped_lines() -> None:
    text = "Summary.\n\nOne sentence wrapped\nin the source, and\nits end.\n\nAnother paragraph."
    assert reflow(text) == "Summary.\n\nOne sentence wrapped in the source, and its end.\n\nAnother paragraph."


def test_reflow_keeps_examples_list_items_and_markup_lines() -> None:
    text = (
        "[bold]Examples[/bold]\n\n  alsate analyze\n  alsate report\n\nSteps:\n- first\n- second\n1. one\n2. two\n"
        "[dim]aside[/dim]"
    )
    assert reflow(text) == text


@functools.cache
def _help(*path: str) -> str:
    """``alsate PATH --help`` as a terminal WIDE columns wide shows it (run once per command for both tests)."""
    env = {**os.environ, "COLUMNS": str(WIDE), "TERM": "dumb", "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "alsate_cli", *path, "--help"], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _description(help_text: str) -> list[str]:
    """The lines between ``Usage:`` and the first option box."""
    lines = help_text.splitlines()
    start = next(i for i, line in enumerate(lines) if "Usage:" in line) + 1
    end = next(i for i, line in enumerate(lines) if line.lstrip().startswith("╭"))
    return [line.rstrip() for line in lines[start:end]]


def _prose(line: str) -> bool:
    """A paragraph line: Rich's one-space margin, no indent of its own (examples have one), not blank."""
    return line.startswith(" ") and not line.startswith("  ") and bool(line.strip())


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_wide_terminal_fills_its_lines(name: str) -> None:
    """Of two consecutive prose lines, the first ran to the terminal's edge: no break left over from the source."""
    description = _description(_help(name))
    assert len([line for line in description if line.strip()]) >= 1
    for line, after in itertools.pairwise(description):
        if _prose(line) and _prose(after):
            assert len(line) > WIDE - 40, f"{name}: line broken short of the edge:\n{line}\n{after}"


_STYLE_TAG = re.compile(r"\[/?(?:bold|dim|italic|i|b|u)\]")


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_word_of_the_help_reaches_the_terminal(name: str) -> None:
    """Rich reads ``[word]`` as markup and drops it: brackets meant as text must be escaped in the docstring."""
    command = load_subcommand(name)
    commands = [command, *getattr(command, "commands", {}).values()]
    for each in commands:
        path = [name] if each is command else [name, each.name]
        shown = set(_help(*path).replace("│", " ").split())
        written = _STYLE_TAG.sub("", (each.help or "").replace("\\[", "["))
        missing = [word for word in written.split() if word not in shown]
        assert not missing, f"{' '.join(path)}: not shown: {missing}"
