"""``--format json`` (one document) and ``--format entries`` (JSON Lines): the public, documented contract."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

import orjson

from alsate_cli.entry import Entry
from alsate_cli.explain.explanation import Explanation
from alsate_cli.grouping import Group
from alsate_cli.outcome import Outcome
from alsate_cli.priority import name as priority_name
from alsate_cli.render.values import iso_time
from alsate_cli.textsafe import strip_controls

if TYPE_CHECKING:
    from alsate_cli.rules import RuleHit

SCHEMA_VERSION = 1


def summary_dict(outcome: Outcome) -> dict[str, Any]:
    stats = outcome.analysis.stats
    return {
        "entries_read": stats.read,
        "entries_kept": stats.kept,
        "entries_filtered": stats.filtered,
        "skipped": stats.skipped,
        "skip_reasons": dict(stats.skip_reasons.most_common()),
        "entries_evidence": stats.evidence,
        "priorities_inferred": stats.inferred,
        "priority_selection": str(outcome.selection),
        "groups": len(outcome.analysis.grouper),
        "model": outcome.model_name,
        "model_calls": outcome.model_calls,
        "cache_hits": outcome.cache_hits,
        "analysis_reused": outcome.analysis.reused,
        "interrupted": outcome.interrupted,
        "source_error": outcome.analysis.source_error,
        "threat": threat.as_json() if (threat := outcome.threat_summary()) is not None else None,
    }


def explanation_dict(explanation: Explanation) -> dict[str, Any]:
    return {
        "cause": explanation.cause,
        "remediation": list(explanation.remediation),
        "source": explanation.source.value,
        "status": explanation.status.value,
        "truncated": explanation.truncated,
        "note": explanation.note,
    }


def threat_dict(outcome: Outcome, group: Group) -> dict[str, Any]:
    """``level``, ``reasons``, ``mitre`` and ``rules`` (every rule and correlation that fired, worst first)."""
    threat = outcome.threat(group)
    return {**threat.as_json(), "rules": list(threat.rule_ids)}


def group_dict(outcome: Outcome, group: Group) -> dict[str, Any]:
    extra, unused = outcome.extra_knowledge(group), outcome.unused_model_answer(group)
    return {
        "id": group.id,
        "priority": group.priority,
        "priority_name": priority_name(group.priority),
        "priority_inferred": group.priority_inferred,
        "count": group.count,
        "first_seen": iso_time(group.first_seen_us),
        "last_seen": iso_time(group.last_seen_us),
        "identifier": group.identifier,
        "programs": sorted(group.programs),
        "units": sorted(group.units),
        "hosts": sorted(group.hosts),
        "template": group.template,
        "examples": [strip_controls(example) for example in group.examples],
        "threat": threat_dict(outcome, group),
        "explanation": explanation_dict(outcome.explanation(group)),
        "knowledge": explanation_dict(extra) if extra is not None else None,
        "model_answer": explanation_dict(unused) if unused is not None else None,
    }


def document(outcome: Outcome) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "summary": summary_dict(outcome),
        "groups": [group_dict(outcome, group) for group in outcome.groups],
    }


def write_document(outcome: Outcome, out: TextIO) -> None:
    out.write(orjson.dumps(document(outcome), option=orjson.OPT_INDENT_2).decode())
    out.write("\n")


def entry_line(entry: Entry, group: Group, hits: Sequence[RuleHit] = ()) -> bytes:
    """One JSON Lines record for a kept entry (``--format entries``), newline included.

    ``rules`` are the ids of the rules and correlations that fired on this entry; ``source`` the address a rule
    extracted (``src`` capture), so a firewall or fail2ban script can act on it.
    """
    record = {
        "line": entry.line,
        "group": group.id,
        "priority": entry.priority,
        "priority_inferred": entry.priority_inferred,
        "time": iso_time(entry.time_us),
        "hostname": entry.hostname,
        "identifier": entry.identifier,
        "unit": entry.unit,
        "pid": entry.pid,
        "message": strip_controls(entry.message),
        "rules": [hit.rule_id for hit in hits],
        "source": next((hit.fields["src"] for hit in hits if hit.fields.get("src")), None),
    }
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
