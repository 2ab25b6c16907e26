"""``alsate evaluate REAL GENERATED``: score a synthetic log against the real one it imitates.

A subcommand of its own rather than ``generate --evaluate``: it shares no option with generating (no lines,
seed, rate or format), and it scores any generator's output the same way, a neural one included.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer


class ScoreFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def evaluate(
    real: Annotated[str, typer.Argument(help="The real log (journalctl JSON or syslog text).")],
    generated: Annotated[str, typer.Argument(help="The generated log to score.")],
    score_format: Annotated[ScoreFormat, typer.Option("--format", help="table or json.")] = ScoreFormat.TABLE,
) -> None:
    """Score a generated log against the real one: realism, fidelity, diversity and leakage.

    Parse rate by alsate's own reader; template coverage and Jensen–Shannon divergence of the template, program,
    priority and hour-of-day distributions; distinct-n and duplicate rates (raw and after masking); training
    addresses, hosts and users that reappear, and shared 8-token windows.

    [bold]Example[/bold]

      alsate generate -i auth.log -n 2000 --seed 1 -o synthetic.log
      alsate evaluate auth.log synthetic.log
    """
    import orjson

    from alsate_cli.generate.evaluate import evaluate as score
    from alsate_cli.generate.evaluate import read_profile

    scores = score(read_profile(real), read_profile(generated))
    if score_format is ScoreFormat.JSON:
        sys.stdout.write(orjson.dumps(scores, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    _table(scores)


def _table(scores: dict[str, Any]) -> None:
    from rich.table import Table

    from alsate_cli.commands.common import stdout_console

    table = Table(title="Generated log against the real one")
    for column in ("Criterion", "Measure", "Real", "Generated"):
        table.add_column(column, justify="left" if column in ("Criterion", "Measure") else "right")
    pct = "{:.1%}".format
    table.add_row("realism", "lines", str(scores["lines"]["real"]), str(scores["lines"]["generated"]))
    table.add_row("", "parse rate", pct(scores["parse_rate"]["real"]), pct(scores["parse_rate"]["generated"]))
    templates = scores["templates"]
    table.add_row("fidelity", "templates", str(templates["real"]), str(templates["generated"]))
    table.add_row("", "coverage (of real templates / of real lines)", "",
                  f"{pct(templates['coverage'])} / {pct(templates['mass_coverage'])}")  # fmt: skip
    table.add_row("", "lines of templates not in the real log", "", pct(templates["novel_share"]))
    for name, value in scores["jsd"].items():
        table.add_row("", f"JSD {name}", "", f"{value:.3f}")
    real, generated = scores["diversity"]["real"], scores["diversity"]["generated"]
    for key, label in (("distinct_1", "distinct-1"), ("distinct_2", "distinct-2"), ("distinct_3", "distinct-3")):
        table.add_row("diversity" if key == "distinct_1" else "", label, f"{real[key]:.3f}", f"{generated[key]:.3f}")
    table.add_row("", "duplicate rate (raw)", pct(real["duplicate_rate_raw"]), pct(generated["duplicate_rate_raw"]))
    table.add_row("", "duplicate rate (masked)", pct(real["duplicate_rate_masked"]),
                  pct(generated["duplicate_rate_masked"]))  # fmt: skip
    leakage = scores["leakage"]
    for index, name in enumerate(("addresses", "hosts", "users")):
        table.add_row("security" if index == 0 else "", f"training {name} leaked",
                      str(leakage["training"][name]), str(leakage["leaked"][name]))  # fmt: skip
    table.add_row("", "8-token windows found in the real log", "", pct(leakage["ngram8_overlap"]))
    table.add_row("", "messages copied whole", "", pct(leakage["verbatim_messages"]))
    stdout_console().print(table)
