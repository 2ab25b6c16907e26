"""``alsate watch``: a live threat monitor; a dashboard on a terminal, JSON Lines under systemd or in a pipe."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alsate_cli import options
from alsate_cli.errors import UsageError
from alsate_cli.priority import PrioritySelection
from alsate_cli.watch.alerts import DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from alsate_cli.watch.plans import SourcePlan

ALERTS = "Alerts"


class WatchFormat(StrEnum):
    LIVE = "live"
    JSONL = "jsonl"


Follow = Annotated[
    bool,
    typer.Option("--follow", "-F", rich_help_panel=options.SOURCE,
                 help="With --input FILE: keep reading new lines like 'tail -F' (survives rotation, truncation)."),
]  # fmt: skip
FromStart = Annotated[
    bool,
    typer.Option("--from-start", rich_help_panel=options.SOURCE,
                 help="Read the whole journal (or file) first instead of resuming from the saved cursor."),
]  # fmt: skip
QueueSize = Annotated[
    int,
    typer.Option("--queue-size", min=1, rich_help_panel=options.MODEL,
                 help="New issues waiting for the model; beyond it the least important are dropped."),
]  # fmt: skip
AlertLevelOption = Annotated[
    str | None,
    typer.Option("--alert-level", metavar="LEVEL", rich_help_panel=ALERTS,
                 help="Alert on each issue at or above this threat level (low, medium, high, critical) or "
                 "priority (err, 3 …)."),
]  # fmt: skip
Exec = Annotated[
    str | None,
    typer.Option("--exec", metavar="CMD", rich_help_panel=ALERTS,
                 help="Run CMD (split like a shell would, but never run by one) for each alert, the issue as JSON "
                 "on its stdin."),
]  # fmt: skip
ExecTimeout = Annotated[
    float, typer.Option("--exec-timeout", min=0.1, rich_help_panel=ALERTS, help="Seconds before CMD is killed.")
]
Bell = Annotated[bool, typer.Option("--bell", rich_help_panel=ALERTS, help="Ring the terminal bell on alerts.")]
ForgetAfter = Annotated[
    float,
    typer.Option("--forget-after", min=1, metavar="SECONDS", rich_help_panel=options.OUTPUT,
                 help="Forget issues quiet for this long (memory stays bounded on long runs)."),
]  # fmt: skip
MaxIssues = Annotated[
    int,
    typer.Option("--max-issues", min=10, rich_help_panel=options.OUTPUT,
                 help="Keep at most this many issues; the least recently active are forgotten first."),
]  # fmt: skip
FormatOption = Annotated[
    WatchFormat | None,
    typer.Option("--format", "-f", rich_help_panel=options.OUTPUT,
                 help="live (dashboard; default on a terminal) or jsonl (one JSON line per event; default otherwise)."),
]  # fmt: skip


def watch(
    input_path: options.InputPath = None,
    follow: Follow = False,
    from_start: FromStart = False,
    priority: options.Priority = PrioritySelection.parse("warning"),
    since: options.Since = None,
    unit: options.Units = None,
    directory: options.Directory = None,
    journal_file: options.JournalFiles = None,
    no_threats: options.NoThreats = False,
    model: options.ModelPath = None,
    no_cache: options.NoCache = False,
    no_explain: options.NoExplain = False,
    threads: options.Threads = None,
    queue_size: QueueSize = 100,
    alert_level: AlertLevelOption = None,
    exec_command: Exec = None,
    exec_timeout: ExecTimeout = DEFAULT_TIMEOUT_S,
    bell: Bell = False,
    forget_after: ForgetAfter = 3600.0,
    max_issues: MaxIssues = 2000,
    output_format: FormatOption = None,
) -> None:
    """Watch the journal (or a file, or stdin) live: new issues, threat levels and explanations as they happen.

    Follows journalctl by default and resumes after the last entry it processed. Model work runs in the background
    and never delays reading. q or Ctrl-C quits with a summary; SIGTERM ends a service cleanly.

    [bold]Examples[/bold]

      alsate watch

      alsate watch -u ssh.service --alert-level high --exec 'notify-send alsate'

      alsate watch --input /var/log/syslog --follow

      alsate watch --format jsonl | tee issues.jsonl
    """
    output_format = output_format or (WatchFormat.LIVE if sys.stdout.isatty() else WatchFormat.JSONL)
    if exec_command is not None and alert_level is None:
        raise UsageError("--exec needs --alert-level (which issues to run it for)")
    if bell and alert_level is None:
        raise UsageError("--bell needs --alert-level (which issues to ring for)")
    if follow and input_path in (None, "-"):
        raise UsageError("--follow needs --input FILE (the journal and stdin are always followed)")
    # Loaded here, not with the module: `alsate watch --help` and shell completion only need the signature.
    from alsate_cli.commands.common import config_or_fail, stdout_console
    from alsate_cli.explaining import ExplainSettings, resolve
    from alsate_cli.pipeline import Analysis
    from alsate_cli.threats import new_evaluator, widen_query_for_evidence
    from alsate_cli.watch.alerts import AlertLevel, parse_command
    from alsate_cli.watch.cursor import CursorStore
    from alsate_cli.watch.plans import AlertPlan, ExplainPlan
    from alsate_cli.watch.session import Watch
    from alsate_cli.watch.state import Limits, WatchState
    from alsate_cli.watch.timing import poll_interval

    config = config_or_fail()
    settings = ExplainSettings(model_path=str(model) if model else None, use_cache=not no_cache, enabled=not no_explain)
    resolved = resolve(settings, config)
    analysis = Analysis(threats=None if no_threats else new_evaluator())
    source, label = _source_plan(input_path, follow, from_start, since, unit, directory, journal_file, priority)
    if source.query is not None and analysis.threats is not None:
        widen_query_for_evidence(source.query, priority, analysis.threats)
    if source.query is not None:
        source.cursor_store = CursorStore(source.query)
        if not from_start and since is None:
            source.start.after_cursor = source.cursor_store.load()
    state = WatchState(analysis, priority, label, limits=Limits(quiet_s=forget_after, max_groups=max_issues))
    alerts = AlertPlan(
        level=AlertLevel.parse(alert_level) if alert_level else None,
        command=parse_command(exec_command) if exec_command else None,
        timeout_s=exec_timeout,
        bell=bell,
    )
    explain = None if no_explain else ExplainPlan(resolved, config, not no_cache, threads, queue_size)
    session = Watch(state, source, alerts, explain, poll_interval())
    finite = source.query is None and not source.follow  # stdin or a file read once: done at its end
    if output_format is WatchFormat.LIVE:
        from alsate_cli.watch.outputs import DashboardOutput

        session.run(DashboardOutput(state, stdout_console()), exit_at_end_of_input=False)
    else:
        from alsate_cli.watch.outputs import JsonlOutput

        session.run(JsonlOutput(state, sys.stdout.buffer, session.stop), exit_at_end_of_input=finite)


def _source_plan(
    input_path: str | None,
    follow: bool,
    from_start: bool,
    since: str | None,
    units: list[str] | None,
    directory: Path | None,
    files: list[Path] | None,
    priority: PrioritySelection,
) -> tuple[SourcePlan, str]:
    from alsate_cli.inputs import stdin_is_a_stream
    from alsate_cli.sources.journalctl import JournalQuery
    from alsate_cli.watch.journal_follow import JournalStart
    from alsate_cli.watch.plans import SourcePlan

    names_journal = bool(units or directory or files)  # journalctl's options: the journal, whatever stdin is
    if input_path is not None or (stdin_is_a_stream() and not names_journal):
        if since is not None:
            raise UsageError("--since applies to the journal; for a file or stdin use --from-start or not")
        if input_path in (None, "-"):
            return SourcePlan(path="-"), "stdin"
        return SourcePlan(path=input_path, follow=follow, from_start=from_start), str(input_path)
    query = JournalQuery.from_options(units=units, directory=directory, files=files, priority=priority)
    return SourcePlan(query=query, start=JournalStart(since=since, from_start=from_start)), "journal"
