"""Model resolution (which file, from where) and model identity (content hash, computed once).

Every model here is a real file starting with the GGUF magic; the Hugging Face cache is a real
on-disk cache in the layout huggingface_hub writes, checked by huggingface_hub's own scanner.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from alsate_cli.cache import Cache
from alsate_cli.config import Config
from alsate_cli.models import identity
from alsate_cli.models.defaults import DEFAULT_FILENAME, DEFAULT_MODEL, DEFAULT_REPO_ID, HubModel
from alsate_cli.models.identity import model_identity
from alsate_cli.models.resolve import (
    HF_CACHE_ORIGIN,
    ModelError,
    ModelNotFoundError,
    ResolvedModel,
    find_in_hf_cache,
    resolve_model,
)

GGUF_HEADER = b"GGUF" + (3).to_bytes(4, "little")  # magic + format version 3, as llama.cpp writes


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """No ALSATE_MODEL from the developer's shell, HF offline, and any network connection recorded and refused."""
    monkeypatch.delenv("ALSATE_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network access attempted in a test that must stay offline")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def gguf(path: Path, payload: bytes = b"\0" * 64) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(GGUF_HEADER + payload)
    return path


def populate_hf_cache(hub: Path, model: HubModel, content: bytes, revision: str = "a" * 40) -> Path:
    """Put ``model`` into the HF cache at ``hub`` the way hf_hub_download does; returns the snapshot path.

    Layout (huggingface_hub's documented cache): ``models--OWNER--NAME/blobs/<sha256>`` holds the bytes,
    ``snapshots/<revision>/<file>`` is a relative symlink to it, ``refs/main`` names the revision.
    """
    from huggingface_hub.file_download import repo_folder_name

    repo = hub / repo_folder_name(repo_id=model.repo_id, repo_type="model")
    blob = repo / "blobs" / hashlib.sha256(content).hexdigest()
    blob.parent.mkdir(parents=True)
    blob.write_bytes(content)
    snapshot = repo / "snapshots" / revision / model.filename
    snapshot.parent.mkdir(parents=True)
    snapshot.symlink_to(os.path.relpath(blob, snapshot.parent))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return snapshot


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    path = tmp_path / "hf-hub"
    path.mkdir()
    return path


# --- the Hugging Face cache ----------------------------------------------------------------------------


def test_default_model_names_the_published_alsate_gguf() -> None:
    """These must match the Hugging Face repository exactly, or the cache lookup silently never hits."""
    assert DEFAULT_MODEL.repo_id == DEFAULT_REPO_ID == "k-arthik-r/llama-3.2-3b-sys-log-analysis-alsate-Q4_K_M-GGUF"
    assert DEFAULT_MODEL.filename == DEFAULT_FILENAME == "llama-3.2-3b-sys-log-analysis-alsate-q4_k_m.gguf"


def test_populated_cache_is_a_valid_hf_cache(hub: Path) -> None:
    from huggingface_hub import scan_cache_dir

    populate_hf_cache(hub, DEFAULT_MODEL, GGUF_HEADER + b"weights")
    info = scan_cache_dir(hub)
    assert info.warnings == []
    (repo,) = info.repos
    assert repo.repo_id == DEFAULT_REPO_ID
    (revision,) = repo.revisions
    assert revision.refs == frozenset({"main"})
    assert [f.file_name for f in revision.files] == [DEFAULT_FILENAME]


def test_default_model_is_found_in_the_hf_cache(hub: Path, offline: list[object]) -> None:
    snapshot = populate_hf_cache(hub, DEFAULT_MODEL, GGUF_HEADER + b"weights")
    resolved = resolve_model(None, Config(), hf_cache_dir=hub)
    assert resolved == ResolvedModel(path=snapshot, origin=HF_CACHE_ORIGIN)
    assert resolved.path.read_bytes() == GGUF_HEADER + b"weights"
    assert offline == []


def test_empty_hf_cache_gives_none_without_network(hub: Path, offline: list[object]) -> None:
    assert resolve_model(None, Config(), hf_cache_dir=hub) is None
    assert find_in_hf_cache(DEFAULT_MODEL, hub / "does-not-exist") is None
    assert offline == []


def test_other_repo_in_hf_cache_is_not_mistaken_for_the_default(hub: Path) -> None:
    populate_hf_cache(hub, HubModel("someone/else-GGUF", DEFAULT_FILENAME), GGUF_HEADER)
    assert resolve_model(None, Config(), hf_cache_dir=hub) is None


def test_corrupt_file_in_hf_cache_is_reported(hub: Path) -> None:
    populate_hf_cache(hub, DEFAULT_MODEL, b"<html>rate limited</html>")
    with pytest.raises(ModelError, match=r"^Hugging Face cache points to .*, which is not a GGUF model file"):
        resolve_model(None, Config(), hf_cache_dir=hub)


@pytest.mark.parametrize("variable", ["HF_HUB_CACHE", "HF_HOME"])
def test_hf_environment_variables_choose_the_cache(tmp_path: Path, variable: str) -> None:
    """huggingface_hub reads its cache location at import, so this runs in a fresh interpreter, as the CLI does."""
    root = tmp_path / "hf"
    hub = root if variable == "HF_HUB_CACHE" else root / "hub"
    snapshot = populate_hf_cache(hub, DEFAULT_MODEL, GGUF_HEADER)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "ALSATE_"))}
    env.update({variable: str(root), "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)})
    script = (
        "from alsate_cli.config import Config\n"
        "from alsate_cli.models.resolve import resolve_model\n"
        "found = resolve_model(None, Config())\n"
        "print(found.origin, found.path, sep='|')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{HF_CACHE_ORIGIN}|{snapshot}"


# --- precedence ----------------------------------------------------------------------------------------


def test_precedence_cli_then_env_then_config_then_hf_cache(
    tmp_path: Path, hub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gguf(tmp_path / "cli.gguf")
    env = gguf(tmp_path / "env.gguf")
    conf = gguf(tmp_path / "conf.gguf")
    snapshot = populate_hf_cache(hub, DEFAULT_MODEL, GGUF_HEADER)
    config_file = tmp_path / "config.toml"
    config = Config(model=str(conf), path=config_file)
    monkeypatch.setenv("ALSATE_MODEL", str(env))

    assert resolve_model(str(cli), config, hf_cache_dir=hub) == ResolvedModel(cli, "--model")
    assert resolve_model(None, config, hf_cache_dir=hub) == ResolvedModel(env, "ALSATE_MODEL")
    monkeypatch.delenv("ALSATE_MODEL")
    assert resolve_model(None, config, hf_cache_dir=hub) == ResolvedModel(conf, f"config file {config_file}")
    assert resolve_model(None, Config(), hf_cache_dir=hub) == ResolvedModel(snapshot, HF_CACHE_ORIGIN)


def test_empty_alsate_model_counts_as_unset(tmp_path: Path, hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = gguf(tmp_path / "conf.gguf")
    monkeypatch.setenv("ALSATE_MODEL", "")
    resolved = resolve_model(None, Config(model=str(conf), path=tmp_path / "c.toml"), hf_cache_dir=hub)
    assert resolved is not None
    assert resolved.path == conf


def test_alsate_model_expands_tilde(tmp_path: Path, hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = gguf(tmp_path / "models" / "m.gguf")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ALSATE_MODEL", "~/models/m.gguf")
    assert resolve_model(None, Config(), hf_cache_dir=hub) == ResolvedModel(model, "ALSATE_MODEL")


def test_bad_explicit_path_is_an_error_even_if_the_hf_cache_has_a_model(tmp_path: Path, hub: Path) -> None:
    """A typo in --model must not silently fall back to another model."""
    populate_hf_cache(hub, DEFAULT_MODEL, GGUF_HEADER)
    with pytest.raises(ModelNotFoundError):
        resolve_model(str(tmp_path / "typo.gguf"), Config(), hf_cache_dir=hub)


# --- bad paths -----------------------------------------------------------------------------------------


def test_missing_file_names_each_origin(tmp_path: Path, hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "y.gguf"
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model(str(missing), Config(), hf_cache_dir=hub)
    assert str(caught.value) == f"--model points to {missing}, which does not exist"

    monkeypatch.setenv("ALSATE_MODEL", str(missing))
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model(None, Config(), hf_cache_dir=hub)
    assert str(caught.value) == f"ALSATE_MODEL points to {missing}, which does not exist"

    monkeypatch.delenv("ALSATE_MODEL")
    config_file = tmp_path / "config.toml"
    with pytest.raises(ModelNotFoundError) as caught:
        resolve_model(None, Config(model=str(missing), path=config_file), hf_cache_dir=hub)
    assert str(caught.value) == f"model in config file {config_file} points to {missing}, which does not exist"


def test_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^--model points to .*, which is a directory") as caught:
        resolve_model(str(tmp_path), Config())
    assert not isinstance(caught.value, ModelNotFoundError)


@pytest.mark.parametrize("content", [b"", b"GGU", b"ggml" + b"\0" * 60, b"\x7fELF" + b"\0" * 60])
def test_file_without_gguf_magic_is_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-a-model.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=r"^--model points to .*, which is not a GGUF model file"):
        resolve_model(str(path), Config())


def test_broken_symlink_does_not_exist(tmp_path: Path) -> None:
    link = tmp_path / "link.gguf"
    link.symlink_to(tmp_path / "gone.gguf")
    with pytest.raises(ModelNotFoundError, match="which does not exist"):
        resolve_model(str(link), Config())


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file, so permissions cannot make one unreadable")
def test_unreadable_file_is_rejected(tmp_path: Path) -> None:
    path = gguf(tmp_path / "secret.gguf")
    path.chmod(0)
    with pytest.raises(ModelError, match="which cannot be read"):
        resolve_model(str(path), Config())


def test_empty_cli_path_is_an_error() -> None:
    with pytest.raises(ModelError, match="--model is empty"):
        resolve_model("  ", Config())


# --- identity ------------------------------------------------------------------------------------------


class CountingStore:
    """Wraps the real Cache to count hash look-ups that found nothing, i.e. the times hashing had to run."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.misses = 0

    def lookup_hash(self, path: str, size: int, mtime_ns: int) -> str | None:
        found = self.cache.lookup_hash(path, size, mtime_ns)
        self.misses += found is None
        return found

    def remember_hash(self, path: str, size: int, mtime_ns: int, sha256: str) -> None:
        self.cache.remember_hash(path, size, mtime_ns, sha256)


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    with Cache.open(tmp_path / "cache" / "cache.sqlite3") as opened:
        yield opened


def test_identity_is_the_sha256_of_the_whole_file(tmp_path: Path, cache: Cache) -> None:
    content = GGUF_HEADER + os.urandom(identity.CHUNK_SIZE * 2 + 12345)  # several chunks and a partial one
    path = tmp_path / "m.gguf"
    path.write_bytes(content)
    assert model_identity(path, cache) == hashlib.sha256(content).hexdigest()


def test_identity_is_hashed_once_and_then_read_from_the_store(tmp_path: Path, cache: Cache) -> None:
    path = gguf(tmp_path / "m.gguf", b"first version")
    hashed: list[tuple[Path, int]] = []
    digest = model_identity(path, cache, on_hash=lambda p, size: hashed.append((p, size)))
    assert hashed == [(path.resolve(), path.stat().st_size)]
    stat = path.stat()
    assert cache.lookup_hash(str(path.resolve()), stat.st_size, stat.st_mtime_ns) == digest

    # Same size, same mtime, different bytes: only a run that trusts the store returns the old digest.
    path.write_bytes(GGUF_HEADER + b"other version")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert model_identity(path, cache, on_hash=lambda p, size: hashed.append((p, size))) == digest
    assert len(hashed) == 1


def test_changed_file_is_rehashed(tmp_path: Path, cache: Cache) -> None:
    path = gguf(tmp_path / "m.gguf", b"v1")
    store = CountingStore(cache)
    first = model_identity(path, store)
    assert model_identity(path, store) == first
    assert store.misses == 1

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched: same bytes, new mtime
    assert model_identity(path, store) == first
    assert store.misses == 2

    path.write_bytes(GGUF_HEADER + b"v2, longer")  # new size and content
    second = model_identity(path, store)
    assert second == hashlib.sha256(GGUF_HEADER + b"v2, longer").hexdigest() != first
    assert store.misses == 3


def test_identity_follows_symlinks_to_one_stored_hash(tmp_path: Path, cache: Cache) -> None:
    """The HF cache hands out symlinks; both names of one file share one remembered digest."""
    target = gguf(tmp_path / "blob")
    link = tmp_path / "m.gguf"
    link.symlink_to(target)
    store = CountingStore(cache)
    assert model_identity(link, store) == model_identity(target, store)
    assert store.misses == 1


def test_identity_survives_reopening_the_cache(tmp_path: Path) -> None:
    path = gguf(tmp_path / "m.gguf")
    db = tmp_path / "c.sqlite3"
    with Cache.open(db) as first_run:
        digest = model_identity(path, first_run)
    with Cache.open(db) as second_run:
        store = CountingStore(second_run)
        assert model_identity(path, store) == digest
        assert store.misses == 0
