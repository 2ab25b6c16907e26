"""The steps a one-shot command (``analyze``, ``report``) runs between its options and its renderer.

Both call ``read_input`` and ``explain_outcome``, so reading, the skipped-lines report, ``--strict`` and the explain
stage behave identically everywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.console import Console

from alsate_cli.commands.common import console_warner, reading_status, skip_report
from alsate_cli.config import Config
from alsate_cli.errors import UsageError
from alsate_cli.explaining import ExplainSettings, explain_groups
from alsate_cli.inputs import InputChoice, open_input
from alsate_cli.models.resolve import ResolvedModel
from alsate_cli.outcome import NOT_REQUESTED, Outcome
from alsate_cli.pipeline import Analysis, EntrySink, EntryTransform, analyze_stream
from alsate_cli.priority import PrioritySelection
from alsate_cli.sources.errors import SourceError
from alsate_cli.sources.journalctl import JournalctlFailed
from alsate_cli.sources.reader import TRUNCATED_JSON
from alsate_cli.threats import rule_findings, widen_query_for_evidence, written_explanations
from alsate_cli.timerange import TimeRange


def read_input(
    choice: InputChoice,
    selection: PrioritySelection,
    analysis: Analysis,
    status: Console,
    *,
    time_range: TimeRange | None,
    on_entry: EntrySink | None,
    show_progress: bool,
    strict: bool = False,
    transform: EntryTransform | None = None,
    reuse: bool = False,
) -> Analysis:
    """Read the chosen input into ``analysis``; report skipped lines on stderr; fail under --strict.

    When journalctl fails after some entries were read, ``analysis.source_error`` says so (with how many were read)
    and the caller renders the partial results marked incomplete, then calls :func:`fail_if_incomplete`; when it
    fails before any entry (or under ``--strict``), the error is raised here.

    With ``reuse`` a regular file read before with the same settings is not read again: its recorded analysis
    comes from the cache file (see ``analysis_cache``), and a fresh reading is recorded there.
    """
    if choice.uses_journalctl and analysis.threats is not None:
        widen_query_for_evidence(choice.query, selection, analysis.threats)

    def read() -> None:
        try:
            with (
                open_input(choice) as stream,
                reading_status(status, analysis.stats, choice.describe(), enabled=show_progress),
            ):
                analyze_stream(
                    stream, selection, time_range=time_range, on_entry=on_entry, analysis=analysis,
                    transform=transform,
                )  # fmt: skip
        except JournalctlFailed as failure:
            stats = analysis.stats  # a line journalctl was cut off in the middle of is no entry (it is skipped)
            failure.entries = stats.read - stats.skip_reasons.get(TRUNCATED_JSON, 0)
            if not failure.entries:
                raise  # nothing was read: the error is all there is to say
            analysis.source_error = str(failure)

    source = choice.regular_file() if reuse and on_entry is None and transform is None else None
    if source is not None:
        _read_or_reuse(choice, source, selection, time_range, analysis, status, read, show_progress=show_progress)
    else:
        read()
    report = skip_report(analysis.stats)
    if report:
        print(report, file=sys.stderr)
    if strict and analysis.source_error:
        raise SourceError(analysis.source_error)  # --strict: no partial results
    if strict and analysis.stats.skipped:
        raise UsageError(f"--strict: {analysis.stats.skipped} malformed input lines (see above)")
    return analysis


def fail_if_incomplete(analysis: Analysis) -> None:
    """Exit 1 with the source's failure once the partial results are out: a crashed source is never "no problems"."""
    if analysis.source_error is not None:
        raise SourceError(analysis.source_error)


def _read_or_reuse(
    choice: InputChoice,
    source: int | str,
    selection: PrioritySelection,
    time_range: TimeRange | None,
    analysis: Analysis,
    status: Console,
    read: Callable[[], None],
    *,
    show_progress: bool,
) -> None:
    """Fill ``analysis`` from the analysis recorded for these bytes and settings, or ``read()`` and record it."""
    from alsate_cli.analysis_cache import AnalysisReuse
    from alsate_cli.cache import open_cache

    warn = console_warner(status)
    with open_cache(None, warn=warn) as store:
        plan = AnalysisReuse.for_run(source, selection, time_range, analysis, store)
        if plan is not None and plan.load_into(analysis, warn):
            if show_progress:
                status.print(
                    f"Reused the analysis of {choice.describe()} recorded by an earlier run (same bytes, same "
                    "settings); --no-cache reads it again.",
                    markup=False,
                    highlight=False,
                )
            return
        read()
        if plan is not None:
            plan.save(analysis)


def explain_outcome(
    analysis: Analysis,
    selection: PrioritySelection,
    settings: ExplainSettings,
    config: Config,
    model: ResolvedModel | None,
    status: Console,
    *,
    show_progress: bool,
) -> tuple[Outcome, str | None]:
    """Explain the groups inside the selection (not evidence below it); (outcome, why the model failed to load)."""
    outcome = Outcome(analysis=analysis, selection=selection)
    if not settings.enabled:
        outcome.unexplained_note = NOT_REQUESTED
    explainable = [group for group in outcome.groups if group.priority in selection]
    run = explain_groups(
        explainable, settings, config, model, status, show_progress=show_progress, findings=rule_findings(outcome)
    )
    outcome.explanations = run.explanations
    outcome.model_name = run.model_name
    outcome.model_calls, outcome.cache_hits = run.model_calls, run.cache_hits
    outcome.explain_interrupted = run.interrupted
    outcome.knowledge = written_explanations(outcome)
    return outcome, run.load_error
