"""Renderers: one per output format, all fed the same Outcome; all escaping lives in ``escape``."""

from __future__ import annotations

from enum import StrEnum


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    ENTRIES = "entries"
    MARKDOWN = "markdown"
