"""Analysed groups (``alsate analyze --format json``) → chat records: system prompt, one log line, the answer.

The answer is written exactly as the ALSATE fine-tune answers (``Cause - …`` then ``Remediation - 1. …``), so the
records round-trip alsate's own answer parser (:func:`alsate_cli.explain.parse.parse_answer`). Every example
message of a group becomes one record with the group's answer: the same issue in its different spellings. An
answer is taken from the model, the cache or the knowledge base (``sources``), or from a document a person edited
(any source: the file is the correction). Groups without a usable answer are counted, never silently lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alsate_cli.dataset.clean import clean_message
from alsate_cli.entry import short_form
from alsate_cli.explain.prompt import ALSATE_SYSTEM_PROMPT, alsate_answer
from alsate_cli.knowledge.base import CHANGE_MARK
from alsate_cli.redact import Redactor

NO_ANSWER = "no cause and remediation"
WRONG_SOURCE = "answer source not selected"
DUPLICATE = "duplicate record"


@dataclass(slots=True)
class Counts:
    groups: int = 0
    records: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


def records(
    documents: Iterable[dict[str, Any]], *, sources: set[str], counts: Counts, redactor: Redactor | None = None
) -> Iterator[dict[str, Any]]:
    """One ``{"messages": [...]}`` record per distinct (line, answer); ``counts`` says what was kept and dropped."""
    seen: set[tuple[str, str]] = set()
    for document in documents:
        for group in document.get("groups", ()):
            counts.groups += 1
            explanation = group.get("explanation") or {}
            cause, steps = explanation.get("cause"), explanation.get("remediation") or []
            if not cause or not steps or explanation.get("status") not in ("ok", None):
                counts.dropped[NO_ANSWER] += 1
                continue
            if explanation.get("source") not in sources:
                counts.dropped[WRONG_SOURCE] += 1
                continue
            steps = [" ".join(step.removesuffix(CHANGE_MARK).split()) for step in steps]
            answer = alsate_answer(" ".join(cause.split()), steps)
            if redactor is not None:
                for host in group.get("hosts") or ():
                    redactor.learn(host, "host")  # the host field is a name in no message context
            for line in _lines(group, counts):
                if redactor is not None:
                    line, answer_out = redactor.text(line), redactor.text(answer)
                else:
                    answer_out = answer
                if (line, answer_out) in seen:
                    counts.dropped[DUPLICATE] += 1
                    continue
                seen.add((line, answer_out))
                counts.records += 1
                yield {
                    "messages": [
                        {"role": "system", "content": ALSATE_SYSTEM_PROMPT},
                        {"role": "user", "content": line},
                        {"role": "assistant", "content": answer_out},
                    ]
                }


def _lines(group: dict[str, Any], counts: Counts) -> Iterator[str]:
    first_seen = group.get("first_seen")
    time_us = int(datetime.fromisoformat(first_seen).timestamp() * 1e6) if first_seen else None
    hosts, programs = group.get("hosts") or [None], group.get("programs") or [group.get("identifier", "")]
    for example in group.get("examples") or ():
        message = clean_message(example, counts.dropped)
        if message is not None:
            yield short_form(time_us, hosts[0], programs[0], message)
