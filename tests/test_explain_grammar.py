"""Constrained decoding with the real SmolLM2 model: under each grammar the answer has the shape the parser reads,
where the same model left free answers in a shape it does not."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from alsate_cli.explain.brief import user_message
from alsate_cli.explain.engine import LlamaEngine
from alsate_cli.explain.explainer import Explainer
from alsate_cli.explain.explanation import Status
from alsate_cli.explain.grammar import ANSWER_SCHEMA, MAX_GRAMMAR_STEPS, RESPONSE_FORMATS, gbnf
from alsate_cli.explain.parse import parse_answer
from alsate_cli.explain.profiles import SMOLLM2, Grammar
from alsate_cli.grouping.group import Group

pytestmark = pytest.mark.model

LINES = [
    ("kernel", "Nov 07 10:14:02 web kernel: EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls"),
    ("sshd", "Nov 07 10:12:01 web sshd[2201]: Failed password for root from 203.0.113.45 port 52144 ssh2"),
    ("chronyd", "Nov 07 10:15:30 web chronyd[801]: Can't synchronise: no selectable sources"),
]
MAX_TOKENS = 160


def groups() -> list[Group]:
    return [
        Group(id=f"g-{program}", identifier=program, template=line.split(": ", 1)[1], priority=3, count=4,
              programs={program}, representative=line)
        for program, line in LINES
    ]  # fmt: skip


@pytest.fixture(params=[Grammar.TEXT, Grammar.JSON], ids=str)
def constrained(request: pytest.FixtureRequest, smollm2_path: Path, llama_cpp_available: None) -> Iterator[LlamaEngine]:
    engine = LlamaEngine(smollm2_path, max_tokens=MAX_TOKENS, profile=SMOLLM2, grammar=request.param)
    yield engine
    engine.close()


def test_grammars_compile_in_llama_cpp(smollm2_path: Path, llama_cpp_available: None) -> None:
    """Compiled by llama.cpp's own grammar sampler against a real vocabulary: ``LlamaGrammar.from_string`` only
    stores the text, and a grammar llama.cpp rejects fails at the first answer (llama_cpp.server dies of it). The
    servers' JSON schema goes through llama-cpp-python's converter first, as its server does with it."""
    import llama_cpp
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    model = llama_cpp.Llama(str(smollm2_path), vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(model.model)

    def compiles(text: str) -> bool:
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, text.encode(), b"root")
        if sampler:
            llama_cpp.llama_sampler_free(sampler)
        return bool(sampler)

    assert not compiles(r'root ::= "\." "x"'), "the check can fail: llama.cpp rejects this escape"
    schema_gbnf = json_schema_to_gbnf(json.dumps(ANSWER_SCHEMA))
    for text in (gbnf(Grammar.TEXT), gbnf(Grammar.JSON), schema_gbnf):
        assert text is not None and compiles(text), text
    assert gbnf(Grammar.NONE) is None


@pytest.mark.parametrize(
    ("sentence", "one_sentence"),
    [
        ("Restart nginx.service after fixing its configuration.", True),
        ("Version 1.5 of the agent has a known leak.", True),
        ("The disk is full. Delete old dumps.", False),
        ('The unit "nginx" failed.', False),
        ("no full stop at the end", False),
    ],
)
def test_the_schemas_strings_are_one_sentence_like_the_grammars(sentence: str, one_sentence: bool) -> None:
    """The schema's ``pattern`` bounds a server's answer as :data:`JSON_GBNF` bounds an in-process one."""
    pattern = ANSWER_SCHEMA["properties"]["cause"]["pattern"]
    assert ANSWER_SCHEMA["properties"]["remediation"]["items"]["pattern"] == pattern
    assert bool(re.fullmatch(pattern, sentence)) is one_sentence


def test_every_constrained_answer_has_the_parsed_shape(constrained: LlamaEngine) -> None:
    fmt = constrained.prompt_format
    for group in groups():
        completion = constrained.complete(fmt.render_message(user_message(SMOLLM2, group)))
        text = completion.text
        if constrained.grammar is Grammar.TEXT:
            assert text.startswith("Cause - ") and "\nRemediation - 1. " in text
        else:
            document = json.loads(text) if completion.finish_reason == "stop" else None
            assert document is None or set(document) == {"cause", "remediation"}
        explanation = parse_answer(text, completion.finish_reason)
        assert explanation.cause and 1 <= len(explanation.remediation) <= MAX_GRAMMAR_STEPS, text


def test_the_explainer_gets_ok_answers_under_either_grammar(constrained: LlamaEngine) -> None:
    results = Explainer(constrained, None, None).explain(groups())
    statuses = [result.status for result in results.values()]
    assert statuses.count(Status.OK) >= 2, [(r.status, r.cause, r.note) for r in results.values()]


def test_the_servers_json_schema_matches_the_json_grammars_shape() -> None:
    assert ANSWER_SCHEMA["required"] == ["cause", "remediation"]
    assert ANSWER_SCHEMA["properties"]["remediation"]["maxItems"] == MAX_GRAMMAR_STEPS
    assert [fmt["type"] for fmt in RESPONSE_FORMATS] == ["json_schema", "json_object"]
    assert all(
        ANSWER_SCHEMA in (fmt.get("schema"), fmt.get("json_schema", {}).get("schema")) for fmt in RESPONSE_FORMATS
    )
