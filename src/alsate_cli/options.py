"""Command-line options shared by the subcommands, declared once so every command spells them the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alsate_cli.backends import Backend
from alsate_cli.priority import PriorityError, PrioritySelection
from alsate_cli.render import OutputFormat

SOURCE = "Input"
FILTER = "Filter"
MODEL = "Model"
OUTPUT = "Output"


def _priority(value: str | PrioritySelection) -> PrioritySelection:
    if isinstance(value, PrioritySelection):
        return value
    try:
        return PrioritySelection.parse(value)
    except PriorityError as error:
        raise typer.BadParameter(str(error)) from None


InputPath = Annotated[
    str | None,
    typer.Option(
        "--input", "-i", metavar="PATH", rich_help_panel=SOURCE,
        help="Read journalctl JSON lines or syslog text from PATH ('-' for stdin). Default: stdin when piped, "
        "else run journalctl.",
    ),
]  # fmt: skip
Since = Annotated[
    str | None,
    typer.Option("--since", "-S", rich_help_panel=SOURCE,
                 help="Only entries at or after this time ('yesterday', '-2h', '2026-11-20 08:00:00', ISO 8601)."),
]  # fmt: skip
Until = Annotated[
    str | None,
    typer.Option("--until", "-U", rich_help_panel=SOURCE, help="Only entries at or before this time."),
]
Units = Annotated[
    list[str] | None,
    typer.Option("--unit", "-u", rich_help_panel=SOURCE, help="journalctl: only this systemd unit (repeatable)."),
]
Boot = Annotated[
    str | None,
    typer.Option("--boot", "-b", metavar="ID|OFFSET", rich_help_panel=SOURCE,
                 help="journalctl: only this boot ('0' current, '-1' previous, or a boot ID)."),
]  # fmt: skip
Directory = Annotated[
    Path | None,
    typer.Option(
        "--directory", "-D", rich_help_panel=SOURCE, help="journalctl: read the journal files in this directory."
    ),
]
JournalFiles = Annotated[
    list[Path] | None,
    typer.Option("--file", rich_help_panel=SOURCE, help="journalctl: read this journal file (repeatable, globs ok)."),
]
Priority = Annotated[
    PrioritySelection,
    typer.Option(
        "--priority", "-p", parser=_priority, metavar="LEVEL|FROM..TO", rich_help_panel=FILTER,
        help="Keep this level and worse (0-7 or emerg, alert, crit, err, warning, notice, info, debug), "
        "or a range like 'err..warning', as journalctl -p.",
    ),
]  # fmt: skip
NoThreats = Annotated[
    bool,
    typer.Option(
        "--no-threats", rich_help_panel=FILTER,
        help="Skip the detection rules: no threat levels, and entries below the priority are never kept as evidence.",
    ),
]  # fmt: skip
THREAT_LEVELS = ("low", "medium", "high", "critical")


def _threat_level(value: str | None) -> str | None:
    if value is None or value in THREAT_LEVELS:
        return value
    raise typer.BadParameter(f"{value!r} is not a threat level: use one of {', '.join(THREAT_LEVELS)}")


FailOn = Annotated[
    str | None,
    typer.Option(
        "--fail-on", metavar="LEVEL", callback=_threat_level, rich_help_panel=FILTER,
        help="Exit with code 3 when a threat at or above LEVEL (low, medium, high, critical) is found (cron, CI).",
    ),
]  # fmt: skip
Strict = Annotated[
    bool,
    typer.Option("--strict", rich_help_panel=FILTER, help="Fail (exit 2) when any input line is malformed."),
]
ModelPath = Annotated[
    Path | None,
    typer.Option("--model", "-m", metavar="GGUF", rich_help_panel=MODEL,
                 help="GGUF model to explain with. Default: $ALSATE_MODEL, the config file, then the ALSATE model "
                 "if 'alsate pull' fetched it."),
]  # fmt: skip
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        rich_help_panel=MODEL,
        help="Neither read nor write the cache: model answers, and (analyze) the recorded analysis that "
        "lets a re-run over an unchanged input file skip reading it.",
    ),
]
NoExplain = Annotated[
    bool,
    typer.Option("--no-explain", rich_help_panel=MODEL, help="Group only; do not load or call any model."),
]
Limit = Annotated[
    int | None,
    typer.Option("--limit", "-n", min=0, rich_help_panel=MODEL,
                 help="Make at most N model calls (the worst groups first); the rest stay unexplained."),
]  # fmt: skip
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads", "-t", min=1, rich_help_panel=MODEL, help="CPU threads for the model. Default: all cores."
    ),
]
GpuLayers = Annotated[
    int | None,
    typer.Option("--gpu-layers", min=-1, metavar="N", rich_help_panel=MODEL,
                 help="Layers of the in-process model to offload to the GPU (-1: all). Default: all when "
                 "llama-cpp-python was built with GPU support, else 0."),
]  # fmt: skip
BackendName = Annotated[
    Backend | None,
    typer.Option("--backend", rich_help_panel=MODEL,
                 help="llama-cpp: run the GGUF model in-process (default); openai: ask an OpenAI-compatible server "
                 "(llama-server, vLLM, Ollama) at --endpoint."),
]  # fmt: skip
Endpoint = Annotated[
    str | None,
    typer.Option("--endpoint", metavar="URL", rich_help_panel=MODEL,
                 help="The server's OpenAI base URL, e.g. http://gpu-server:8080/v1 (implies --backend openai)."),
]  # fmt: skip
ApiModel = Annotated[
    str | None,
    typer.Option("--api-model", metavar="NAME", rich_help_panel=MODEL,
                 help="Model name to request from the server. Default: the one model it lists."),
]  # fmt: skip
ApiKeyEnv = Annotated[
    str | None,
    typer.Option("--api-key-env", metavar="VAR", rich_help_panel=MODEL,
                 help="Environment variable holding the server's API key (sent as 'Authorization: Bearer')."),
]  # fmt: skip
Concurrency = Annotated[
    int | None,
    typer.Option("--concurrency", min=1, metavar="N", rich_help_panel=MODEL,
                 help="Requests in flight at once to the openai backend (default 1); results keep their order."),
]  # fmt: skip
Format = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", rich_help_panel=OUTPUT,
                 help="table (default on a terminal), json (default otherwise), entries (JSON Lines, one per kept "
                 "entry) or markdown."),
]  # fmt: skip
Redact = Annotated[
    bool,
    typer.Option("--redact", rich_help_panel=OUTPUT,
                 help="Replace IP addresses, host names, user names, e-mail addresses and secrets with consistent "
                 "pseudonyms before anything is grouped, sent to the model or written."),
]  # fmt: skip
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", rich_help_panel=OUTPUT, help="No progress bar on stderr (skipped lines are still reported)."
    ),
]
