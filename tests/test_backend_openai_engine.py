"""The OpenAI-compatible engine against a scripted HTTP server on 127.0.0.1: what it sends, and how each kind of
failure ends up (fatal for the run, or only for one group).

The end-to-end runs against llama-cpp-python's real server are in test_backend_server.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from alsate_cli.explain.engine import ModelLoadError
from alsate_cli.explain.explainer import Explainer
from alsate_cli.explain.explanation import Source, Status
from alsate_cli.explain.openai_engine import EndpointError, OpenAIEngine, RequestError
from alsate_cli.explain.parse import parse_answer
from alsate_cli.explain.prompt import ALSATE_SYSTEM_PROMPT, JSON_SYSTEM_PROMPT, TEXT_SYSTEM_PROMPT
from fixtures_server import ScriptedServer, free_port
from test_explain_explainer import DictCache, group

ANSWER = "Cause - The disk is full.\nRemediation - 1. Free space. 2. Add a disk."


def chat_reply(text: str = ANSWER, finish_reason: str = "stop") -> dict[str, object]:
    return {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 40, "completion_tokens": 12},
    }


def serve_model(server: ScriptedServer, *names: str) -> None:
    server.reply_json("/v1/models", {"object": "list", "data": [{"id": name, "object": "model"} for name in names]})


def test_request_carries_key_model_system_prompt_and_the_cleaned_line(scripted_server: ScriptedServer) -> None:
    serve_model(scripted_server, "qwen2.5-7b")
    scripted_server.reply_json("/v1/chat/completions", chat_reply())
    engine = OpenAIEngine(scripted_server.url, api_key="sk-test", max_tokens=77)
    assert engine.model_id == f"openai:{scripted_server.url}#qwen2.5-7b"
    completion = engine.complete(engine.prompt_format.render("disk full\x1b[31m <|im_end|> on /var"))
    assert completion.text == ANSWER and completion.finish_reason == "stop" and completion.completion_tokens == 12
    method, path, headers, body = scripted_server.requests[-1]
    assert (method, path, headers["Authorization"]) == ("POST", "/v1/chat/completions", "Bearer sk-test")
    sent = json.loads(body)
    assert sent["model"] == "qwen2.5-7b" and sent["temperature"] == 0 and sent["max_tokens"] == 77
    system, user = sent["messages"]
    assert system == {"role": "system", "content": JSON_SYSTEM_PROMPT}
    assert sent["response_format"]["type"] == "json_schema", "a Qwen model is asked for the JSON answer shape"
    assert user["role"] == "user" and "\x1b" not in user["content"] and "<|im_end|>" not in user["content"]
    assert [r[1] for r in scripted_server.requests].count("/v1/models") == 1, "the model list is asked once"


def test_alsate_model_gets_its_training_system_prompt(scripted_server: ScriptedServer) -> None:
    serve_model(scripted_server, "other", "llama-3.2-3b-sys-log-analysis-ALSATE:latest")
    scripted_server.reply_json("/v1/chat/completions", chat_reply())
    engine = OpenAIEngine(scripted_server.url, "llama-3.2-3b-sys-log-analysis-ALSATE")  # Ollama adds ":latest"
    engine.complete("kernel: oops")
    assert json.loads(scripted_server.requests[-1][3])["messages"][0]["content"] == ALSATE_SYSTEM_PROMPT
    assert "Authorization" not in scripted_server.requests[-1][2], "no key configured, none sent"


@pytest.mark.parametrize(
    ("models", "api_model", "message"),
    [
        (["a", "b"], None, "offers several models (a, b): choose one with --api-model"),
        ([], None, "offers no models"),
        (["smollm2"], "llama3", "does not offer model 'llama3' (it offers: smollm2); fix --api-model"),
    ],
)
def test_model_choice_is_checked_against_the_servers_list(
    scripted_server: ScriptedServer, models: list[str], api_model: str | None, message: str
) -> None:
    serve_model(scripted_server, *models)
    engine = OpenAIEngine(scripted_server.url, api_model)
    with pytest.raises(EndpointError, match=message.replace("(", r"\(").replace(")", r"\)")):
        engine.served_model()
    asked = len(scripted_server.requests)
    with pytest.raises(EndpointError):
        engine.prompt_format  # noqa: B018 - the failure is remembered, not asked again
    assert len(scripted_server.requests) == asked


def test_server_without_a_model_list_needs_api_model(scripted_server: ScriptedServer) -> None:
    scripted_server.reply_json("/v1/chat/completions", chat_reply())  # /v1/models answers 404
    with pytest.raises(EndpointError, match="name the model with --api-model"):
        OpenAIEngine(scripted_server.url).served_model()
    assert OpenAIEngine(scripted_server.url, "mine").complete("x").text == ANSWER


def test_fatal_and_per_group_failures(scripted_server: ScriptedServer) -> None:
    serve_model(scripted_server, "m")
    engine = OpenAIEngine(scripted_server.url)
    scripted_server.replies["/v1/chat/completions"] = (200, b"<html>hello</html>")
    with pytest.raises(EndpointError, match="not JSON"):
        engine.complete("x")
    scripted_server.reply_json("/v1/chat/completions", {"unexpected": True})
    with pytest.raises(EndpointError, match="not an OpenAI-compatible chat answer"):
        engine.complete("x")
    scripted_server.reply_json("/v1/chat/completions", {"error": {"message": "prompt\x1b[2J too long"}}, status=400)
    with pytest.raises(RequestError, match=r"HTTP 400 \(prompt too long\)$"):
        engine.complete("x")
    scripted_server.reply_json("/v1/chat/completions", {"detail": "Invalid API Key"}, status=401)
    with pytest.raises(EndpointError, match=r"HTTP 401 \(Invalid API Key\): the server wants an API key"):
        engine.complete("x")
    keyed = OpenAIEngine(scripted_server.url, api_key="sk-wrong", api_key_env="MY_KEY")
    with pytest.raises(EndpointError, match=r"the API key in \$MY_KEY was refused"):
        keyed.complete("x")


def test_dead_endpoint_fails_in_well_under_a_second() -> None:
    engine = OpenAIEngine(f"http://127.0.0.1:{free_port()}/v1", "m")
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match=r"cannot reach .*: connection refused"):
        engine.complete("x")
    assert time.monotonic() - started < 1


def test_explainer_stops_after_a_fatal_error_but_not_after_a_per_group_one(scripted_server: ScriptedServer) -> None:
    serve_model(scripted_server, "m")
    groups = [group(f"daemon{n}") for n in range(6)]
    scripted_server.reply_json("/v1/chat/completions", {"error": "overloaded"}, status=503)
    engine = OpenAIEngine(scripted_server.url)
    explainer = Explainer(engine, DictCache(), engine.model_id, concurrency=3)
    results = explainer.explain(groups)
    assert explainer.model_calls == 6 and explainer.load_error is None
    assert all(r.status is Status.ERROR and "HTTP 503 (overloaded)" in (r.note or "") for r in results.values())

    scripted_server.reply_json("/v1/chat/completions", {"error": "bad key"}, status=401)
    explainer = Explainer(engine, DictCache(), engine.model_id, concurrency=1)
    results = explainer.explain(groups)
    assert explainer.model_calls == 1 and "HTTP 401" in (explainer.load_error or "")
    assert {r.note for r in results.values()} == {explainer.load_error}


def test_concurrent_explainer_answers_caches_and_respects_the_limit(scripted_server: ScriptedServer) -> None:
    serve_model(scripted_server, "m")
    scripted_server.reply_json("/v1/chat/completions", chat_reply())
    engine = OpenAIEngine(scripted_server.url)
    cache = DictCache()
    groups = [group(f"daemon{n}", priority=n % 4) for n in range(7)]
    limited = Explainer(engine, cache, engine.model_id, max_calls=3, concurrency=4)
    results = limited.explain(groups)
    assert list(results) == [g.id for g in groups], "results in input order"
    assert limited.model_calls == 3 and cache.puts == 3
    explained = [g for g in groups if results[g.id].source is Source.MODEL]
    assert sorted(g.priority for g in explained) == sorted(g.priority for g in groups)[:3], "worst groups first"
    assert all(r.status is Status.SKIPPED for g, r in results.items() if g not in {e.id for e in explained})

    again = Explainer(engine, cache, engine.model_id, concurrency=4)
    results = again.explain(groups)
    assert again.cache_hits == 3 and again.model_calls == 4
    assert all(r.cause == "The disk is full." for r in results.values())


def refusing(*refused: str) -> Callable[[bytes], tuple[int, bytes]]:
    """A chat endpoint that rejects the ``response_format`` types in ``refused`` as llama-cpp-python's server does
    (HTTP 500 naming the field) and otherwise answers: JSON when asked for JSON, text when not."""

    def respond(body: bytes) -> tuple[int, bytes]:
        kind = (json.loads(body).get("response_format") or {}).get("type")
        if kind in refused:
            detail = {"detail": [{"loc": ["body", "response_format", "type"], "msg": "Input should be 'text'"}]}
            return 500, json.dumps(detail).encode()
        text = JSON_ANSWER if kind else ANSWER
        return 200, json.dumps(chat_reply(text)).encode()

    return respond


JSON_ANSWER = '{"cause": "The disk is full.", "remediation": ["Free space.", "Add a disk."]}'


def test_structured_output_falls_back_through_the_dialects_once_per_run(scripted_server: ScriptedServer) -> None:
    serve_model(scripted_server, "smollm2-135m-instruct")
    scripted_server.responders["/v1/chat/completions"] = refusing("json_schema")
    engine = OpenAIEngine(scripted_server.url)
    before = engine.answer_id
    results = Explainer(engine, DictCache(), engine.model_id).explain([group("a"), group("b")])
    assert [(r.status, r.cause, r.remediation) for r in results.values()] == [
        (Status.OK, "The disk is full.", ["Free space.", "Add a disk."])
    ] * 2
    kinds = [json.loads(body)["response_format"]["type"] for _, path, _, body in scripted_server.requests
             if path == "/v1/chat/completions"]  # fmt: skip
    assert kinds == ["json_schema", "json_object", "json_object"], "a refused dialect is not sent again"
    assert engine.answer_id == before, "still a JSON-schema answer: same cache entries"


def test_a_server_refusing_every_dialect_gets_the_text_prompt_and_its_answers_are_cached_apart(
    scripted_server: ScriptedServer,
) -> None:
    serve_model(scripted_server, "qwen2.5-7b")
    scripted_server.responders["/v1/chat/completions"] = refusing("json_schema", "json_object")
    engine = OpenAIEngine(scripted_server.url)
    json_id = engine.answer_id
    first = engine.complete("kernel: disk full")
    assert parse_answer(first.text, first.finish_reason).status is Status.OK
    sent = [json.loads(body) for _, path, _, body in scripted_server.requests if path == "/v1/chat/completions"]
    assert [body.get("response_format", {}).get("type") for body in sent] == ["json_schema", "json_object", None]
    assert sent[-1]["messages"][0]["content"] == TEXT_SYSTEM_PROMPT
    assert engine.answer_id != json_id and engine.answer_id.endswith("/none")
    engine.complete("kernel: disk full again")
    assert "response_format" not in json.loads(scripted_server.requests[-1][3]), "not asked again in this run"


def test_an_error_that_is_not_about_the_format_is_not_retried(scripted_server: ScriptedServer) -> None:
    serve_model(scripted_server, "qwen2.5-7b")
    scripted_server.reply_json("/v1/chat/completions", {"error": {"message": "context length exceeded"}}, status=400)
    engine = OpenAIEngine(scripted_server.url)
    with pytest.raises(RequestError, match="context length exceeded"):
        engine.complete("x")
    assert [path for _, path, _, _ in scripted_server.requests].count("/v1/chat/completions") == 1
    assert engine.answer_id.endswith("/json"), "the server may still do structured output"
