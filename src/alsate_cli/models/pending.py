"""A pull whose file is not verified yet: a marker written before the download and removed once it is checked.

huggingface_hub renames the finished download into the cache (blob and snapshot link) before alsate can hash it,
and hashing a 2 GB model takes seconds. A pull killed in between (``kill -9``, power loss, the OOM killer) would
leave bytes nobody checked exactly where ``analyze`` and ``alsate models`` find the default model. While the marker
is there the cached file does not count as downloaded; the next ``alsate pull`` checks it (and deletes it if it is
wrong) and removes the marker.

The marker lives in alsate's state folder, keyed by the cache folder, repository and file name: the Hugging Face
cache stays in its own layout (its ``scan-cache`` reads every folder in it as a repository).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alsate_cli.config import state_dir
from alsate_cli.models.defaults import HubModel

FOLDER = "unverified-pulls"


def marker(model: HubModel, hub_cache: Path) -> Path:
    key = f"{hub_cache.absolute()}\0{model.repo_id}\0{model.filename}"
    return state_dir() / FOLDER / hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def is_pending(model: HubModel, hub_cache: Path) -> bool:
    """True while a pull of ``model`` into ``hub_cache`` has started and not finished its check."""
    return marker(model, hub_cache).exists()


@contextmanager
def unverified(model: HubModel, hub_cache: Path | None) -> Iterator[None]:
    """Mark ``model`` as unverified for the block (``hub_cache`` None: a ``--dir`` download, nothing to mark).

    The marker goes when the block ends, whether the file was verified or deleted: only a process that dies
    without unwinding leaves it behind, which is the case it is for.
    """
    if hub_cache is None:
        yield
        return
    path = marker(model, hub_cache)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_durably(path, f"{model.repo_id}/{model.filename} in {hub_cache.absolute()}\n")
    except OSError:  # a state folder that takes nothing must not stop the download: the check still runs
        yield
        return
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _write_durably(path: Path, text: str) -> None:
    """Write and fsync the marker and its folder before the download starts: after a power cut, a model file the
    disk kept must not come back without the marker that says it was never checked."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
