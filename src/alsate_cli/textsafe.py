"""Make untrusted text (log messages, model answers) harmless for a terminal.

Logs are written by whoever can reach syslog, and model output is generated from them, so neither may
carry control sequences to the sysadmin's terminal: an OSC 8 hyperlink, a cursor move or a title change
hidden in a log line must print as nothing at all. Nor may they carry Unicode's bidirectional embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069): printed, an override makes ``invoice\u202efdp.exe``
read as ``invoiceexe.pdf`` ("Trojan Source") in a terminal, a browser and a JSON consumer alike.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC strings (ESC ] … BEL or ST),
# and two-character escapes; then their 8-bit C1 forms; then any remaining C0/C1 control except tab/newline.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                 # CSI
  | \x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)   # OSC, DCS, SOS, PM, APC up to BEL/ST or end
  | \x1b[ -/]*[0-~]                         # other ESC sequences (charset selects, RIS …)
  | \x9b[0-?]*[ -/]*[@-~]                   # 8-bit CSI
  | [\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x9c|$) # 8-bit string introducers
  | [\x00-\x08\x0b-\x1f\x7f-\x9f]           # stray controls (keeps \t and \n)
  | [\u202a-\u202e\u2066-\u2069]             # bidi embeddings, overrides and isolates
    """,
    re.VERBOSE | re.DOTALL,
)

_HAS_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences, control characters and bidi overrides, keeping tabs and newlines."""
    # Nearly every log field is plain printable text: isprintable() proves that in C, several times
    # faster than any regex scan; the rest (tabs, newlines, non-ASCII spaces) gets the real check.
    if text.isprintable() or not _HAS_CONTROL.search(text):
        return text
    return _ESCAPES.sub("", text)


def one_line(text: str) -> str:
    """Control-free text on a single line (multi-line journal messages shown in a table cell)."""
    return " ".join(strip_controls(text).split())
