"""How a group's origin is named in the table and the Markdown: program (or a module's programs) and unit."""

from __future__ import annotations

from alsate_cli.grouping.group import Group
from alsate_cli.render.values import origin_label


def _group(identifier: str, programs: set[str], units: set[str]) -> Group:
    return Group(id="0", identifier=identifier, template="t", priority=4, programs=programs, units=units)


def test_a_program_with_its_own_unit_is_named_with_the_unit() -> None:
    assert origin_label(_group("sshd", {"sshd"}, {"ssh.service"})) == "sshd (ssh.service)"
    assert origin_label(_group("sshd", {"sshd"}, {"sshd"})) == "sshd"


def test_a_module_group_names_its_first_program_and_how_many_more() -> None:
    group = _group("pam_unix", {"su(pam_unix)", "sshd(pam_unix)"}, {"ssh.service", "a.service"})
    assert origin_label(group) == "sshd(pam_unix) +1 (a.service +1)"
    assert origin_label(_group("pam_unix", {"su(pam_unix)"}, set())) == "su(pam_unix)"


def test_a_group_without_names_shows_a_dash() -> None:
    assert origin_label(_group("", set(), set())) == "-"
