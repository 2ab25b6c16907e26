"""Run a GGUF model in-process with llama.cpp (llama-cpp-python), quietly and reproducibly.

The model loads on first use, not at construction: a run whose groups are all cached never pays for loading
(seconds for a 3B model) and never needs the memory. One engine per process; llama.cpp contexts are not
thread-safe.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from alsate_cli.explain.grammar import gbnf
from alsate_cli.explain.profiles import Grammar, Profile, detect_profile
from alsate_cli.explain.prompt import PromptFormat, TemplateFamily, detect_family
from alsate_cli.textsafe import one_line

if TYPE_CHECKING:
    from llama_cpp import Llama

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    finish_reason: str | None
    """``"stop"`` (end of turn or a stop string) or ``"length"`` (hit ``max_tokens``)."""
    prompt_tokens: int
    completion_tokens: int
    evaluated_prompt_tokens: int | None = None
    """Prompt tokens llama.cpp actually evaluated; the rest were reused from the KV cache of the previous prompt
    (its shared prefix). None where the engine cannot tell."""


class ModelLoadError(Exception):
    """The model cannot be loaded. ``str(error)`` is one line meant for the user, not a traceback."""


class PromptWriter(Protocol):
    def render_message(self, message: str) -> str: ...


class Engine(Protocol):
    """What the explainer needs from a model: its profile, how to write prompts for it, and a completion."""

    @property
    def profile(self) -> Profile: ...

    @property
    def answer_id(self) -> str:
        """The profile and answer constraint in force: part of the cache key."""
        ...

    @property
    def prompt_format(self) -> PromptWriter: ...

    def complete(self, prompt: str) -> Completion: ...


def usable_cores() -> int:
    """CPUs this process may run on (cgroup/taskset aware); llama-cpp-python's default is half of all cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


_LOG_CALLBACK: Any = None
"""The no-op llama.cpp log callback; a module global so ctypes keeps it alive for the process lifetime."""


def silence_llama_logs() -> None:
    """Send llama.cpp's and ggml's C-level logging nowhere: nothing may appear on the user's terminal.

    ``verbose=False`` alone still lets llama-cpp-python's default callback print errors to stderr.
    """
    global _LOG_CALLBACK
    import llama_cpp  # lazy: importing it loads the shared library

    if _LOG_CALLBACK is None:

        @llama_cpp.llama_log_callback
        def _ignore(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
            return None

        _LOG_CALLBACK = _ignore
    llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))


class LlamaEngine:
    """A GGUF model run by llama.cpp with greedy decoding (the same log line always gets the same answer)."""

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        n_ctx: int = 2048,
        max_tokens: int = 384,
        alsate: bool | None = None,
        profile: Profile | None = None,
        grammar: Grammar | None = None,
    ) -> None:
        """``n_gpu_layers=-1`` offloads every layer; ``alsate`` forces (True) or forbids (False) the fine-tune's
        training prompt instead of detecting it from the model's name. ``profile`` None: detected from the GGUF's
        metadata when the model loads; ``grammar`` None: the profile's own."""
        self.model_path = Path(model_path)
        self.n_threads = n_threads or usable_cores()
        self.n_gpu_layers = n_gpu_layers
        self.n_ctx = n_ctx
        self.max_tokens = max_tokens
        self._alsate = alsate
        self._profile = profile
        self._grammar_choice = grammar
        self._llama: Llama | None = None
        self._prompt_format: PromptFormat | None = None
        self._grammar: Any = None

    @property
    def loaded(self) -> bool:
        return self._llama is not None

    def load(self) -> None:
        """Load the model now (normally it loads on first use). Raises :class:`ModelLoadError`."""
        if self._llama is not None:
            return
        self._check_file()
        try:
            silence_llama_logs()
            from alsate_cli.explain.grammar_first import GrammarFirstLlama
            from alsate_cli.explain.llama_build import safe_model_params
        except ImportError as exc:
            raise ModelLoadError(f"llama-cpp-python is not usable: {one_line(str(exc))}") from exc
        try:
            with safe_model_params():
                self._llama = GrammarFirstLlama(
                    str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_threads_batch=self.n_threads,
                    n_gpu_layers=self.n_gpu_layers,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            detail = "out of memory?" if "context" in str(exc) else "truncated or damaged file, or an unsupported model"
            raise ModelLoadError(f"cannot load model {self.model_path}: {detail}") from exc

    @property
    def metadata(self) -> Mapping[str, str]:
        """The GGUF's key/value metadata (strings, as llama.cpp reports them). Loads the model."""
        return self._loaded().metadata

    @property
    def profile(self) -> Profile:
        """The model profile: given, or detected from the GGUF's names and template (which loads the model)."""
        if self._profile is None:
            self._profile = profile_for_metadata(self._loaded().metadata, self.model_path)
        return self._profile

    @property
    def grammar(self) -> Grammar:
        """The answer constraint in force: the one asked for, else the profile's."""
        return self._grammar_choice or self.profile.grammar

    @property
    def answer_id(self) -> str:
        return self.profile.answer_id(self.grammar)

    @property
    def prompt_format(self) -> PromptFormat:
        """How to write prompts for this model, from its GGUF metadata and profile. Loads the model."""
        if self._prompt_format is None:
            llama = self._loaded()
            alsate = self._alsate if self._alsate is not None else self.profile.trained_prompt
            self._prompt_format = PromptFormat.for_model(
                llama.metadata,
                self.model_path,
                bos_token=_token_text(llama, llama.token_bos()),
                eos_token=_token_text(llama, llama.token_eos()),
                alsate=alsate,
                system_prompt=self.profile.system_prompt(self.grammar),
                examples=self.profile.examples(self.grammar),
            )
        return self._prompt_format

    def complete(self, prompt: str) -> Completion:
        """Greedy completion of an already rendered prompt, stopping at the end of the assistant's turn.

        The prompt text is the whole truth: it is tokenized with special tokens parsed and no BOS added (the
        prompt format writes BOS itself), so the tokens are exactly what the prompt format intended.
        """
        import llama_cpp

        llama = self._loaded()
        stops = list(self.prompt_format.stop_strings)
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        if len(tokens) >= self.n_ctx:
            raise ValueError(f"the prompt ({len(tokens)} tokens) does not fit the context window ({self.n_ctx})")
        llama_cpp.llama_perf_context_reset(llama.ctx)
        try:
            result = llama.create_completion(
                tokens,
                max_tokens=self.max_tokens,
                temperature=0.0,
                repeat_penalty=self.profile.repeat_penalty,
                stop=stops,
                seed=0,
                grammar=self._llama_grammar(),
            )
        except BaseException:
            # An interrupt (Ctrl-C) or error mid-generation leaves the KV cache half-written: forget it, so the
            # next call evaluates its prompt from scratch instead of trusting a stale prefix.
            llama.reset()
            raise
        perf = llama_cpp.llama_perf_context(llama.ctx)
        choice = result["choices"][0]  # type: ignore[index]
        usage = result["usage"]  # type: ignore[index]
        return Completion(
            text=choice["text"],
            finish_reason=choice["finish_reason"],
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            evaluated_prompt_tokens=perf.n_p_eval,
        )

    def _llama_grammar(self) -> Any:
        """The compiled grammar for :attr:`grammar` (built once), or None for free text."""
        text = gbnf(self.grammar)
        if text is None:
            return None
        if self._grammar is None:
            from llama_cpp import LlamaGrammar

            self._grammar = LlamaGrammar.from_string(text, verbose=False)
        return self._grammar

    def close(self) -> None:
        """Free the model's memory now rather than at interpreter exit."""
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    def _loaded(self) -> Llama:
        self.load()
        assert self._llama is not None
        return self._llama

    def _check_file(self) -> None:
        """Catch the common mistakes before llama.cpp does, with a clearer message than 'failed to load'."""
        try:
            with self.model_path.open("rb") as handle:
                magic = handle.read(4)
        except FileNotFoundError:
            raise ModelLoadError(f"model file not found: {self.model_path}") from None
        except OSError as exc:
            raise ModelLoadError(f"cannot read model file {self.model_path}: {exc.strerror}") from None
        if magic != GGUF_MAGIC:
            raise ModelLoadError(f"{self.model_path} is not a GGUF model file")


def profile_for_metadata(metadata: Mapping[str, str], model_path: str | os.PathLike[str] | None) -> Profile:
    """The profile a GGUF gets from its ``general.*`` names, its file name and its embedded chat template."""
    names = [metadata.get(key) for key in ("general.name", "general.basename", "general.finetune")]
    names.append(Path(model_path).name if model_path is not None else None)
    llama3 = detect_family(metadata.get("tokenizer.chat_template")) is TemplateFamily.LLAMA3
    return detect_profile(names, llama3_template=llama3)


def _token_text(llama: Llama, token_id: int) -> str:
    if token_id < 0:
        return ""
    return llama.detokenize([token_id], special=True).decode("utf-8", errors="replace")
