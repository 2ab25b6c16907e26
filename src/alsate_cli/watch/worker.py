"""The background explainer: one thread owns the model (llama.cpp is not thread-safe) and the cache connection.

Reading never waits for it: new groups go into a bounded priority queue (worst first) and the worker takes them
one at a time through the same :class:`~alsate_cli.explain.explainer.Explainer` as ``analyze`` (cache first, then
the model). Each group is queued once, when it first appears.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from alsate_cli.explain.explanation import Explanation
from alsate_cli.grouping import Group
from alsate_cli.watch.work_queue import BoundedPriorityQueue

if TYPE_CHECKING:
    from alsate_cli.explain.explainer import Explainer
    from alsate_cli.watch.plans import ExplainPlan

Finished = Callable[[str, Explanation], None]
StateChanged = Callable[[str], None]


def snapshot(group: Group) -> Group:
    """What the explainer reads, copied: the reader thread keeps updating the live group."""
    return dataclasses.replace(group, hosts=set(), units=set(), examples=list(group.examples))


class ExplainWorker(threading.Thread):
    def __init__(
        self,
        queue: BoundedPriorityQueue[Group],
        plan: ExplainPlan,
        *,
        on_done: Finished,
        on_state: StateChanged,
        warn: Callable[[str], None],
    ) -> None:
        super().__init__(name="alsate-explain", daemon=True)
        self.queue, self.plan = queue, plan
        self.on_done, self.on_state, self.warn = on_done, on_state, warn
        self.busy = False

    def run(self) -> None:
        from alsate_cli.cache import NoCache, open_cache

        with open_cache(None, warn=self.warn) if self.plan.use_cache else NoCache() as cache:
            explainer = self._explainer(cache)
            try:
                self._serve(explainer)
            finally:
                close = getattr(explainer.engine, "close", None)
                if close is not None:
                    close()

    def _explainer(self, cache: object) -> Explainer:
        from alsate_cli.backends import BackendChoice, local_engine
        from alsate_cli.explain.explainer import Explainer

        model, config = self.plan.model, self.plan.config
        if model is None:
            self.on_state("no model")
            return Explainer(None, cache, None)  # type: ignore[arg-type]
        engine = local_engine(model.path, BackendChoice(gpu_layers=config.gpu_layers), config, self.plan.threads)
        model_id = None
        if getattr(cache, "active", False):
            from alsate_cli.models.identity import model_identity

            self.on_state("hashing model")
            try:
                model_id = model_identity(model.path, cache)  # type: ignore[arg-type]
            except OSError as error:
                self.warn(f"cannot read the model {model.path}: {error.strerror or error}; not caching")
        self.on_state("ready")
        return Explainer(engine, cache, model_id)  # type: ignore[arg-type]

    def _serve(self, explainer: Explainer) -> None:
        while True:
            group = self.queue.get()
            if group is None:
                return
            self.busy = True
            try:
                if explainer.engine is not None:
                    self.on_state("explaining")
                explanation = explainer.explain([group])[group.id]
                if explainer.load_error:
                    self.on_state("error: " + explainer.load_error)
                elif explainer.engine is not None:
                    self.on_state("ready")
                self.on_done(group.id, explanation)
            finally:
                self.busy = False

    def stop(self) -> None:
        self.queue.close()
