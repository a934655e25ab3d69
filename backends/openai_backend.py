"""Any OpenAI-compatible chat server (vLLM, llama.cpp's llama-server, ...): `openai:<base url>#<model>`.

Structured output goes as `response_format` JSON Schema; images and audio as content parts of the
last user message (`image_url` data URIs, `input_audio` WAV) when the model takes them.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backends.base import Message, Reply, TextModel
from backends.structured import compact_json_rule
from songflow.core.errors import InputError, SongflowError

log = logging.getLogger(__name__)


class ServerUnavailable(SongflowError, ConnectionError):
    """The model server cannot be reached (retried by the flow: it may come back)."""


# A server that answers these is starting, restarting or overloaded (llama.cpp: 503 "Loading
# model"; a proxy in front of a server that is down: 502, 504): worth a retry, like one not reachable.
BUSY = {502, 503, 504}


class ServerError(SongflowError):
    """The server answered with an error."""


def llguidance_grammar(schema: dict[str, Any]) -> str:
    """The schema as an llguidance grammar (llama.cpp's `grammar` field), compact JSON only."""
    return "%llguidance {}\nstart: " + compact_json_rule(schema)


def split_openai_id(rest: str) -> tuple[str, str]:
    """'http://host:8000/v1#gemma' -> ('http://host:8000/v1', 'gemma')."""
    url, sep, model = rest.partition("#")
    if not sep or not model or not url.startswith(("http://", "https://")):
        raise InputError(f"openai model ids look like openai:http://host:port/v1#model-name, got openai:{rest}")
    return url.rstrip("/"), model


def image_part(path: Path) -> dict[str, Any]:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    kind = "jpeg" if Path(path).suffix.lower() in (".jpg", ".jpeg") else "png"
    return {"type": "image_url", "image_url": {"url": f"data:image/{kind};base64,{data}"}}


def audio_base64(path: Path) -> str:
    """An audio clip as base64 (stage 1 writes its listening windows as 16 kHz mono WAV)."""
    return base64.b64encode(Path(path).read_bytes()).decode()


def with_media(messages: Sequence[Message], images: Sequence[Path], audio: Sequence[Path], *, audio_part) -> list[dict[str, Any]]:
    """Chat messages with the images and audio attached to the last user message as content parts."""
    out: list[dict[str, Any]] = [dict(m) for m in messages]
    if not images and not audio:
        return out
    last = max(i for i, m in enumerate(out) if m["role"] == "user")
    parts: list[dict[str, Any]] = [image_part(p) for p in images] + [audio_part(p) for p in audio]
    out[last] = {"role": "user", "content": [*parts, {"type": "text", "text": out[last]["content"]}]}
    return out


class OpenAIModel(TextModel):
    """Chat completions over HTTP; capabilities come from the model name (see backends.capabilities)."""

    supports_schema = True

    def __init__(self, rest: str, *, model_id: str, temperature: float = 0.7, timeout: float = 300.0, images: bool = False, audio: bool = False):
        import httpx

        self.id = model_id
        self.base_url, self.model = split_openai_id(rest)
        self.temperature = temperature
        self.supports_images, self.supports_audio = images, audio
        self.client = httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(timeout, connect=10.0))
        self._check_model()

    def _check_model(self) -> None:
        """Fail early: the server must answer and know the model."""
        import httpx

        try:
            reply = self.client.get("/models")
        except httpx.TransportError as exc:
            raise ServerUnavailable(f"cannot reach the model server at {self.base_url}: {exc}") from exc
        if reply.status_code in BUSY:
            raise ServerUnavailable(f"the model server at {self.base_url} is not ready (HTTP {reply.status_code}: {reply.text[:100]})")
        if reply.status_code != 200:
            raise ServerError(f"{self.base_url}/models answered {reply.status_code}: {reply.text[:200]}")
        served = reply.json().get("data", [])
        known = [m.get("id") for m in served]
        # llama.cpp's own JSON-schema converter drops maxLength when a string also has a pattern,
        # so a string can run on until max_tokens; its llguidance grammar field honours both.
        self.llguidance = any(m.get("owned_by") == "llamacpp" for m in served)
        if known and self.model not in known:
            raise InputError(f"model {self.model!r} is not served at {self.base_url}; it serves: {', '.join(map(str, known))}")

    def reply(
        self,
        messages: Sequence[Message],
        *,
        schema: dict[str, Any] | None = None,
        images: Sequence[Path] = (),
        audio: Sequence[Path] = (),
        max_new_tokens: int = 512,
        seed: int = 0,
    ) -> Reply:
        import httpx

        self.check_media(images, audio)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": with_media(messages, images, audio, audio_part=lambda p: {"type": "input_audio", "input_audio": {"data": audio_base64(p), "format": "wav"}}),
            "max_tokens": max_new_tokens,
            "temperature": self.temperature,
            "seed": seed,
        }
        if schema is not None and self.llguidance:
            body["grammar"] = llguidance_grammar(schema)
        elif schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": schema.get("title", "reply"), "schema": schema, "strict": True}}
        started = time.perf_counter()
        try:
            reply = self.client.post("/chat/completions", json=body)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{self.id}: no reply within {self.client.timeout.read:.0f}s") from exc
        except httpx.TransportError as exc:
            raise ServerUnavailable(f"cannot reach the model server at {self.base_url}: {exc}") from exc
        if reply.status_code != 200:
            try:
                message = reply.json()["error"]["message"]
            except Exception:
                message = reply.text[:300]
            raise (ServerUnavailable if reply.status_code in BUSY else ServerError)(f"{self.id}: server answered {reply.status_code}: {message}")
        choice = reply.json()["choices"][0]
        log.debug("%s: %s in %.1fs", self.id, choice.get("finish_reason"), time.perf_counter() - started)
        message = choice["message"]
        # Servers that split reasoning (vLLM, llama.cpp with a reasoning format) return it apart.
        return Reply(message.get("content") or "", message.get("reasoning_content") or None)

    def close(self) -> None:
        self.client.close()
