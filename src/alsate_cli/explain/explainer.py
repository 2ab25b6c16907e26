"""Explain every group: from the cache where possible, otherwise with one model call per group.

The worst issues go first (priority, then count), so a ``--limit`` or a Ctrl-C still leaves the most important
groups explained. Nothing here raises for a model problem: each group gets an :class:`Explanation` whose status
says what happened, and the run's exit code does not depend on the model.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence

from alsate_cli.explain.brief import user_message
from alsate_cli.explain.cache_key import Cache, CacheKey
from alsate_cli.explain.engine import Engine, ModelLoadError
from alsate_cli.explain.explanation import NOTE_NO_MODEL, Explanation, Source, Status
from alsate_cli.explain.parse import judged_against, parse_answer
from alsate_cli.grouping.group import Group
from alsate_cli.textsafe import one_line

NOTE_INTERRUPTED = "interrupted"
MAX_NOTE_CHARS = 200

_NOT_CACHED = {Status.ERROR, Status.SKIPPED, Status.NO_MODEL}
"""Outcomes of this run's circumstances, not of the model: the next run should try again."""

Findings = Callable[[Group], Sequence[str]]
"""What the rules found in a group, as sentences for a briefed model (the threat evaluation already ran)."""


def work_order(groups: list[Group]) -> list[Group]:
    """Worst priority first (0 emerg), then the most frequent; ties keep their input order."""
    return sorted(groups, key=lambda group: (group.priority, -group.count))


class Explainer:
    """Explains groups with an optional engine and an optional cache.

    After :meth:`explain`: ``model_calls`` and ``cache_hits`` count what happened, ``interrupted`` says a Ctrl-C
    stopped the model work, ``load_error`` holds the one-line reason if the model could not be loaded.
    """

    def __init__(
        self,
        engine: Engine | None,
        cache: Cache | None,
        model_id: str | None,
        *,
        max_calls: int | None = None,
        concurrency: int = 1,
        findings: Findings | None = None,
    ) -> None:
        """``model_id`` is the model's content hash; without it the cache is not used (answers could not be told
        apart from another model's). ``max_calls`` caps model calls; cache hits are free and never capped.
        ``concurrency`` > 1 sends that many requests at once: only for a thread-safe (remote) engine.
        ``findings`` tells a briefed model what the rules concluded about a group."""
        self.engine = engine
        self.cache = cache
        self.model_id = model_id
        self.max_calls = max_calls
        self.concurrency = concurrency
        self.findings = findings
        self.model_calls = 0
        self.cache_hits = 0
        self.interrupted = False
        self.load_error: str | None = None
        self._calls_lock = threading.Lock()

    def explain(
        self, groups: list[Group], *, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, Explanation]:
        """An explanation for every group, keyed by group id, in the order of ``groups``.

        ``progress(done, total)`` is called after each group. A KeyboardInterrupt stops the work: explanations
        finished so far are kept and the rest are SKIPPED with the note "interrupted".
        """
        results: dict[str, Explanation] = {}
        ordered = work_order(groups)

        def finished(group: Group, explanation: Explanation) -> None:
            results[group.id] = explanation
            if progress is not None:
                progress(len(results), len(ordered))

        try:
            if self.concurrency > 1 and self.engine is not None:
                self._explain_concurrently(ordered, finished)
            else:
                for group in ordered:
                    finished(group, self._explain_one(group))
        except KeyboardInterrupt:
            self.interrupted = True
        for group in groups:
            if group.id not in results:
                results[group.id] = Explanation(None, status=Status.SKIPPED, note=NOTE_INTERRUPTED)
        return {group.id: results[group.id] for group in groups}

    def _explain_one(self, group: Group) -> Explanation:
        settled = self._settled(group, self.model_calls)
        if settled is not None:
            return settled
        assert self.engine is not None  # _settled answers for a missing engine
        return self._stored(group, self._ask_model(self.engine, group))

    def _explain_concurrently(self, ordered: list[Group], finished: Callable[[Group, Explanation], None]) -> None:
        """Answers without the model first (cache, limit), then ``concurrency`` requests at once for the rest.

        Cache writes and progress happen in this thread; only the model requests run on worker threads.
        """
        from alsate_cli.explain.concurrent import run_in_order

        engine = self.engine
        assert engine is not None
        asking: list[Group] = []
        for group in ordered:
            settled = self._settled(group, len(asking))  # each group asking now is one planned call
            if settled is None:
                asking.append(group)
            else:
                finished(group, settled)

        def ask(group: Group) -> Callable[[], Explanation]:
            return lambda: self._ask_model(engine, group)

        def store(index: int, explanation: Explanation) -> None:
            finished(asking[index], self._stored(asking[index], explanation))

        run_in_order([ask(group) for group in asking], self.concurrency, on_result=store)

    def _settled(self, group: Group, calls: int) -> Explanation | None:
        """The answer that needs no model call (cached, no model, unusable model, limit reached after ``calls``
        calls), or None when the model must be asked."""
        key = self._key(group)
        if self.cache is not None and key is not None:
            cached = self.cache.get(key)
            if cached is not None:
                self.cache_hits += 1
                return dataclasses.replace(cached, source=Source.CACHE)
        if self.engine is None:
            return Explanation(None, status=Status.NO_MODEL, note=NOTE_NO_MODEL)
        if self.load_error is not None:
            return Explanation(None, status=Status.ERROR, note=self.load_error)
        if self.max_calls is not None and calls >= self.max_calls:
            return Explanation(
                None, status=Status.SKIPPED, note=f"not explained: limit of {self.max_calls} model calls reached"
            )
        return None

    def _stored(self, group: Group, explanation: Explanation) -> Explanation:
        key = self._key(group)
        if self.cache is not None and key is not None and explanation.status not in _NOT_CACHED:
            self.cache.put(key, explanation)
        return explanation

    def _ask_model(self, engine: Engine, group: Group) -> Explanation:
        """One model call; may run on a worker thread (see :meth:`_explain_concurrently`)."""
        if self.load_error is not None:  # another request found the model unusable meanwhile
            return Explanation(None, status=Status.ERROR, note=self.load_error)
        try:
            findings = self.findings(group) if self.findings is not None else ()
            prompt = engine.prompt_format.render_message(user_message(engine.profile, group, findings))
        except ModelLoadError as exc:
            self.load_error = _note(exc)  # the same file will not load for the next group either
            return Explanation(None, status=Status.ERROR, note=self.load_error)
        except Exception as exc:  # a broken chat template: report it on the group, keep going
            return Explanation(None, status=Status.ERROR, note=_note(exc))
        with self._calls_lock:
            self.model_calls += 1
        try:
            completion = engine.complete(prompt)
        except ModelLoadError as exc:  # e.g. a remote server that went away: stop asking it
            self.load_error = self.load_error or _note(exc)
            return Explanation(None, status=Status.ERROR, note=_note(exc))
        except Exception as exc:  # one bad group (prompt too long, a llama.cpp error) must not end the run
            return Explanation(None, status=Status.ERROR, note=_note(exc))
        return judged_against(parse_answer(completion.text, completion.finish_reason), group.representative)

    def _key(self, group: Group) -> CacheKey | None:
        """The cache key: model, prompt version, and the engine's profile and answer constraint (asking for it does
        not load a local model: its profile was chosen from the file's metadata beforehand)."""
        if self.cache is None or self.model_id is None or self.engine is None:
            return None
        try:
            answer_id = self.engine.answer_id
        except ModelLoadError:
            return None
        return CacheKey.for_answer(self.model_id, answer_id, group.identifier, group.template)


def _note(exc: BaseException) -> str:
    """A one-line, bounded, control-free message for the user."""
    text = one_line(str(exc)) or type(exc).__name__
    return text if len(text) <= MAX_NOTE_CHARS else text[: MAX_NOTE_CHARS - 1] + "…"
