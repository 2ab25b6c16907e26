"""The prompt text sent to the model for one log line.

Two rules shape everything here:

* The ALSATE fine-tune answers best when it sees exactly what it was trained on: the Llama 3.2 chat format with
  the system header ``Cutting Knowledge Date: December 2023`` / ``Today Date: 26 Nov 2024`` and its training
  system prompt. That text is built by hand, byte for byte, rather than trusting whatever template the GGUF embeds.
* Prompts are byte-stable: everything before the log line is identical for every call, on every day. llama.cpp
  then reuses the KV cache of that shared prefix (only the log line is evaluated per group), and cached answers
  stay valid. Chat templates that insert today's date get a pinned date instead.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from alsate_cli.textsafe import one_line

PROMPT_VERSION = "3"
"""Part of every cache key: bump it whenever a system prompt, the prompt layout or the answer parser changes."""

REFUSAL = "Input does not appear to be a valid system log. Unable to assist."
"""The sentence the models are told to answer with when the input is not a log line."""

ALSATE_SYSTEM_PROMPT = (
    'Your name is "ALSATE",you are an advanced syslog parsing and analysis tool. Your task is to analyze provided '
    "system logs, identify potential causes of their generation, and detect any security threats or anomalies. If "
    "threats are found, suggest precise remediation steps. Respond only when the input is a valid system log; "
    f"otherwise, reply with: '{REFUSAL}'"
)
"""The fine-tune's training system prompt, verbatim (including the missing space after the comma)."""

_BRIEF_TASK = (
    "You are ALSATE, a Linux system administration assistant. The user sends a warning or error from a Linux "
    "system log: the log line, the program that wrote it, how often it occurred and what alsate's detection rules "
    "found. Explain what most likely caused it and how a system administrator should fix it. Name the program, "
    "device, address or user that the log names; do not invent others. "
)

TEXT_SYSTEM_PROMPT = _BRIEF_TASK + (
    "Answer in exactly this format and nothing else: a line that starts with 'Cause - ' and says in one or two "
    "sentences what caused the entry, then a line that starts with 'Remediation - 1. ' and gives the first step, "
    "then up to two more lines that start with '2. ' and '3. ', one concrete step each."
)
"""For general instruct models, in the ``Cause - …`` text shape the parser reads best. The shape is described, not
shown with placeholders: small models copy ``<step>`` literally. The fine-tune's refusal clause is left out: alsate
only ever sends log lines, and small models take the invitation to refuse."""

JSON_SYSTEM_PROMPT = _BRIEF_TASK + (
    'Answer with one JSON object and nothing else. Its key "cause" holds one or two sentences saying what caused '
    'the entry; its key "remediation" holds a list of one to three concrete steps, each a string.'
)
"""For general models asked for JSON (a server's ``response_format``, or ``grammar = "json"``)."""


def alsate_answer(cause: str, steps: Sequence[str]) -> str:
    """``Cause - …`` and the numbered ``Remediation - 1. …``: the answer shape the ALSATE model was trained on
    (worked examples for other models and the fine-tuning dataset are written in it)."""
    numbered = "\n".join(f"{number}. {step}" for number, step in enumerate(steps, 1))
    return f"Cause - {cause}\nRemediation - {numbered}"


PINNED_DATE = datetime(2024, 11, 26)
"""The ``Today Date`` of the fine-tune's training prompts, used wherever a template asks for today's date."""
PINNED_DATE_STRING = "26 Nov 2024"
CUTTING_KNOWLEDGE_DATE = "December 2023"

MAX_LINE_CHARS = 1500
"""Longer log lines are cut: the prompt plus the answer must fit the context window (2048 tokens by default)."""

# Llama 3.x special tokens, written out because the ALSATE prompt is built by hand.
_L3_BOS = "<|begin_of_text|>"
_L3_HEADER = "<|start_header_id|>{role}<|end_header_id|>\n\n"
_L3_EOT = "<|eot_id|>"


class TemplateFamily(StrEnum):
    LLAMA3 = "llama3"
    """``<|start_header_id|>role<|end_header_id|>`` … ``<|eot_id|>`` (Llama 3, 3.1, 3.2)."""
    CHATML = "chatml"
    """``<|im_start|>role`` … ``<|im_end|>`` (Qwen, SmolLM, many fine-tunes)."""
    OTHER = "other"
    """A template we can render but do not know the tokens of."""
    NONE = "none"
    """The GGUF carries no chat template."""


STOP_STRINGS: dict[TemplateFamily, tuple[str, ...]] = {
    TemplateFamily.LLAMA3: ("<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|start_header_id|>"),
    TemplateFamily.CHATML: ("<|im_end|>", "<|im_start|>", "<|endoftext|>"),
    TemplateFamily.OTHER: (),
    TemplateFamily.NONE: (),
}
"""Backstops for end-of-turn markup: llama.cpp already stops at end-of-generation tokens, but a model that writes
the marker as plain text, or starts a new turn, must stop too."""


def detect_family(chat_template: str | None) -> TemplateFamily:
    """Which chat format a GGUF's ``tokenizer.chat_template`` produces, judged by the special tokens it writes."""
    if not chat_template or not chat_template.strip():
        return TemplateFamily.NONE
    if "<|start_header_id|>" in chat_template and "<|eot_id|>" in chat_template:
        return TemplateFamily.LLAMA3
    if "<|im_start|>" in chat_template:
        return TemplateFamily.CHATML
    return TemplateFamily.OTHER


def is_alsate_model(metadata: Mapping[str, str], model_path: str | os.PathLike[str] | None = None) -> bool:
    """True for the ALSATE fine-tune, which gets its exact training prompt instead of the generic one.

    A GGUF does not say what it was fine-tuned for, so this goes by name: ``alsate`` (any case) in the GGUF's
    ``general.name``, ``general.basename`` or ``general.finetune``, or in the model's file name. The published
    file ``llama-3.2-3b-sys-log-analysis-alsate-q4_k_m.gguf`` matches by its file name. Rename a file to add or
    remove the word to switch prompts.
    """
    names = [metadata.get(key, "") for key in ("general.name", "general.basename", "general.finetune")]
    if model_path is not None:
        names.append(Path(model_path).name)
    return any("alsate" in name.lower() for name in names)


# Log lines are untrusted: one that contains chat markup such as "<|im_end|>" would, once tokenized with special
# tokens enabled, end the user's turn and let the log author speak as the system. Break such markup up.
_SPECIAL_MARKUP = re.compile(r"<\|(?=[^|<>\s]{1,40}\|>)|</?s>|\[/?INST\]", re.IGNORECASE)


def clean_log_line(line: str) -> str:
    """The log line as the model is shown it: one line, no control characters, no chat markup, bounded length."""
    text = one_line(line)
    if len(text) > MAX_LINE_CHARS:
        text = text[: MAX_LINE_CHARS - 1] + "…"
    return _SPECIAL_MARKUP.sub(lambda match: match.group(0)[0] + " " + match.group(0)[1:], text)


def llama3_prompt(system: str, user: str) -> str:
    """The Llama 3.2 chat format with the fine-tune's pinned system header (what the official template renders
    for one system and one user message on 26 Nov 2024)."""
    return (
        _L3_BOS
        + _L3_HEADER.format(role="system")
        + f"Cutting Knowledge Date: {CUTTING_KNOWLEDGE_DATE}\nToday Date: {PINNED_DATE_STRING}\n\n"
        + system
        + _L3_EOT
        + _L3_HEADER.format(role="user")
        + user
        + _L3_EOT
        + _L3_HEADER.format(role="assistant")
    )


def chatml_prompt(system: str, user: str, examples: Sequence[tuple[str, str]] = ()) -> str:
    """ChatML for a system message, worked ``examples`` (user, assistant) and one user message, ending where the
    assistant starts to write."""
    turns = [("system", system)]
    for question, answer in examples:
        turns += [("user", question), ("assistant", answer)]
    turns.append(("user", user))
    return "".join(f"<|im_start|>{role}\n{text}<|im_end|>\n" for role, text in turns) + "<|im_start|>assistant\n"


def chat_messages(system: str, user: str, examples: Sequence[tuple[str, str]] = ()) -> list[dict[str, str]]:
    """OpenAI-style messages: system, the worked examples as earlier turns, then the user message."""
    messages = [{"role": "system", "content": system}]
    for question, answer in examples:
        messages += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
    return [*messages, {"role": "user", "content": user}]


class TemplateRenderError(Exception):
    """The GGUF's chat template could not be rendered (syntax error, unsupported feature, refusal)."""


def render_chat_template(
    chat_template: str, messages: list[dict[str, str]], *, bos_token: str = "", eos_token: str = ""
) -> str:
    """Render a GGUF's Jinja chat template the way Hugging Face does, but sandboxed and with the date pinned.

    The template comes from a downloaded file, so it runs in Jinja's immutable sandbox. ``date_string`` and
    ``strftime_now`` are what Llama 3.x templates (and others) use for today's date; both answer the pinned date.
    """
    from jinja2 import TemplateError  # lazy: jinja2 is heavy and only needed once per run
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    def tojson(value: Any, indent: int | None = None) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = PINNED_DATE.strftime
    try:
        return env.from_string(chat_template).render(
            messages=messages,
            add_generation_prompt=True,
            bos_token=bos_token,
            eos_token=eos_token,
            date_string=PINNED_DATE_STRING,
        )
    except Exception as exc:  # any template bug: TemplateError, TypeError, SecurityError …
        raise TemplateRenderError(f"{type(exc).__name__}: {exc}") from exc


_SENTINEL = "\ue000ALSATE-LOG-LINE\ue000"
"""Stands in for the log line to find where a template puts it (private-use characters: no template writes them)."""


@dataclass(frozen=True)
class PromptFormat:
    """How prompts are written for one model. Build it once per model with :meth:`for_model`."""

    family: TemplateFamily
    """The format actually rendered (decides the stop strings)."""
    alsate: bool
    """True: the fine-tune's exact training prompt; False: the GGUF's own template with the generic prompt."""
    system_prompt: str
    chat_template: str | None = None
    """The GGUF template to render, or None when the prompt is built by hand (ALSATE, ChatML fallback)."""
    merge_system: bool = False
    """The template rejects a system message, so the system prompt leads the user message instead."""
    bos_token: str = ""
    eos_token: str = ""
    add_bos: bool = False
    examples: tuple[tuple[str, str], ...] = ()
    """Worked (user, assistant) turns before the real one: part of the shared, KV-cached prefix."""
    """Prepend ``bos_token`` unless the rendered text starts with it (the engine tokenizes without adding BOS)."""

    @classmethod
    def for_model(
        cls,
        metadata: Mapping[str, str],
        model_path: str | os.PathLike[str] | None = None,
        *,
        bos_token: str = "",
        eos_token: str = "",
        alsate: bool | None = None,
        system_prompt: str | None = None,
        examples: Sequence[tuple[str, str]] = (),
    ) -> PromptFormat:
        """Choose the prompt format from GGUF metadata. ``alsate`` overrides :func:`is_alsate_model` (the profile
        decides it); ``system_prompt`` replaces the generic one for other models."""
        chat_template = metadata.get("tokenizer.chat_template") or None
        embedded = detect_family(chat_template)
        # llama.cpp adds BOS for Llama-style vocabularies unless the GGUF says otherwise.
        add_bos = metadata.get("tokenizer.ggml.add_bos_token", "true").lower() == "true" and bool(bos_token)
        tokens: dict[str, Any] = {"bos_token": bos_token, "eos_token": eos_token, "add_bos": add_bos}
        if alsate if alsate is not None else is_alsate_model(metadata, model_path):
            # Trained on Llama 3.2's format; the notebook may have switched to ChatML late, in which case the GGUF
            # embeds a ChatML template and the same content goes in ChatML. The Llama date header belongs to the
            # Llama template, so it is not part of ChatML's system message.
            family = TemplateFamily.CHATML if embedded is TemplateFamily.CHATML else TemplateFamily.LLAMA3
            return cls(family, True, ALSATE_SYSTEM_PROMPT, **tokens)
        system = system_prompt or TEXT_SYSTEM_PROMPT
        tokens["examples"] = tuple(examples)
        if chat_template is not None:
            for merge_system in (False, True):
                candidate = cls(embedded, False, system, chat_template, merge_system=merge_system, **tokens)
                try:
                    candidate.prefix  # noqa: B018 - renders once: proves the template works with these messages
                except TemplateRenderError:
                    continue
                return candidate
        # No template, or one that cannot be used at all: ChatML is the most widely understood format.
        return cls(TemplateFamily.CHATML, False, system, **tokens)

    @property
    def stop_strings(self) -> tuple[str, ...]:
        stops = STOP_STRINGS[self.family]
        if self.eos_token and self.eos_token not in stops:
            stops = (*stops, self.eos_token)
        return stops

    def render(self, log_line: str) -> str:
        """The full prompt for one log line: the shared :attr:`prefix`, the cleaned line, the turn's end."""
        return self._render_raw(clean_log_line(log_line))

    def render_message(self, message: str) -> str:
        """The full prompt for a user message already cleaned piece by piece (see :mod:`alsate_cli.explain.brief`)."""
        return self._render_raw(message)

    @cached_property
    def prefix(self) -> str:
        """Everything before the log line: the same for every line, which is what lets llama.cpp reuse it."""
        rendered = self._render_raw(_SENTINEL)
        if rendered.count(_SENTINEL) != 1:
            raise TemplateRenderError("the chat template does not place the user message exactly once")
        return rendered.partition(_SENTINEL)[0]

    def _render_raw(self, user: str) -> str:
        if self.alsate and self.family is TemplateFamily.LLAMA3:
            return llama3_prompt(self.system_prompt, user)
        if self.chat_template is None:
            text = chatml_prompt(self.system_prompt, user, self.examples)
        else:
            messages = chat_messages(self.system_prompt, user, self.examples)
            if self.merge_system:  # the system prompt leads the first user turn
                system, first, *rest = messages
                messages = [{"role": "user", "content": f"{system['content']}\n\n{first['content']}"}, *rest]
            text = render_chat_template(
                self.chat_template, messages, bos_token=self.bos_token, eos_token=self.eos_token
            )
        if self.add_bos and not text.startswith(self.bos_token):
            text = self.bos_token + text
        return text


def build_prompt(log_line: str, prompt_format: PromptFormat) -> str:
    """The byte-stable prompt for one log line (see :class:`PromptFormat`)."""
    return prompt_format.render(log_line)
