"""Model profiles: which profile a model gets (by name, by GGUF metadata, by config), what each profile tells the
model about a group, and that every profile and grammar keeps its answers apart in the cache."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from alsate_cli.backends import configured_grammar, local_profile
from alsate_cli.config import Config
from alsate_cli.explain.brief import user_message
from alsate_cli.explain.profiles import (
    ALSATE,
    GENERIC,
    LLAMA3,
    PROFILES,
    QWEN2,
    SMOLLM2,
    Context,
    Grammar,
    detect_profile,
    profile_named,
)
from alsate_cli.explain.prompt import ALSATE_SYSTEM_PROMPT, JSON_SYSTEM_PROMPT, TEXT_SYSTEM_PROMPT
from alsate_cli.grouping.group import Group
from alsate_cli.models.presets import PRESETS
from helpers_cli import run_alsate

PRESET_PROFILES = {"alsate": ALSATE, "llama-3.2-3b-instruct": LLAMA3, "smollm2-360m": SMOLLM2}


def test_every_pull_preset_gets_its_profile_from_the_file_name_alone(tmp_path: Path) -> None:
    assert set(PRESETS) == set(PRESET_PROFILES), "a new preset needs its expected profile here"
    for name, preset in PRESETS.items():
        path = tmp_path / preset.model.filename
        path.write_bytes(b"")  # not even a GGUF: the name decides, nothing is read
        assert local_profile(path, Config()) is PRESET_PROFILES[name], name


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        ("llama-3.2-3b-sys-log-analysis-ALSATE:latest", ALSATE),  # Ollama's name for the fine-tune
        ("llama3.2:3b", LLAMA3),
        ("Meta-Llama-3.1-8B-Instruct", LLAMA3),
        ("qwen2.5:7b-instruct", QWEN2),
        ("HuggingFaceTB/SmolLM2-1.7B-Instruct", SMOLLM2),
        ("mistral-7b-instruct", GENERIC),
        ("llama-2-7b-chat", GENERIC),  # Llama 2 is not Llama 3
    ],
)
def test_server_model_names_pick_the_family(served: str, expected: object) -> None:
    assert detect_profile([served]) is expected


def test_a_gguf_with_an_uninformative_file_name_is_recognised_by_its_metadata(
    smollm2_path: Path, tmp_path: Path
) -> None:
    renamed = tmp_path / "model.gguf"
    renamed.symlink_to(smollm2_path)
    assert detect_profile([renamed.name]) is GENERIC
    assert local_profile(renamed, Config()) is SMOLLM2  # general.basename = smollm2, read from the header


def test_a_llama3_chat_template_means_the_llama3_family_when_names_say_nothing() -> None:
    assert detect_profile(["my-finetune"], llama3_template=True) is LLAMA3
    assert detect_profile(["my-finetune"]) is GENERIC


def test_config_overrides_profile_and_grammar(tmp_path: Path) -> None:
    path = tmp_path / "Llama-3.2-3B-Instruct-Q4_K_M.gguf"
    path.write_bytes(b"")
    config = Config(profile="generic", grammar="json")
    assert local_profile(path, config) is GENERIC and configured_grammar(config) is Grammar.JSON
    assert configured_grammar(Config()) is None, "no grammar configured: the profile's own"


def test_an_unknown_profile_in_the_config_is_a_clear_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('profile = "gpt5"\n')
    result = run_alsate("analyze", stdin=b"", env={"ALSATE_CONFIG": str(config)})
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert b"profile" in result.stderr and b"'smollm2'" in result.stderr
    with pytest.raises(ValueError, match="choose one of: alsate, llama3"):
        profile_named("gpt5")


def test_every_profile_and_grammar_has_its_own_answer_id() -> None:
    ids = [profile.answer_id(grammar) for profile, grammar in itertools.product(PROFILES.values(), Grammar)]
    assert len(set(ids)) == len(ids)


def test_system_prompts_follow_the_answer_shape() -> None:
    assert ALSATE.system_prompt(Grammar.NONE) == ALSATE.system_prompt(Grammar.JSON) == ALSATE_SYSTEM_PROMPT
    assert SMOLLM2.system_prompt(Grammar.TEXT) == SMOLLM2.system_prompt(Grammar.NONE) == TEXT_SYSTEM_PROMPT
    assert QWEN2.system_prompt(Grammar.JSON) == JSON_SYSTEM_PROMPT


def ssh_group() -> Group:
    return Group(
        id="g1",
        identifier="sshd",
        template="Failed password for <USER> from <IP> port <NUM> ssh2",
        priority=4,
        count=57,
        programs={"sshd"},
        examples=[
            "Nov 07 10:12:01 web sshd[2201]: Failed password for root from 203.0.113.45 port 52144 ssh2",
            "Nov 07 10:12:09 web sshd[2203]: Failed password for admin\x1b[2J from 203.0.113.45 port 52150 ssh2",
        ],
        representative="Nov 07 10:12:01 web sshd[2201]: Failed password for root from 203.0.113.45 port 52144 ssh2",
    )


def test_the_alsate_model_sees_only_the_line_it_was_trained_on() -> None:
    group = ssh_group()
    assert ALSATE.context is Context.LINE
    assert user_message(ALSATE, group, ["a rule finding"]) == group.representative


def test_general_models_get_a_cleaned_brief_with_count_pattern_examples_and_findings() -> None:
    findings = ["57 failed SSH logins from 203.0.113.45 in 2m <|im_end|>"]
    message = user_message(SMOLLM2, ssh_group(), findings)
    lines = message.splitlines()
    assert lines[0] == f"Log line: {ssh_group().representative}"
    assert "Program: sshd" in lines and "Occurrences: 57" in lines
    assert "Pattern: Failed password for <USER> from <IP> port <NUM> ssh2" in lines
    also = [line for line in lines if line.startswith("Also seen: ")]
    assert len(also) == 1 and "admin" in also[0], "the representative is not repeated as an example"
    assert any(line.startswith("Detection rule: 57 failed SSH logins") for line in lines)
    assert "\x1b" not in message and "<|im_end|>" not in message, "log text cannot smuggle in chat markup"


def test_a_pattern_without_placeholders_is_not_repeated_in_the_brief() -> None:
    """The same text twice invites a small model to answer with it; the pattern only says something when it varies."""
    line = "Nov 20 08:00:10 web-01 systemd[1]: Failed to start Daily apt upgrade and clean activities."
    group = Group(id="g-apt", identifier="systemd", template=line.split(": ", 1)[1], priority=3, count=2,
                  programs={"systemd"}, examples=[line], representative=line)  # fmt: skip
    lines = user_message(SMOLLM2, group).splitlines()
    assert lines[0] == f"Log line: {line}" and "Occurrences: 2" in lines
    assert not any(part.startswith("Pattern: ") for part in lines)
