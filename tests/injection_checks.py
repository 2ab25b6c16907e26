"""Did a payload get *rendered as code* anywhere? One checker per output format, each tracing a finding to its case.

* terminal: every escape that reaches it is a colour (SGR); no other control or bidi override; markup shows as typed;
* Markdown (markdown-it-py, CommonMark plus GFM tables and strikethrough): no link, image, raw HTML, extra heading,
  fence, quote, rule or emphasis made of a payload, no table row with a cell too many, and no bare URL that
  GitHub's autolinker would turn into a link (text tokens are read with escapes kept apart, as GitHub sees them);
* HTML: the DOM that real headless chromium built after running the page: only the report's own elements and
  attributes, no mark left by a script, the payload's text shown as text;
* JSON: every string free of controls, and the payload back as the plain string that was logged.

``expected`` texts (what must be visible, whitespace aside) come from the JSON document, whose strings are checked
against the logged payloads first.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt

from alsate_cli.textsafe import one_line, strip_controls
from injection_corpus import CODE, POSITIONS, Case
from test_report_cli import table_rows

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Controls (tab, newline and carriage return aside: a pseudo-terminal writes \\r\\n) and bidi overrides/isolates."""
SGR = re.compile(r"\x1b\[[0-9;]*m")
BARE_URL = re.compile(r"(?i)(?:\b(?:https?|ftp)://|\bwww\.)\w")
"""What GitHub's autolinker links in plain text even where Markdown escapes stand inside it."""
FORMATS = ("table-80", "table-200", "analyze-markdown", "analyze-json", "entries", "report-markdown", "report-html",
           "report-json")  # fmt: skip
_TABLE_POSITIONS = frozenset({"message", "identifier", "unit", "cause", "remediation"})
SHOWN = {
    "table-80": _TABLE_POSITIONS,
    "table-200": _TABLE_POSITIONS,
    "analyze-markdown": _TABLE_POSITIONS,
    "entries": frozenset({"message", "identifier", "hostname", "unit"}),
}
"""Positions each format shows (the others show all six)."""
HTML_TAGS = frozenset({
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "table", "tbody", "tr", "th", "td",
    "ul", "li", "strong", "em", "span", "section", "code", "pre", "ol", "br", "svg", "line", "text", "g", "rect",
    "footer"
})  # fmt: skip
"""The report's own elements (and those chromium adds, tbody)."""
HTML_ATTRIBUTES = frozenset({
    "lang", "charset", "name", "content", "class", "style", "xmlns", "viewbox", "width", "height", "role",
    "aria-label", "font-size", "fill", "x", "y", "x1", "y1", "x2", "y2", "stroke", "text-anchor"
})  # fmt: skip


@dataclass(slots=True)
class Tally:
    """Cells are (format, position): how many cases were checked, rendered as code, or not shown literally."""

    checked: Counter[tuple[str, str]] = field(default_factory=Counter)
    as_code: Counter[tuple[str, str]] = field(default_factory=Counter)
    not_literal: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    """One line per finding: format, case code, payload, position, what was wrong."""

    def record(self, output_format: str, case: Case, as_code: list[str], missing: list[str]) -> None:
        if case.position not in SHOWN.get(output_format, POSITIONS):
            missing = []  # this format does not show the position: only controls leaking from it can matter
            if not as_code:
                return
        cell = (output_format, case.position)
        self.checked[cell] += 1
        self.as_code[cell] += bool(as_code)
        self.not_literal[cell] += bool(missing)
        for what in as_code:
            self.failures.append(f"{output_format} {case.code} {case.payload_name}@{case.position}: code: {what}")
        for what in missing:
            self.failures.append(f"{output_format} {case.code} {case.payload_name}@{case.position}: missing {what!r}")

    def document_level(self, output_format: str, what: str) -> None:
        self.failures.append(f"{output_format}: {what}")


def _squash(text: str) -> str:
    return "".join(text.split())


def _missing(shown: str, expected: list[str]) -> list[str]:
    squashed = _squash(shown)
    return [text for text in expected if _squash(text) not in squashed]


def shown_strings(case: Case, group: dict[str, Any]) -> list[str]:
    """The strings of the JSON document that must be visible for this case's position."""
    explanation = group["explanation"]
    return {
        "message": [group["template"]],
        "identifier": [group["identifier"]],
        "hostname": group["hosts"],
        "unit": group["units"],
        "cause": [explanation["cause"] or ""],
        "remediation": explanation["remediation"],
    }[case.position]


def groups_by_code(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {match.group(0): group for group in document["groups"] if (match := CODE.match(group["identifier"]))}


# JSON ----------------------------------------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (*_strings(key), *_strings(item))]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def round_trip_errors(case: Case, group: dict[str, Any]) -> list[str]:
    """Where the JSON does not hand back what was logged, less its controls, as a plain string (examples and
    identifiers on one line, an identifier without a trailing colon). Model answers are left out: the answer
    parser removes on purpose the chat markup and Markdown emphasis a model writes, and what must hold for them
    is that every format shows what the JSON says."""
    got = {
        "message": group["examples"][:1] == [one_line(case.message)],
        "identifier": group["identifier"] == one_line(case.identifier).rstrip(":"),
        "hostname": group["hosts"] == [strip_controls(case.payload)],
        "unit": group["units"] == [strip_controls(f"probe-{case.payload}.service")],
    }.get(case.position, True)
    return [] if got else [f"{case.position} does not round-trip"]


def check_json(output_format: str, text: str, cases: list[Case], tally: Tally) -> dict[str, dict[str, Any]]:
    """``--format json`` of analyze or report; returns the groups by case code for the other checkers."""
    document = json.loads(text)
    groups = groups_by_code(document)
    outside = dict(document, groups=[])
    for string in _strings(outside):
        if FORBIDDEN.search(string):
            tally.document_level(output_format, f"control in {string!r}")
    for case in cases:
        group = groups.get(case.code)
        if group is None:
            tally.record(output_format, case, ["no group"], [])
            continue
        as_code = [f"control in {s!r}" for s in _strings(group) if FORBIDDEN.search(s)]
        tally.record(output_format, case, as_code, round_trip_errors(case, group))
    return groups


def check_entries(text: str, cases: list[Case], tally: Tally) -> None:
    """``--format entries``: one JSON object per kept entry, its fields as logged less their controls."""
    records = {}
    for line in text.splitlines():
        record = json.loads(line)
        match = CODE.match(record["identifier"] or "")
        records[match.group(0) if match else ""] = record
    for case in cases:
        record = records.get(case.code)
        if record is None:
            tally.record("entries", case, ["no entry"], [])
            continue
        as_code = [f"control in {s!r}" for s in _strings(record) if FORBIDDEN.search(s)]
        logged = case.record(0)
        expected = {"message": strip_controls(case.message), "identifier": strip_controls(case.identifier),
                    "hostname": strip_controls(logged["_HOSTNAME"]),
                    "unit": strip_controls(logged.get("_SYSTEMD_UNIT", "")) or None}  # fmt: skip
        fields = {"message": "message", "identifier": "identifier", "hostname": "hostname", "unit": "unit"}
        field_name = fields.get(case.position)
        wrong = [] if field_name is None or record[field_name] == expected[field_name] else [f"{field_name} differs"]
        tally.record("entries", case, as_code, wrong)


# Terminal ------------------------------------------------------------------------------------------------------


def terminal_findings(line: str) -> list[str]:
    """Escapes other than colours, and controls or bidi overrides, on one line of terminal output."""
    bare = SGR.sub("", line)
    found = [f"escape {bare[m.start() : m.start() + 8]!r}" for m in re.finditer("\x1b", bare)]
    return found + [f"control {m.group(0)!r}" for m in FORBIDDEN.finditer(bare.replace("\x1b", ""))]


def check_terminal(
    output_format: str, text: str, cases: list[Case], groups: dict[str, dict[str, Any]], tally: Tally
) -> None:
    """Table output as the terminal got it. Each line belongs to the case whose code last appeared (a wide row's
    first line and a narrow block's header name it); narrow blocks are also checked for the payload's text."""
    findings: dict[str, list[str]] = {}
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in text.replace("\r", "").split("\n"):
        match = CODE.search(SGR.sub("", line))
        current = match.group(0) if match else current
        findings.setdefault(current, []).extend(terminal_findings(line))
        if set(SGR.sub("", line).strip()) == {"─"}:
            current = ""
        blocks.setdefault(current, []).append(SGR.sub("", line))
    if findings.get(""):
        tally.document_level(output_format, f"outside any issue: {findings['']}")
    narrow = output_format == "table-80"
    for case in cases:
        group = groups.get(case.code)
        block = "\n".join(blocks.get(case.code, []))
        missing = _missing(block, shown_strings(case, group)) if narrow and group is not None else []
        tally.record(output_format, case, findings.get(case.code, []), missing)


# Markdown ------------------------------------------------------------------------------------------------------

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("text_join")
"""text_join off: an escaped character stays its own token, so a URL broken by an escape is seen as GitHub sees it."""
FORBIDDEN_TOKENS = frozenset(
    {"link_open", "image", "html_inline", "html_block", "s_open", "code_block", "blockquote_open", "hr"}
)


def inline_children(tokens: list[Any]) -> list[Any]:
    return [child for token in tokens if token.type == "inline" for child in token.children or []]


def markdown_findings(section: str, fences: int) -> list[str]:
    """What in one issue's section is markup the renderer did not write."""
    tokens = MARKDOWN.parse(section)
    found = [
        f"{token.type} {token.content or token.attrs!r}"[:80] for token in tokens if token.type in FORBIDDEN_TOKENS
    ]
    children = inline_children(tokens)
    found += [f"{child.type} {child.attrs!r}"[:80] for child in children if child.type in FORBIDDEN_TOKENS]
    found += [
        f"bare URL {child.content[:60]!r}"
        for child in children
        if child.type == "text" and BARE_URL.search(child.content)
    ]
    headings = sum(token.type == "heading_open" for token in tokens)
    if headings != 1 or tokens[0].type != "heading_open":
        found.append(f"{headings} headings")
    fenced = [token for token in tokens if token.type == "fence"]
    if len(fenced) != fences or any(token.info not in ("text", "sh") for token in fenced):
        found.append(f"fences {[token.info for token in fenced]}")
    for index, child in enumerate(children):
        if child.type in ("strong_open", "em_open") and "evil" in children[index + 1].content.lower():
            found.append(f"{child.type} around {children[index + 1].content[:40]!r}")
    found += _table_findings(tokens)
    return found


def _table_findings(tokens: list[Any]) -> list[str]:
    rows = table_rows(tokens)
    return [f"table row of {cells} cells, header {rows[0]}" for cells in rows if cells != rows[0]]


def markdown_text(section: str) -> str:
    """What a reader sees of a section: text, escaped characters, code spans and fences."""
    tokens = MARKDOWN.parse(section)
    pieces = [token.content for token in tokens if token.type == "fence"]
    pieces += [c.content for c in inline_children(tokens) if c.type in ("text", "text_special", "code_inline")]
    return "\n".join(pieces)


def check_markdown(
    output_format: str, text: str, cases: list[Case], groups: dict[str, dict[str, Any]], tally: Tally
) -> None:
    """analyze's (``## n.``) or report's (``### n.``) Markdown, one section per issue; the summary table of
    analyze's document is checked row by row."""
    marker = "## " if output_format == "analyze-markdown" else "### "
    body, _, _footer = text.rpartition("\n---\n") if output_format == "report-markdown" else (text, "", "")
    parts = re.split(rf"(?m)^(?={marker}\d+\. )", body)
    head, sections = parts[0], parts[1:]
    rows = {m.group(0): line for line in head.splitlines() if line.startswith("| ") and (m := CODE.search(line))}
    by_code = {m.group(0): section for section in sections if (m := CODE.search(section.split("\n", 1)[0]))}
    fences = 1 if output_format == "analyze-markdown" else 2
    for case in cases:
        section = by_code.get(case.code)
        if section is None:
            tally.record(output_format, case, ["no section"], [])
            continue
        found = markdown_findings(section, fences)
        if case.code in rows:
            table = "| Threat | Level | Count | Identifier | Template |\n| --- | --- | ---: | --- | --- |\n"
            found += [f"summary table: {what}" for what in markdown_findings("# t\n\n" + table + rows[case.code], 0)]
        group = groups.get(case.code)
        missing = _missing(markdown_text(section), shown_strings(case, group)) if group is not None else []
        tally.record(output_format, case, found, missing)


# HTML ----------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def walk(self) -> list[Element]:
        return [self, *(found for child in self.children if isinstance(child, Element) for found in child.walk())]


class _DomBuilder(HTMLParser):
    """A tree of chromium's DOM dump (its serialisation is well formed: every element is closed or void)."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "source", "area", "base", "col", "embed", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", [])
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, attrs)
        self.stack[-1].children.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_dom(dom: str) -> Element:
    builder = _DomBuilder()
    builder.feed(dom)
    builder.close()
    return builder.root


def html_findings(element: Element) -> list[str]:
    """Elements and attributes that are not the report's own: made by a payload."""
    found = []
    for node in element.walk()[1:] if element.tag == "#document" else element.walk():
        if node.tag not in HTML_TAGS:
            found.append(f"<{node.tag}> element")
        found += [f"<{node.tag} {name}=…>" for name, _ in node.attrs if name.lower() not in HTML_ATTRIBUTES]
    return found


def check_html(dom: str, cases: list[Case], groups: dict[str, dict[str, Any]], tally: Tally) -> None:
    """The DOM chromium built from the report (scripts, if any, already run)."""
    root = parse_dom(dom)
    elements = root.walk()
    sections = [e for e in elements if e.tag == "section"]
    if any(name == "data-pwned" for e in elements for name, _ in e.attrs):
        tally.document_level("report-html", "a payload's script ran (data-pwned set)")
    inside = {id(node) for section in sections for node in section.walk()}
    outside = [node for node in elements[1:] if id(node) not in inside]
    foreign = [what for node in outside for what in html_findings(Element(node.tag, node.attrs))]
    if foreign:
        tally.document_level("report-html", f"outside any issue: {foreign}")
    by_code = {}
    for section in sections:
        heading = next((node for node in section.walk() if node.tag == "h3"), None)
        match = CODE.search(heading.text()) if heading is not None else None
        if match:
            by_code[match.group(0)] = section
    for case in cases:
        section = by_code.get(case.code)
        if section is None:
            tally.record("report-html", case, ["no section"], [])
            continue
        group = groups.get(case.code)
        missing = _missing(section.text(), shown_strings(case, group)) if group is not None else []
        tally.record("report-html", case, html_findings(section), missing)
