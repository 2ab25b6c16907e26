"""The literal index answers exactly what one ``in`` test per rule literal answers, overlaps included — with
Hyperscan's compiled scan and with the pure-Python scans it falls back to (every test runs under both)."""

from __future__ import annotations

import random

import pytest

from alsate_cli.rules import RuleSet
from alsate_cli.rules.literals import LiteralIndex, _conflicts
from alsate_cli.rules.model import Rule

RULESET = RuleSet.load()


pytestmark = pytest.mark.usefixtures("rule_engine")


def _naive(rules: tuple[Rule, ...], message: str) -> int:
    lowered = message.lower()
    bits = 0
    for index, rule in enumerate(rules):
        text = lowered if rule.ignore_case else message
        if any(literal in text for literal in rule.contains):
            bits |= 1 << index
    return bits


def _candidate_tuples() -> list[tuple[Rule, ...]]:
    identifiers = {identifier for rule in RULESET.rules.values() for identifier in rule.identifiers}
    tuples = {id(found): found for found in (RULESET.candidates(identifier) for identifier in identifiers)}
    tuples[id(RULESET.wildcards)] = RULESET.wildcards
    return list(tuples.values())


def _messages(rules: tuple[Rule, ...], rng: random.Random, count: int) -> list[str]:
    literals = [literal for rule in rules for literal in rule.contains]
    examples = [example for rule in rules for example in (*rule.examples, *rule.counterexamples)]
    pieces = [*literals, *(lit[: len(lit) // 2] for lit in literals), *(lit[len(lit) // 2 :] for lit in literals)]
    pieces += [" ", "x", "é", "İ", "\u212a", "\n", '"', "=", "SELinux", "DENIED", "denied", "\\x41", "(", "*"]
    found = list(examples)
    for _ in range(count):
        parts = [rng.choice(pieces) for _ in range(rng.randint(0, 8))]
        text = "".join(parts)
        if rng.random() < 0.3:
            text = text.upper() if rng.random() < 0.5 else text.swapcase()
        found.append(text)
    return found


@pytest.mark.parametrize("rules", _candidate_tuples(), ids=lambda rules: f"{len(rules)}-rules")
def test_passing_rules_equal_one_test_per_literal(rules: tuple[Rule, ...]) -> None:
    index = LiteralIndex(rules)
    rng = random.Random(len(rules))
    for message in _messages(rules, rng, 3000):
        assert index.passing(message, message.lower()) == _naive(rules, message), message


def _rule(rule_id: str, *contains: str, ignore_case: bool = False) -> Rule:
    import re

    from alsate_cli.rules.levels import Level

    return Rule(rule_id, rule_id, ("x",), contains, re.compile("."), Level.LOW, ignore_case=ignore_case)


def test_overlapping_and_nested_literals_are_all_found() -> None:
    rules = (
        _rule("a", "failed password"),
        _rule("b", "password for"),
        _rule("c", "pass"),
        _rule("d", "word"),
        _rule("e", "ssw"),
        _rule("f", "aaa"),
        _rule("g", "aab", ignore_case=True),
        _rule("h", "AAB", ignore_case=True),  # built by hand, not the loader: can never be in lower-cased text
        _rule("i", "a(b*", "\\x41"),  # regex syntax in a literal means nothing
    )
    index = LiteralIndex(rules)
    for message in (
        "failed password for root",
        "password",
        "passwor",
        "aaaab",
        "AAAAB",
        "aaab aab",
        "x",
        "a(b*",
        "ab",
        "A",
    ):
        assert index.passing(message, message.lower()) == _naive(rules, message), message


def test_case_sensitive_literals_are_confirmed_on_the_message_itself() -> None:
    rules = (
        _rule("upper", "DENIED"),
        _rule("lower", "denied"),
        _rule("blind", "Denied", ignore_case=False),
        _rule("any", "denied", ignore_case=True),
        _rule("sigma", "ΑΣ"),  # lower-cases to "ας" alone but to "ασ" inside "ΑΣΒ"
        _rule("dotted", "İx"),
    )
    index = LiteralIndex(rules)
    for message in ("DENIED", "denied", "Denied", "dEnIeD", "ΑΣΒ", "ΑΣ", "x ΑΣ y", "İx", "i̇x", "nothing"):
        assert index.passing(message, message.lower()) == _naive(rules, message), message


def test_conflicts_are_the_literals_that_can_start_inside_another() -> None:
    assert set(_conflicts("failed password", ("password for", "pass", "xfail", "word", "failed"))) == {
        "password for",
        "pass",
        "word",
        "failed",
    }


def test_indexes_share_the_compiled_scan_and_scan_apart_on_many_threads(rule_engine: str) -> None:
    """Evaluators are built again and again over the same rules (each run, each test): the compiled database is
    built once and shared, and each index scans with a scratch space of its own, so indexes on different threads
    (watch's reader and a report built beside it) never disturb each other's scans."""
    import threading

    from alsate_cli.rules import compiled

    rules = max(_candidate_tuples(), key=len)
    if rule_engine == "compiled":
        before = compiled._database.cache_info()
        LiteralIndex(rules)
        LiteralIndex(rules)
        after = compiled._database.cache_info()
        assert after.misses - before.misses <= 1 and after.hits - before.hits >= 1
    messages = _messages(rules, random.Random(11), 1500)
    expected = [_naive(rules, message) for message in messages]
    wrong: list[str] = []

    def scan(shift: int) -> None:
        index = LiteralIndex(rules)
        order = messages[shift:] + messages[:shift]
        want = expected[shift:] + expected[:shift]
        try:
            for _ in range(4):
                wrong.extend(text for text, bits in zip(order, want, strict=True) if index.passing(text) != bits)
        except Exception as error:  # a scratch space in use by another scan: Hyperscan's error, raised here
            wrong.append(repr(error))

    threads = [threading.Thread(target=scan, args=(shift * 97,)) for shift in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
