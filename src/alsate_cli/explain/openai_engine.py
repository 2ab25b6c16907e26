"""Explain with any OpenAI-compatible server (llama.cpp's llama-server, vLLM, Ollama, llama-cpp-python's server).

Prompt choice: the chat completions endpoint (``POST {endpoint}/chat/completions``) with alsate's system prompt and
one cleaned log line as the two messages; the server applies the model's own chat template. This is the one request
every such server understands in the same way. The raw completions endpoint with alsate's hand-rendered prompt would
be byte-exact for the ALSATE fine-tune, but servers disagree on it (some apply their template again, some add a
second BOS), so a pre-rendered prompt is not portable. What the ALSATE model gets remotely is therefore its training
system prompt inside its own embedded Llama 3.2 template; the only difference from training is the template's
"Today Date" line, which the server fills in.

Failure policy: a server that cannot be used at all (unreachable, refusing the API key, an unknown model, not
speaking OpenAI's JSON) raises :class:`EndpointError`, a :class:`ModelLoadError`: the explainer stops asking after
the first one, so a dead endpoint costs one connection attempt, not one timeout per group. A failure of one request
(HTTP 400 for an over-long prompt, a 5xx) raises :class:`RequestError` and only that group is affected.

Only the standard library is used (``http.client``): no new dependency, and no proxy variables are honoured (the
server is normally on the same network as the logs).
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any

from alsate_cli.explain.engine import Completion, ModelLoadError
from alsate_cli.explain.grammar import RESPONSE_FORMATS
from alsate_cli.explain.profiles import Grammar, Profile, detect_profile
from alsate_cli.explain.prompt import chat_messages, clean_log_line
from alsate_cli.textsafe import one_line

CONNECT_TIMEOUT_S = 5.0
"""Connecting is quick on any working network: a dead host is reported after this, once."""
READ_TIMEOUT_S = 300.0
"""One whole (non-streamed) answer, generated on a possibly busy CPU server."""
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
MAX_SERVER_MESSAGE_CHARS = 160
DEFAULT_MAX_TOKENS = 384


class EndpointError(ModelLoadError):
    """The server cannot be used for any group; the message is one line for the user."""


class RequestError(Exception):
    """One request failed; the server may still answer the next one."""


def normalize_endpoint(url: str) -> str:
    """The OpenAI base URL (``http://host:8080/v1``) without a trailing slash; ``/v1`` when no path is given.

    Raises ValueError with a one-line reason for anything that is not an http(s) URL with a host.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http:// or https:// URL (e.g. http://127.0.0.1:8080/v1)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"{url!r} has an invalid port") from None
    path = parts.path.rstrip("/") or "/v1"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


_STRUCTURED_REFUSAL = ("response_format", "json_schema", "schema", "grammar", "structured")
"""Words in an error (a 4xx, or the 500 llama-cpp-python's server gives for a body it cannot validate) that mean
"this server does not do structured output", not "this prompt is bad"."""


@dataclass(frozen=True, slots=True)
class ChatPrompt:
    """The remote engine's prompt format: the server renders the chat template, alsate only cleans the log text."""

    system_prompt: str
    alsate: bool

    def render(self, log_line: str) -> str:
        """The user message for one log line (one line, no control characters or chat markup, bounded)."""
        return clean_log_line(log_line)

    def render_message(self, message: str) -> str:
        """A user message already cleaned piece by piece (a brief): sent as it is."""
        return message


class OpenAIEngine:
    """A model behind an OpenAI-compatible HTTP API, asked with greedy decoding (temperature 0, seed 0).

    Safe to call from several threads at once: each request opens its own connection.
    """

    def __init__(
        self,
        endpoint: str,
        api_model: str | None = None,
        *,
        api_key: str | None = None,
        api_key_env: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
        profile: Profile | None = None,
    ) -> None:
        """``api_model`` None: use the one model the server lists. ``api_key_env`` only names the variable the key
        came from, for messages. ``profile`` None: chosen by the served model's name."""
        self.endpoint = normalize_endpoint(endpoint)
        self.api_model = api_model
        self.api_key = api_key
        self.api_key_env = api_key_env
        self.max_tokens = max_tokens
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._lock = threading.Lock()
        self._served: str | None = None
        self._failure: EndpointError | None = None
        self._profile = profile
        self._format_index = 0
        """Which of :data:`RESPONSE_FORMATS` to send; past the end: the server refused them all, answers are text."""

    @property
    def model_id(self) -> str:
        """The cache's model identity: answers depend on the server and the model it runs. Asks the server which
        model it runs when ``api_model`` was not given."""
        return f"openai:{self.endpoint}#{self.served_model()}"

    @property
    def display_name(self) -> str:
        return self._served or self.api_model or self.endpoint

    @property
    def profile(self) -> Profile:
        """The given profile, or the one the served model's name implies (checks the server once)."""
        if self._profile is None:
            self._profile = detect_profile([self.served_model()])
        return self._profile

    @property
    def grammar(self) -> Grammar:
        """JSON through ``response_format`` where the profile wants it and the server has not refused it."""
        usable = self._format_index < len(RESPONSE_FORMATS)
        return Grammar.JSON if self.profile.remote_json and usable else Grammar.NONE

    @property
    def answer_id(self) -> str:
        return self.profile.answer_id(self.grammar)

    @property
    def prompt_format(self) -> ChatPrompt:
        """Checks the server once (raises :class:`EndpointError`); the system prompt is the profile's."""
        profile = self.profile
        return ChatPrompt(profile.system_prompt(self.grammar), profile.trained_prompt)

    def served_model(self) -> str:
        """The model name to request, checked against the server's ``GET /models`` list (once; a failure is
        remembered and raised again without another request)."""
        with self._lock:
            if self._failure is not None:
                raise self._failure
            if self._served is None:
                try:
                    self._served = self._check_model()
                except EndpointError as exc:
                    self._failure = exc
                    raise
            return self._served

    def complete(self, prompt: str) -> Completion:
        """One chat completion for the user message ``prompt`` (see :meth:`ChatPrompt.render`).

        With a JSON profile the request carries a JSON schema (``response_format``). A server that refuses it (an
        error naming the feature) is asked again in the next of :data:`RESPONSE_FORMATS`' dialects, and finally
        without one, with the text-shape system prompt; what it refused is not sent again in this run, and
        :attr:`answer_id` says what was used, so such answers are cached apart.
        """
        while True:
            index = self._format_index if self.grammar is Grammar.JSON else None
            status, data = self._send("POST", "/chat/completions", self._request(prompt, index))
            if index is None or status < 400 or not _refuses_structured_output(data):
                break
            with self._lock:  # concurrent requests may have found out together: step past this dialect once
                self._format_index = max(self._format_index, index + 1)
        if status >= 400:
            raise self._http_error(status, data, "/chat/completions")
        answer = self._json(data, "/chat/completions")
        try:
            choice = answer["choices"][0]
            text = choice["message"].get("content") or ""
            usage = answer.get("usage") or {}
            if not isinstance(text, str):
                raise TypeError("content is not text")
            return Completion(
                text=text,
                finish_reason=choice.get("finish_reason"),
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
            )
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            raise EndpointError(f"{self.endpoint}/chat/completions: not an OpenAI-compatible chat answer") from None

    def _request(self, prompt: str, format_index: int | None) -> dict[str, Any]:
        """The chat request; ``format_index`` picks the :data:`RESPONSE_FORMATS` dialect (None: free text)."""
        grammar = Grammar.JSON if format_index is not None else Grammar.NONE
        body: dict[str, Any] = {
            "model": self.served_model(),
            "messages": chat_messages(self.profile.system_prompt(grammar), prompt, self.profile.examples(grammar)),
            "temperature": 0,
            "seed": 0,
            "max_tokens": self.max_tokens,
            "stream": False,
        }
        if self.profile.repeat_penalty != 1.0:
            # llama.cpp's own sampler setting, read by llama-server and llama-cpp-python's server alike; OpenAI's
            # frequency_penalty is a different formula and did not stop SmolLM2's loops the same way.
            body["repeat_penalty"] = self.profile.repeat_penalty
        if format_index is not None:
            body["response_format"] = RESPONSE_FORMATS[format_index]
        return body

    def _check_model(self) -> str:
        status, data = self._send("GET", "/models", None)
        names: list[str] | None = None
        if status < 400:
            try:
                names = [str(item["id"]) for item in self._json(data, "/models")["data"]]
            except (KeyError, TypeError, EndpointError):
                names = None
        elif status in (401, 403):
            raise self._http_error(status, data, "/models")
        if self.api_model is not None:
            if names is None or self.api_model in names or f"{self.api_model}:latest" in names:
                return self.api_model  # a server without a model list gets the benefit of the doubt
            raise EndpointError(
                f"the server at {self.endpoint} does not offer model {self.api_model!r} "
                f"(it offers: {_listing(names)}); fix --api-model"
            )
        if names is None:
            reason = f"HTTP {status}" if status >= 400 else "not an OpenAI model list"
            raise EndpointError(
                f"cannot ask {self.endpoint}/models which model it runs ({reason}): "
                "check --endpoint (the OpenAI base URL, e.g. http://host:8080/v1) or name the model with --api-model"
            )
        if len(names) != 1:
            offered = f"several models ({_listing(names)})" if names else "no models"
            raise EndpointError(f"the server at {self.endpoint} offers {offered}: choose one with --api-model")
        return names[0]

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, bytes]:
        """One HTTP exchange on a fresh connection: (status, body). Network failures raise EndpointError."""
        url = urllib.parse.urlsplit(self.endpoint + path)
        connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(url.hostname or "", url.port, timeout=self.connect_timeout)
        headers = {"Accept": "application/json", "User-Agent": "alsate"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        try:
            try:
                connection.connect()
            except TimeoutError:
                raise EndpointError(
                    f"cannot reach {self.endpoint}: no connection within {self.connect_timeout:g} s"
                ) from None
            except OSError as exc:
                raise EndpointError(f"cannot reach {self.endpoint}: {_os_reason(exc)}") from None
            if connection.sock is not None:
                connection.sock.settimeout(self.read_timeout)
            target = url.path + (f"?{url.query}" if url.query else "")
            connection.request(method, target, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read(MAX_RESPONSE_BYTES + 1)
        except TimeoutError:
            raise EndpointError(f"{self.endpoint} did not answer within {self.read_timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            reason = _os_reason(exc) if isinstance(exc, OSError) else type(exc).__name__
            raise EndpointError(f"the connection to {self.endpoint} failed: {reason}") from None
        finally:
            connection.close()
        if len(data) > MAX_RESPONSE_BYTES:
            raise EndpointError(f"{self.endpoint}{path}: the answer is larger than {MAX_RESPONSE_BYTES} bytes")
        return response.status, data

    def _json(self, data: bytes, path: str) -> Any:
        try:
            return json.loads(data)
        except ValueError:
            message = f"{self.endpoint}{path}: the answer is not JSON (not an OpenAI-compatible server?)"
            raise EndpointError(message) from None

    def _http_error(self, status: int, data: bytes, path: str) -> Exception:
        """Fatal for what will not change between groups (key, URL, model), per-group for the rest."""
        where = f"{self.endpoint}{path}: HTTP {status}"
        detail = _server_message(data)
        where_detail = f"{where} ({detail})" if detail else where
        if status in (401, 403):
            hint = (
                f"the API key in ${self.api_key_env} was refused"
                if self.api_key
                else "the server wants an API key: pass the name of the variable holding it with --api-key-env VAR"
            )
            return EndpointError(f"{where_detail}: {hint}")
        if status == 404:
            return EndpointError(f"{where_detail}: check --endpoint (the OpenAI base URL, e.g. http://host:8080/v1)")
        return RequestError(where_detail)


def _refuses_structured_output(data: bytes) -> bool:
    message = _server_message(data).lower()
    return any(word in message for word in _STRUCTURED_REFUSAL)


def _server_message(data: bytes) -> str:
    """The error text an OpenAI-style (``{"error": {"message": …}}``), FastAPI (``{"detail": …}``) or Ollama
    (``{"error": "…"}``) server sent, as one bounded line; untrusted, so control characters are stripped."""
    try:
        document = json.loads(data)
    except ValueError:
        text = data[:MAX_SERVER_MESSAGE_CHARS].decode("utf-8", errors="replace")
    else:
        found: Any = document
        if isinstance(document, dict):
            found = document.get("error") or document.get("detail") or document.get("message") or ""
            if isinstance(found, dict):
                found = found.get("message") or ""
        text = found if isinstance(found, str) else json.dumps(found)
    text = one_line(text)
    return text if len(text) <= MAX_SERVER_MESSAGE_CHARS else text[: MAX_SERVER_MESSAGE_CHARS - 1] + "…"


def _os_reason(exc: OSError) -> str:
    return one_line(exc.strerror or str(exc)).lower() or type(exc).__name__


def _listing(names: list[str], shown: int = 5) -> str:
    listed = ", ".join(names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")
