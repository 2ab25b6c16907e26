"""``alsate dataset``: analysed groups as fine-tuning JSONL in the ALSATE chat format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from alsate_cli.errors import UsageError

SOURCES = ("model", "cache", "knowledge")


def dataset(
    analyses: Annotated[
        list[str],
        typer.Argument(
            help="Documents of 'alsate analyze --format json' ('-' for stdin), as made or "
            "with answers corrected by hand."
        ),
    ],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    sources: Annotated[
        str, typer.Option("--sources", help="Answer sources to take, comma-separated: model, cache, knowledge.")
    ] = ",".join(SOURCES),
    redact: Annotated[
        bool, typer.Option("--redact", help="Replace addresses, host and user names and secrets with pseudonyms.")
    ] = False,
) -> None:
    """Export analysed groups as fine-tuning data (JSON Lines, ALSATE chat format).

    Each record is {"messages": \\[system, user, assistant]}: the ALSATE system prompt, one log line in syslog short
    form, and "Cause - … / Remediation - 1. …". One entry a line; empty and control-character lines are dropped
    (and counted on stderr); messages are single-spaced; duplicates are dropped.

    [bold]Examples[/bold]

      alsate analyze -i /var/log/auth.log --format json > analysis.json
      alsate dataset analysis.json -o train.jsonl

      alsate analyze --since "1 week ago" --format json |
        alsate dataset - --redact --sources model,knowledge
    """
    import orjson

    from alsate_cli.dataset.records import Counts, records
    from alsate_cli.redact import Redactor

    chosen = {name.strip() for name in sources.split(",") if name.strip()}
    if not chosen or chosen - set(SOURCES):
        raise UsageError(f"--sources: choose from {', '.join(SOURCES)} (got {sources!r})")
    documents = [_load(path) for path in analyses]
    counts = Counts()
    lines = [
        orjson.dumps(record) + b"\n"
        for record in records(documents, sources=chosen, counts=counts, redactor=Redactor() if redact else None)
    ]
    try:
        if output is None:
            sys.stdout.buffer.write(b"".join(lines))
        else:
            output.write_bytes(b"".join(lines))
    except OSError as error:
        raise UsageError(f"{output}: {error.strerror or error}") from None
    dropped = ", ".join(f"{count} {reason}" for reason, count in counts.dropped.most_common())
    print(f"alsate: {counts.records} records from {counts.groups} groups" + (f"; dropped {dropped}" if dropped else ""),
          file=sys.stderr)  # fmt: skip


def _load(path: str) -> dict[str, Any]:
    import orjson

    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise UsageError(f"{path}: not a JSON document (make one with 'alsate analyze --format json')") from None
    if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
        raise UsageError(f"{path}: no 'groups' list: not an 'alsate analyze --format json' document") from None
    return document
