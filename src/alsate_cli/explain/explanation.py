"""What the explainer says about a group."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

NOTE_NO_MODEL = "No model: run 'alsate pull' or pass --model PATH"


class Source(StrEnum):
    MODEL = "model"
    CACHE = "cache"
    KNOWLEDGE = "knowledge"
    NONE = "none"


class Status(StrEnum):
    OK = "ok"
    """Cause and remediation parsed."""
    PARTIAL = "partial"
    """One section missing or the answer was cut off; what was usable is kept."""
    NOT_A_LOG = "not_a_log"
    """The model refused: 'Input does not appear to be a valid system log.'"""
    UNPARSED = "unparsed"
    """Nothing recognisable; the raw text is not shown as a cause."""
    OFF_TOPIC = "off_topic"
    """The answer's cause only repeats the log line: not shown as a cause."""
    NO_MODEL = "no_model"
    SKIPPED = "skipped"
    """Not explained in this run (``--limit`` reached or interrupted)."""
    ERROR = "error"


@dataclass(slots=True)
class Explanation:
    cause: str | None
    remediation: list[str] = field(default_factory=list)
    source: Source = Source.NONE
    status: Status = Status.OK
    truncated: bool = False
    """The model stopped at its token limit (``finish_reason == "length"``)."""
    note: str | None = None
    """A human hint shown instead of a cause (e.g. how to get a model)."""
