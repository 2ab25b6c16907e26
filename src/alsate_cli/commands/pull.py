"""``alsate pull``: fetch a GGUF model from a Hugging Face hub, after showing (and if needed accepting) its license."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from alsate_cli.commands.common import stderr_console
from alsate_cli.errors import AlsateError, UsageError
from alsate_cli.models.defaults import HubModel
from alsate_cli.models.identity import HashStore
from alsate_cli.models.presets import DEFAULT_PRESET, PRESETS, License, preset_for


class LicenseNotAcceptedError(AlsateError):
    """The model's license needs an explicit yes that was not given."""


def pull(
    name: Annotated[
        str | None,
        typer.Argument(help=f"A preset: {', '.join(PRESETS)} (default: {DEFAULT_PRESET}).", show_default=False),
    ] = None,
    repo: Annotated[
        str | None, typer.Option("--repo", metavar="OWNER/NAME", help="Any hub repository (with --file).")
    ] = None,
    file: Annotated[str | None, typer.Option("--file", help="The GGUF file in --repo.")] = None,
    revision: Annotated[str, typer.Option("--revision", help="Branch, tag or commit of --repo.")] = "main",
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Download into this folder instead of the Hugging Face cache.", file_okay=False),
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="Hub token for gated or private repositories (default: HF_TOKEN).")
    ] = None,
    accept_license: Annotated[
        bool, typer.Option("--accept-license", help="Accept the model's license without asking.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or messages.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print where the model is, its size and sha256 as JSON.")
    ] = False,
) -> None:
    """Download a GGUF model (default: the ALSATE model) so analyze can use it.

    Files go to the standard Hugging Face cache, where analyze finds the default model with no flags, or to --dir.
    The finished file's sha256 is checked against the hub's; a mismatch deletes it.

    [bold]Examples[/bold]

      alsate pull --accept-license

      alsate pull smollm2-360m

      alsate pull --repo bartowski/Llama-3.2-3B-Instruct-GGUF --file Llama-3.2-3B-Instruct-Q4_K_M.gguf
    """
    from alsate_cli.models.store import PullRequest, pull_model, record_pulled_file

    model, pinned = _target(name, repo, file)
    status = stderr_console()
    talk = not quiet
    _license_gate(model, accept_license, status, talk=talk)
    request = PullRequest(model, revision=revision, local_dir=directory, token=token, pinned_sha256=pinned)
    with _hash_store() as store, _progress(status, model.filename, enabled=talk and status.is_terminal) as bar:
        pulled = pull_model(request, progress=bar, hash_store=store)
    if directory is not None:
        record_pulled_file(pulled.path)
    if as_json:
        document = {
            "path": str(pulled.path.absolute()),
            "size": pulled.size,
            "sha256": pulled.sha256,
            "verified_against": pulled.verified_against,
            "downloaded": pulled.downloaded,
            "repo_id": model.repo_id,
            "filename": model.filename,
            "revision": revision,
        }
        print(json.dumps(document, indent=2))
        return
    if talk:
        state = "downloaded" if pulled.downloaded else "already downloaded"
        check = f"sha256 checked against the {pulled.verified_against}" if pulled.verified_against else "not checked"
        status.print(f"{model.filename}: {state}, {pulled.size / 1e6:.1f} MB, {check}", markup=False, soft_wrap=True)
    print(pulled.path.absolute())


def _target(name: str | None, repo: str | None, file: str | None) -> tuple[HubModel, str | None]:
    """The repository file to fetch, and its pinned sha256 if a preset has one."""
    if repo is not None or file is not None:
        if name is not None:
            raise UsageError("give either a preset NAME or --repo/--file, not both")
        if not repo or not file:
            raise UsageError("--repo and --file go together: the repository and the GGUF file in it")
        return HubModel(repo, file), None
    preset = PRESETS.get(name or DEFAULT_PRESET)
    if preset is None:
        raise UsageError(f"unknown model {name!r}; presets: {', '.join(PRESETS)} (or --repo OWNER/NAME --file FILE)")
    return preset.model, preset.sha256


def _license_gate(model: HubModel, accepted_now: bool, status: Console, *, talk: bool) -> None:
    """Show the license; for one that needs consent, require --accept-license or a yes on a terminal, once."""
    from alsate_cli.models.license import is_accepted, remember_acceptance

    preset = preset_for(model)
    license: License | None = preset.license if preset else None
    if license is None:
        if talk:
            status.print(
                f"License: not known to alsate; read it on the model's page ({model.repo_id}).",
                markup=False,
                soft_wrap=True,
            )
        return
    if talk:
        status.print(f"License: {license.name} — {license.url}", markup=False, soft_wrap=True)
    if not license.requires_consent or is_accepted(model.repo_id, license):
        return
    if not accepted_now:
        if not sys.stdin.isatty():
            raise LicenseNotAcceptedError(
                f"{model.repo_id} is under the {license.name}; read it at {license.url} and pass --accept-license "
                "to accept it"
            )
        if not typer.confirm("Do you accept this license?", default=False, err=True):
            raise LicenseNotAcceptedError("license not accepted; nothing was downloaded")
    remember_acceptance(model.repo_id, license)


class _RichBar:
    """Download progress as a Rich bar: bytes, speed and time left (huggingface_hub's own bars are switched off)."""

    def __init__(self, progress: Progress, description: str) -> None:
        self._progress = progress
        self._task = progress.add_task(description, total=None, start=False)

    def start(self, total: int | None, done: int) -> None:
        self._progress.update(self._task, total=total, completed=done)
        self._progress.start_task(self._task)

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)


@contextlib.contextmanager
def _progress(status: Console, filename: str, *, enabled: bool) -> Iterator[_RichBar | None]:
    """A progress sink drawing on ``status``, or None (quiet) when disabled."""
    from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    if not enabled:
        yield None
        return
    columns = (
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=status, transient=True) as progress:
        yield _RichBar(progress, filename)


def _hash_store() -> AbstractContextManager[HashStore]:
    """The answer cache, so the digest computed here is not computed again by analyze's first run."""
    from alsate_cli.cache import open_cache

    def warn(message: str) -> None:
        print(f"alsate: warning: {message}", file=sys.stderr)

    return open_cache(None, warn=warn)
