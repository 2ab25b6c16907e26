"""Constrained decoding: the answer shapes alsate parses, as a llama.cpp GBNF grammar and as a JSON schema.

Each grammar is written to stay cheap for llama.cpp's grammar sampler, which checks every candidate token against
every live parse: no bounded repetitions (``x{1,200}`` unrolls into hundreds of nested rules and was measured ~10×
slower per token) and no ambiguity between "the text goes on" and "the section ends" (the text of a line cannot
contain a newline, a JSON string cannot contain a quote). Length is bounded by ``max_tokens`` instead, and the step
count by the grammar: one to :data:`MAX_GRAMMAR_STEPS` steps, then the answer must end.
"""

from __future__ import annotations

from typing import Any

from alsate_cli.explain.profiles import Grammar

MAX_GRAMMAR_STEPS = 3
"""Enough for a useful answer, few enough that a small model finishes within ``max_tokens``."""

TEXT_GBNF = r"""
root ::= "Cause -" sentence "\nRemediation - 1." sentence ("\n2." sentence ("\n3." sentence)?)?
sentence ::= " " [A-Za-z] [^\n.]* ("." [^ \n.] [^\n.]*)* "."
"""
"""``Cause - …`` / ``Remediation - 1. …``: a one-sentence cause, then each step one sentence on its own numbered line
(what :mod:`parse` reads best). Ending each part at its first full stop (one followed by a space; the dot in
``nginx.service`` or ``1.5`` goes on) keeps a small model from rambling on until
``max_tokens`` cuts the answer off; the literals end before the space so that a word token (" The") fits."""

JSON_GBNF = r"""
root ::= "{\"cause\": " string ", \"remediation\": [" string (", " string (", " string)?)? "]}"
string ::= "\"" [A-Za-z] char* ("." [^ "\\\n.] char*)* ".\""
char ::= [^"\\\n.] | "\\" ["\\/nt]
"""
"""``{"cause": "…", "remediation": ["…", …]}`` with one to three steps, keys in a fixed order, each string one
sentence (as in :data:`TEXT_GBNF`)."""

SENTENCE_PATTERN = r'^[A-Za-z][^."\\\n]*([.][^ ."\\\n][^."\\\n]*)*[.]$'
"""One sentence, as in :data:`JSON_GBNF`: servers turn a schema's ``pattern`` into their own grammar (llama-server,
llama-cpp-python's server, vLLM, Ollama all do), so a remote answer is bounded like an in-process one. No quote or
backslash: they would have to be escaped, and a sentence needs neither. The dot is written ``[.]``, not ``\\.``:
llama-cpp-python's schema converter copies ``\\.`` into GBNF, whose parser rejects it (and its server dies)."""

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "cause": {
            "type": "string",
            "pattern": SENTENCE_PATTERN,
            "description": "what most likely caused the log entry, in one sentence",
        },
        "remediation": {
            "type": "array",
            "items": {"type": "string", "pattern": SENTENCE_PATTERN},
            "minItems": 1,
            "maxItems": MAX_GRAMMAR_STEPS,
            "description": "numbered steps a system administrator should take",
        },
    },
    "required": ["cause", "remediation"],
    "additionalProperties": False,
}
"""The same shape as :data:`JSON_GBNF`, for servers' ``response_format`` (llama-server, vLLM, Ollama)."""

_GBNF = {Grammar.TEXT: TEXT_GBNF, Grammar.JSON: JSON_GBNF}


def gbnf(grammar: Grammar) -> str | None:
    """The GBNF text for ``grammar``, or None for free text."""
    return _GBNF.get(grammar)


RESPONSE_FORMATS: tuple[dict[str, Any], ...] = (
    {"type": "json_schema", "json_schema": {"name": "alsate_explanation", "strict": True, "schema": ANSWER_SCHEMA}},
    {"type": "json_object", "schema": ANSWER_SCHEMA},
)
"""The ways servers are asked for :data:`ANSWER_SCHEMA`, tried in order until one is accepted: OpenAI's structured
output (``json_schema``: llama-server, vLLM, Ollama), then llama-cpp-python's own server, which accepts only
``json_object`` with a ``schema`` beside it (llama-server takes that form too)."""
