"""Formatting of values shared by every renderer, so all formats say the same thing the same way."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from alsate_cli.explain.explanation import Explanation, Source, Status
from alsate_cli.grouping import Group
from alsate_cli.priority import name as priority_name
from alsate_cli.rules.threat import Threat


def iso_time(time_us: int | None) -> str | None:
    """ISO 8601 in UTC (machine formats): ``2026-11-23T02:20:45.123456+00:00``."""
    if time_us is None:
        return None
    return datetime.fromtimestamp(time_us / 1_000_000, UTC).isoformat()


def local_time(time_us: int | None) -> str:
    """Short local time for people (table): ``Nov 23 02:20:45``, like journalctl."""
    if time_us is None:
        return "-"
    return time.strftime("%b %d %H:%M:%S", time.localtime(time_us / 1_000_000))


def level_label(group: Group) -> str:
    """``err``, or ``err?`` when every entry's priority was inferred from its text."""
    label = priority_name(group.priority)
    return f"{label}?" if group.priority_inferred else label


def origin_label(group: Group) -> str:
    """Program plus unit when they differ (``sshd`` / ``ssh.service``); a module's group names its programs
    (``su(pam_unix) +1``)."""
    programs = sorted(group.programs)
    name = _first_and_count(programs) if programs and programs != [group.identifier] else group.identifier or "-"
    units = sorted(group.units)
    if units and units[0] != group.identifier:
        return f"{name} ({_first_and_count(units)})"
    return name


def _first_and_count(labels: list[str]) -> str:
    """The first label, and how many more there are (``su(pam_unix) +1``)."""
    return labels[0] + (f" +{len(labels) - 1}" if len(labels) > 1 else "")


def explanation_headline(explanation: Explanation) -> str | None:
    """Text shown where there is no cause: why, and what to do about it."""
    if explanation.cause:
        return None
    if explanation.status is Status.NOT_A_LOG:
        return "The model did not recognise this as a system log line."
    if explanation.status is Status.UNPARSED:
        return "The model's answer could not be understood."
    if explanation.status is Status.OFF_TOPIC:
        return "The model's answer only repeated the log line."
    return explanation.note or "No explanation."


def replacement_note(unused: Explanation | None) -> str | None:
    """Why the knowledge base's text stands where the model's answer would (``Outcome.unused_model_answer``):
    a reader must know that the model answered and what was wrong with it, not take written text for the model's.
    None where the model gave no answer (no model, ``--limit``): the run's summary says that once."""
    if unused is None or unused.source not in (Source.MODEL, Source.CACHE):
        return None
    return f"Written guidance shown. {explanation_headline(unused) or 'The model gave no cause.'}"


def threat_reasons(threat: Threat, limit: int = 3) -> str:
    """The first reasons as one line ("5 failed SSH logins from 203.0.113.7 in 2m; …")."""
    texts = [reason.text for reason in threat.reasons[:limit]]
    more = len(threat.reasons) - limit
    return "; ".join(texts) + (f"; and {more} more" if more > 0 else "")
