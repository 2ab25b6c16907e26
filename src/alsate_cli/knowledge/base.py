"""Load the knowledge files and find the entry for a group: by the rules that fired first, else by message text.

Data lives in ``knowledge/data/*.toml``. Each ``[[entry]]`` names the rule ids it explains (``rules``) or the
programs and a literal of the message template it explains (``identifiers`` + ``contains``), a ``cause`` and
``steps``. A step is a string, or a table ``{ text = "…", changes_system = true }`` for steps that alter the
machine (delete, kill, block, lock, repair …) so renderers can warn before someone pastes them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from alsate_cli.errors import AlsateError
from alsate_cli.explain.explanation import Explanation, Source, Status

_ANY = "*"
CHANGE_MARK = " [changes the system]"

CHANGING_COMMAND = re.compile(
    r"`(?:sudo )?(?:rm|mkfs(?:\.\w+)?|kill|pkill|killall|userdel|deluser|groupdel|usermod|gpasswd -d|passwd -l|"
    r"chage -E|apt(?:-get)? (?:remove|purge)|dnf remove|yum remove|ufw (?:deny|allow|insert|delete|limit)|"
    r"iptables -[AIDR]|nft (?:add|insert|delete)|fsck|e2fsck|xfs_repair|btrfs (?:check --repair|scrub)|"
    r"mdadm --(?:add|remove|fail|manage)|systemctl (?:stop|disable|mask|restart|reset-failed)|setenforce|"
    r"chmod|chown|reboot|swapoff|shutdown|truncate|journalctl --vacuum|fail2ban-client set|visudo|"
    r"timedatectl set|chronyc makestep|aa-complain|aa-disable|modprobe -r|rmmod|sysctl -w|echo )"
)
"""Commands (in backticks) that alter the system: a step quoting one must be flagged ``changes_system``."""


class KnowledgeError(AlsateError):
    """A knowledge file is malformed (a packaging bug: shipped data is tested)."""


@dataclass(frozen=True, slots=True)
class Step:
    text: str
    changes_system: bool = False


@dataclass(frozen=True, slots=True)
class KnowledgeEntry:
    id: str
    cause: str
    steps: tuple[Step, ...]
    rules: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    contains: str | None = None

    def to_explanation(self, mark_changes: bool = True) -> Explanation:
        """The entry as the explainer's record; steps that change the system carry a visible mark."""
        steps = [step.text + (CHANGE_MARK if mark_changes and step.changes_system else "") for step in self.steps]
        return Explanation(self.cause, steps, source=Source.KNOWLEDGE, status=Status.OK)


def _step(value: object, where: str) -> Step:
    if isinstance(value, str) and value.strip():
        return Step(value, changes_system=bool(CHANGING_COMMAND.search(value)))
    if isinstance(value, dict) and isinstance(value.get("text"), str) and set(value) <= {"text", "changes_system"}:
        declared = value.get("changes_system", False)
        if not isinstance(declared, bool):
            raise KnowledgeError(f"{where}: 'changes_system' must be true or false")
        return Step(value["text"], changes_system=declared or bool(CHANGING_COMMAND.search(value["text"])))
    raise KnowledgeError(f'{where}: a step must be a string or {{ text = "…", changes_system = true }}')


def _strings(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list) or not all(isinstance(value, str) and value for value in values):
        raise KnowledgeError(f"{where}: {key!r} must be a list of non-empty strings")
    return tuple(values)


def parse_entries(text: str, origin: str) -> list[KnowledgeEntry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"{origin}: invalid TOML: {exc}") from None
    entries = []
    for index, table in enumerate(data.get("entry", []), start=1):
        where = f"{origin}: entry {table.get('id', f'#{index}')!r}"
        if not isinstance(table.get("id"), str) or not isinstance(table.get("cause"), str):
            raise KnowledgeError(f"{where}: needs 'id' and 'cause' strings")
        steps = table.get("steps")
        if not isinstance(steps, list) or not steps:
            raise KnowledgeError(f"{where}: needs a non-empty 'steps' list")
        rules = _strings(table, "rules", where)
        identifiers = _strings(table, "identifiers", where)
        contains = table.get("contains")
        if not rules and not (identifiers and isinstance(contains, str) and contains):
            raise KnowledgeError(f"{where}: needs 'rules', or 'identifiers' and a 'contains' literal")
        entries.append(
            KnowledgeEntry(
                id=table["id"],
                cause=table["cause"].strip(),
                steps=tuple(_step(step, where) for step in steps),
                rules=rules,
                identifiers=identifiers,
                contains=contains if isinstance(contains, str) else None,
            )
        )
    return entries


class KnowledgeBase:
    """Entries indexed by rule id and by program identifier."""

    def __init__(self, entries: list[KnowledgeEntry]) -> None:
        self.entries = entries
        self._by_rule: dict[str, KnowledgeEntry] = {}
        self._by_identifier: dict[str, list[KnowledgeEntry]] = {}
        for entry in entries:
            for rule_id in entry.rules:
                self._by_rule.setdefault(rule_id, entry)
            if entry.contains is not None:
                for identifier in entry.identifiers:
                    self._by_identifier.setdefault(identifier, []).append(entry)

    @classmethod
    def load(cls) -> KnowledgeBase:
        folder = resources.files("alsate_cli.knowledge").joinpath("data")
        entries: list[KnowledgeEntry] = []
        for item in sorted(folder.iterdir(), key=lambda item: item.name):
            if item.name.endswith(".toml"):
                entries += parse_entries(item.read_text(encoding="utf-8"), f"knowledge/data/{item.name}")
        return cls(entries)

    def lookup(
        self, identifier: str, template: str, rule_ids: list[str] | tuple[str, ...] = ()
    ) -> KnowledgeEntry | None:
        """The first rule id (pass them worst first, as ``Threat.rule_ids`` lists them) that has an entry; else
        the first message entry for this program whose literal occurs in the template."""
        for rule_id in rule_ids:
            entry = self._by_rule.get(rule_id)
            if entry is not None:
                return entry
        base = re.sub(r"[(\[].*$", "", identifier).rsplit("/", 1)[-1]
        for key in dict.fromkeys((identifier, base, _ANY)):
            for entry in self._by_identifier.get(key, ()):
                if entry.contains is not None and entry.contains in template:
                    return entry
        return None


@cache
def default_base() -> KnowledgeBase:
    return KnowledgeBase.load()


def lookup(identifier: str, template: str, rule_ids: list[str] | tuple[str, ...] = ()) -> KnowledgeEntry | None:
    """Module-level shortcut over the shipped knowledge base (loaded once)."""
    return default_base().lookup(identifier, template, rule_ids)
