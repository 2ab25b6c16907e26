"""``alsate pull`` end to end: the real program and the real huggingface_hub client against a fake hub on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alsate_cli.models.defaults import DEFAULT_FILENAME, DEFAULT_REPO_ID
from fixtures_hub import GOOD_TOKEN, FakeHub, serve_fake_hub, unused_port_endpoint
from helpers_cli import json_lines, run_alsate

REPO = "someone/tiny-GGUF"
FILE = "tiny-q4_k_m.gguf"
CONTENT = b"GGUF" + hashlib.sha256(b"seed").digest() * 40_000  # ~1.3 MB: big enough to be cut in half


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with serve_fake_hub() as running:
        yield running


def hf_home() -> Path:
    return Path(os.environ["HF_HOME"])


def files_under(root: Path) -> list[Path]:
    """Every file or link a loader could pick up (lock files and refs are bookkeeping, not models)."""
    if not root.exists():
        return []
    return [
        path
        for path in root.rglob("*")
        if (path.is_file() or path.is_symlink()) and path.suffix != ".lock" and "refs" not in path.parts
        and path.name != "CACHEDIR.TAG"
    ]  # fmt: skip


def pull(hub: FakeHub, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_alsate("pull", *args, env={**hub.env(), **(env or {})}, timeout=60)


def test_default_preset_lands_in_hf_cache_verified_and_analyze_finds_it(hub: FakeHub) -> None:
    hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, CONTENT)

    result = pull(hub, "--accept-license", "--json")

    assert result.returncode == 0, result.stderr.decode()
    document = json.loads(result.stdout)
    path = Path(document["path"])
    assert path.is_relative_to(hf_home()) and path.read_bytes() == CONTENT
    assert document["sha256"] == hashlib.sha256(CONTENT).hexdigest()
    assert document["verified_against"] == "hub ETag" and document["size"] == len(CONTENT)
    analysis = run_alsate(
        "analyze", "--limit", "0", "--format", "json", stdin=json_lines([{"MESSAGE": "disk failing", "PRIORITY": "3"}])
    )
    assert analysis.returncode == 0, analysis.stderr.decode()
    assert json.loads(analysis.stdout)["summary"]["model"] == DEFAULT_FILENAME


def test_second_pull_downloads_nothing(hub: FakeHub) -> None:
    hub.add_file(REPO, FILE, CONTENT)

    first = pull(hub, "--repo", REPO, "--file", FILE, "--json")
    second = pull(hub, "--repo", REPO, "--file", FILE, "--json")

    assert first.returncode == 0 and second.returncode == 0, second.stderr.decode()
    assert json.loads(first.stdout)["downloaded"] is True
    assert json.loads(second.stdout)["downloaded"] is False
    assert json.loads(second.stdout)["path"] == json.loads(first.stdout)["path"]
    assert hub.requests["GET cdn"] == 1


def test_sha256_mismatch_deletes_the_file_and_fails(hub: FakeHub) -> None:
    hub.add_file(REPO, FILE, CONTENT, etag="0" * 64)

    result = pull(hub, "--repo", REPO, "--file", FILE)

    assert result.returncode == 1
    assert "corrupt" in result.stderr.decode() and "deleted" in result.stderr.decode()
    assert files_under(hf_home()) == []
    assert b"Traceback" not in result.stderr


def test_connection_cut_mid_file_leaves_nothing_usable(hub: FakeHub) -> None:
    hub.add_file(REPO, FILE, CONTENT, cut=True)

    result = pull(hub, "--repo", REPO, "--file", FILE)

    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert "broke off" in stderr and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) <= 2  # the license line and the one error line: no retry chatter
    assert files_under(hf_home()) == []


@pytest.mark.parametrize(
    ("repo", "file", "expected"),
    [("nobody/missing", FILE, "repository nobody/missing was not found"), (REPO, "other.gguf", "other.gguf was not")],
)
def test_missing_repository_or_file_is_one_line(hub: FakeHub, repo: str, file: str, expected: str) -> None:
    hub.add_file(REPO, FILE, CONTENT)

    result = pull(hub, "--repo", repo, "--file", file)

    assert result.returncode == 1
    assert expected in result.stderr.decode() and b"Traceback" not in result.stderr
    assert hub.requests["GET cdn"] == 0


def test_gated_repository_explains_tokens_and_a_token_opens_it(hub: FakeHub) -> None:
    hub.add_file(REPO, FILE, CONTENT)
    hub.gated.add(REPO)

    refused = pull(hub, "--repo", REPO, "--file", FILE)
    allowed = pull(hub, "--repo", REPO, "--file", FILE, "--token", GOOD_TOKEN, "--json")

    assert refused.returncode == 1
    assert "gated" in refused.stderr.decode() and "HF_TOKEN" in refused.stderr.decode()
    assert allowed.returncode == 0, allowed.stderr.decode()
    assert Path(json.loads(allowed.stdout)["path"]).read_bytes() == CONTENT


def test_no_server_fails_within_seconds_with_a_hint() -> None:
    started = time.monotonic()
    result = run_alsate(
        "pull", "--repo", REPO, "--file", FILE, env={"HF_ENDPOINT": unused_port_endpoint(), "HF_HUB_OFFLINE": "0"}
    )
    elapsed = time.monotonic() - started

    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "cannot reach" in stderr and "--model PATH" in stderr and "HF_ENDPOINT" in stderr
    assert elapsed < 10


def test_license_gate_refuses_without_a_terminal_then_remembers_acceptance(hub: FakeHub) -> None:
    hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, CONTENT)

    refused = pull(hub)
    assert refused.returncode != 0
    assert "--accept-license" in refused.stderr.decode() and "Contributor Consent" in refused.stderr.decode()
    assert sum(hub.requests.values()) == 0  # nothing was even asked of the hub

    accepted = pull(hub, "--accept-license")
    again = pull(hub)

    assert accepted.returncode == 0, accepted.stderr.decode()
    assert again.returncode == 0, again.stderr.decode()
    assert hub.requests["GET cdn"] == 1


def test_dir_download_is_listed_by_models(hub: FakeHub, tmp_path: Path) -> None:
    hub.add_file(REPO, FILE, CONTENT)
    target = tmp_path / "models"

    result = pull(hub, "--repo", REPO, "--file", FILE, "--dir", str(target), "--json")

    assert result.returncode == 0, result.stderr.decode()
    assert (target / FILE).read_bytes() == CONTENT
    assert not any(path.suffix == ".incomplete" for path in target.rglob("*"))
    assert files_under(hf_home() / "hub") == []
    listing = json.loads(run_alsate("models", "--json").stdout)["models"]
    assert [Path(model["path"]).resolve() for model in listing] == [(target / FILE).resolve()]


def test_offline_mode_fails_clearly_but_serves_a_downloaded_file(hub: FakeHub) -> None:
    hub.add_file(REPO, FILE, CONTENT)

    before = pull(hub, "--repo", REPO, "--file", FILE, env={"HF_HUB_OFFLINE": "1"})
    pull(hub, "--repo", REPO, "--file", FILE)
    after = pull(hub, "--repo", REPO, "--file", FILE, "--json", env={"HF_HUB_OFFLINE": "1"})

    assert before.returncode == 1 and "HF_HUB_OFFLINE" in before.stderr.decode()
    assert after.returncode == 0, after.stderr.decode()
    assert Path(json.loads(after.stdout)["path"]).read_bytes() == CONTENT


def test_not_enough_disk_space_fails_before_downloading(hub: FakeHub) -> None:
    hub.add_file(REPO, FILE, CONTENT, claimed_size=10**18)

    result = pull(hub, "--repo", REPO, "--file", FILE)

    assert result.returncode == 1 and "not enough disk space" in result.stderr.decode()
    assert hub.requests["GET cdn"] == 0


def test_a_file_that_is_not_gguf_is_rejected_and_removed(hub: FakeHub) -> None:
    hub.add_file(REPO, "README.md", b"# not a model\n" * 100)

    result = pull(hub, "--repo", REPO, "--file", "README.md")

    assert result.returncode == 1 and "not a GGUF" in result.stderr.decode()
    assert files_under(hf_home()) == []


@pytest.mark.parametrize(
    "args",
    [("no-such-preset",), ("--repo", REPO), ("alsate", "--repo", REPO, "--file", FILE)],
)
def test_bad_usage_exits_2(args: tuple[str, ...]) -> None:
    result = run_alsate("pull", *args)
    assert result.returncode == 2 and result.stderr.startswith(b"alsate: error:")
