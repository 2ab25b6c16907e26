"""A finished Analysis as bytes and back: what the analysis cache stores so a repeat run reads nothing.

Only what the renderers and the explain stage ask a finished analysis for is kept: the ingest counters, every
group, and — with threat rules on — each group's rated threat and the run's threat summary. Those are final once
the reading ended (a group's priority no longer changes), so a :class:`RecordedThreats` answers exactly as the
live :class:`~alsate_cli.rules.ThreatEvaluator` did, without its correlation windows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import orjson

from alsate_cli.grouping import Group, Grouper
from alsate_cli.pipeline import Analysis
from alsate_cli.rules.levels import Level
from alsate_cli.rules.threat import Finding, Reason, Threat, ThreatSummary
from alsate_cli.sources.stats import IngestStats

FORMAT_VERSION = 1
"""Bumped whenever the layout below changes: a record of another version is not read (a cache miss)."""


class RecordError(ValueError):
    """The bytes are not a record this version can read; the caller treats it as a cache miss."""


class RecordedThreats:
    """The threat answers of a finished run, replayed: ``group_threat`` and ``summary`` as the evaluator gave them."""

    __slots__ = ("_summary", "_threats")

    def __init__(self, threats: Mapping[str, Threat], summary: ThreatSummary) -> None:
        self._threats = dict(threats)
        self._summary = summary

    def group_threat(self, group_id: str, priority: int) -> Threat:
        found = self._threats.get(group_id)
        return found if found is not None else Threat(Level.NONE)

    def summary(self, group_priorities: Mapping[str, int] | None = None, max_findings: int = 10) -> ThreatSummary:
        return self._summary


def record(analysis: Analysis) -> bytes:
    """The analysis of a whole, uninterrupted reading, as compact JSON."""
    if analysis.interrupted:
        raise ValueError("an interrupted reading is not a finished analysis")
    groups = analysis.grouper.groups()
    document: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "stats": _stats_json(analysis.stats),
        "groups": [_group_json(group) for group in groups],
        "threats": None,
    }
    threats = analysis.threats
    if threats is not None:
        priorities = {group.id: group.priority for group in groups}
        document["threats"] = {
            "groups": {group.id: _threat_json(threats.group_threat(group.id, group.priority)) for group in groups},
            "summary": _summary_json(threats.summary(priorities)),
        }
    return orjson.dumps(document)


def replay(data: bytes) -> Analysis:
    """The Analysis a record was made from (its threats as :class:`RecordedThreats`); RecordError if unreadable."""
    try:
        document = orjson.loads(data)
        if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
            raise RecordError("not a record of this version")
        grouper = Grouper.from_groups(_group(item) for item in document["groups"])
        threats = document["threats"]
        recorded = None
        if threats is not None:
            recorded = RecordedThreats(
                {group_id: _threat(item) for group_id, item in threats["groups"].items()},
                _summary(threats["summary"]),
            )
        # RecordedThreats answers everything a finished analysis is asked (group_threat, summary), not observe.
        return Analysis(stats=_stats(document["stats"]), grouper=grouper, threats=recorded)  # type: ignore[arg-type]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, RecordError):
            raise
        raise RecordError(f"damaged record ({error})") from None


def _stats_json(stats: IngestStats) -> dict[str, Any]:
    item = {spec.name: getattr(stats, spec.name) for spec in fields(IngestStats)}
    item["skip_reasons"] = dict(stats.skip_reasons)
    return item


def _stats(item: dict[str, Any]) -> IngestStats:
    stats = IngestStats(**{spec.name: item[spec.name] for spec in fields(IngestStats)})
    stats.skip_reasons = Counter({str(reason): int(count) for reason, count in item["skip_reasons"].items()})
    stats.skip_examples = [(int(line), str(reason)) for line, reason in item["skip_examples"]]
    return stats


_GROUP_SETS = ("hosts", "units", "programs")


def _group_json(group: Group) -> dict[str, Any]:
    item = {spec.name: getattr(group, spec.name) for spec in fields(Group)}
    for name in _GROUP_SETS:
        item[name] = sorted(item[name])
    return item


def _group(item: dict[str, Any]) -> Group:
    group = Group(**{spec.name: item[spec.name] for spec in fields(Group)})
    for name in _GROUP_SETS:
        setattr(group, name, {str(label) for label in item[name]})
    return group


def _reason_json(reason: Reason) -> dict[str, Any]:
    return {
        "rule_id": reason.rule_id,
        "level": int(reason.level),
        "text": reason.text,
        "count": reason.count,
        "key": reason.key,
        "mitre": list(reason.mitre),
        "threshold": reason.threshold,
        "window_seconds": reason.window_seconds,
    }


def _reason(item: dict[str, Any]) -> Reason:
    key, threshold, window = item["key"], item.get("threshold"), item.get("window_seconds")
    return Reason(
        str(item["rule_id"]),
        Level(item["level"]),
        str(item["text"]),
        int(item["count"]),
        None if key is None else str(key),
        tuple(str(technique) for technique in item.get("mitre", ())),
        None if threshold is None else int(threshold),
        None if window is None else int(window),
    )


def _threat_json(threat: Threat) -> dict[str, Any]:
    return {
        "level": int(threat.level),
        "reasons": [_reason_json(reason) for reason in threat.reasons],
        "mitre": list(threat.mitre),
        "rule_ids": list(threat.rule_ids),
    }


def _threat(item: dict[str, Any]) -> Threat:
    return Threat(
        Level(item["level"]),
        tuple(_reason(reason) for reason in item["reasons"]),
        tuple(str(tag) for tag in item["mitre"]),
        tuple(str(rule_id) for rule_id in item["rule_ids"]),
    )


def _summary_json(summary: ThreatSummary) -> dict[str, Any]:
    return {
        "level": int(summary.level),
        "groups_per_level": summary.groups_per_level,
        "rule_hits": summary.rule_hits,
        "findings": [
            [f.correlation_id, int(f.level), f.key, f.total, f.peak, f.first_us, f.last_us, f.text]
            for f in summary.findings
        ],
        "dropped_keys": summary.dropped_keys,
    }


def _summary(item: dict[str, Any]) -> ThreatSummary:
    findings = tuple(
        Finding(str(rule), Level(level), str(key), int(total), int(peak), int(first), int(last), str(text))
        for rule, level, key, total, peak, first, last, text in item["findings"]
    )
    return ThreatSummary(
        Level(item["level"]),
        {str(label): int(count) for label, count in item["groups_per_level"].items()},
        {str(rule): int(count) for rule, count in item["rule_hits"].items()},
        findings,
        int(item["dropped_keys"]),
    )
