"""Downloading a GGUF from a Hugging Face hub into its standard cache (or a folder), checked byte for byte.

huggingface_hub does the transfer: it writes to a process-unique ``.incomplete`` file, deletes it on any failure
(Ctrl-C included) and renames it into place only when the byte count matches, so the loader never sees a partial
file. It checks nothing but the size, so the finished file is hashed here and compared with a pinned sha256 or the
hub's LFS ETag (which is the file's sha256); a mismatch deletes the file and its snapshot link. Until that check
is done the file is marked unverified (``models.pending``), so a pull killed between the rename and the check
leaves nothing that passes as a model.

It also retries a failed HEAD for ~20 s with backoff before giving up. That is the wrong answer to "no network" on
a command line, so one HEAD without retries and with a short timeout is made first: it fails in seconds, and gives
the size (disk-space check, progress total) and the ETag before anything is written.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from alsate_cli.errors import AlsateError
from alsate_cli.models.defaults import HubModel
from alsate_cli.models.identity import HashStore, model_identity
from alsate_cli.models.pending import unverified
from alsate_cli.models.resolve import GGUF_MAGIC

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
DEFAULT_HEAD_TIMEOUT = 5.0
"""Seconds to wait for the hub's first answer; ``HF_HUB_ETAG_TIMEOUT`` overrides it."""
NETWORK_HINT = "use --model PATH for a file you already have, or a mirror via HF_ENDPOINT"


class PullError(AlsateError):
    """A download that could not be done or could not be trusted; nothing usable was left behind."""


class ProgressSink(Protocol):
    """Where download progress goes (a Rich bar on a terminal, nothing in a pipe)."""

    def start(self, total: int | None, done: int) -> None: ...

    def advance(self, count: int) -> None: ...


@dataclass(frozen=True, slots=True)
class PullRequest:
    model: HubModel
    revision: str = "main"
    local_dir: Path | None = None
    """None: the standard Hugging Face cache (where ``analyze`` looks for the default model)."""
    token: str | None = None
    """None: huggingface_hub's own choice (``HF_TOKEN`` or the saved login)."""
    pinned_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class PulledModel:
    path: Path
    size: int
    sha256: str
    verified_against: str | None
    """"pinned sha256", "hub ETag", or None when the hub gave no sha256 to compare with."""
    downloaded: bool
    """False when the file was already there (nothing was transferred)."""


class _Quiet:
    def start(self, total: int | None, done: int) -> None:
        return None

    def advance(self, count: int) -> None:
        return None


def pull_model(
    request: PullRequest, *, progress: ProgressSink | None = None, hash_store: HashStore | None = None
) -> PulledModel:
    """Download (or find already downloaded) ``request.model`` and check its sha256; raises PullError."""
    from huggingface_hub import constants

    _silence_hub_output()
    sink = progress or _Quiet()
    store = hash_store or _MemoryHashStore()
    with unverified(request.model, None if request.local_dir else Path(constants.HF_HUB_CACHE)):
        if constants.is_offline_mode():
            return _from_local_files(request, store, constants.ENDPOINT)
        return _download(request, store, sink)


def _download(request: PullRequest, store: HashStore, sink: ProgressSink) -> PulledModel:
    import huggingface_hub
    from huggingface_hub import constants

    endpoint = constants.ENDPOINT
    with _translated_errors(request, endpoint, phase="look up"):
        metadata = huggingface_hub.get_hf_file_metadata(
            huggingface_hub.hf_hub_url(request.model.repo_id, request.model.filename, revision=request.revision),
            token=request.token,
            timeout=_head_timeout(),
        )
    destination = request.local_dir or Path(constants.HF_HUB_CACHE)
    _check_disk_space(destination, metadata.size)
    started: list[bool] = []
    with _translated_errors(request, endpoint, phase="download"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its disk-space warning: checked above, with a clearer message
        found = huggingface_hub.hf_hub_download(
            request.model.repo_id,
            request.model.filename,
            revision=request.revision,
            local_dir=request.local_dir,
            token=request.token,
            etag_timeout=_head_timeout(),
            tqdm_class=_progress_adapter(sink, started),  # type: ignore[arg-type]
        )
    expected, source = _expected_digest(request.pinned_sha256, metadata.etag)
    return _verified(Path(found), expected, source, store, downloaded=bool(started))


def _from_local_files(request: PullRequest, store: HashStore, endpoint: str) -> PulledModel:
    """Offline mode: an already downloaded file is fine (and re-checked against a pinned hash); else an error."""
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        found = huggingface_hub.hf_hub_download(
            request.model.repo_id, request.model.filename, revision=request.revision,
            local_dir=request.local_dir, local_files_only=True,
        )  # fmt: skip
    except (LocalEntryNotFoundError, OSError):
        raise PullError(
            f"offline mode is on (HF_HUB_OFFLINE) and {request.model.filename} is not downloaded yet: "
            f"unset HF_HUB_OFFLINE to download it, or {NETWORK_HINT}"
        ) from None
    expected, source = _expected_digest(request.pinned_sha256, None)
    return _verified(Path(found), expected, source, store, downloaded=False)


def _verified(
    path: Path, expected: str | None, source: str | None, store: HashStore, *, downloaded: bool
) -> PulledModel:
    """Hash the file; on a mismatch (or Ctrl-C while a fresh download is being checked) remove it."""
    try:
        digest = model_identity(path, store)
    except KeyboardInterrupt:
        if downloaded:
            remove_download(path)
        raise
    if expected is not None and digest != expected:
        remove_download(path)
        raise PullError(
            f"{path.name} is corrupt: its sha256 is {digest} but the {source} says {expected}; the file was deleted, "
            "run alsate pull again"
        )
    if not _is_gguf(path):
        remove_download(path)
        raise PullError(f"{path.name} is not a GGUF model file (it does not start with 'GGUF'); it was deleted")
    return PulledModel(path, path.stat().st_size, digest, source if expected else None, downloaded)


def _is_gguf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(GGUF_MAGIC)) == GGUF_MAGIC


def _expected_digest(pinned: str | None, etag: str | None) -> tuple[str | None, str | None]:
    if pinned:
        return pinned.lower(), "pinned sha256"
    if etag and SHA256_HEX.fullmatch(etag.lower()):
        return etag.lower(), "hub ETag"
    return None, None


def remove_download(path: Path) -> None:
    """Delete a downloaded file so no loader can pick it up: the snapshot link and the blob it points to, or, for a
    ``--dir`` download, the file and huggingface_hub's record of it (which would otherwise vouch for it)."""
    target = path.resolve()
    path.unlink(missing_ok=True)
    if target != path.absolute():
        target.unlink(missing_ok=True)
    record = path.parent / ".cache" / "huggingface" / "download" / f"{path.name}.metadata"
    record.unlink(missing_ok=True)


def _check_disk_space(destination: Path, size: int | None) -> None:
    if not size:
        return
    existing = destination
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return
    if free < size:
        raise PullError(
            f"not enough disk space in {existing}: the model needs {_amount(size)}, {_amount(free)} is free"
        )


def _amount(count: int) -> str:
    """Bytes in GB, or MB below 1 GB ("0.00 GB is free" says nothing about a small model or a nearly full disk)."""
    return f"{count / 1e9:.2f} GB" if count >= 1e9 else f"{count / 1e6:.1f} MB"


def _head_timeout() -> float:
    value = os.environ.get("HF_HUB_ETAG_TIMEOUT", "")
    try:
        return float(value) if value else DEFAULT_HEAD_TIMEOUT
    except ValueError:
        return DEFAULT_HEAD_TIMEOUT


@contextmanager
def _translated_errors(request: PullRequest, endpoint: str, *, phase: str) -> Iterator[None]:
    """huggingface_hub's and httpx's exceptions → one PullError sentence. Server text is never echoed (untrusted)."""
    import httpx2
    from huggingface_hub import errors as hub

    repo, name, revision = request.model.repo_id, request.model.filename, request.revision
    try:
        yield
    except hub.GatedRepoError:
        raise PullError(
            f"{repo} is a gated repository: accept its terms on its page at {endpoint}/{repo}, then give a token "
            "with access through HF_TOKEN or --token"
        ) from None
    except hub.RepositoryNotFoundError:
        raise PullError(
            f"repository {repo} was not found on {endpoint} (if it is private, give a token via HF_TOKEN or --token)"
        ) from None
    except hub.RevisionNotFoundError:
        raise PullError(f"revision {revision!r} was not found in {repo}") from None
    except hub.RemoteEntryNotFoundError:
        raise PullError(f"file {name} was not found in {repo} at revision {revision!r}") from None
    except hub.OfflineModeIsEnabled:
        raise PullError(f"offline mode is on (HF_HUB_OFFLINE): unset it to download, or {NETWORK_HINT}") from None
    except hub.FileMetadataError:
        raise PullError(f"{endpoint} does not answer like a Hugging Face hub (check HF_ENDPOINT)") from None
    except hub.HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise PullError(f"{endpoint} refused to {phase} {repo}/{name} (HTTP {status})") from None
    except (httpx2.TransportError, hub.LocalEntryNotFoundError) as error:
        if phase == "download":
            raise PullError(
                f"the download of {name} from {endpoint} broke off ({type(error).__name__}); nothing was kept, "
                "run alsate pull again"
            ) from None
        reason = type(error).__name__
        raise PullError(f"cannot reach {endpoint} ({reason}): check the network, or {NETWORK_HINT}") from None
    except ValueError as error:  # huggingface_hub's checks of repo ids and file names (HFValidationError …)
        raise PullError(f"invalid repository or file name: {repo}/{name} ({type(error).__name__})") from None
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise PullError(f"the disk is full: {name} could not be written ({error.filename or 'download'})") from None
        if "Consistency check failed" in str(error):
            raise PullError(f"the download of {name} was incomplete; nothing was kept, run alsate pull again") from None
        raise PullError(f"cannot write {name}: {error.strerror or error}") from None


def _silence_hub_output() -> None:
    """No tqdm bars and no retry warnings from huggingface_hub: alsate reports progress and errors itself."""
    from huggingface_hub.utils import disable_progress_bars
    from huggingface_hub.utils import logging as hub_logging

    disable_progress_bars()
    hub_logging.set_verbosity_error()  # resets its HF_HUB_VERBOSITY default: no "retrying…" warnings on stderr


def _progress_adapter(sink: ProgressSink, started: list[bool]) -> type:
    """A class huggingface_hub can use as ``tqdm_class``: it only needs the constructor, ``update`` and a context
    manager. Not a tqdm subclass, so huggingface_hub passes everything to it and draws nothing itself."""

    class _Bar:
        def __init__(self, *args: Any, total: int | None = None, initial: int = 0, **kwargs: Any) -> None:
            started.append(True)
            sink.start(total, initial)

        def update(self, count: float | None = 1) -> None:
            sink.advance(int(count or 0))

        def __enter__(self) -> _Bar:
            return self

        def __exit__(self, *exc_info: object) -> None:
            return None

        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args, **kwargs: None  # close(), refresh(), set_description() …: nothing to draw

    return _Bar


class _MemoryHashStore:
    """Remembers nothing beyond the call (when the caller has no cache to share digests with ``analyze``)."""

    def lookup_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        return None

    def remember_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        return None


PULLED_FILE = "pulled-models.json"
"""In the state directory: files fetched with ``--dir``, so ``alsate models`` can list them (the HF cache it scans
itself)."""


def _pulled_path() -> Path:
    from alsate_cli.config import state_dir

    return state_dir() / PULLED_FILE


def pulled_files() -> list[Path]:
    """Files earlier ``alsate pull --dir`` runs wrote, oldest first; a corrupt record counts as empty."""
    import json

    try:
        data = json.loads(_pulled_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(item) for item in data if isinstance(item, str)] if isinstance(data, list) else []


def record_pulled_file(path: Path) -> None:
    """Remember a ``--dir`` download (best effort: failing to remember it must not fail the download)."""
    import json
    import tempfile

    target = _pulled_path()
    known = [str(item) for item in pulled_files()]
    entry = str(path.absolute())
    if entry in known:
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".pulled-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump([*known, entry], out, indent=1)
        os.replace(temporary, target)
    except OSError:
        return
