"""What the model is told about a group: one log line (the ALSATE fine-tune), or a brief (general models).

A general model given one bare line guesses; given the template, how often it happened, which programs wrote it and
what the rules concluded, it can name the right cause and stay grounded in what the log says. Every piece is
untrusted log text and is cleaned like the line itself (one line, no control characters, no chat markup, bounded).
"""

from __future__ import annotations

from collections.abc import Sequence

from alsate_cli.explain.profiles import Context, Profile
from alsate_cli.explain.prompt import clean_log_line
from alsate_cli.grouping.group import Group

MAX_BRIEF_EXAMPLES = 2
"""Other examples besides the representative line: enough to show what varies, few enough to keep prompts short."""
MAX_FINDINGS = 3
MAX_PIECE_CHARS = 300


def user_message(profile: Profile, group: Group, findings: Sequence[str] = ()) -> str:
    """The user turn for ``group`` under ``profile``."""
    line = group.representative or f"{group.identifier}: {group.template}"
    if profile.context is Context.LINE:
        return clean_log_line(line)
    return brief(group, line, findings)


def brief(group: Group, line: str, findings: Sequence[str]) -> str:
    """The log line, then one labelled fact per line (a layout small models follow and echo back faithfully).

    The pattern is shown only where it differs from the line (it has placeholders): the same text twice only
    invites a small model to repeat it as the "cause" (measured with SmolLM2 behind llama_cpp.server: 18 → 19 of 20
    answers ok)."""
    programs = sorted(group.programs) or [group.identifier]
    parts = [
        f"Log line: {clean_log_line(line)}",
        f"Program: {_piece(', '.join(programs[:3]))}",
        f"Occurrences: {group.count}",
    ]
    if group.template not in line:
        parts.append(f"Pattern: {_piece(group.template)}")
    others = [example for example in group.examples if example not in line][:MAX_BRIEF_EXAMPLES]
    parts += [f"Also seen: {_piece(example)}" for example in others]
    parts += [f"Detection rule: {_piece(finding)}" for finding in findings[:MAX_FINDINGS]]
    return "\n".join(parts)


def _piece(text: str) -> str:
    cleaned = clean_log_line(text)
    return cleaned if len(cleaned) <= MAX_PIECE_CHARS else cleaned[: MAX_PIECE_CHARS - 1] + "…"
