"""Model profiles: the one place that decides, per model family, how alsate asks and what shape it accepts back.

The ALSATE fine-tune sees exactly what it was trained on (its system prompt, one log line, Llama 3.2's format with the
pinned date). General instruct models know nothing of that training, so they get a brief instead of a bare line (the
group's template, count, programs, a few examples and the rules' findings), a system prompt that spells out the
answer shape, and constrained decoding (a GBNF grammar in-process, a JSON schema for servers) so that every answer
has a cause and numbered steps. The chat template and its stop strings still come from the GGUF itself
(:class:`~alsate_cli.explain.prompt.PromptFormat`).

A profile is chosen from the model's names (GGUF ``general.*`` keys, the file name, or a server's model name), and
``profile = "NAME"`` in the config file overrides the choice. ``alsate models`` shows which profile each model gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from alsate_cli.explain.prompt import ALSATE_SYSTEM_PROMPT, JSON_SYSTEM_PROMPT, TEXT_SYSTEM_PROMPT, alsate_answer


class Context(StrEnum):
    LINE = "line"
    """One log line in syslog ``short`` form: what the ALSATE fine-tune was trained on."""
    BRIEF = "brief"
    """The line plus the group's template, count, programs, other examples and the rules' findings."""


class Grammar(StrEnum):
    NONE = "none"
    """Free text, parsed afterwards."""
    TEXT = "text"
    """``Cause - …`` then ``Remediation - 1. …`` numbered lines, enforced by a GBNF grammar."""
    JSON = "json"
    """``{"cause": …, "remediation": […]}``, enforced by a grammar or a server's JSON schema support."""


WORKED_BRIEF = (
    "Log line: Mar 02 03:00:01 db1 CRON[4121]: (backup) CMD (/usr/local/bin/dump.sh) failed: No space left on device\n"
    "Program: CRON\n"
    "Occurrences: 12\n"
    "Pattern: (<*>) CMD (<*>) failed: No space left on device"
)
WORKED_CAUSE = "The backup job run by cron could not write its dump because the file system it writes to is full."
WORKED_STEPS = (
    "Run df -h to find the full file system and du to find what fills it.",
    "Delete or move old dumps, or add space to the volume.",
    "Monitor disk usage so that the job does not fail silently again.",
)
"""A worked example from a domain no real answer should borrow from (a cron job and a full disk), so that copying
its content shows up as an ungrounded answer in the benchmark rather than passing for a right one."""


def worked_answer(grammar: Grammar) -> str:
    """The worked example's answer in the shape ``grammar`` asks for."""
    if grammar is Grammar.JSON:
        return json.dumps({"cause": WORKED_CAUSE, "remediation": list(WORKED_STEPS)})
    return alsate_answer(WORKED_CAUSE, WORKED_STEPS)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    summary: str
    context: Context
    grammar: Grammar
    """The in-process constraint (llama.cpp grammar)."""
    remote_json: bool
    """Ask OpenAI-compatible servers for a JSON object with ``response_format`` (a JSON schema)."""
    trained_prompt: bool = False
    """The ALSATE fine-tune's exact training prompt, built by hand in Llama 3.2's format."""
    repeat_penalty: float = 1.0
    """Greedy decoding loops on tiny models ("1.1.1.1…"); a mild penalty breaks the loop."""
    worked_example: bool = False
    """Show one worked question and answer before the real one (tiny models copy the shape, not the content)."""
    revision: str = "1"
    """Bump when this profile's prompts or grammar change: part of every cache key."""

    def system_prompt(self, grammar: Grammar) -> str:
        """The system prompt matching the answer shape that ``grammar`` asks for."""
        if self.trained_prompt:
            return ALSATE_SYSTEM_PROMPT
        return JSON_SYSTEM_PROMPT if grammar is Grammar.JSON else TEXT_SYSTEM_PROMPT

    def examples(self, grammar: Grammar) -> tuple[tuple[str, str], ...]:
        """The worked (user, assistant) turns for ``grammar``'s answer shape, if this profile uses one."""
        if not self.worked_example or self.context is not Context.BRIEF:
            return ()
        return ((WORKED_BRIEF, worked_answer(grammar)),)

    def answer_id(self, grammar: Grammar) -> str:
        """What the cache key records of the profile: an answer made under one is never served under another."""
        return f"{self.name}.{self.revision}/{self.context}/{grammar}"


ALSATE = Profile(
    "alsate",
    "ALSATE fine-tune: its training prompt and one log line; free text in its trained Cause/Remediation shape",
    Context.LINE,
    Grammar.NONE,
    remote_json=False,
    trained_prompt=True,
)
LLAMA3 = Profile("llama3", "Llama 3.x Instruct: brief, text-shape grammar", Context.BRIEF, Grammar.TEXT, True)
QWEN2 = Profile("qwen2.5", "Qwen2.5 Instruct: brief, text-shape grammar", Context.BRIEF, Grammar.TEXT, True)
SMOLLM2 = Profile(
    "smollm2",
    "SmolLM2 Instruct: brief, text-shape grammar, repeat penalty against loops",
    Context.BRIEF,
    Grammar.TEXT,
    remote_json=True,
    repeat_penalty=1.2,
    worked_example=True,
    revision="2",
)
GENERIC = Profile("generic", "any other chat model: brief, text-shape grammar", Context.BRIEF, Grammar.TEXT, True)

PROFILES: dict[str, Profile] = {profile.name: profile for profile in (ALSATE, LLAMA3, QWEN2, SMOLLM2, GENERIC)}

_FAMILY_WORDS: tuple[tuple[tuple[str, ...], Profile], ...] = (
    (("smollm",), SMOLLM2),
    (("qwen",), QWEN2),
    (("llama-3", "llama3", "llama 3", "llama_3"), LLAMA3),
)


def detect_profile(names: Iterable[str | None], *, llama3_template: bool = False) -> Profile:
    """The profile for a model known by ``names`` (GGUF ``general.name``/``basename``/``finetune``/``architecture``,
    the file name, or a server's model name). ``llama3_template``: the GGUF embeds Llama 3's chat template, which
    says "Llama 3 family" even when the names do not."""
    lowered = [name.lower() for name in names if name]
    if any("alsate" in name for name in lowered):
        return ALSATE
    for words, profile in _FAMILY_WORDS:
        if any(word in name for name in lowered for word in words):
            return profile
    return LLAMA3 if llama3_template else GENERIC


def profile_named(name: str) -> Profile:
    """The profile called ``name``; raises ValueError naming the valid ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)}") from None
