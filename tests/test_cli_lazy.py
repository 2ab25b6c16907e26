"""Start-up stays fast: a subcommand's module loads only when it runs, and the summaries in cli.py cannot drift.

These tests check which modules are imported, never how long anything takes (timings: benchmarks/startup_time.py).
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from alsate_cli.cli import SUBCOMMANDS, app, load_subcommand

COMMAND_MODULES = {f"alsate_cli.commands.{name}" for name in ("analyze", "pull", "report", "watch", "models", "rules")}
NEVER_AT_START = {"llama_cpp", "huggingface_hub"}

RUN_AND_LIST_MODULES = """
import json, sys
from alsate_cli.cli import main
args, modules_file = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = ["alsate", *args]
try:
    main()
except SystemExit:
    pass
with open(modules_file, "w") as out:
    json.dump(sorted(sys.modules), out)
"""


def imported_by(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh interpreter has imported once ``alsate ARGS`` has finished (stdin empty)."""
    out = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, json.dumps(args), str(out)],
        input=b"", capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.exists(), result.stderr.decode(errors="replace")
    return set(json.loads(out.read_text()))


def test_version_imports_no_subcommand_and_no_rich(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--version")
    assert not modules & (COMMAND_MODULES | NEVER_AT_START)
    assert "rich" not in modules  # the app itself needs no Rich; Typer loads it only to format help or errors


def test_help_imports_no_subcommand(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--help")
    assert not modules & (COMMAND_MODULES | NEVER_AT_START)
    assert "alsate_cli.pipeline" not in modules


def test_analyze_imports_only_its_own_command(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "analyze", "--format", "json")
    assert modules & COMMAND_MODULES == {"alsate_cli.commands.analyze"}
    assert not modules & NEVER_AT_START
    assert "alsate_cli.explain.openai_engine" not in modules  # http.client and ssl: only for --backend openai


def test_analyze_help_loads_the_signature_not_the_pipeline(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "analyze", "--help")
    assert modules & COMMAND_MODULES == {"alsate_cli.commands.analyze"}
    assert not modules & ({"alsate_cli.pipeline", "alsate_cli.explaining", "alsate_cli.rules"} | NEVER_AT_START)


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_summary_matches_the_command_help(name: str) -> None:
    """The stand-in shown by ``alsate --help`` and shell completion says what the real command would."""
    real = load_subcommand(name)
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    stand_in = group.commands[name]
    assert real.name == stand_in.name == name
    assert (real.hidden, real.deprecated, real.short_help) == (False, False, None)
    assert not getattr(real, "rich_help_panel", None)
    first_paragraph = inspect.cleandoc(real.help or "").split("\n\n")[0].strip()
    assert SUBCOMMANDS[name].summary == first_paragraph, f"update SUBCOMMANDS[{name!r}].summary in cli.py"
    assert stand_in.get_short_help_str() == real.get_short_help_str()


def test_every_command_module_is_in_the_table() -> None:
    commands_dir = Path(__file__).resolve().parent.parent / "src" / "alsate_cli" / "commands"
    modules = {f"alsate_cli.commands.{path.stem}" for path in commands_dir.glob("*.py")}
    assert {entry.module for entry in SUBCOMMANDS.values()} == modules - {
        "alsate_cli.commands.__init__",
        "alsate_cli.commands.common",
    }


LOADED_HELP = """
import sys
import typer
from alsate_cli.cli import SUBCOMMANDS, app
group = typer.main.get_command(app)
ctx = group.make_context("alsate", [], resilient_parsing=True)
for name in SUBCOMMANDS:
    group.get_command(ctx, name)  # outside help formatting: the real command replaces the stand-in
assert not any(type(command).__name__ == "_Summary" for command in group.commands.values())
group.main(["--help"], prog_name="alsate")
"""


def test_top_level_help_is_the_same_with_every_command_loaded() -> None:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb"}
    lazy = subprocess.run([sys.executable, "-m", "alsate_cli", "--help"], capture_output=True, env=env, timeout=120)
    loaded = subprocess.run([sys.executable, "-c", LOADED_HELP], capture_output=True, env=env, timeout=120)
    assert lazy.returncode == loaded.returncode == 0, loaded.stderr.decode(errors="replace")
    assert b"analyze" in lazy.stdout
    assert lazy.stdout == loaded.stdout
