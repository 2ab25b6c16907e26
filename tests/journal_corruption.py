"""Corrupt real journal files (written by systemd-journal-remote) the ways disks and crashes do, seeded.

Shared by the tests and ``benchmarks/journal_faults.py``. Nothing here imitates journalctl: a corrupted copy is
handed to the real journalctl, and what it does with it (exit status, signal, stderr, entries printed) is what
the caller classifies. Offsets are chosen among the file's meaningful bytes: journal-remote preallocates 8 MiB,
and a flip in the zeroed tail changes nothing.

The journal layout used (``src/libsystemd/sd-journal/journal-def.h`` in systemd): a header whose
``header_size``, ``tail_object_offset`` sit at bytes 88 and 136, then 8-byte aligned objects, each starting with
``type`` (u8), ``flags`` (u8), 6 reserved bytes and ``size`` (u64 LE). DATA objects (type 1) carry their payload
at byte 64, or 72 in compact journals (incompatible flag 16); flags 1, 2, 4 mark it XZ, LZ4 or ZSTD compressed.
"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_OBJECT = 1
COMPRESSED = 1 | 2 | 4
COMPACT = 16
KINDS = ("flip", "bytes", "word", "zeros", "payload", "frame")
"""Offsets are drawn among the non-zero bytes. flip: one bit; bytes: 1–8 random bytes; word: one aligned 64-bit
field overwritten (an offset or a size); zeros: a run of zeroed bytes (a lost disk block, shortened); payload:
random bytes inside a compressed DATA payload (where the decompressor must cope); frame: one byte of a compressed
payload's first 12, the zstd frame header with the content size (where journalctl 252 aborts on ``Assertion
'output.pos >= size'``)."""


@dataclass(frozen=True, slots=True)
class Layout:
    used: int
    """Bytes up to the end of the last object: the rest of the preallocated file is zeros."""
    compressed_payloads: list[tuple[int, int]]
    """(start, end) of each compressed DATA object's payload."""
    live: list[int]
    """Offsets of the non-zero bytes before ``used``: most of the file is an empty hash table, where a flip does
    nothing journalctl would notice."""


def layout(data: bytes) -> Layout:
    """Walk the objects of a journal file (see the module docstring for the layout)."""
    header_size, tail = struct.unpack_from("<Q", data, 88)[0], struct.unpack_from("<Q", data, 136)[0]
    compact = struct.unpack_from("<I", data, 12)[0] & COMPACT
    payload_at = 72 if compact else 64
    offset, end, payloads = header_size, header_size, []
    while offset <= tail and offset + 16 <= len(data):
        kind, flags = data[offset], data[offset + 1]
        size = struct.unpack_from("<Q", data, offset + 8)[0]
        if size < 16:
            break
        end = offset + size
        if kind == DATA_OBJECT and flags & COMPRESSED and size > payload_at:
            payloads.append((offset + payload_at, offset + size))
        offset = (offset + size + 7) & ~7
    live = [at for at, byte in enumerate(data[:end]) if byte]
    return Layout(used=end, compressed_payloads=payloads, live=live)


def corrupt(data: bytes, shape: Layout, rng: random.Random, kind: str) -> bytes:
    """One corrupted copy of ``data``."""
    copy = bytearray(data)
    live = shape.live
    if kind == "flip":
        at = rng.choice(live)
        copy[at] ^= 1 << rng.randrange(8)
    elif kind == "bytes":
        for _ in range(rng.randrange(1, 9)):
            copy[rng.choice(live)] = rng.randrange(256)
    elif kind == "word":
        at = rng.choice(live) & ~7
        copy[at : at + 8] = rng.randrange(1 << 64).to_bytes(8, "little")
    elif kind == "zeros":
        at, length = rng.choice(live), rng.randrange(1, 512)
        copy[at : at + length] = bytes(len(copy[at : at + length]))
    elif kind == "payload" and shape.compressed_payloads:
        start, end = rng.choice(shape.compressed_payloads)
        for _ in range(rng.randrange(1, 5)):
            copy[rng.randrange(start, end)] = rng.randrange(256)
    elif kind == "frame" and shape.compressed_payloads:
        start, end = rng.choice(shape.compressed_payloads)
        copy[rng.randrange(start, min(end, start + 12))] = rng.randrange(256)
    else:
        raise ValueError(f"no {kind!r} corruption for this journal")
    return bytes(copy)


@dataclass(frozen=True, slots=True)
class JournalctlRun:
    """What the real journalctl did with one file, as alsate runs it (``-o json --all``)."""

    status: int
    """Exit status; negative: killed by that signal (subprocess's convention)."""
    entries: int
    stderr_lines: list[str]

    @property
    def failed(self) -> bool:
        """What alsate must report: a non-zero exit, a signal, or error lines (not the ``Hint:`` notice)."""
        return self.status != 0 or any(not line.startswith(("Hint:", " ")) for line in self.stderr_lines)


def alsate_argv(*, file: Path | None = None, directory: Path | None = None) -> list[str]:
    """journalctl's argument list exactly as ``alsate analyze --file/--directory`` builds it (default priority,
    threat rules on: the query is widened to the programs the rules watch), so the classifying run and alsate's
    own run are the same journalctl run."""
    from alsate_cli.priority import PrioritySelection
    from alsate_cli.sources.journalctl import JournalQuery, journalctl_argv
    from alsate_cli.threats import new_evaluator, widen_query_for_evidence

    selection = PrioritySelection.parse("warning")
    query = JournalQuery.from_options(files=[file] if file else None, directory=directory, priority=selection)
    widen_query_for_evidence(query, selection, new_evaluator())
    return journalctl_argv(query)


def run_journalctl(argv: list[str]) -> JournalctlRun:
    journalctl = shutil.which("journalctl")
    assert journalctl is not None, "journalctl is not installed"
    result = subprocess.run([journalctl, *argv[1:]], capture_output=True, timeout=60, check=False)
    lines = [line for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return JournalctlRun(result.returncode, result.stdout.count(b"\n"), lines)


def campaign(
    original: Path, target: Path, seed: int, kinds: tuple[str, ...] = KINDS, *, directory: bool = False
) -> Iterator[JournalctlRun]:
    """Endless seeded trials: write a corrupted copy of ``original`` to ``target`` (a ``.journal`` path, alone in
    its directory for ``directory`` runs), run journalctl on it as alsate would (``--file``, or ``--directory``
    where journalctl skips a bad file with a message and exit 0), yield what it did; the copy stays until the next
    trial."""
    data = original.read_bytes()
    shape = layout(data)
    rng = random.Random(seed)
    usable = tuple(kind for kind in kinds if kind not in ("payload", "frame") or shape.compressed_payloads)
    argv = alsate_argv(directory=target.parent) if directory else alsate_argv(file=target)
    while True:
        target.write_bytes(corrupt(data, shape, rng, rng.choice(usable)))
        yield run_journalctl(argv)
