"""``alsate report``: the daily report a sysadmin reads and forwards (Markdown, HTML or JSON).

``alsate report > report.md`` from cron covers yesterday's calendar day; ``--since``/``--until`` pick any period.
"""

from __future__ import annotations

import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from alsate_cli import options
from alsate_cli.errors import EXIT_INTERRUPTED, AlsateError
from alsate_cli.priority import PrioritySelection


class ReportFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    JSON = "json"


class OutputError(AlsateError):
    """The --output file cannot be written."""


ReportFormatOption = Annotated[
    ReportFormat,
    typer.Option("--format", "-f", rich_help_panel=options.OUTPUT,
                 help="markdown (renders on GitHub/GitLab), html (one self-contained page) or json."),
]  # fmt: skip
OutputPath = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", rich_help_panel=options.OUTPUT,
                 help="Write the report to FILE instead of stdout."),
]  # fmt: skip


def report(
    input_path: options.InputPath = None,
    priority: options.Priority = PrioritySelection.parse("warning"),
    since: options.Since = None,
    until: options.Until = None,
    unit: options.Units = None,
    boot: options.Boot = None,
    directory: options.Directory = None,
    journal_file: options.JournalFiles = None,
    strict: options.Strict = False,
    no_threats: options.NoThreats = False,
    model: options.ModelPath = None,
    no_cache: options.NoCache = False,
    no_explain: options.NoExplain = False,
    limit: options.Limit = None,
    threads: options.Threads = None,
    report_format: ReportFormatOption = ReportFormat.MARKDOWN,
    output: OutputPath = None,
    redact: options.Redact = False,
    quiet: options.Quiet = False,
) -> None:
    """Write a report of a period's warnings and worse: summary, timeline, issues with cause and remediation.

    With neither --since nor --until the period is yesterday's whole calendar day (midnight to midnight, local
    time), so a daily cron job covers every day exactly once. Issues no earlier report showed are marked new.

    [bold]Examples[/bold]

      alsate report > report.md

      alsate report --since -24h --format html -o report.html

      alsate report -i /var/log/syslog --since today --redact
    """
    # Loaded here, not with the module: `alsate report --help` and shell completion only need the signature.
    from alsate_cli.backends import choose_backend
    from alsate_cli.commands.common import config_or_fail, stderr_console
    from alsate_cli.explaining import ExplainSettings, resolve
    from alsate_cli.inputs import InputChoice
    from alsate_cli.models.resolve import ModelError
    from alsate_cli.oneshot import explain_outcome, fail_if_incomplete, read_input
    from alsate_cli.pipeline import Analysis
    from alsate_cli.redact import Redactor
    from alsate_cli.report.document import Report
    from alsate_cli.report.period import resolve_period
    from alsate_cli.report.state import load_seen, remember
    from alsate_cli.report.timeline import Timeline
    from alsate_cli.sources.journalctl import JournalQuery
    from alsate_cli.threats import new_evaluator

    status = stderr_console()
    config = config_or_fail()
    period = resolve_period(since, until)
    query = JournalQuery.from_options(
        since=period.since,
        until=period.until,
        units=unit,
        boot=boot,
        directory=directory,
        files=journal_file,
        priority=priority,
    )
    choice = InputChoice(path=input_path, query=query)
    settings = ExplainSettings(
        model_path=str(model) if model else None, use_cache=not no_cache, enabled=not no_explain, limit=limit,
        threads=threads, backend=choose_backend(config),  # backend, endpoint …: from the config file
        redacted=redact,
    )  # fmt: skip
    resolved = resolve(settings, config)  # a bad --model fails before any reading
    show_progress = not quiet and status.is_terminal
    timeline = Timeline()
    analysis = Analysis(threats=None if no_threats else new_evaluator())
    read_input(
        choice, priority, analysis, status,
        time_range=None if choice.uses_journalctl else period.time_range, on_entry=timeline,
        show_progress=show_progress, strict=strict, transform=Redactor().entries if redact else None,
    )  # fmt: skip
    outcome, load_error = explain_outcome(
        analysis, priority, settings, config, resolved, status, show_progress=show_progress
    )
    seen, warning = load_seen()
    _warn(warning)
    new_ids = frozenset(group.id for group in outcome.groups if group.id not in seen)
    document = Report(outcome, period, timeline, new_ids, redacted=redact)
    _write(_rendered(document, report_format), output)
    if not outcome.interrupted and analysis.source_error is None:  # a partial report does not mark issues seen
        _warn(remember(seen, (group.id for group in outcome.groups)))
    fail_if_incomplete(analysis)
    if outcome.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if load_error:
        raise ModelError(f"the model could not be used: {load_error}")


def _rendered(document: object, report_format: ReportFormat) -> str:
    """The whole report as text first, so a failure never leaves half a file behind."""
    buffer = io.StringIO()
    if report_format is ReportFormat.HTML:
        from alsate_cli.render.report_html import render_report_html as render
    elif report_format is ReportFormat.JSON:
        from alsate_cli.render.report_json import render_report_json as render
    else:
        from alsate_cli.render.report_markdown import render_report_markdown as render
    render(document, buffer)  # type: ignore[arg-type]
    return buffer.getvalue()


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise OutputError(f"cannot write the report to {output}: {error.strerror or error}") from None


def _warn(message: str | None) -> None:
    if message:
        print(f"alsate: warning: {message}", file=sys.stderr)
