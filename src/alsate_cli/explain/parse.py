"""Turn a model's free-text answer into an :class:`Explanation` (cause + remediation steps).

The fine-tune answers ``Cause - …`` / ``Remediation - 1. … 2. …``, but small models drift: markdown headers, colons,
bullets, steps on one line or many, an answer cut off at the token limit, a repeated answer, echoed chat markup.
The parser accepts all of those and is strict about one thing: text that is not recognisably a cause is never
shown as one (a sysadmin would act on it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alsate_cli.explain.explanation import Explanation, Source, Status
from alsate_cli.textsafe import strip_controls

MAX_STEPS = 10
MAX_CAUSE_CHARS = 1200
MAX_STEP_CHARS = 500
"""Bounds for a model caught in a loop: enough for any real answer, not a screenful of repetition."""

NOTE_NOT_A_LOG = "The model says this does not look like a valid system log."
NOTE_EMPTY = "The model gave an empty answer."
NOTE_UNPARSED = "The model's answer could not be understood."
NOTE_ECHO = "The model's answer only repeated the log line."
MAX_NEW_WORDS_IN_ECHO = 2
"""A cause that adds at most this many words to the log line's own explains nothing."""

_CAUSE, _REMEDY, _OTHER = "cause", "remediation", "other"

_CAUSE_NAMES = r"root\s+cause|(?:possible|probable|likely)\s+causes?|causes?"
_REMEDY_NAMES = (
    r"remediation\s+steps|remediations?|recommended\s+(?:remediation|actions?)|mitigation(?:\s+steps)?"
    r"|resolution|fix(?:es)?|solutions?"
)
_OTHER_NAMES = r"notes?|summary|severity|threat\s+level|impact|security\s+(?:impact|risk|threat)s?"
"""Headers that are not ours but end the section before them (so a trailing 'Note:' is not a remediation step)."""

# A header at the start of a line: "Cause - x", "Cause: x", "**Cause**: x", "**Cause:** x", "## Remediation".
_LINE_HEADER = re.compile(
    rf"""^[ \t]*(?:[#>]+[ \t]*)?[*_]*[ \t]*
    (?:(?P<cause>{_CAUSE_NAMES})|(?P<remediation>{_REMEDY_NAMES})|(?P<other>{_OTHER_NAMES}))
    [ \t]*[*_]*[ \t]*(?:[-\u2013\u2014:][ \t]*[*_]*|(?=\n|$))[ \t]*""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
# "… twice. Remediation - 1. …": the fine-tune often writes both sections on one line (and a looping model its
# next "Cause - …" too). Only after a sentence ends, so "find the root cause: …" inside a step is not a header.
_INLINE_HEADER = re.compile(
    r"""(?<=[.!?;)\]"'`])[ \t]+[*_]*(?:(?P<cause>cause)|(?P<remediation>remediation(?:\s+steps)?))[*_]*
    [ \t]*[-\u2013\u2014:][ \t]*[*_]*[ \t]*""",
    re.IGNORECASE | re.VERBOSE,
)

_REFUSAL = re.compile(r"(?:does\s+not|doesn't)\s+appear\s+to\s+be\s+a\s+valid\s+(?:system\s+)?log", re.IGNORECASE)

# Chat markup a model may echo: a leading role header, then anything after an end-of-turn or new-turn marker.
_LEADING_ROLE = re.compile(
    r"^\s*(?:<\|begin_of_text\|>|<\|start_header_id\|>\s*\w*\s*<\|end_header_id\|>|<\|im_start\|>\s*(?:assistant)?"
    r"|<s>|<start_of_turn>\s*(?:model)?)\s*",
    re.IGNORECASE,
)
_TURN_END = re.compile(
    r"<\|(?:eot_id|eom_id|end_of_text|im_end|im_start|start_header_id|endoftext)\|>|</s>|\[INST\]|<end_of_turn>"
    r"|<start_of_turn>",
    re.IGNORECASE,
)
_ANY_SPECIAL = re.compile(r"<\|[^|<>\s]{1,40}\|>")

_NUMBER_MARKER = re.compile(
    r"(?<!\S)(?:step[ \t]*(\d{1,2})[ \t]*[-\u2013\u2014:.)]|(\d{1,2})[.)](?=\s|$))", re.IGNORECASE
)
_BULLET_MARKER = re.compile(r"^[ \t]*[-*•+‣◦][ \t]+", re.MULTILINE)
_TRAILING_BULLET = re.compile(r"\s+[-*•+‣◦]\s*$")
_EMPHASIS = re.compile(r"\*\*|__")
_WORD = re.compile(r"[^\W\d_]{3,}")
_ECHO_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?)\]`\"'…]$")


@dataclass(frozen=True, slots=True)
class _Header:
    kind: str
    start: int
    end: int


def parse_answer(text: str, finish_reason: str | None) -> Explanation:
    """Parse one answer. ``finish_reason == "length"`` means generation hit ``max_tokens``: the answer is marked
    truncated and a half-written last step is dropped."""
    truncated = finish_reason == "length"
    body = _strip_chat_markup(strip_controls(text or ""))
    if not body.strip():
        return Explanation(None, source=Source.MODEL, status=Status.UNPARSED, truncated=truncated, note=NOTE_EMPTY)

    structured = _json_answer(body)
    if structured is not None:
        return _from_json(structured, truncated)

    sections = _sections(body)
    cause_text, cause_start = sections.get(_CAUSE, (None, -1))
    refusal = _REFUSAL.search(body)
    if refusal and (cause_text is None or refusal.start() < cause_start or _REFUSAL.search(cause_text)):
        return Explanation(None, source=Source.MODEL, status=Status.NOT_A_LOG, note=NOTE_NOT_A_LOG)

    cause = _tidy(cause_text, MAX_CAUSE_CHARS) if cause_text is not None else None
    if cause is not None and not _is_prose(cause):
        cause = None
    steps: list[str] = []
    if _REMEDY in sections:
        steps = _split_steps(sections[_REMEDY][0])
        if truncated and steps and _ends_last(sections, _REMEDY) and not _SENTENCE_END.search(steps[-1]):
            steps.pop()  # cut off mid-step: half an instruction is worse than none

    if cause is None and not steps:
        return Explanation(None, source=Source.MODEL, status=Status.UNPARSED, truncated=truncated, note=NOTE_UNPARSED)
    complete = cause is not None and bool(steps) and not truncated
    return Explanation(
        cause,
        steps,
        source=Source.MODEL,
        status=Status.OK if complete else Status.PARTIAL,
        truncated=truncated,
    )


def judged_against(explanation: Explanation, log_text: str) -> Explanation:
    """``explanation``, or an OFF_TOPIC one when its cause only restates ``log_text`` (a small model's favourite
    non-answer: "Cause - Authentication failed from 10.0.0.1"), which must not pass for an explanation."""
    if explanation.cause is None or not _echoes(explanation.cause, log_text):
        return explanation
    status, truncated = Status.OFF_TOPIC, explanation.truncated
    return Explanation(None, source=explanation.source, status=status, truncated=truncated, note=NOTE_ECHO)


def _echoes(cause: str, log_text: str) -> bool:
    cause_words = _ECHO_WORD.findall(cause.lower())
    log_words = set(_ECHO_WORD.findall(log_text.lower()))
    new = [word for word in cause_words if word not in log_words]
    return bool(cause_words) and len(new) <= MAX_NEW_WORDS_IN_ECHO and len(new) < len(cause_words) / 3


def _json_answer(body: str) -> dict[str, Any] | None:
    """``{"cause": …, "remediation": …}`` (what a JSON grammar or a server's ``response_format`` produces, possibly
    in a Markdown code fence), or None when the answer is not such an object."""
    text = body.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    if not text.startswith("{"):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or not {"cause", "remediation"} & set(document):
        return None
    return document


def _from_json(document: dict[str, Any], truncated: bool) -> Explanation:
    """The same rules as for text: a cause must be prose, steps are tidied, de-duplicated and bounded."""
    raw_cause = document.get("cause")
    cause = _tidy(raw_cause, MAX_CAUSE_CHARS) if isinstance(raw_cause, str) else None
    if cause is not None and _REFUSAL.search(cause):
        return Explanation(None, source=Source.MODEL, status=Status.NOT_A_LOG, note=NOTE_NOT_A_LOG)
    if cause is not None and not _is_prose(cause):
        cause = None
    raw_steps = document.get("remediation")
    if isinstance(raw_steps, str):
        steps = _split_steps(raw_steps)
    else:
        texts = [item for item in raw_steps if isinstance(item, str)] if isinstance(raw_steps, list) else []
        steps = _unique_steps(_NUMBER_MARKER.sub(" ", text, count=1) for text in texts)
    if cause is None and not steps:
        return Explanation(None, source=Source.MODEL, status=Status.UNPARSED, truncated=truncated, note=NOTE_UNPARSED)
    complete = cause is not None and bool(steps) and not truncated
    status = Status.OK if complete else Status.PARTIAL
    return Explanation(cause, steps, source=Source.MODEL, status=status, truncated=truncated)


def _strip_chat_markup(text: str) -> str:
    """Drop echoed role headers, everything from an end-of-turn marker on, and any other special-token text."""
    while True:
        shorter = _LEADING_ROLE.sub("", text, count=1)
        if shorter == text:
            break
        text = shorter
    end = _TURN_END.search(text)
    if end:
        text = text[: end.start()]
    return _ANY_SPECIAL.sub("", text)


def _headers(body: str) -> list[_Header]:
    found: list[_Header] = []
    for match in [*_LINE_HEADER.finditer(body), *_INLINE_HEADER.finditer(body)]:
        kind = next(name for name in (_CAUSE, _REMEDY, _OTHER) if match.groupdict().get(name) is not None)
        found.append(_Header(kind, match.start(), match.end()))
    found.sort(key=lambda header: header.start)
    kept: list[_Header] = []
    for header in found:  # the two patterns can match the same header: keep the first
        if not kept or header.start >= kept[-1].end:
            kept.append(header)
    return kept


def _sections(body: str) -> dict[str, tuple[str, int]]:
    """The first run of each kind of section: kind → (text, position of its header).

    A header of the kind already open continues it (a ``Fix:`` line inside the remediation); a different kind
    closes it. A second ``Cause`` after the remediation (the model repeating itself) is ignored.
    """
    sections: dict[str, tuple[str, int]] = {}
    headers = _headers(body)
    index = 0
    while index < len(headers):
        header = headers[index]
        stop = index + 1
        while stop < len(headers) and headers[stop].kind == header.kind:
            stop += 1
        end = headers[stop].start if stop < len(headers) else len(body)
        if header.kind not in sections:
            sections[header.kind] = (body[header.end : end], header.start)
        index = stop
    sections.pop(_OTHER, None)
    return sections


def _ends_last(sections: dict[str, tuple[str, int]], kind: str) -> bool:
    """Whether ``kind`` is the section the answer ended in (the one a token limit cut)."""
    return max(sections.values(), key=lambda item: item[1]) is sections[kind]


def _split_steps(text: str) -> list[str]:
    """Steps from ``1. a 2. b`` (inline or one per line), ``1) a``, ``Step 1: a``, bullets, or plain lines."""
    pieces = _split_numbered(text)
    if pieces is None:
        bullets = list(_BULLET_MARKER.finditer(text))
        if bullets:
            pieces = [text[: bullets[0].start()]] + [
                text[match.end() : bullets[i + 1].start() if i + 1 < len(bullets) else len(text)]
                for i, match in enumerate(bullets)
            ]
        else:
            pieces = ["", *text.splitlines()]
    intro, *items = pieces
    intro = _tidy(intro, MAX_STEP_CHARS)
    if intro and not intro.endswith(":") and _is_prose(intro):
        items.insert(0, intro)  # "Remediation - Update gdm3." with no list: the sentence is the step
    return _unique_steps(_BULLET_MARKER.sub(" ", item) for item in items)  # sub-bullets join their step


def _unique_steps(items: Iterable[str]) -> list[str]:
    """Tidied steps that say something, each once, at most :data:`MAX_STEPS`."""
    steps: list[str] = []
    seen: set[str] = set()
    for item in items:
        step = _tidy(item, MAX_STEP_CHARS)
        if step and step.casefold() not in seen and _is_prose(step):
            seen.add(step.casefold())
            steps.append(step)
    return steps[:MAX_STEPS]


def _split_numbered(text: str) -> list[str] | None:
    """Split at markers numbered 1, 2, 3 … in order; other numbers (``version 3.``) are text. None: no list."""
    cuts: list[tuple[int, int]] = []
    expected = 1
    for match in _NUMBER_MARKER.finditer(text):
        if int(match.group(1) or match.group(2)) == expected:
            cuts.append((match.start(), match.end()))
            expected += 1
    if not cuts:
        return None
    pieces = [text[: cuts[0][0]]]
    for i, (_, end) in enumerate(cuts):
        pieces.append(text[end : cuts[i + 1][0] if i + 1 < len(cuts) else len(text)])
    return pieces


def _tidy(text: str, limit: int) -> str:
    """One line, no markdown emphasis, no stray list bullets, bounded length."""
    text = " ".join(_EMPHASIS.sub("", text).split())
    text = _TRAILING_BULLET.sub("", text).strip(" -*•")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _is_prose(text: str) -> bool:
    """Contains a real word: rules out punctuation, numbers and markup debris being shown as a cause."""
    return _WORD.search(text) is not None
