"""The knowledge base: an entry for every rule, honest flags on steps that change the system, message lookups."""

from __future__ import annotations

import pytest

from alsate_cli.explain.explanation import Source
from alsate_cli.knowledge import KnowledgeError, lookup
from alsate_cli.knowledge.base import CHANGE_MARK, CHANGING_COMMAND, default_base, parse_entries
from alsate_cli.rules import RuleSet

RULESET = RuleSet.load()
BASE = default_base()


@pytest.mark.parametrize("rule_id", RULESET.all_ids())
def test_every_rule_and_correlation_has_knowledge(rule_id: str) -> None:
    entry = lookup("anything", "anything", [rule_id])
    assert entry is not None and rule_id in entry.rules
    explanation = entry.to_explanation()
    assert explanation.source is Source.KNOWLEDGE and explanation.cause and explanation.remediation


def test_knowledge_names_no_rule_that_does_not_exist() -> None:
    known = set(RULESET.all_ids())
    assert {rule for entry in BASE.entries for rule in entry.rules} <= known


def test_steps_quoting_system_changing_commands_are_declared_as_such_in_the_data() -> None:
    for entry in BASE.entries:
        for step in entry.steps:
            if CHANGING_COMMAND.search(step.text):
                assert step.changes_system, (entry.id, step.text)


def test_flagged_steps_are_marked_in_the_explanation() -> None:
    entry = lookup("sshd", "", ["ssh.brute_force"])
    assert entry is not None
    flagged = [step for step in entry.steps if step.changes_system]
    assert flagged and any("ufw deny" in step.text for step in flagged)
    remediation = entry.to_explanation().remediation
    assert sum(text.endswith(CHANGE_MARK) for text in remediation) == len(flagged)
    assert not any(text.endswith(CHANGE_MARK) for text in entry.to_explanation(mark_changes=False).remediation)


def test_rules_are_asked_in_the_given_order_before_messages() -> None:
    entry = lookup("kernel", "nf_conntrack: table full, dropping packet", ["kernel.panic", "storage.disk_full"])
    assert entry is not None and entry.id == "kernel-bug"


def test_message_lookup_by_program_and_template() -> None:
    entry = lookup("kernel", "TCP: request_sock_TCP: Possible SYN flooding on port <NUM>. Sending cookies.", [])
    assert entry is not None and entry.id == "syn-flood"
    assert lookup("sudo(pam_unix)", "unable to resolve host <HOST>: Name or service not known", []) is not None
    assert lookup("nginx", "TCP: Possible SYN flooding on port <NUM>", []) is None
    assert lookup("kernel", "some message nobody wrote about", []) is None


def test_unflagged_dangerous_step_is_flagged_at_load_anyway() -> None:
    (entry,) = parse_entries('[[entry]]\nid = "x"\nrules = ["r"]\ncause = "c"\nsteps = ["Run `rm -rf /tmp/x`."]', "t")
    assert entry.steps[0].changes_system


@pytest.mark.parametrize(
    "text",
    [
        '[[entry]]\nid = "x"\ncause = "c"\nsteps = ["s"]',
        '[[entry]]\nid = "x"\nrules = ["r"]\ncause = "c"\nsteps = []',
        "[[entry]",
        '[[entry]]\nid = "x"\nrules = ["r"]\ncause = "c"\nsteps = [{ text = "s", changes_system = "yes" }]',
    ],
)
def test_malformed_knowledge_is_a_clear_error(text: str) -> None:
    with pytest.raises(KnowledgeError, match=r"^t: "):
        parse_entries(text, "t")
