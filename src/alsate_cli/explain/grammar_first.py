"""Greedy decoding under a grammar at the cost of checking the few tokens the model actually wants.

llama.cpp's grammar sampler checks every token of the vocabulary (49k for SmolLM2, 128k for Llama 3) against the
grammar on every step, which was measured to nearly double the time per token of a small model on CPU. Greedy
decoding only needs the best token the grammar allows, so this sampler asks the grammar about candidates in order
of preference, one at a time, and stops at the first it accepts; only when none of the first
:data:`CANDIDATES_CHECKED` is allowed does it fall back to the grammar's full pass. The chosen token is exactly the
one llama.cpp's own grammar-then-greedy chain picks (ties go to the lower token id, as its greedy sampler does), the
same idea as llama.cpp's own ``common_sampler`` ("sample, then check the grammar, resample only if rejected").

The sampler chain is llama-cpp-python's (penalties, this, greedy), built by :class:`GrammarFirstLlama` in place of
the stock ``penalties, grammar, greedy`` where decoding is greedy; anything else keeps the stock chain.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import Llama, LlamaGrammar
from llama_cpp import _internals as internals

CANDIDATES_CHECKED = 64
"""Candidates asked about one by one before the full pass: a model that follows the grammar at all ranks an allowed
token near the top; the rare step where none of these is allowed pays one full pass, as without this sampler."""


class GrammarFirstSampler:
    """A llama.cpp grammar consulted lazily: :meth:`apply` leaves only the best allowed candidate standing."""

    def __init__(self, model: internals.LlamaModel, grammar: LlamaGrammar) -> None:
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            raise ValueError("llama.cpp rejected the grammar")
        self._probe = llama_cpp.llama_token_data()
        self._probe_array = llama_cpp.llama_token_data_array(
            data=ctypes.pointer(self._probe), size=1, selected=-1, sorted=False
        )
        self.full_passes = 0
        """Steps on which no early candidate was allowed (the full pass ran): for benchmarks and tests."""

    def allowed(self, token: int) -> bool:
        """Whether the grammar, in its current state, accepts ``token`` next."""
        self._probe.id = token
        self._probe.logit = 0.0
        self._probe_array.size = 1
        self._probe_array.selected = -1
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(self._probe_array))
        return not math.isinf(self._probe.logit)

    def apply(self, cur_p: Any) -> None:
        """Keep only the highest-logit candidate the grammar allows (all others to -inf), and advance the grammar
        past it: the greedy sampler after this one then picks exactly it."""
        array = cur_p.contents
        candidates = np.ctypeslib.as_array(array.data, shape=(array.size,))
        logits = candidates["logit"]
        # Stable sort of the negated logits: among equal logits the lower index first, as greedy decides ties.
        head = min(CANDIDATES_CHECKED, len(logits))
        top = np.argpartition(-logits, head - 1)[:head] if head < len(logits) else np.arange(len(logits))
        top = top[np.lexsort((top, -logits[top]))]
        chosen = next((int(i) for i in top if self.allowed(int(candidates["id"][i]))), None)
        if chosen is None:
            self.full_passes += 1
            llama_cpp.llama_sampler_apply(self._grammar, cur_p)
            chosen = int(np.argmax(logits))  # first maximum, as greedy takes it
        token = int(candidates["id"][chosen])
        best = float(logits[chosen])
        logits[:] = -np.inf
        logits[chosen] = best
        llama_cpp.llama_sampler_accept(self._grammar, token)

    def close(self) -> None:
        if self._grammar:
            llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None


class GrammarFirstLlama(Llama):
    """``Llama`` whose greedy, grammar-constrained generation uses :class:`GrammarFirstSampler`."""

    last_grammar_sampler: GrammarFirstSampler | None = None
    """The sampler of the latest constrained generation (to read its :attr:`~GrammarFirstSampler.full_passes`)."""

    def _init_sampler(self, *args: Any, **kwargs: Any) -> internals.LlamaSampler:
        grammar = kwargs.get("grammar")
        greedy = kwargs.get("temp", 0.80) == 0.0 and not args
        if grammar is None or not greedy or kwargs.get("logits_processor") is not None:
            return super()._init_sampler(*args, **kwargs)
        try:
            return self._grammar_first_chain(grammar, kwargs)
        except AttributeError:  # another llama-cpp-python's internals: its own chain decides alike, only slower
            return super()._init_sampler(*args, **kwargs)

    def _grammar_first_chain(self, grammar: LlamaGrammar, kwargs: dict[str, Any]) -> internals.LlamaSampler:
        """llama-cpp-python's greedy chain (penalties, then greedy) with :class:`GrammarFirstSampler` between."""
        chain = internals.LlamaSampler()
        chain.add_penalties(
            n_vocab=self._n_vocab,
            penalty_last_n=self.last_n_tokens_size,
            penalty_repeat=kwargs.get("repeat_penalty", 1.0),
            penalty_freq=kwargs.get("frequency_penalty", 0.0),
            penalty_present=kwargs.get("presence_penalty", 0.0),
        )
        lazy = GrammarFirstSampler(self._model, grammar)
        chain.add_custom(lazy.apply)
        chain._exit_stack.callback(lazy.close)
        chain.add_greedy()
        self.last_grammar_sampler = lazy
        return chain
