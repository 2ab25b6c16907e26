"""All escaping of untrusted text (log messages, model answers) for every output format.

Rich output never parses markup from untrusted text: it is wrapped in ``rich.text.Text`` after control
sequences are stripped. Markdown gets backslash escapes inline and fences longer than any backtick run.
The colon of ``://`` is escaped too: GitHub's autolinker turns ``https://x.example`` into a link even with
every ``.`` escaped, but not ``https\\://x.example`` (``www.`` is already broken by its escaped dot).
"""

from __future__ import annotations

import re

from rich.text import Text

from alsate_cli.textsafe import one_line, strip_controls

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&]|:(?=//))")
_BACKTICK_RUNS = re.compile(r"`+")


def safe_text(text: str | None, style: str = "", *, single_line: bool = True) -> Text:
    """Untrusted text as a Rich ``Text``: printed literally, ``[bold red]`` stays visible as typed."""
    if not text:
        return Text("")
    return Text(one_line(text) if single_line else strip_controls(text), style=style)


def markdown_inline(text: str | None) -> str:
    """Untrusted text safe inside a Markdown paragraph or table cell (pipes and HTML tags included)."""
    if not text:
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))


def markdown_code_block(text: str, language: str = "text") -> str:
    """A fenced block that the text cannot close early: the fence is longer than any backtick run inside."""
    body = strip_controls(text)
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{body}\n{fence}"


def html_text(text: str | None, *, single_line: bool = True) -> str:
    """Untrusted text safe as HTML element content or a quoted attribute value (``<script>`` shows as typed)."""
    if not text:
        return ""
    import html

    return html.escape(one_line(text) if single_line else strip_controls(text), quote=True)
