"""Read rule files (shipped and the user's) and check every field, so a broken rule fails at start with one line
naming the file and the rule — never later, in the hot path, as a traceback."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from alsate_cli.errors import UsageError
from alsate_cli.rules.levels import Level
from alsate_cli.rules.model import ANY_IDENTIFIER, ENTRY_KEYS, Correlation, Rule
from alsate_cli.rules.sessions import MODES, ROLES

_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")
_MITRE = re.compile(r"(?:T\d{4}(?:\.\d{3})?|AML\.T\d{4}(?:\.\d{3})?)")
"""ATT&CK technique ids, and ATLAS ids for attacks on the model itself (prompt injection)."""
_DURATION = re.compile(r"(\d+)\s*(s|sec|m|min|h|d)?")
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}

_RULE_KEYS = {
    "id", "title", "identifiers", "contains", "regex", "level", "mitre", "ignore_case",
    "examples", "counterexamples", "enabled", "session", "session_by_mode",
}  # fmt: skip
_CORRELATION_KEYS = {
    "id", "title", "rules", "group_by", "count", "window", "level", "mitre", "distinct", "noun", "enabled",
}  # fmt: skip


class RuleError(UsageError):
    """A rule file cannot be used; the message names the file and, where known, the rule."""


class _Problem(ValueError):
    """A field check failed; the caller adds the file and rule to the message."""


def _need(table: dict[str, Any], key: str, kind: type) -> Any:
    if key not in table:
        raise _Problem(f"missing field {key!r}")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Problem(f"{key!r} must be a {kind.__name__}")
    return value


def _strings(table: dict[str, Any], key: str, *, required: bool) -> tuple[str, ...]:
    if key not in table and not required:
        return ()
    values = _need(table, key, list)
    if not all(isinstance(value, str) and value for value in values):
        raise _Problem(f"{key!r} must be a list of non-empty strings")
    if required and not values:
        raise _Problem(f"{key!r} must not be empty")
    return tuple(values)


def _mitre(table: dict[str, Any]) -> tuple[str, ...]:
    ids = _strings(table, "mitre", required=False)
    for technique in ids:
        if not _MITRE.fullmatch(technique):
            raise _Problem(f"mitre id {technique!r} is not a technique id like T1110 or T1110.001")
    return ids


def _level(table: dict[str, Any]) -> Level:
    try:
        return Level.parse(_need(table, "level", str))
    except ValueError as exc:
        raise _Problem(str(exc)) from None


def _check_keys(table: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _Problem(f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def parse_duration(value: object) -> int:
    """Seconds from ``90``, ``"90s"``, ``"2m"``, ``"1h"``, ``"1d"`` — the spellings fail2ban users know."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        found = _DURATION.fullmatch(value.strip())
        if found and int(found.group(1)) > 0:
            return int(found.group(1)) * _UNIT_SECONDS[found.group(2)]
    raise _Problem(f'window {value!r} must be a positive duration such as 90, "90s", "2m" or "1h"')


def _role(value: object, where: str) -> str:
    if value == "none" or value in ROLES:
        return str(value)
    raise _Problem(f"{where} {value!r} must be one of {', '.join(sorted(ROLES | {'none'}))}")


def _roles(table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Per mode, the session role: ``session`` for every mode, ``session_by_mode`` overriding some."""
    if "session" not in table and "session_by_mode" not in table:
        return ()
    default = _role(table.get("session", "none"), "'session'")
    overrides = table.get("session_by_mode", {})
    if not isinstance(overrides, dict):
        raise _Problem("'session_by_mode' must be a table such as { ddos = \"attempt\" }")
    for mode, value in overrides.items():
        if mode not in MODES:
            raise _Problem(f"'session_by_mode' names unknown mode {mode!r} (modes: {', '.join(MODES)})")
        _role(value, f"'session_by_mode.{mode}'")
    return tuple((mode, overrides.get(mode, default)) for mode in MODES)


def _parse_rule(table: dict[str, Any], origin: str) -> Rule:
    _check_keys(table, _RULE_KEYS)
    ignore_case = table.get("ignore_case", False)
    if not isinstance(ignore_case, bool):
        raise _Problem("'ignore_case' must be true or false")
    contains = _strings(table, "contains", required=True)
    if ignore_case:
        contains = tuple(literal.lower() for literal in contains)
    source = _need(table, "regex", str)
    try:
        pattern = re.compile(source, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise _Problem(f"bad regex: {exc}") from None
    return Rule(
        id=table["id"],
        title=_need(table, "title", str),
        identifiers=_strings(table, "identifiers", required=True),
        contains=contains,
        pattern=pattern,
        level=_level(table),
        mitre=_mitre(table),
        ignore_case=ignore_case,
        examples=_strings(table, "examples", required=True),
        counterexamples=_strings(table, "counterexamples", required=True),
        origin=origin,
        roles=_roles(table),
    )


def _check_examples(rule: Rule) -> None:
    """The data tests itself: a rule whose own examples disagree with its regex is refused."""
    for number, example in enumerate(rule.examples, start=1):
        if rule.match(example) is None:
            raise _Problem(f"example {number} does not match (check 'contains' and 'regex'): {example[:80]!r}")
    for number, example in enumerate(rule.counterexamples, start=1):
        if rule.match(example) is not None:
            raise _Problem(f"counterexample {number} matches but must not: {example[:80]!r}")


def _parse_correlation(table: dict[str, Any], origin: str) -> Correlation:
    _check_keys(table, _CORRELATION_KEYS)
    count = _need(table, "count", int)
    if count < 2:
        raise _Problem("'count' must be at least 2")
    distinct = table.get("distinct")
    if distinct is not None and not isinstance(distinct, str):
        raise _Problem("'distinct' must be the name of a capture")
    noun = table.get("noun", "events")
    if not isinstance(noun, str):
        raise _Problem("'noun' must be a string")
    return Correlation(
        id=table["id"],
        title=_need(table, "title", str),
        rules=_strings(table, "rules", required=True),
        group_by=_need(table, "group_by", str),
        count=count,
        window_us=parse_duration(table["window"] if "window" in table else _need(table, "window", str)) * 1_000_000,
        level=_level(table),
        mitre=_mitre(table),
        distinct=distinct,
        noun=noun,
        origin=origin,
    )


def _rule_id(table: object) -> str:
    if not isinstance(table, dict):
        raise _Problem("each [[rule]] / [[correlation]] must be a table")
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise _Problem(
            f"'id' {rule_id!r} must be lower-case letters, digits, '.', '_' or '-' (e.g. ssh.failed_password)"
        )
    return rule_id


def _read_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{origin}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"rule", "correlation"})
    if unknown:
        raise RuleError(f"{origin}: unknown top-level key {unknown[0]!r}: use [[rule]] and [[correlation]] tables")
    return data


def parse_file(text: str, origin: str) -> tuple[dict[str, Rule | None], dict[str, Correlation | None]]:
    """Rules and correlations of one file by id; ``None`` marks one switched off with ``enabled = false``."""
    data = _read_toml(text, origin)
    rules: dict[str, Rule | None] = {}
    correlations: dict[str, Correlation | None] = {}
    for section, parse, found in (
        ("rule", _parse_rule, rules),
        ("correlation", _parse_correlation, correlations),
    ):
        tables = data.get(section, [])
        if not isinstance(tables, list):
            raise RuleError(f"{origin}: {section!r} must be an array of tables: write [[{section}]]")
        for index, table in enumerate(tables, start=1):
            label = f"{section} #{index}"
            try:
                label = f"{section} {_rule_id(table)!r}"
                if label.split(" ", 1)[1].strip("'") in found:
                    raise _Problem("defined twice in this file")
                if table.get("enabled", True) is False:
                    found[table["id"]] = None
                    continue
                item = parse(table, origin)
                if isinstance(item, Rule):
                    _check_examples(item)
                found[item.id] = item  # type: ignore[assignment]
            except _Problem as exc:
                raise RuleError(f"{origin}: {label}: {exc}") from None
    return rules, correlations


def shipped_files() -> list[tuple[str, str]]:
    """(name, text) of the rule files inside the package, in a stable order."""
    folder = resources.files("alsate_cli.rules").joinpath("data")
    return sorted(
        (f"rules/data/{item.name}", item.read_text(encoding="utf-8"))
        for item in folder.iterdir()
        if item.name.endswith(".toml")
    )


def user_files(user_dir: Path) -> list[tuple[str, str]]:
    """(path, text) of ``*.toml`` in the user's rule folder, sorted so later names override earlier ones."""
    if not user_dir.is_dir():
        return []
    files = []
    for path in sorted(user_dir.glob("*.toml")):
        try:
            files.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"{path}: cannot read rule file ({exc})") from None
    return files


def merge(
    files: Iterable[tuple[str, str]],
) -> tuple[dict[str, Rule], dict[str, Correlation]]:
    """All files in order: a later file's id replaces an earlier one (user rules override shipped ones)."""
    rules: dict[str, Rule | None] = {}
    correlations: dict[str, Correlation | None] = {}
    for origin, text in files:
        file_rules, file_correlations = parse_file(text, origin)
        rules.update(file_rules)
        correlations.update(file_correlations)
    live_rules = {rule_id: rule for rule_id, rule in rules.items() if rule is not None}
    live = {cid: c for cid, c in correlations.items() if c is not None}
    for correlation in live.values():
        _check_references(correlation, live_rules)
    return live_rules, live


def _check_references(correlation: Correlation, rules: dict[str, Rule]) -> None:
    """A correlation's rules must exist and capture what it groups and counts by."""
    where = f"{correlation.origin}: correlation {correlation.id!r}"
    for rule_id in correlation.rules:
        rule = rules.get(rule_id)
        if rule is None:
            raise RuleError(f"{where}: unknown rule {rule_id!r} in 'rules'")
        captures = rule.pattern.groupindex
        if rule.origin != correlation.origin:
            rule_id = f"{rule_id} (defined in {rule.origin})"
        from_connection = correlation.group_by == "src" and bool(rule.roles)  # its connection names the source
        if correlation.group_by not in captures and correlation.group_by not in ENTRY_KEYS and not from_connection:
            raise RuleError(
                f"{where}: rule {rule_id!r} has no capture (?P<{correlation.group_by}>…) to group by "
                f"(or use one of {', '.join(sorted(ENTRY_KEYS))})"
            )
        if correlation.distinct is not None and correlation.distinct not in captures:
            raise RuleError(f"{where}: rule {rule_id!r} has no capture (?P<{correlation.distinct}>…) to count")


def wildcard(rule: Rule) -> bool:
    return ANY_IDENTIFIER in rule.identifiers
