"""``alsate watch`` on a terminal: a fixed-height dashboard redrawn in place (Rich Live on the alternate screen).

Three parts, sized to the terminal so nothing scrolls at 80×24 or on a wide screen: a two-line header (source,
time watching, entries per level, model state, queue, dropped), the active issues (highest threat, then worst
priority, then most recent first; counts and last-seen update in place) and the latest explanations.
Every log or model text goes through ``render.escape``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich import box
from rich.console import Group as RenderGroup
from rich.console import RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from alsate_cli.grouping import Group
from alsate_cli.outcome import Outcome
from alsate_cli.priority import NAMES
from alsate_cli.render.escape import safe_text
from alsate_cli.render.table import cause_text, level_text, threat_text
from alsate_cli.render.values import local_time, origin_label
from alsate_cli.watch.state import WatchState

HEADER_LINES = 3
LINES_PER_EXPLANATION = 3


def elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"


def header(state: WatchState, now: float) -> RenderGroup:
    """Status, counts and recent notices: one line each, cut rather than wrapped so the layout never moves."""
    queued = len(state.queue) if state.queue is not None else 0
    dropped = state.queue.dropped if state.queue is not None else 0
    status = Text.assemble(("alsate watch", "bold"), f" · {elapsed(now - state.started)} · model: ")
    status.append(state.model_state, style="red" if state.model_state.startswith("error") else "green")
    status.append(f" · queue {queued} · dropped {dropped}")
    if state.restarts:
        status.append(f" · journalctl restarts {state.restarts}", style="yellow")
    if state.input_ended:
        status.append(" · input ended", style="yellow")
    status.append(" · ")
    status.append_text(safe_text(state.source, "cyan"))
    stats = state.analysis.stats
    levels = "  ".join(f"{NAMES[level]} {count:,}" for level, count in enumerate(state.per_level) if count)
    counts = Text(f"{stats.read:,} read · {len(state.analysis.grouper)} issues · ", style="dim")
    counts.append(levels or f"no entries at {state.selection} or worse yet", style="" if levels else "dim")
    notices = Text("  ").join(safe_text(notice, "yellow") for notice in state.notices)
    for line in (status, counts, notices):
        line.no_wrap, line.overflow = True, "ellipsis"
    return RenderGroup(status, counts, notices)


def ranked(state: WatchState, outcome: Outcome) -> list[Group]:
    """Highest threat, then worst priority, then the most recently active."""
    activity = state.activity

    def rank(group: Group) -> tuple[int, int, float]:
        return (-outcome.threat(group).level, group.priority, -activity.get(group.id, 0.0))

    return sorted(outcome.analysis.grouper.groups(), key=rank)


def issues_table(state: WatchState, outcome: Outcome, groups: Sequence[Group], rows: int, wide: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("Threat", no_wrap=True)
    table.add_column("Level", no_wrap=True)
    table.add_column("Count", justify="right", no_wrap=True)
    table.add_column("Last seen", no_wrap=True)
    table.add_column("Program", no_wrap=True, overflow="ellipsis", max_width=24 if wide else 12)
    table.add_column("Issue", no_wrap=True, overflow="ellipsis", ratio=1)
    for group in groups[:rows]:
        table.add_row(
            threat_text(outcome.threat(group), with_reasons=False),
            level_text(group),
            f"{group.count:,}",
            local_time(group.last_seen_us)[7:] if not wide else local_time(group.last_seen_us),
            safe_text(origin_label(group)),
            safe_text(group.template),
        )
    if len(groups) > rows:
        table.caption = f"… and {len(groups) - rows} more"
    return table


def explanations(state: WatchState, outcome: Outcome, count: int) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for group_id in list(reversed(state.latest))[:count]:
        group = state.groups_by_id.get(group_id)
        if group is None:
            continue
        explanation = outcome.explanation(group)
        title = Text.assemble(safe_text(group.identifier or "-", "cyan"), ": ")
        title.append_text(safe_text(group.template, "bold"))
        title.append(f"  ({explanation.source.value})", style="dim")
        title.no_wrap, title.overflow = True, "ellipsis"
        cause = Text.assemble(("  Cause: ", "bold"), cause_text(explanation))
        cause.no_wrap, cause.overflow = True, "ellipsis"
        step = Text("  ")
        if explanation.remediation:
            step.append("1. ", style="bold")
            step.append_text(safe_text(explanation.remediation[0]))
            if len(explanation.remediation) > 1:
                step.append(f" (+{len(explanation.remediation) - 1} steps)", style="dim")
        step.no_wrap, step.overflow = True, "ellipsis"
        parts += [title, cause, step]
    return parts


def dashboard(state: WatchState, width: int, height: int) -> RenderableType:
    """The whole screen for a terminal of ``width``×``height`` (call with ``state.lock`` held)."""
    now = time.monotonic()
    outcome = state.outcome()
    groups = ranked(state, outcome)
    shown = min(len(state.latest), max(1, (height - HEADER_LINES) // 3 // LINES_PER_EXPLANATION))
    explanation_lines = 1 + shown * LINES_PER_EXPLANATION if state.latest else 0
    rows = max(1, height - HEADER_LINES - 4 - explanation_lines)  # 4: table header, rule, caption, margin
    parts: list[RenderableType] = [header(state, now)]
    if groups:
        parts.append(issues_table(state, outcome, groups, rows, wide=width >= 120))
    else:
        parts.append(Text(f"Watching: no issues at {state.selection} or worse yet.", style="green"))
    if state.latest:
        parts.append(Rule("Latest explanations", style="dim", align="left"))
        parts += explanations(state, outcome, shown)
    return RenderGroup(*parts)


def final_summary(state: WatchState, now: float, top: int = 10) -> RenderableType:
    """One screen printed after the dashboard closes: what was seen, the worst issues, what was explained."""
    outcome = state.outcome()
    groups = ranked(state, outcome)
    stats = state.analysis.stats
    dropped = state.queue.dropped if state.queue is not None else 0
    lines = [
        Text.assemble(("alsate watch", "bold"), f" ran {elapsed(now - state.started)} on ", safe_text(state.source)),
        Text(
            f"{stats.read:,} read, {stats.kept:,} kept, {stats.filtered:,} filtered out, {stats.skipped:,} skipped "
            f"→ {len(groups)} active issues ({state.evicted} quiet ones forgotten); {state.explained} explained, "
            f"{dropped} dropped from the queue; journalctl restarts: {state.restarts}",
            style="dim",
        ),
    ]
    for group in groups[:top]:
        line = Text.assemble(threat_text(outcome.threat(group), with_reasons=False), " ", level_text(group))
        line.append(f" ×{group.count:,} ", style="bold")
        line.append_text(safe_text(origin_label(group), "cyan"))
        line.append(": ")
        line.append_text(safe_text(group.template))
        line.no_wrap, line.overflow = True, "ellipsis"
        lines.append(line)
    if len(groups) > top:
        lines.append(Text(f"… and {len(groups) - top} more", style="dim"))
    return RenderGroup(*lines)
