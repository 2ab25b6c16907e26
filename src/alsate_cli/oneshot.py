"""The steps a one-shot command (``analyze``, ``report``) runs between its options and its renderer.

Both call ``read_input`` and ``explain_outcome``, so reading, the skipped-lines report, ``--strict`` and the explain
stage behave identically everywhere.
"""

from __future__ import annotations

import sys

from rich.console import Console

from alsate_cli.commands.common import reading_status, skip_report
from alsate_cli.config import Config
from alsate_cli.errors import UsageError
from alsate_cli.explaining import ExplainSettings, explain_groups
from alsate_cli.inputs import InputChoice, open_input
from alsate_cli.models.resolve import ResolvedModel
from alsate_cli.outcome import NOT_REQUESTED, Outcome
from alsate_cli.pipeline import Analysis, EntrySink, EntryTransform, analyze_stream
from alsate_cli.priority import PrioritySelection
from alsate_cli.threats import widen_query_for_evidence, written_explanations
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
) -> Analysis:
    """Read the chosen input into ``analysis``; report skipped lines on stderr; fail under --strict."""
    if choice.uses_journalctl and analysis.threats is not None:
        widen_query_for_evidence(choice.query, selection, analysis.threats)
    with open_input(choice) as stream, reading_status(status, analysis.stats, choice.describe(), enabled=show_progress):
        analyze_stream(
            stream, selection, time_range=time_range, on_entry=on_entry, analysis=analysis, transform=transform
        )
    report = skip_report(analysis.stats)
    if report:
        print(report, file=sys.stderr)
    if strict and analysis.stats.skipped:
        raise UsageError(f"--strict: {analysis.stats.skipped} malformed input lines (see above)")
    return analysis


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
    run = explain_groups(explainable, settings, config, model, status, show_progress=show_progress)
    outcome.explanations = run.explanations
    outcome.model_name = run.model_name
    outcome.model_calls, outcome.cache_hits = run.model_calls, run.cache_hits
    outcome.explain_interrupted = run.interrupted
    outcome.knowledge = written_explanations(outcome)
    return outcome, run.load_error
