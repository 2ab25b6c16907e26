"""``alsate report --format html``: one self-contained page (inline CSS, the timeline as inline SVG, no script).

It must survive being mailed and printed: no external resources, no JavaScript, dark text on white, issues
that do not break across pages where avoidable. Every untrusted string goes through ``escape.html_text``.
"""

from __future__ import annotations

from typing import TextIO

from alsate_cli import __version__
from alsate_cli.render.escape import html_text
from alsate_cli.render.values import explanation_headline, level_label, local_time, origin_label, threat_reasons
from alsate_cli.report.document import Report, band_names
from alsate_cli.report.timeline import Bucket, bucket_label

BAND_COLOURS = ("#b3261e", "#e8710a", "#f2b600", "#9aa0a6")
THREAT_COLOURS = {"critical": "#b3261e", "high": "#d93025", "medium": "#e8710a", "low": "#1a73e8", "none": "#5f6368"}
CHART_W, CHART_H, PAD_L, PAD_B, PAD_T = 960, 220, 44, 28, 10

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#202124;background:#fff;
 max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #dadce0}
h3{font-size:16px;margin:0 0 6px}.period{color:#5f6368;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #dadce0;padding:3px 10px;text-align:left}
td.n,th.n{text-align:right}.badge{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:13px}
.new{background:#188038;color:#fff;border-radius:4px;padding:0 6px;font-size:12px;margin-left:6px}
.issue{border:1px solid #dadce0;border-radius:8px;padding:12px 16px;margin:12px 0;break-inside:avoid}
.meta{color:#5f6368;font-size:13px}pre{background:#f1f3f4;padding:8px;overflow-x:auto;white-space:pre-wrap;
 word-break:break-all;font-size:12.5px;margin:6px 0}code{font-size:13px}ol{margin:4px 0}
.legend span{display:inline-block;width:11px;height:11px;margin:0 4px 0 12px;vertical-align:middle}
footer{color:#5f6368;font-size:13px;border-top:1px solid #dadce0;margin-top:28px;padding-top:8px}
@media print{body{padding:0;max-width:none}pre{white-space:pre-wrap}a{color:inherit}}
"""


def render_report_html(report: Report, out: TextIO) -> None:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(report.title())} ({html_text(report.period.describe())})</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html_text(report.title())}</h1>",
        f'<p class="period">{html_text(report.period.describe())}</p>',
        *_summary(report),
    ]
    if report.groups:
        parts += _timeline(report)
        parts += _issues(report)
    parts += [_footer(report), "</body></html>"]
    out.write("\n".join(parts) + "\n")


def _badge(label: str) -> str:
    return f'<span class="badge" style="background:{THREAT_COLOURS.get(label, "#5f6368")}">{html_text(label)}</span>'


def _summary(report: Report) -> list[str]:
    outcome, stats = report.outcome, report.outcome.analysis.stats
    parts = ["<h2>Summary</h2>"]
    if not report.groups:
        parts.append(
            f"<p>No entries at {html_text(str(outcome.selection))} or worse in this period ({stats.read} lines read, "
            f"{stats.filtered} below the level or outside the period, {stats.skipped} skipped). Nothing to do.</p>"
        )
        return parts
    threat = outcome.threat_summary()
    new = sum(1 for group in report.groups if report.is_new(group))
    parts.append(
        f"<p><strong>Threat level:</strong> {_badge(threat.level.label) if threat is not None else 'not evaluated'}"
        f" · {stats.kept} entries in {len(report.groups)} issues, {new} new since the last report.</p>"
    )
    rows = "".join(f'<tr><td>{html_text(name)}</td><td class="n">{count}</td></tr>'
                   for name, count in report.entries_by_level())  # fmt: skip
    parts.append(f'<table><tr><th>Level</th><th class="n">Entries</th></tr>{rows}</table>')
    items = []
    busiest = report.busiest()
    if busiest is not None:
        items.append(f"<li><strong>Busiest period:</strong> {html_text(busiest[0])} ({busiest[1]} entries)</li>")
    items.append(f"<li><strong>Top programs:</strong> {_counted(report.top_identifiers())}</li>")
    if report.top_units():
        items.append(f"<li><strong>Top units:</strong> {_counted(report.top_units())}</li>")
    if threat is not None:
        items += [f"<li><strong>Finding ({finding.level.label}):</strong> {html_text(finding.text)}</li>"
                  for finding in threat.findings[:5]]  # fmt: skip
    parts.append(f"<ul>{''.join(items)}</ul>")
    return parts


def _counted(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{html_text(name)} ({count})" for name, count in pairs)


def _timeline(report: Report) -> list[str]:
    unit, buckets = report.buckets()
    legend = "".join(f'<span style="background:{colour}"></span>{html_text(name)}'
                     for name, colour in zip(band_names(), BAND_COLOURS, strict=True))  # fmt: skip
    return [f"<h2>Timeline (entries per {unit})</h2>", _svg_chart(buckets, unit), f'<p class="legend">{legend}</p>']


def _svg_chart(buckets: list[Bucket], unit: str) -> str:
    """Stacked bars, worst level at the bottom; each bar has a tooltip with its numbers."""
    highest = max((bucket.total for bucket in buckets), default=0) or 1
    plot_w, plot_h = CHART_W - PAD_L - 8, CHART_H - PAD_B - PAD_T
    slot = plot_w / max(len(buckets), 1)
    every = max(1, round(len(buckets) / 12))
    shapes = [
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{CHART_W - 8}" y2="{PAD_T + plot_h}" stroke="#9aa0a6"/>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + 10}" text-anchor="end">{highest}</text>',
        f'<text x="{PAD_L - 6}" y="{PAD_T + plot_h}" text-anchor="end">0</text>',
    ]
    for index, bucket in enumerate(buckets):
        x = PAD_L + index * slot + slot * 0.12
        y = PAD_T + plot_h
        label = bucket_label(bucket.start_s, unit)
        tip = f"{label}: {bucket.total} entries (" + ", ".join(
            f"{name} {count}" for name, count in zip(band_names(), bucket.counts, strict=True)) + ")"  # fmt: skip
        bars = []
        for count, colour in zip(bucket.counts, BAND_COLOURS, strict=True):
            if count:
                height = count / highest * plot_h
                y -= height
                bars.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.76:.1f}" height="{height:.1f}" '
                            f'fill="{colour}"/>')  # fmt: skip
        shapes.append(f"<g><title>{html_text(tip)}</title>{''.join(bars)}</g>")
        if index % every == 0:
            shapes.append(f'<text x="{x + slot * 0.38:.1f}" y="{CHART_H - 8}" text-anchor="middle">{label}</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_W} {CHART_H}" width="100%" role="img" '
        f'aria-label="Entries per {unit}" font-size="11" fill="#5f6368">{"".join(shapes)}</svg>'
    )


def _issues(report: Report) -> list[str]:
    outcome = report.outcome
    parts = ["<h2>Issues</h2>"]
    for number, group in enumerate(report.groups, start=1):
        threat, explanation = outcome.threat(group), outcome.explanation(group)
        new = '<span class="new">NEW</span>' if report.is_new(group) else ""
        reasons = f" — {html_text(threat_reasons(threat))}" if threat.reasons else ""
        hosts = f" · hosts: {html_text(', '.join(sorted(group.hosts)))}" if group.hosts else ""
        parts += [
            '<section class="issue">',
            f"<h3>{number}. {_badge(threat.level.label)} {html_text(level_label(group))} ×{group.count}: "
            f"{html_text(origin_label(group))}{new}</h3>",
            f'<p class="meta">First seen {local_time(group.first_seen_us)} · last seen {local_time(group.last_seen_us)}'
            f"{hosts}<br>Threat: {threat.level.label}{reasons}</p>",
            f"<p><strong>Template:</strong> <code>{html_text(group.template)}</code></p>",
        ]
        headline = explanation_headline(explanation)
        cause = html_text(explanation.cause) if headline is None else f"<em>{html_text(headline)}</em>"
        parts.append(f"<p><strong>Cause:</strong> {cause}</p>")
        if explanation.remediation:
            steps = "".join(f"<li>{html_text(step)}</li>" for step in explanation.remediation)
            parts.append(f"<p><strong>Remediation:</strong></p><ol>{steps}</ol>")
        if group.examples:
            examples = html_text(chr(10).join(group.examples), single_line=False)
            parts.append(f'<p class="meta">Examples:</p><pre>{examples}</pre>')
        command = html_text(report.journalctl_command(group))
        parts += [f'<p class="meta">Show these entries:</p><pre>{command}</pre>', "</section>"]
    return parts


def _footer(report: Report) -> str:
    outcome, stats = report.outcome, report.outcome.analysis.stats
    model = f"model {html_text(outcome.model_name)}" if outcome.model_name else "no model"
    parts = [f"Generated by alsate {__version__}", model, f"{outcome.model_calls} model calls",
             f"{outcome.cache_hits} cache hits", f"{stats.read} lines read",
             f"{stats.skipped} skipped lines"]  # fmt: skip
    if report.redacted:
        parts.append("names, addresses and secrets redacted")
    if outcome.interrupted:
        parts.append("<strong>interrupted: results are partial</strong>")
    if outcome.incomplete:
        parts.append(f"<strong>{html_text(outcome.incomplete)}</strong>")
    return f"<footer>{' · '.join(parts)}</footer>"
