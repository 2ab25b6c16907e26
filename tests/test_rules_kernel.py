"""Kernel and hardware incidents raised on real kernel lines (tests/data/kernel_incidents.toml, with their
origins), and one issue per kernel trace rather than one per printed line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from alsate_cli.grouping import Grouper
from alsate_cli.rules import RuleSet, ThreatEvaluator
from alsate_cli.sources.syslog_text import SyslogParser

ROOT = Path(__file__).resolve().parent.parent
CASES = {case["id"]: case for case in tomllib.loads((ROOT / "benchmarks/explain_cases.toml").read_text())["case"]}
LINES: list[dict[str, Any]] = tomllib.loads((Path(__file__).parent / "data/kernel_incidents.toml").read_text())["line"]
RULESET = RuleSet.load()
PARSER = SyslogParser(reference_time=1_700_000_000)


def _text(item: dict[str, Any]) -> str:
    if "case" in item:
        return CASES[item["case"]]["line"]
    assert item.get("origin"), "a line quoted here names where it comes from"
    return item["line"]


@pytest.mark.parametrize("item", LINES, ids=[f"{item['rule']}:{item.get('case', n)}" for n, item in enumerate(LINES)])
def test_real_kernel_line_raises_its_incident(item: dict[str, Any]) -> None:
    entry = PARSER.parse(_text(item), 1)
    assert entry.identifier == "kernel"
    hits = {hit.rule_id: hit for hit in ThreatEvaluator(RULESET).observe(entry)}
    assert item["rule"] in hits, f"{item['rule']} not raised; got {sorted(hits)}"
    fields = hits[item["rule"]].fields
    assert {key: fields.get(key) for key in item.get("fields", {})} == item.get("fields", {})


def test_every_incident_class_has_a_level_and_a_real_line() -> None:
    wanted = {"kernel.oom_kill", "kernel.call_trace", "kernel.hung_task", "kernel.conntrack_full", "kernel.over_mtu",
              "storage.io_error", "storage.device_error", "storage.hba_error", "kernel.segfault",
              "kernel.hardware_error", "storage.fs_error"}  # fmt: skip
    assert wanted <= {item["rule"] for item in LINES}
    assert all(RULESET.rules[rule_id].level.label != "none" for rule_id in wanted)


# A real trace (linux-scsi, [PATCH v2 05/17] qla2xxx: Fix premature hw access after pci error
# <20220110050218.3958-6-njavali@marvell.com>; lines the mail had wrapped rejoined) and a real OOM kill
# (https://alexschroeder.ch/view/2024-07-20-bots-again), each followed by a line of another incident.
TRACE = """\
Sep  8 22:26:03 localhost kernel: WARNING: CPU: 9 PID: 124606 at qla_tmpl.c:440 qla27xx_fwdt_entry_t266+0x55/0x60 [qla2xxx]
Sep  8 22:26:03 localhost kernel: RIP: 0010:qla27xx_fwdt_entry_t266+0x55/0x60 [qla2xxx]
Sep  8 22:26:03 localhost kernel: Call Trace:
Sep  8 22:26:03 localhost kernel: ? qla27xx_walk_template+0xb1/0x1b0 [qla2xxx]
Sep  8 22:26:03 localhost kernel: ? qla27xx_execute_fwdt_template+0x12a/0x160 [qla2xxx]
Sep  8 22:26:03 localhost kernel: ? qla27xx_fwdump+0xa0/0x1c0 [qla2xxx]
Sep  8 22:26:03 localhost kernel: ? qla2xxx_pci_mmio_enabled+0xfb/0x120 [qla2xxx]
Sep  8 22:26:03 localhost kernel: ? report_mmio_enabled+0x44/0x80
Sep  8 22:26:03 localhost kernel: ? report_slot_reset+0x80/0x80
Sep  8 22:26:03 localhost kernel: ? pci_walk_bus+0x70/0x90
Sep  8 22:26:03 localhost kernel: ? aer_dev_correctable_show+0xc0/0xc0
Sep  8 22:26:03 localhost kernel: ? pcie_do_recovery+0x1bb/0x240
Sep  8 22:26:03 localhost kernel: ? aer_recover_work_func+0xaa/0xd0
Sep  8 22:26:03 localhost kernel: ? process_one_work+0x1a7/0x360
Sep  8 22:26:03 localhost kernel: qla2xxx [0000:42:00.2]-8041:22: detected PCI disconnect.
"""  # noqa: E501
OOM = """\
2024-07-20T19:51:03.968600+02:00 sibirocobombus kernel: [ 3275.027000] apache2 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
2024-07-20T19:51:03.968678+02:00 sibirocobombus kernel: [ 3275.028117] [  12041]  1000 12041    23121    14572   212992     4117             0 /home/alex/farm
2024-07-20T19:51:03.968882+02:00 sibirocobombus kernel: [ 3275.028363] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/monit.service,task=/home/alex/farm,pid=12041,uid=1000
2024-07-20T19:51:03.968883+02:00 sibirocobombus kernel: [ 3275.028378] Out of memory: Killed process 12041 (/home/alex/farm) total-vm:92484kB, anon-rss:58288kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:208kB oom_score_adj:0
2024-07-20T19:51:09.000000+02:00 sibirocobombus kernel: [ 3281.000000] nf_conntrack: nf_conntrack: table full, dropping packet
"""  # noqa: E501


def _groups(text: str) -> list[tuple[int, str, set[str]]]:
    grouper, evaluator = Grouper(), ThreatEvaluator(RULESET)
    for number, line in enumerate(text.splitlines(), start=1):
        entry = PARSER.parse(line, number)
        hits = evaluator.observe(entry)
        group = grouper.add(entry)
        evaluator.assign(group.id, hits)
    return [(group.count, group.template, set(evaluator.group_threat(group.id, group.priority).rule_ids))
            for group in grouper.groups()]  # fmt: skip


def test_a_kernel_trace_is_one_issue_not_one_per_line() -> None:
    (trace, hba) = _groups(TRACE)
    assert trace[0] == 14 and trace[1].startswith("WARNING: CPU:") and trace[2] == {"kernel.call_trace"}
    assert hba[0] == 1 and hba[2] == {"storage.hba_error"}


def test_an_oom_report_is_one_issue_naming_the_killed_process_and_its_cgroup() -> None:
    (oom, conntrack) = _groups(OOM)
    assert oom[0] == 4 and "invoked oom-killer" in oom[1] and oom[2] == {"kernel.oom_kill"}
    assert conntrack[2] == {"kernel.conntrack_full"}
    evaluator = ThreatEvaluator(RULESET)
    fields: dict[str, str] = {}
    for number, line in enumerate(OOM.splitlines()[2:4], start=1):
        for hit in evaluator.observe(PARSER.parse(line, number)):
            fields.update(hit.fields)
    assert fields["cgroup"] == "/system.slice/monit.service" and fields["process"] == "/home/alex/farm"


def test_trace_lines_far_apart_or_after_another_kernel_line_are_not_folded() -> None:
    lines = TRACE.splitlines()
    late = [*lines[:3], lines[3].replace("22:26:03", "22:26:30")]
    interrupted = [*lines[:3], lines[-1], lines[3]]
    assert len(_groups("\n".join(late))) == 2
    assert len(_groups("\n".join(interrupted))) == 3
