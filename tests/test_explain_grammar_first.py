"""The grammar-first sampler picks exactly the tokens llama.cpp's own grammar-then-greedy chain picks (real SmolLM2,
real llama.cpp grammar), and asks the grammar about single tokens correctly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from alsate_cli.explain.grammar import gbnf
from alsate_cli.explain.profiles import Grammar

if TYPE_CHECKING:
    from llama_cpp import Llama

    from alsate_cli.explain.grammar_first import GrammarFirstLlama

    Pair = tuple[Llama, GrammarFirstLlama]

LINES = (
    "Nov 07 10:11:20 ubuntu sshd[2211]: Failed password for root from 203.0.113.9 port 52144 ssh2",
    "Nov 07 10:12:01 ubuntu kernel: EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: "
    "reading directory lblock 0",
    "Nov 07 10:13:44 ubuntu systemd[1]: nginx.service: Main process exited, code=exited, status=1/FAILURE",
)
MAX_TOKENS = 48


@pytest.fixture(scope="module")
def llamas(smollm2_path: Path, llama_cpp_available: None) -> Iterator[Pair]:
    """The stock ``Llama`` and the grammar-first one, on the same model file."""
    from llama_cpp import Llama

    from alsate_cli.explain.engine import silence_llama_logs
    from alsate_cli.explain.grammar_first import GrammarFirstLlama
    from alsate_cli.explain.llama_build import safe_model_params

    silence_llama_logs()
    with safe_model_params():
        stock = Llama(str(smollm2_path), n_ctx=512, n_threads=2, verbose=False)
        lazy = GrammarFirstLlama(str(smollm2_path), n_ctx=512, n_threads=2, verbose=False)
    yield stock, lazy
    stock.close()
    lazy.close()


def _complete(llama: Llama, line: str, grammar_text: str) -> str:
    from llama_cpp import LlamaGrammar

    prompt = f"<|im_start|>user\nExplain this log line: {line}<|im_end|>\n<|im_start|>assistant\n"
    result = llama.create_completion(
        prompt,
        max_tokens=MAX_TOKENS,
        temperature=0.0,
        repeat_penalty=1.1,
        seed=0,
        grammar=LlamaGrammar.from_string(grammar_text, verbose=False),
    )
    return result["choices"][0]["text"]


@pytest.mark.parametrize("grammar", [Grammar.TEXT, Grammar.JSON], ids=str)
@pytest.mark.parametrize("line", LINES, ids=["ssh", "ext4", "systemd"])
def test_same_answer_as_llama_cpps_own_grammar_sampler(llamas: Pair, grammar: Grammar, line: str) -> None:
    stock, lazy = llamas
    text = gbnf(grammar)
    assert text is not None
    assert _complete(lazy, line, text) == _complete(stock, line, text)


def test_the_full_pass_fallback_gives_the_same_answer(llamas: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one candidate checked, every step whose favourite token the grammar forbids takes the full pass; a
    grammar that forbids what the model wants (only digits) makes that happen, and the answer must not change."""
    from alsate_cli.explain import grammar_first

    monkeypatch.setattr(grammar_first, "CANDIDATES_CHECKED", 1)
    stock, lazy = llamas
    digits = 'root ::= [0-9]+ "."'
    answer = _complete(lazy, LINES[0], digits)
    assert lazy.last_grammar_sampler is not None
    assert lazy.last_grammar_sampler.full_passes > 0
    assert answer == _complete(stock, LINES[0], digits)
    assert answer.rstrip(".").isdigit()


def test_allowed_asks_the_grammar_about_one_token(llamas: Pair) -> None:
    from llama_cpp import LlamaGrammar

    from alsate_cli.explain.grammar_first import GrammarFirstSampler

    _, lazy = llamas
    sampler = GrammarFirstSampler(lazy._model, LlamaGrammar.from_string('root ::= "yes"', verbose=False))
    try:
        yes, no = (lazy.tokenize(word.encode(), add_bos=False)[0] for word in ("yes", "no"))
        assert sampler.allowed(yes)
        assert not sampler.allowed(no)
        assert not sampler.allowed(lazy.token_eos())  # the grammar is not complete yet
    finally:
        sampler.close()
