"""Injection: every hostile payload in every position through every output format, and against the rules' verdict.

Payloads (tests/injection_corpus.py): ANSI CSI/OSC/DCS escapes (OSC 8 hyperlinks, title and clipboard sets), 8-bit
C1 controls, carriage returns, bidi overrides, Rich markup, Markdown links/images/autolinks/HTML/table pipes/
headings/fences/emphasis/references, HTML tags/event handlers/breakouts/entities, prompt injections and chat
markup. Positions: message, identifier, host, unit, and the cause or a step of the model's answer (an
OpenAI-compatible server on 127.0.0.1 answers with the payload). Formats: the table on a pseudo-terminal of 80 and
200 columns, analyze's Markdown and JSON and JSON Lines, the report's Markdown, JSON and HTML (loaded by real
headless chromium). Checks: tests/injection_checks.py. Then prompt injections in the fields a rule reads (an sshd
user name, a sudo command), with and without a model answer that calls the line harmless, against the same lines
without them.

Usage: python benchmarks/injection_campaign.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))
from injection_checks import FORMATS  # noqa: E402
from injection_corpus import PAYLOADS, POSITIONS, make_cases  # noqa: E402
from injection_run import run_formats, verdict_findings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="alsate-injection-") as work:
        started = time.perf_counter()
        tally = run_formats(make_cases(), Path(work))
        formats_s = time.perf_counter() - started
        started = time.perf_counter()
        compared, verdict = verdict_findings(Path(work))
        verdict_s = time.perf_counter() - started
    checked, as_code, not_literal = (sum(c.values()) for c in (tally.checked, tally.as_code, tally.not_literal))
    figures = {
        "payloads": len(PAYLOADS),
        "positions": len(POSITIONS),
        "formats": len(FORMATS),
        "checked": checked,
        "rendered_as_code": as_code,
        "not_shown_literally": not_literal,
        "findings": tally.failures,
        "verdict_runs": compared,
        "verdict_lowered": len(verdict),
        "verdict_findings": verdict,
        "formats_seconds": round(formats_s, 1),
        "verdict_seconds": round(verdict_s, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{len(PAYLOADS)} payloads x {len(POSITIONS)} positions x {len(FORMATS)} formats: {checked} checks "
              f"(a format counts only the positions it shows), {as_code} rendered as code, {not_literal} not shown "
              f"literally ({formats_s:.1f} s)")  # fmt: skip
        print(f"{'format':18}" + "".join(f"{position:>13}" for position in POSITIONS))
        for output_format in FORMATS:
            cells = [f"{tally.as_code[(output_format, p)]}/{tally.checked[(output_format, p)]}" for p in POSITIONS]
            print(f"{output_format:18}" + "".join(f"{cell:>13}" for cell in cells))
        print(
            f"verdict: {compared} injected runs, {len(verdict)} with a lower level or a lost rule ({verdict_s:.1f} s)"
        )
        for finding in [*tally.failures, *verdict]:
            print("  " + finding)
    return 1 if as_code or not_literal or verdict or tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
