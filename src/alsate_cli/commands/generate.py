"""``alsate generate``: learn a model of real logs and write realistic, anonymised synthetic lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alsate_cli.errors import UsageError
from alsate_cli.generate.render import LineFormat

if TYPE_CHECKING:
    from alsate_cli.generate.model import LogModel

_TRUTH_HELP = "Where --inject writes its ground truth (JSON Lines). Default: OUTPUT.truth.jsonl."
BATCH = 8192
"""Lines joined into one write: a write per line would cost more than making the line."""


def generate(
    input_path: Annotated[
        str,
        typer.Option(
            "--input",
            "--file",
            "-i",
            metavar="PATH",
            help="Real logs to learn from: journalctl JSON or syslog text ('-' for stdin).",
        ),
    ] = "-",
    lines: Annotated[int, typer.Option("--lines", "-n", min=1, help="How many lines to write.")] = 1000,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed: the same seed and input give the same output.")
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(
            "--rate",
            min=0.000001,
            help="Lines per second (a Poisson process) instead of the input's own gaps between lines.",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="Time of the first line (ISO 8601, 'now', '2 days ago' …). Default: the input's first time."
        ),
    ] = None,
    line_format: Annotated[
        LineFormat,
        typer.Option("--format", help="syslog (journalctl short) or json (journalctl -o json); auto: the input's."),
    ] = LineFormat.AUTO,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    keep_values: Annotated[
        bool, typer.Option("--keep-values", help="Keep the input's addresses, host and user names (no anonymisation).")
    ] = False,
    inject: Annotated[
        str | None,
        typer.Option(
            "--inject",
            metavar="LIST",
            help="Mix in labelled scenarios: ssh-bruteforce, "
            "sudo-abuse, oom, disk-failure, port-scan (comma-separated; repeat a name for more).",
        ),
    ] = None,
    truth: Annotated[Path | None, typer.Option("--truth", help=_TRUTH_HELP)] = None,
) -> None:
    """Write realistic synthetic log lines learned from real ones, anonymised.

    The model is learned, not written by hand: alsate's template miner finds each program's message templates,
    and a Markov chain over them (with the real gaps between lines, hosts, priorities and values) says what comes
    next. Addresses become documentation addresses (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32), users and
    hosts invented names: nothing of the input's reappears unless --keep-values.

    [bold]Examples[/bold]

      alsate generate -i /var/log/auth.log -n 100000 --seed 1 -o synthetic.log

      journalctl -o json --since today | alsate generate -n 5000 --format json

      alsate generate -i auth.log --inject ssh-bruteforce,oom -o mixed.log

      (the ground truth goes to mixed.log.truth.jsonl)

      alsate evaluate auth.log synthetic.log
    """
    from alsate_cli.generate.scenarios import parse_scenarios

    names: list[str] = []
    if inject is not None:
        try:
            names = parse_scenarios(inject)
        except ValueError as error:
            raise UsageError(f"--inject: {error}") from None
        if truth is None:
            if output is None:
                raise UsageError("--inject writes its ground truth beside --output; give --output or --truth")
            truth = output.with_name(output.name + ".truth.jsonl")
    model, report = _learn(input_path, seed, keep_values)
    if report:
        print(report, file=sys.stderr)
    start_us = _start_us(start, model)
    _write(model, lines, seed, rate, start_us, line_format, output, names, truth)


def _learn(input_path: str, seed: int | None, keep_values: bool) -> tuple[LogModel, str | None]:
    from alsate_cli.commands.common import skip_report
    from alsate_cli.generate.model import learn
    from alsate_cli.sources import IngestStats, open_log_file, read_entries

    stats = IngestStats()
    with open_log_file(input_path) as stream:
        entries = list(read_entries(stream, stats))
    if not entries:
        raise UsageError(f"{input_path}: no log entries to learn from ({stats.read} lines read)")
    return learn(entries, seed=seed, keep_values=keep_values), skip_report(stats)


def _start_us(start: str | None, model: LogModel) -> int:
    import time

    if start is None:
        return model.start_us if model.start_us is not None else int(time.time() * 1e6)
    from alsate_cli.timerange import TimeRangeError, parse_time

    try:
        return int(parse_time(start).timestamp() * 1e6)
    except TimeRangeError as error:
        raise UsageError(f"--start: {error}") from None


def _write(
    model: LogModel,
    total: int,
    seed: int | None,
    rate: float | None,
    start_us: int,
    line_format: LineFormat,
    output: Path | None,
    names: list[str],
    truth: Path | None,
) -> None:
    import random
    from itertools import islice

    from alsate_cli.generate.mix import mixed
    from alsate_cli.generate.render import json_writer, syslog_writer
    from alsate_cli.generate.sample import walk

    if line_format is LineFormat.AUTO:
        line_format = LineFormat.SYSLOG if model.text_input else LineFormat.JSON
    render = syslog_writer() if line_format is LineFormat.SYSLOG else json_writer()
    rng = random.Random(seed)
    stream = walk(model, rng, start_us=start_us, rate=rate)
    incidents = []
    if names:
        try:
            labelled, incidents = mixed(stream, total, names, rng)
        except ValueError as error:
            raise UsageError(str(error)) from None
        owners: list[int] = []
        items = (owners.append(owner) or line for owner, line in labelled)  # type: ignore[func-returns-value]
    else:
        items = islice(stream, total)
    try:
        target = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    except OSError as error:
        raise UsageError(f"{output}: {error.strerror or error}") from None
    try:
        batch: list[str] = []
        for item in items:
            batch.append(render(item))
            if len(batch) >= BATCH:
                batch.append("")
                target.write("\n".join(batch))
                batch.clear()
        if batch:
            batch.append("")
            target.write("\n".join(batch))
    finally:
        if output:
            target.close()
        else:
            target.flush()
    if names and truth is not None:
        from alsate_cli.generate.truth import write_truth

        write_truth(truth, incidents, owners)
