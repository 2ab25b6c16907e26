"""The one error a source raises for the user to read (no traceback)."""

from __future__ import annotations

from alsate_cli.errors import AlsateError


class SourceError(AlsateError):
    """A log source cannot be read: journalctl missing or failing, a file that cannot be opened.

    The message is written for the user ("journalctl failed: Failed to parse timestamp: garbage") and
    the CLI prints it as is.
    """
