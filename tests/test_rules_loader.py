"""User rule files: they override shipped rules by id, and every kind of mistake is one clear line naming the
file and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from alsate_cli.entry import Entry
from alsate_cli.errors import AlsateError
from alsate_cli.rules import RuleError, RuleSet, ThreatEvaluator
from alsate_cli.rules.levels import Level
from alsate_cli.rules.loader import parse_duration

GOOD_RULE = """
[[rule]]
id = "local.backup_failed"
title = "Nightly backup failed"
identifiers = ["backup"]
contains = ["backup failed"]
regex = 'backup failed on (?P<device>\\S+)'
level = "medium"
mitre = ["T1490"]
examples = ["backup failed on sdb1"]
counterexamples = ["backup done on sdb1"]
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rule_is_added_and_matches(tmp_path: Path) -> None:
    _write(tmp_path, "local.toml", GOOD_RULE)
    ruleset = RuleSet.load(tmp_path)
    assert "backup" in ruleset.required_identifiers()
    entry = Entry(line=1, message="backup failed on sdb1", priority=3, identifier="backup")
    (hit,) = ThreatEvaluator(ruleset).observe(entry)
    assert (hit.rule_id, hit.level, hit.fields) == ("local.backup_failed", Level.MEDIUM, {"device": "sdb1"})


def test_user_rule_with_a_shipped_id_replaces_it(tmp_path: Path) -> None:
    override = GOOD_RULE.replace("local.backup_failed", "kernel.panic").replace('"medium"', '"critical"')
    _write(tmp_path, "override.toml", override)
    ruleset = RuleSet.load(tmp_path)
    rule = ruleset.rules["kernel.panic"]
    assert rule.level is Level.CRITICAL and rule.identifiers == ("backup",)
    assert "override.toml" in rule.origin


def test_override_that_breaks_a_shipped_correlation_names_both_files(tmp_path: Path) -> None:
    path = _write(tmp_path, "o.toml", GOOD_RULE.replace("local.backup_failed", "ssh.root_login_refused"))
    with pytest.raises(RuleError, match=r"correlation 'ssh\.brute_force'") as caught:
        RuleSet.load(tmp_path)
    assert f"defined in {path}" in str(caught.value)


def test_user_file_can_switch_a_shipped_rule_off(tmp_path: Path) -> None:
    _write(tmp_path, "off.toml", '[[rule]]\nid = "sudo.command_as_root"\nenabled = false\n')
    assert "sudo.command_as_root" not in RuleSet.load(tmp_path).rules


def test_missing_user_folder_means_shipped_rules_only(tmp_path: Path) -> None:
    assert RuleSet.load(tmp_path / "absent").rules.keys() == RuleSet.load().rules.keys()


BROKEN = [
    ("bad TOML", "[[rule]\nid = 'x'", "invalid TOML"),
    ("missing field", GOOD_RULE.replace('title = "Nightly backup failed"\n', ""), "missing field 'title'"),
    ("bad regex", GOOD_RULE.replace("(?P<device>\\S+)", "(?P<device>[a-"), "bad regex"),
    ("unknown level", GOOD_RULE.replace('"medium"', '"severe"'), "unknown level 'severe'"),
    ("bad mitre", GOOD_RULE.replace('"T1490"', '"brute force"'), "mitre id"),
    ("unknown field", GOOD_RULE.replace("level =", "levle = 1\nlevel ="), "unknown field 'levle'"),
    ("no literal", GOOD_RULE.replace('contains = ["backup failed"]', "contains = []"), "'contains' must not be empty"),
    (
        "example misses",
        GOOD_RULE.replace('examples = ["backup failed on sdb1"]', 'examples = ["all fine"]'),
        "example 1 does not match",
    ),
    (
        "counterexample hits",
        GOOD_RULE.replace('["backup done on sdb1"]', '["backup failed on sda"]'),
        "counterexample 1 matches",
    ),
    ("bad id", GOOD_RULE.replace("local.backup_failed", "Local Backup"), "'id'"),
]


@pytest.mark.parametrize(("case", "text", "expected"), BROKEN, ids=[case for case, _, _ in BROKEN])
def test_broken_user_file_is_one_clear_line_naming_file_and_rule(
    tmp_path: Path, case: str, text: str, expected: str
) -> None:
    path = _write(tmp_path, "mine.toml", text)
    with pytest.raises(RuleError) as caught:
        RuleSet.load(tmp_path)
    message = str(caught.value)
    assert isinstance(caught.value, AlsateError)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message
    if case not in {"bad TOML", "bad id"}:
        assert "'local.backup_failed'" in message


CORRELATION = """
[[correlation]]
id = "local.backup_storm"
title = "Backups failing everywhere"
rules = ["{rule}"]
group_by = "{key}"
count = 3
window = "{window}"
level = "high"
"""


@pytest.mark.parametrize(
    ("rule", "key", "window", "expected"),
    [
        ("local.nope", "device", "5m", "unknown rule 'local.nope'"),
        ("local.backup_failed", "src", "5m", "no capture (?P<src>…)"),
        ("local.backup_failed", "device", "soon", "positive duration"),
    ],
)
def test_broken_correlation_names_file_and_correlation(
    tmp_path: Path, rule: str, key: str, window: str, expected: str
) -> None:
    _write(tmp_path, "a.toml", GOOD_RULE + CORRELATION.format(rule=rule, key=key, window=window))
    with pytest.raises(RuleError, match=r"a\.toml: correlation 'local\.backup_storm'") as caught:
        RuleSet.load(tmp_path)
    assert expected in str(caught.value)


def test_correlation_may_group_by_an_entry_field(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", GOOD_RULE + CORRELATION.format(rule="local.backup_failed", key="hostname", window=90))
    assert RuleSet.load(tmp_path).correlations["local.backup_storm"].window_us == 90_000_000


@pytest.mark.parametrize(("text", "seconds"), [(90, 90), ("90s", 90), ("2m", 120), ("1h", 3600), ("1d", 86400)])
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds
