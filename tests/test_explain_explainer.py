"""Explainer bookkeeping that needs no model: no-model runs, cache-only runs, load failures, order, interrupts.

Runs with the real model (calls, limits, caching after a call, Ctrl-C mid-generation) are in test_explain_model.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alsate_cli.explain.cache_key import CacheKey
from alsate_cli.explain.engine import LlamaEngine
from alsate_cli.explain.explainer import NOTE_INTERRUPTED, NOTE_NO_MODEL, Explainer, work_order
from alsate_cli.explain.explanation import Explanation, Source, Status
from alsate_cli.explain.profiles import GENERIC, SMOLLM2, Grammar
from alsate_cli.grouping.group import Group

MODEL_ID = "sha256:test-model"
NEVER_LOADS = LlamaEngine(Path("no-such-model.gguf"), profile=GENERIC)
"""An engine whose profile is known up front (as backends.local_engine gives it), so cache hits need no load."""


class DictCache:
    """In-memory implementation of the explainer's Cache protocol."""

    def __init__(self) -> None:
        self.entries: dict[CacheKey, Explanation] = {}
        self.puts = 0

    def get(self, key: CacheKey) -> Explanation | None:
        return self.entries.get(key)

    def put(self, key: CacheKey, explanation: Explanation) -> None:
        self.puts += 1
        self.entries[key] = explanation


def group(name: str, priority: int = 4, count: int = 1) -> Group:
    return Group(
        id=f"g-{name}",
        identifier=name,
        template=f"{name} failed: <NUM>",
        priority=priority,
        count=count,
        representative=f"Nov 07 10:11:20 host {name}[1]: {name} failed: 1",
    )


def key(g: Group, model_id: str = MODEL_ID, engine: LlamaEngine = NEVER_LOADS) -> CacheKey:
    return CacheKey.for_answer(model_id, engine.answer_id, g.identifier, g.template)


def cached(cache: DictCache, g: Group, cause: str, model_id: str = MODEL_ID) -> None:
    key_ = key(g, model_id)
    cache.entries[key_] = Explanation(cause, ["Do something."], source=Source.MODEL)


def test_work_order_is_worst_priority_then_largest_count_then_input_order() -> None:
    groups = [group("a", 4, 100), group("b", 3, 1), group("c", 3, 5), group("d", 0, 1), group("e", 3, 5)]
    assert [g.id for g in work_order(groups)] == ["g-d", "g-c", "g-e", "g-b", "g-a"]


def test_no_model_gives_a_hint_for_every_group() -> None:
    groups = [group("a"), group("b")]
    explainer = Explainer(None, None, None)
    results = explainer.explain(groups)
    assert list(results) == ["g-a", "g-b"]
    for result in results.values():
        assert result.status is Status.NO_MODEL and result.cause is None
        assert result.note == NOTE_NO_MODEL == "No model: run 'alsate pull' or pass --model PATH"
    assert explainer.model_calls == 0


def test_cached_groups_are_explained_without_loading_the_model() -> None:
    cache = DictCache()
    known, unknown = group("known"), group("unknown")
    cached(cache, known, "Known cause.")
    results = Explainer(NEVER_LOADS, cache, MODEL_ID).explain([known, unknown])
    assert (results["g-known"].cause, results["g-known"].source) == ("Known cause.", Source.CACHE)
    assert results["g-unknown"].status is Status.ERROR and "no-such-model.gguf" in (results["g-unknown"].note or "")
    assert cache.puts == 0


def test_cache_is_keyed_by_model_and_prompt_version() -> None:
    cache = DictCache()
    g = group("a")
    cached(cache, g, "From another model.", model_id="sha256:other")
    explainer = Explainer(NEVER_LOADS, cache, MODEL_ID)
    assert explainer.explain([g])["g-a"].status is Status.ERROR
    assert explainer.cache_hits == 0


@pytest.mark.parametrize(
    "other",
    [
        LlamaEngine(Path("no-such-model.gguf"), profile=SMOLLM2),
        LlamaEngine(Path("no-such-model.gguf"), profile=GENERIC, grammar=Grammar.JSON),
        LlamaEngine(Path("no-such-model.gguf"), profile=GENERIC, grammar=Grammar.NONE),
    ],
    ids=["another-profile", "json-grammar", "no-grammar"],
)
def test_an_answer_made_under_one_profile_or_grammar_is_never_served_under_another(other: LlamaEngine) -> None:
    cache = DictCache()
    g = group("a")
    cache.entries[key(g, engine=other)] = Explanation("Made under another profile.", ["Step."])
    explainer = Explainer(NEVER_LOADS, cache, MODEL_ID)
    assert explainer.explain([g])["g-a"].status is Status.ERROR and explainer.cache_hits == 0
    assert Explainer(other, cache, MODEL_ID).explain([g])["g-a"].source is Source.CACHE


def test_without_a_model_id_the_cache_is_not_consulted() -> None:
    cache = DictCache()
    g = group("a")
    cached(cache, g, "Stored.")
    explainer = Explainer(None, cache, None)
    assert explainer.explain([g])["g-a"].status is Status.NO_MODEL


def test_cache_hits_keep_everything_but_the_source() -> None:
    cache = DictCache()
    g = group("a")
    stored = Explanation(None, [], source=Source.MODEL, status=Status.NOT_A_LOG, note="not a log")
    cache.entries[key(g)] = stored
    result = Explainer(NEVER_LOADS, cache, MODEL_ID).explain([g])["g-a"]
    assert result.status is Status.NOT_A_LOG and result.note == "not a log" and result.source is Source.CACHE
    assert stored.source is Source.MODEL  # the cache's object is not modified


def test_a_model_that_cannot_load_errors_every_uncached_group_once(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_text("not a model")
    cache = DictCache()
    groups = [group("a", 3), group("b", 4), group("c", 4)]
    cached(cache, groups[2], "Cached.")
    explainer = Explainer(LlamaEngine(path, profile=GENERIC), cache, MODEL_ID)
    results = explainer.explain(groups)
    assert explainer.load_error == f"{path} is not a GGUF model file"
    for name in ("g-a", "g-b"):
        assert results[name].status is Status.ERROR and results[name].note == explainer.load_error
    assert results["g-c"].source is Source.CACHE
    assert explainer.model_calls == 0
    assert cache.puts == 0  # errors are not cached: the next run tries again


def test_progress_is_reported_after_every_group() -> None:
    seen: list[tuple[int, int]] = []
    Explainer(None, None, None).explain([group("a"), group("b"), group("c")], progress=lambda *p: seen.append(p))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_interrupt_keeps_finished_results_and_skips_the_rest() -> None:
    cache = DictCache()
    groups = [group("late", 4), group("first", 0), group("second", 2)]
    for g in groups:
        cached(cache, g, f"Cause of {g.identifier}.")

    def progress(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    explainer = Explainer(NEVER_LOADS, cache, MODEL_ID)
    results = explainer.explain(groups, progress=progress)
    assert explainer.interrupted
    assert list(results) == ["g-late", "g-first", "g-second"]
    assert results["g-first"].cause == "Cause of first." and results["g-second"].cause == "Cause of second."
    assert results["g-late"].status is Status.SKIPPED and results["g-late"].note == NOTE_INTERRUPTED


@pytest.mark.parametrize("limit", [0, 2])
def test_limit_never_applies_to_cache_hits(limit: int) -> None:
    cache = DictCache()
    groups = [group(name) for name in "abcd"]
    for g in groups:
        cached(cache, g, "Stored.")
    explainer = Explainer(NEVER_LOADS, cache, MODEL_ID, max_calls=limit)
    assert all(r.source is Source.CACHE for r in explainer.explain(groups).values())
