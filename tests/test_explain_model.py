"""The explain layer with a real model: SmolLM2-135M run by llama.cpp, and a real (in-memory) cache.

SmolLM2 is far too small to answer in the fine-tune's shape, so these tests check the machinery (prompts, calls,
caching, limits, interruption, quiet loading, KV reuse), not the wording of answers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from alsate_cli.explain.cache_key import CacheKey
from alsate_cli.explain.engine import LlamaEngine
from alsate_cli.explain.explainer import NOTE_INTERRUPTED, Explainer
from alsate_cli.explain.explanation import Explanation, Source, Status
from alsate_cli.explain.profiles import SMOLLM2, Grammar
from alsate_cli.explain.prompt import PROMPT_VERSION, TemplateFamily, chatml_prompt
from alsate_cli.grouping.group import Group

pytestmark = pytest.mark.model

LINES = {
    "gdm": "Nov 07 10:11:20 ubuntu gdm3[1175]: GLib: Source ID 181 was not found when attempting to remove it",
    "ssh": "Nov 07 10:12:01 ubuntu sshd[2201]: Failed password for root from 203.0.113.45 port 52144 ssh2",
    "oom": "Nov 07 10:13:44 ubuntu kernel: Out of memory: Killed process 4242 (java) total-vm:8123456kB",
    "disk": "Nov 07 10:14:02 ubuntu kernel: EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls",
    "ntp": "Nov 07 10:15:30 ubuntu chronyd[801]: Can't synchronise: no selectable sources",
}
MODEL_ID = "sha256:smollm2-test"


class DictCache:
    """In-memory implementation of the explainer's Cache protocol (the SQLite one is tested on its own)."""

    def __init__(self) -> None:
        self.entries: dict[CacheKey, Explanation] = {}

    def get(self, key: CacheKey) -> Explanation | None:
        return self.entries.get(key)

    def put(self, key: CacheKey, explanation: Explanation) -> None:
        self.entries[key] = explanation


def make_group(name: str, priority: int, count: int) -> Group:
    line = LINES[name]
    identifier = line.split(" ")[4].split("[")[0].rstrip(":")
    return Group(
        id=f"g-{name}",
        identifier=identifier,
        template=line.split(": ", 1)[1],
        priority=priority,
        count=count,
        representative=line,
    )


@pytest.fixture
def groups() -> list[Group]:
    return [make_group("gdm", 4, 50), make_group("ssh", 3, 7), make_group("oom", 2, 1)]


@pytest.fixture
def fresh_engine(smollm2_path: Path, llama_cpp_available: None) -> Iterator[LlamaEngine]:
    """An engine nobody has loaded yet (cheap for a 135M model)."""
    engine = LlamaEngine(smollm2_path, max_tokens=16, profile=SMOLLM2)  # as backends.local_engine builds it
    yield engine
    engine.close()


def test_smollm2_prompt_is_its_chatml_template_with_its_profiles_system_prompt(smollm2_engine: LlamaEngine) -> None:
    fmt = smollm2_engine.prompt_format
    assert smollm2_engine.profile is SMOLLM2 and smollm2_engine.grammar is Grammar.TEXT  # from the GGUF's names
    assert fmt.family is TemplateFamily.CHATML and not fmt.alsate
    assert fmt.chat_template == smollm2_engine.metadata["tokenizer.chat_template"]
    prompt = fmt.render(LINES["gdm"])
    # SmolLM2's template would insert its own "You are a helpful AI assistant named SmolLM" without our system turn.
    assert prompt == chatml_prompt(SMOLLM2.system_prompt(Grammar.TEXT), LINES["gdm"], SMOLLM2.examples(Grammar.TEXT))
    assert "SmolLM" not in prompt
    assert "<|im_end|>" in fmt.stop_strings


def test_prompt_prefix_is_byte_stable_across_calls_and_engines(smollm2_engine: LlamaEngine, smollm2_path: Path) -> None:
    fmt = smollm2_engine.prompt_format
    first, second = fmt.render(LINES["gdm"]), fmt.render(LINES["ssh"])
    assert first[: len(fmt.prefix)] == second[: len(fmt.prefix)] == fmt.prefix
    other = LlamaEngine(smollm2_path)
    try:
        assert other.prompt_format.render(LINES["gdm"]) == first  # a new process/day renders the same bytes
    finally:
        other.close()


def test_real_completion_returns_text_and_a_finish_reason(smollm2_engine: LlamaEngine) -> None:
    completion = smollm2_engine.complete(smollm2_engine.prompt_format.render(LINES["ssh"]))
    assert completion.text.strip()
    assert completion.finish_reason in {"stop", "length"}
    assert 0 < completion.completion_tokens <= smollm2_engine.max_tokens
    assert completion.prompt_tokens > 100  # the system prompt alone is longer than that
    assert "<|im_end|>" not in completion.text


def test_greedy_decoding_is_reproducible(smollm2_engine: LlamaEngine) -> None:
    prompt = smollm2_engine.prompt_format.render(LINES["disk"])
    first, second = smollm2_engine.complete(prompt), smollm2_engine.complete(prompt)
    assert (first.text, first.finish_reason) == (second.text, second.finish_reason)
    assert second.evaluated_prompt_tokens == 1  # the whole prompt was still cached: only one token replayed


def test_kv_cache_of_the_shared_prefix_is_reused(fresh_engine: LlamaEngine) -> None:
    fmt = fresh_engine.prompt_format
    first = fresh_engine.complete(fmt.render(LINES["gdm"]))
    second = fresh_engine.complete(fmt.render(LINES["ssh"]))
    assert first.evaluated_prompt_tokens == first.prompt_tokens  # cold: everything evaluated
    assert second.evaluated_prompt_tokens is not None
    line_tokens = second.prompt_tokens - prefix_tokens(fresh_engine)
    # Only the log line and the turn's closing markup are evaluated; the long system prompt comes from the cache.
    assert second.evaluated_prompt_tokens <= line_tokens + 2
    assert second.evaluated_prompt_tokens < second.prompt_tokens / 2


def prefix_tokens(engine: LlamaEngine) -> int:
    llama = engine._llama  # test-only peek: the prefix's token count is what the KV cache can hold on to
    assert llama is not None
    return len(llama.tokenize(engine.prompt_format.prefix.encode(), add_bos=False, special=True))


def test_loading_prints_nothing(capfd: pytest.CaptureFixture[str], fresh_engine: LlamaEngine) -> None:
    fresh_engine.load()
    assert fresh_engine.prompt_format.family is TemplateFamily.CHATML
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_a_new_process_loads_and_fails_to_load_silently(smollm2_path: Path, tmp_path: Path) -> None:
    # In a fresh interpreter, so the very first llama.cpp initialisation is covered too (this test process may
    # have loaded a model earlier).
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(smollm2_path.read_bytes()[:1_000_000])
    script = (
        "import sys\n"
        "from alsate_cli.explain.engine import LlamaEngine, ModelLoadError\n"
        "e = LlamaEngine(sys.argv[1], max_tokens=2); e.complete(e.prompt_format.render('kernel: test'))\n"
        "try:\n    LlamaEngine(sys.argv[2]).load()\nexcept ModelLoadError:\n    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(smollm2_path), str(cut)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (result.stdout, result.stderr) == ("", "")


def test_one_model_call_per_group_then_all_from_cache(smollm2_engine: LlamaEngine, groups: list[Group]) -> None:
    cache = DictCache()
    first = Explainer(smollm2_engine, cache, MODEL_ID)
    results = first.explain(groups)
    assert first.model_calls == len(groups) and first.cache_hits == 0
    assert list(results) == [group.id for group in groups]
    assert all(result.source is Source.MODEL for result in results.values())
    assert {key.identifier for key in cache.entries} == {"gdm3", "sshd", "kernel"}
    version = f"{PROMPT_VERSION}+{smollm2_engine.answer_id}"
    assert all(key.model_id == MODEL_ID and key.prompt_version == version for key in cache.entries)

    second = Explainer(smollm2_engine, cache, MODEL_ID)
    again = second.explain(groups)
    assert second.model_calls == 0 and second.cache_hits == len(groups)
    assert all(result.source is Source.CACHE for result in again.values())
    for group in groups:
        assert (again[group.id].cause, again[group.id].status) == (results[group.id].cause, results[group.id].status)


def test_a_different_model_does_not_reuse_the_cache(smollm2_engine: LlamaEngine, groups: list[Group]) -> None:
    cache = DictCache()
    Explainer(smollm2_engine, cache, MODEL_ID).explain(groups[:1])
    other = Explainer(smollm2_engine, cache, "sha256:another-model")
    other.explain(groups[:1])
    assert other.model_calls == 1 and other.cache_hits == 0


def test_model_is_never_loaded_when_every_group_is_cached(fresh_engine: LlamaEngine, groups: list[Group]) -> None:
    cache = DictCache()
    for group in groups:
        key = CacheKey.for_answer(MODEL_ID, fresh_engine.answer_id, group.identifier, group.template)
        cache.put(key, Explanation("A stored cause.", ["A stored step."], source=Source.MODEL))
    explainer = Explainer(fresh_engine, cache, MODEL_ID)
    results = explainer.explain(groups)
    assert not fresh_engine.loaded
    assert explainer.model_calls == 0 and explainer.cache_hits == 3
    assert all(r.source is Source.CACHE and r.cause == "A stored cause." for r in results.values())


def test_max_calls_explains_the_worst_groups_and_skips_the_rest(
    smollm2_engine: LlamaEngine, groups: list[Group]
) -> None:
    explainer = Explainer(smollm2_engine, DictCache(), MODEL_ID, max_calls=1)
    results = explainer.explain(groups)
    assert explainer.model_calls == 1
    assert results["g-oom"].source is Source.MODEL  # priority 2 (crit) beats 3 and 4
    for skipped in ("g-ssh", "g-gdm"):
        assert results[skipped].status is Status.SKIPPED
        assert results[skipped].note and "limit" in results[skipped].note


def test_one_failing_group_does_not_stop_the_others(smollm2_path: Path, llama_cpp_available: None) -> None:
    engine = LlamaEngine(smollm2_path, n_ctx=640, max_tokens=8)  # the shared prefix alone fills half of it
    long = make_group("gdm", 3, 1)
    long.representative += " x" * 650
    fine = make_group("ntp", 4, 1)
    fine.representative = "chronyd: ok"
    try:
        explainer = Explainer(engine, DictCache(), MODEL_ID)
        results = explainer.explain([long, fine])
    finally:
        engine.close()
    assert results["g-gdm"].status is Status.ERROR
    assert results["g-gdm"].note and "context window" in results["g-gdm"].note and "\n" not in results["g-gdm"].note
    assert results["g-ntp"].source is Source.MODEL
    assert explainer.model_calls == 2


def test_ctrl_c_during_generation_keeps_finished_work(smollm2_path: Path, llama_cpp_available: None) -> None:
    engine = LlamaEngine(smollm2_path, max_tokens=120)
    engine.load()
    groups = [make_group(name, 3, 10 - i) for i, name in enumerate(LINES)]
    cache = DictCache()  # the first group (most frequent) is cached: its explanation is finished work
    key = CacheKey.for_answer(MODEL_ID, engine.answer_id, groups[0].identifier, groups[0].template)
    cache.put(key, Explanation("Cached."))
    finished: list[int] = []
    # A real SIGINT, delivered while the model generates a later group's answer (the four left take seconds).
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))

    def progress(done: int, total: int) -> None:
        finished.append(done)
        if done == 1:
            timer.start()

    explainer = Explainer(engine, cache, MODEL_ID)
    try:
        results = explainer.explain(groups, progress=progress)
    finally:
        timer.cancel()
    assert explainer.interrupted
    assert results[groups[0].id].cause == "Cached."
    explained = [r for r in results.values() if r.source in (Source.MODEL, Source.CACHE)]
    skipped = [r for r in results.values() if r.status is Status.SKIPPED]
    assert len(explained) == len(finished) >= 1
    assert len(explained) + len(skipped) == len(groups) and skipped
    assert all(r.note == NOTE_INTERRUPTED for r in skipped)
    # The interrupted generation left no stale KV state behind: the engine answers exactly like a fresh one.
    engine.max_tokens = 16
    prompt = engine.prompt_format.render(LINES["ntp"])
    reference = LlamaEngine(smollm2_path, max_tokens=16)
    try:
        assert engine.complete(prompt).text == reference.complete(prompt).text
    finally:
        reference.close()
        engine.close()
