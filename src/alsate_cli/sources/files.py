"""Open a log file (or stdin) for :func:`read_entries`, with errors the user can act on."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from alsate_cli.sources.errors import SourceError

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"


@contextmanager
def open_log_file(path: str) -> Iterator[BinaryIO]:
    """The file as a binary stream; ``-`` is stdin; gzip files (rotated ``syslog.2.gz``) are unpacked.

    Raises SourceError for a missing, unreadable or directory path, and for a corrupt gzip file.
    """
    if path == STDIN:
        yield sys.stdin.buffer
        return
    try:
        handle: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed below, possibly by the gzip wrapper
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory, not a log file") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied (try sudo, or a user in the adm group)") from None
    except OSError as error:
        raise SourceError(f"{path}: {error.strerror or error}") from None
    with handle:
        if handle.peek(2)[:2] == _GZIP_MAGIC:  # type: ignore[attr-defined]
            with gzip.GzipFile(fileobj=handle) as unpacked:
                try:
                    yield unpacked  # type: ignore[misc]
                except (gzip.BadGzipFile, EOFError) as error:
                    raise SourceError(f"{path}: corrupt gzip file ({error})") from None
        else:
            yield handle
