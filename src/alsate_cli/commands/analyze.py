"""``alsate analyze``: run the pipeline once over a finite source and render once."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from alsate_cli import options
from alsate_cli.errors import EXIT_INTERRUPTED, EXIT_THREAT, UsageError
from alsate_cli.priority import PrioritySelection
from alsate_cli.render import OutputFormat

if TYPE_CHECKING:
    from alsate_cli.outcome import Outcome
    from alsate_cli.timerange import TimeRange


def analyze(
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
    fail_on: options.FailOn = None,
    model: options.ModelPath = None,
    no_cache: options.NoCache = False,
    no_explain: options.NoExplain = False,
    limit: options.Limit = None,
    threads: options.Threads = None,
    gpu_layers: options.GpuLayers = None,
    backend: options.BackendName = None,
    endpoint: options.Endpoint = None,
    api_model: options.ApiModel = None,
    api_key_env: options.ApiKeyEnv = None,
    concurrency: options.Concurrency = None,
    output_format: options.Format = None,
    redact: options.Redact = False,
    quiet: options.Quiet = False,
) -> None:
    """Group warnings and worse into issues and explain each one.

    Reads journalctl JSON (journalctl -o json) or syslog text from --input or a pipe; with neither, runs
    journalctl itself. Every input line is accounted for: read = kept + filtered out + skipped.

    [bold]Examples[/bold]

      journalctl -p 4 -o json | alsate analyze

      alsate analyze --since yesterday -u ssh.service

      alsate analyze -i /var/log/syslog -p err --format json

      alsate analyze --backend openai --endpoint http://gpu-server:8080/v1 --concurrency 4

      alsate analyze -i /var/log/auth.log --redact --format markdown
    """
    # The pipeline (and Rich) load here, not with the module: `alsate analyze --help` and shell completion of
    # analyze's options only need the signature above.
    from alsate_cli.backends import choose_backend
    from alsate_cli.commands.common import config_or_fail, stderr_console
    from alsate_cli.explaining import ExplainSettings, resolve
    from alsate_cli.inputs import InputChoice
    from alsate_cli.models.resolve import ModelError
    from alsate_cli.oneshot import explain_outcome, fail_if_incomplete, read_input
    from alsate_cli.outcome import Outcome
    from alsate_cli.pipeline import Analysis
    from alsate_cli.redact import Redactor
    from alsate_cli.sources.journalctl import JournalQuery
    from alsate_cli.threats import new_evaluator

    output_format = output_format or (OutputFormat.TABLE if sys.stdout.isatty() else OutputFormat.JSON)
    status = stderr_console()
    config = config_or_fail()
    query = JournalQuery.from_options(
        since=since, until=until, units=unit, boot=boot, directory=directory, files=journal_file, priority=priority
    )
    choice = InputChoice(path=input_path, query=query)
    time_range = None if choice.uses_journalctl else _time_range(since, until)
    settings = ExplainSettings(
        model_path=str(model) if model else None,
        use_cache=not no_cache,
        enabled=not no_explain and output_format is not OutputFormat.ENTRIES,
        limit=limit,
        threads=threads,
        redacted=redact,
        backend=choose_backend(
            config, backend=backend, endpoint=endpoint, api_model=api_model, api_key_env=api_key_env,
            concurrency=concurrency, gpu_layers=gpu_layers,
        ),
    )  # fmt: skip
    resolved = resolve(settings, config)
    on_entry = None
    load_error: str | None = None
    if output_format is OutputFormat.ENTRIES:
        from alsate_cli.render.json_out import entry_line

        out = sys.stdout.buffer
        on_entry = lambda entry, group, hits: out.write(entry_line(entry, group, hits))  # noqa: E731

    analysis = Analysis(threats=None if no_threats else new_evaluator())
    show_progress = not quiet and status.is_terminal
    read_input(
        choice, priority, analysis, status,
        time_range=time_range, on_entry=on_entry, show_progress=show_progress, strict=strict, reuse=not no_cache,
        transform=Redactor().entries if redact else None,
    )  # fmt: skip
    if output_format is OutputFormat.ENTRIES:
        outcome = Outcome(analysis=analysis, selection=priority)
    else:
        outcome, load_error = explain_outcome(
            analysis, priority, settings, config, resolved, status, show_progress=show_progress
        )
        _render(outcome, output_format)
    sys.stdout.flush()
    fail_if_incomplete(analysis)
    if outcome.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)
    if load_error:
        raise ModelError(f"the model could not be used: {load_error}")
    if fail_on is not None and _threat_at_or_above(outcome, fail_on):
        raise typer.Exit(EXIT_THREAT)


def _threat_at_or_above(outcome: Outcome, level: str) -> bool:
    from alsate_cli.rules.levels import Level  # the rules package is only loaded when threats are evaluated

    summary = outcome.threat_summary()
    return summary is not None and summary.level >= Level.parse(level)


def _time_range(since: str | None, until: str | None) -> TimeRange | None:
    if since is None and until is None:
        return None
    from alsate_cli.timerange import TimeRange, TimeRangeError

    try:
        return TimeRange(since, until)
    except TimeRangeError as error:
        raise UsageError(str(error)) from None


def _render(outcome: Outcome, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        from alsate_cli.render.json_out import write_document

        write_document(outcome, sys.stdout)
    elif output_format is OutputFormat.MARKDOWN:
        from alsate_cli.render.markdown import render_markdown

        render_markdown(outcome, sys.stdout)
    else:
        from alsate_cli.commands.common import stdout_console
        from alsate_cli.render.table import render_table

        render_table(outcome, stdout_console())
