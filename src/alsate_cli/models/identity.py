"""A model's identity is the sha256 of its bytes, so cached explanations follow the model, not its path.

Renaming or re-downloading the same file keeps its cached explanations; replacing it with a
different quantisation under the same name does not. Hashing ~2 GB takes seconds, so the digest is
remembered per (resolved path, size, mtime_ns) and only recomputed when the file changes.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

CHUNK_SIZE = 4 * 1024 * 1024
"""Big enough that per-read overhead vanishes, small enough to keep memory flat on a 2 GB file."""


class HashStore(Protocol):
    """Remembers file digests between runs (implemented by ``alsate_cli.cache.Cache``)."""

    def lookup_hash(self, path: str, size: int, mtime_ns: int) -> str | None: ...

    def remember_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None: ...


def model_identity(
    path: Path,
    store: HashStore,
    *,
    on_hash: Callable[[Path, int], None] | None = None,
) -> str:
    """The sha256 hex digest of the model file, read from ``store`` when the file is unchanged.

    ``on_hash(path, size)`` is called just before a real hash starts, so the CLI can say why the
    first run with a new model pauses. Raises OSError if the file cannot be read.
    """
    resolved = path.resolve()
    before = resolved.stat()
    known = store.lookup_hash(str(resolved), before.st_size, before.st_mtime_ns)
    if known is not None:
        return known
    if on_hash is not None:
        on_hash(resolved, before.st_size)
    with resolved.open("rb") as handle:
        digest = sha256_of(handle)
        after = os.fstat(handle.fileno())
    # A file rewritten while we read it gives a digest of neither version: use it for this run only.
    if (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns):
        store.remember_hash(str(resolved), before.st_size, before.st_mtime_ns, digest)
    return digest


def sha256_of(handle: io.BufferedIOBase) -> str:
    """Stream a binary file object through sha256 in CHUNK_SIZE pieces, reusing one buffer."""
    hasher = hashlib.sha256()
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    while True:
        count = handle.readinto(buffer)
        if not count:
            break
        hasher.update(view[:count])
    return hasher.hexdigest()
