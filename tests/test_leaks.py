"""Leaks (issue 16): a few hundred planted secrets through the real ``alsate`` with ``--redact``, in every format
of ``analyze`` and ``report``, explained by an OpenAI-compatible server on 127.0.0.1 that repeats what it is sent.
None may appear in any output, on standard error, or in any request the server received (tests/leak_run.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leak_corpus import KINDS, make_corpus
from leak_run import FORMATS, REQUESTS, SHARED_CACHE, Tally, run_campaign

SECRETS = 300


@pytest.fixture(scope="module")
def tally(tmp_path_factory: pytest.TempPathFactory) -> Tally:
    return run_campaign(make_corpus(SECRETS, seed=16), tmp_path_factory.mktemp("leaks"))


def test_every_kind_is_planted_and_the_outputs_would_carry_them(tally: Tally) -> None:
    assert tally.secrets >= SECRETS and set(tally.kinds) == set(KINDS)
    # without --redact the search finds (nearly) every planted secret: a "0 leaks" below is measured, not vacuous
    assert tally.shown["analyze-entries"] >= 0.9 * tally.secrets
    assert tally.shown["report-json"] >= 0.9 * tally.secrets
    assert tally.requests > 0


def test_no_planted_secret_in_any_output_or_request(tally: Tally) -> None:
    names = [f"{command}-{output_format}" for command, output_format in FORMATS] + [SHARED_CACHE, REQUESTS]
    assert set(tally.leaks) == set(names)
    found = {name: [f"{secret.kind}: {secret.value}" for secret in secrets] for name, secrets in tally.leaks.items()}
    assert not any(found.values()), found


def test_words_that_are_not_secrets_stay(tally: Tally) -> None:
    assert tally.words > 500
    assert sum(tally.over_masked.values()) <= 0.01 * tally.words, tally.over_masked.most_common(10)


def test_a_corpus_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    first, second = make_corpus(60, seed=3), make_corpus(60, seed=3)
    assert first.journal_lines() == second.journal_lines()
    assert len({secret.value for secret in first.secrets}) == len(first.secrets)  # every secret is unique
