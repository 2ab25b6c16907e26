"""Hostile log text and hostile model answers are shown, never obeyed (issue 16: injection).

A subset of benchmarks/injection_campaign.py: payloads in every position (message, identifier, host, unit, the
model's cause and steps), through the real program in every format: a pseudo-terminal of 80 and 200 columns,
Markdown parsed by markdown-it-py, the HTML report loaded by real headless chromium, JSON and JSON Lines. The
model is an OpenAI-compatible server on 127.0.0.1 that answers with the payloads.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alsate_cli.render.escape import markdown_inline
from alsate_cli.textsafe import strip_controls
from injection_checks import FORMATS, markdown_findings
from injection_corpus import POSITIONS, make_cases
from injection_run import SCENARIOS, run_formats, verdict_findings

SUBSET = ["osc8_hyperlink", "dcs_and_c1", "bidi_override", "rich_link", "md_autolinks", "md_table_pipes",
          "html_event_handlers", "html_breakouts", "prompt_chat_markup", "everything_at_once"]  # fmt: skip


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_no_payload_is_rendered_as_code_in_any_format(tmp_path: Path) -> None:
    tally = run_formats(make_cases(SUBSET), tmp_path)
    assert tally.failures == []
    assert {cell[0] for cell in tally.checked} == set(FORMATS), "every format was checked"
    assert {cell[1] for cell in tally.checked} == set(POSITIONS), "every position was checked"
    assert sum(tally.checked.values()) >= len(SUBSET) * 40, "each case is seen in nearly every format"


def test_a_prompt_injection_or_a_harmless_answer_never_lowers_the_rules_verdict(tmp_path: Path) -> None:
    compared, findings = verdict_findings(tmp_path, SCENARIOS[:1])
    assert (compared, findings) == (6, [])


def test_bidi_overrides_are_removed_with_the_controls() -> None:
    """An override would show ``invoice\u202efdp.exe`` as ``invoiceexe.pdf``; the letters themselves stay."""
    assert strip_controls("invoice\u202efdp.exe\u202c \u2066x\u2069 \u202ay\u202c") == "invoicefdp.exe x y"
    assert strip_controls("שלום \u200f world") == "שלום \u200f world", "a plain direction mark is not an override"


def test_an_escaped_url_is_not_a_bare_url_that_github_would_link() -> None:
    """GitHub links ``https://evil.example`` even with each dot escaped; an escaped colon stops it."""
    cell = markdown_inline("see https://evil.example/x and www.evil.example or ftp://evil.example")
    assert "https\\://" in cell and "www\\." in cell
    assert markdown_findings(f"## 1. t\n\n- Template: {cell}\n", fences=0) == []
    assert markdown_findings("## 1. t\n\n- Template: https://evil\\.example\n", fences=0) != [], "the check works"
