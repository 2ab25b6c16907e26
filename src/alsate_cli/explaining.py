"""Set up the explain stage (model, cache, engine) for any subcommand and run it with progress.

The model is resolved and its identity checked up front (a bad ``--model`` fails before any reading),
but llama.cpp is only loaded when a group actually misses the cache.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console

from alsate_cli.backends import CONCURRENCY_NOTE, BackendChoice
from alsate_cli.config import Config
from alsate_cli.explain.explanation import Explanation
from alsate_cli.grouping import Group
from alsate_cli.models.resolve import ModelError, ResolvedModel, resolve_model

REDACTED_ANSWERS = "+redacted"
"""Appended to the model's id in the cache keys of a ``--redact`` run's answers."""

if TYPE_CHECKING:
    from rich.progress import Progress

    from alsate_cli.explain.engine import Engine
    from alsate_cli.explain.explainer import Findings


@dataclass(slots=True)
class ExplainSettings:
    model_path: str | None = None
    use_cache: bool = True
    enabled: bool = True
    limit: int | None = None
    threads: int | None = None
    backend: BackendChoice = field(default_factory=BackendChoice)
    redacted: bool = False
    """The groups were read with ``--redact``: their answers are cached apart, because an answer to the unredacted
    lines may repeat an address or a name, and a redacted run must never show one."""


@dataclass(slots=True)
class ExplainRun:
    explanations: dict[str, Explanation] = field(default_factory=dict)
    model: ResolvedModel | None = None
    model_name: str | None = None
    """What explained: the model file's name, or the remote model's name."""
    model_calls: int = 0
    cache_hits: int = 0
    interrupted: bool = False
    load_error: str | None = None
    """Why the model could not be loaded (every uncached group then says so too)."""


def resolve(settings: ExplainSettings, config: Config) -> ResolvedModel | None:
    """The local model to use, or None (also for a remote backend); raises the resolver's error for a bad path."""
    if not settings.enabled or settings.backend.remote:
        return None
    return resolve_model(settings.model_path, config)


def explain_groups(
    groups: list[Group],
    settings: ExplainSettings,
    config: Config,
    model: ResolvedModel | None,
    status: Console,
    *,
    show_progress: bool,
    findings: Findings | None = None,
) -> ExplainRun:
    """Explain ``groups`` (already ranked) through cache and model, with a progress bar on ``status``;
    ``findings`` gives a briefed model the rules' conclusions about each group."""
    run = ExplainRun(model=model, model_name=model.path.name if model else None)
    if not settings.enabled or not groups:
        return run
    from alsate_cli.cache import open_cache
    from alsate_cli.commands.common import console_warner
    from alsate_cli.explain.explainer import Explainer  # the model path: not needed for empty input

    warn = console_warner(status)
    choice = settings.backend
    with open_cache(None, warn=warn) if settings.use_cache else _no_cache() as cache:
        engine: Engine | None = None
        model_id = load_error = None
        if choice.remote:
            from alsate_cli.backends import remote_engine
            from alsate_cli.explain.engine import ModelLoadError

            remote = engine = remote_engine(choice, config)
            try:
                with _spinner(status, show_progress, f"Connecting to {remote.endpoint}"):
                    model_id = remote.model_id  # asks the server only when --api-model was not given
            except ModelLoadError as error:
                load_error = str(error)
            run.model_name = remote.display_name
        elif model is not None:
            from alsate_cli.backends import local_engine

            if choice.concurrency > 1:
                warn(CONCURRENCY_NOTE)
            engine = local_engine(model.path, choice, config, settings.threads)
            if cache is not None:
                from alsate_cli.models.identity import model_identity

                try:
                    with _spinner(status, show_progress, f"Hashing {model.path.name} (first use only)"):
                        model_id = model_identity(model.path, cache)
                except OSError as error:
                    raise ModelError(f"cannot read the model {model.path}: {error.strerror or error}") from None
        concurrency = choice.concurrency if choice.remote else 1
        if settings.redacted and model_id is not None:
            model_id += REDACTED_ANSWERS
        explainer = Explainer(
            engine, cache, model_id, max_calls=settings.limit, concurrency=concurrency, findings=findings
        )
        explainer.load_error = load_error
        with _progress(status, show_progress and engine is not None) as progress:
            task = progress.add_task("Explaining", total=len(groups))
            run.explanations = explainer.explain(
                groups, progress=lambda done, total: progress.update(task, completed=done, total=total)
            )
        run.model_calls, run.cache_hits = explainer.model_calls, explainer.cache_hits
        run.interrupted = explainer.interrupted
        run.load_error = explainer.load_error
    return run


class _NoProgress:
    """What ``_progress`` gives when no bar is drawn: the same calls, doing nothing."""

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def add_task(self, description: str, *, total: float | None = None) -> int:
        return 0

    def update(self, task: int, *, completed: float | None = None, total: float | None = None) -> None:
        return None


def _progress(console: Console, enabled: bool) -> Progress | _NoProgress:
    # rich.progress is imported only when a bar is drawn: a run without one (--quiet, no terminal) skips its import.
    if not enabled:
        return _NoProgress()
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("groups"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


@contextlib.contextmanager
def _no_cache() -> Iterator[None]:
    yield None


@contextlib.contextmanager
def _spinner(console: Console, enabled: bool, message: str) -> Iterator[None]:
    if not enabled:
        yield
        return
    with console.status(message):
        yield
