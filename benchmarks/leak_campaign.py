"""Leaks: planted secrets in real log lines through ``--redact``, in every format and to a remote model server.

Line shapes: alsate's own (tests/leak_corpus.py: sshd, sudo, su, PAM, login, cron, postfix, dovecot, nginx, git,
databases, cloud tools, firewalls), plus shapes made from real logs when they are at hand: loghub-2k's Linux and
OpenSSH logs (``$LOGHUB_2K``, read in place) and fail2ban's sshd and pam-generic test logs (fetched from Debian's
package as tests/test_rules_fail2ban.py does). Every address, host, user and secret slot gets a fresh seeded random
value. The runs, the search and the over-masking count are tests/leak_run.py's (its docstring says how).

Usage: python benchmarks/leak_campaign.py [--secrets 3000] [--seed 1] [--loghub DIR] [--commands analyze,report]
       [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))
from leak_corpus import SHAPES, Shape, make_corpus, shapes_from_lines  # noqa: E402
from leak_run import FORMATS, Tally, run_campaign  # noqa: E402

LOGHUB_FILES = ("Linux/Linux_2k.log", "OpenSSH/OpenSSH_2k.log")
FAIL2BAN_FILES = ("sshd", "pam-generic")


def real_shapes(loghub: Path | None) -> tuple[list[Shape], dict[str, int]]:
    """Shapes from loghub (when given) and fail2ban's test logs (when they can be fetched), with counts per origin."""
    shapes: list[Shape] = []
    counts: dict[str, int] = {}
    if loghub is not None:
        for name in LOGHUB_FILES:
            found = shapes_from_lines((loghub / name).read_text(errors="replace").splitlines(), f"loghub {name}")
            shapes += found
            counts[f"loghub {name}"] = len(found)
    logs = _fail2ban_logs()
    if logs is not None:
        for name in FAIL2BAN_FILES:
            found = shapes_from_lines((logs / name).read_text(errors="replace").splitlines(), f"fail2ban {name}")
            shapes += found
            counts[f"fail2ban {name}"] = len(found)
    return shapes, counts


def _fail2ban_logs() -> Path | None:
    script = Path(__file__).with_name("fail2ban_conformance.py")
    spec = importlib.util.spec_from_file_location("fail2ban_conformance", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    try:
        return module.fetch_logs()
    except module.FetchError as error:
        print(f"fail2ban's test logs left out: {error}", file=sys.stderr)
        return None


def figures(tally: Tally, shape_counts: dict[str, int], seconds: float) -> dict[str, object]:
    leaked_kinds = Counter(secret.kind for found in tally.leaks.values() for secret in found)
    return {
        "secrets": tally.secrets,
        "kinds": dict(tally.kinds),
        "shapes": shape_counts,
        "shown_without_redact": tally.shown,
        "leaks": {name: len(found) for name, found in tally.leaks.items()},
        "leaked_kinds": dict(leaked_kinds),
        "leaked_examples": sorted({f"{s.kind}: {s.value}" for found in tally.leaks.values() for s in found})[:20],
        "requests": tally.requests,
        "words_without_secret": tally.words,
        "over_masked": sum(tally.over_masked.values()),
        "over_masked_words": tally.over_masked.most_common(15),
        "seconds": round(seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--secrets", type=int, default=3000, help="at least this many planted secrets")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--loghub", type=Path, default=os.environ.get("LOGHUB_2K") or None, help="loghub-2k folder ($LOGHUB_2K)"
    )
    parser.add_argument("--commands", default="analyze,report", help="which commands' formats to run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    found, counts = real_shapes(args.loghub)
    shapes = [*SHAPES, *found]
    counts = {"alsate": len(SHAPES), **counts}
    commands = set(args.commands.split(","))
    formats = tuple(pair for pair in FORMATS if pair[0] in commands)
    corpus = make_corpus(args.secrets, seed=args.seed, shapes=shapes)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="alsate-leaks-") as work:
        tally = run_campaign(corpus, Path(work), formats)
    result = figures(tally, counts, time.perf_counter() - started)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{tally.secrets} planted secrets in {len(corpus.records)} lines from {len(shapes)} shapes "
              f"({', '.join(f'{k} {v}' for k, v in counts.items())}); {result['seconds']} s")  # fmt: skip
        print("kinds: " + ", ".join(f"{kind} {n}" for kind, n in sorted(tally.kinds.items())))
        print(f"{'output':42}{'shown without --redact':>24}{'found with --redact':>21}")
        for name, found_secrets in tally.leaks.items():
            shown = tally.shown.get(name, "")
            print(f"{name:42}{shown!s:>24}{len(found_secrets):>21}")
        print(f"requests received by the server: {tally.requests}")
        print(f"over-masked: {result['over_masked']} of {tally.words} words without a planted secret: "
              f"{result['over_masked_words']}")  # fmt: skip
        for example in result["leaked_examples"]:  # type: ignore[attr-defined]
            print("  leaked " + example)
    return 1 if tally.leak_count else 0


if __name__ == "__main__":
    raise SystemExit(main())
