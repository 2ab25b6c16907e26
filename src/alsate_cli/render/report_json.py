"""``alsate report --format json``: analyze's documented JSON plus the report's period, timeline and new issues."""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from alsate_cli.render.json_out import document
from alsate_cli.render.values import iso_time
from alsate_cli.report.document import Report, band_names


def report_document(report: Report) -> dict[str, Any]:
    unit, buckets = report.buckets()
    names = band_names()
    result = document(report.outcome)
    result["period"] = report.period.as_json()
    result["timeline"] = {
        "unit": unit,
        "bands": names,
        "buckets": [
            {"start": iso_time(bucket.start_s * 1_000_000), "counts": dict(zip(names, bucket.counts, strict=True)),
             "total": bucket.total}
            for bucket in buckets
        ],
    }  # fmt: skip
    commands = {group.id: report.journalctl_command(group) for group in report.groups}
    for group in result["groups"]:
        group["journalctl"] = commands.get(group["id"])  # the command that lists this entries
    result["hosts"] = report.hosts()
    result["new_since_last_report"] = [group.id for group in report.groups if report.is_new(group)]
    result["redacted"] = report.redacted
    return result


def render_report_json(report: Report, out: TextIO) -> None:
    out.write(orjson.dumps(report_document(report), option=orjson.OPT_INDENT_2).decode())
    out.write("\n")
