"""The one exception type the CLI turns into a one-line message and an exit code (never a traceback)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
"""Something outside alsate failed: journalctl, the model file, the cache."""
EXIT_USAGE = 2
"""Bad arguments or, with --strict, malformed input lines."""
EXIT_THREAT = 3
"""``--fail-on LEVEL``: a threat at or above LEVEL was found (for cron jobs and CI)."""
EXIT_INTERRUPTED = 130


class AlsateError(Exception):
    """An error the user can act on; ``str(error)`` is the whole message."""

    exit_code = EXIT_FAILURE


class UsageError(AlsateError):
    exit_code = EXIT_USAGE
