"""``alsate models``: the GGUF files on this machine that analyze can use, and ``models inspect PATH``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from alsate_cli.commands.common import config_or_fail, stdout_console
from alsate_cli.config import Config
from alsate_cli.textsafe import strip_controls

models_app = typer.Typer(
    help="List the local GGUF models analyze can use, or inspect one.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode="rich",
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PROFILE_LEGEND = (
    "profile (grammar): how alsate prompts the model and constrains its answers; "
    'override with profile = "NAME" / grammar = "none|text|json" in the config file'
)
SHOWN_KEYS = ("general.name", "general.architecture", "general.license", "general.size_label", "general.file_type")


@models_app.callback()
def list_models(ctx: typer.Context, as_json: AsJson = False) -> None:
    """List local models: name, profile, path, size, quantisation, context length, chat template, and the default.

    The default is the file analyze loads with no --model: ALSATE_MODEL, the config file's model, else the
    ALSATE model from the Hugging Face cache. Metadata is read from each file's header without loading the weights.
    """
    if ctx.invoked_subcommand is not None:
        return
    from alsate_cli.models.inventory import local_models

    config = config_or_fail()
    rows = [_row(model.name, model.path, model.origin, model.is_default, config) for model in local_models(config)]
    if as_json:
        print(json.dumps({"models": rows}, indent=2))
        return
    console = stdout_console()
    if not rows:
        console.print("No local models. Fetch one with: alsate pull (or pass --model PATH to analyze)", markup=False)
        return
    table = Table("", "name", "profile", "quant", "context", "chat template", "size", "path", box=None,
                  highlight=False)  # fmt: skip
    for row in rows:
        table.add_row(
            "*" if row["default"] else "", _safe(row["name"]), f"{row['profile']} ({row['grammar']})",
            row["quantisation"] or "?", str(row["context_length"] or "?"),
            {True: "yes", False: "no", None: "?"}[row["chat_template"]], f"{row['size'] / 1e6:.0f} MB",
            _safe(row["path"]),
        )  # fmt: skip
    console.print(table)
    console.print("* the model analyze uses by default", markup=False)
    console.print(PROFILE_LEGEND, markup=False)


@models_app.command("inspect")
def inspect_model(
    path: Annotated[Path, typer.Argument(help="A .gguf file.")],
    as_json: AsJson = False,
) -> None:
    """Show a GGUF file's metadata (architecture, context length, quantisation, chat template) without loading it."""
    from alsate_cli.models.gguf_info import read_gguf_info

    info = read_gguf_info(path)
    profile, grammar = _profile(path, config_or_fail())
    summary: dict[str, Any] = {
        "path": str(path),
        "size": info.size,
        "architecture": info.architecture,
        "name": info.name,
        "context_length": info.context_length,
        "quantisation": info.quantisation,
        "chat_template": info.has_chat_template,
        "license": info.license,
        "profile": profile,
        "grammar": grammar,
    }
    if as_json:
        print(json.dumps({**summary, "metadata": info.metadata}, indent=2))
        return
    table = Table("key", "value", box=None, highlight=False, show_header=False)
    for key, value in summary.items():
        table.add_row(key, _safe("?" if value is None else str(value)))
    for key in sorted(info.metadata):
        if key not in SHOWN_KEYS and key != "tokenizer.chat_template":
            table.add_row(key, _safe(info.metadata[key]))
    stdout_console().print(table)


def _profile(path: Path, config: Config) -> tuple[str, str]:
    """The profile analyze gives this file and the grammar in force (the config's, else the profile's)."""
    from alsate_cli.backends import configured_grammar, local_profile

    profile = local_profile(path, config)
    return profile.name, str(configured_grammar(config) or profile.grammar)


def _row(name: str, path: Path, origin: str, is_default: bool, config: Config) -> dict[str, Any]:
    """One listed model; a file llama.cpp cannot read is still listed, with unknown details."""
    from alsate_cli.errors import AlsateError
    from alsate_cli.models.gguf_info import read_gguf_info

    try:
        info = read_gguf_info(path)
        details = {"quantisation": info.quantisation, "context_length": info.context_length,
                   "chat_template": info.has_chat_template, "architecture": info.architecture}  # fmt: skip
    except AlsateError:
        details = {"quantisation": None, "context_length": None, "chat_template": None, "architecture": None}
    profile, grammar = _profile(path, config)
    return {"name": name, "path": str(path), "origin": origin, "default": is_default,
            "size": path.stat().st_size, "profile": profile, "grammar": grammar, **details}  # fmt: skip


def _safe(text: str) -> str:
    """File metadata is untrusted text: no terminal control sequences reach the screen, long values are cut."""
    clean = strip_controls(text)
    return clean if len(clean) <= 200 else clean[:199] + "…"
