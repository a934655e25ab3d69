"""Ollama's native chat API: `ollama:<model>` (server from OLLAMA_HOST, default http://127.0.0.1:11434).

`/api/chat` with `format` set to the JSON Schema, images attached to the last user message as
base64, `stream: false`. Capabilities come from `/api/show` (its `capabilities` list), so a model
that does not see images is known before the run starts.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backends.base import Message, Reply, TextModel
from backends.openai_backend import BUSY, ServerError, ServerUnavailable
from songflow.core.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_HOST = "http://127.0.0.1:11434"


def ollama_host() -> str:
    host = os.environ.get("OLLAMA_HOST") or DEFAULT_HOST
    return host if host.startswith(("http://", "https://")) else f"http://{host}"


def show_capabilities(model: str, host: str | None = None):
    """Capabilities of an Ollama model from the server's /api/show, without loading it."""
    import httpx

    from backends import Capabilities

    base = (host or ollama_host()).rstrip("/")
    try:
        reply = httpx.post(f"{base}/api/show", json={"model": model}, timeout=10.0)
    except httpx.TransportError as exc:
        raise ServerUnavailable(f"cannot reach the Ollama server at {base}: {exc}") from exc
    if reply.status_code == 404:
        raise InputError(f"model {model!r} is not on the Ollama server at {base}; run `ollama pull {model}`")
    if reply.status_code != 200:
        raise ServerError(f"Ollama at {base} answered {reply.status_code} for /api/show")
    caps = set(reply.json().get("capabilities") or ["completion"])
    # Ollama's /api/chat carries images only, so songflow sends no audio through it.
    return Capabilities(images="vision" in caps, audio=False)


class OllamaModel(TextModel):
    supports_schema = True

    def __init__(self, model: str, *, model_id: str, temperature: float = 0.7, timeout: float = 300.0, host: str | None = None):
        import httpx

        self.id = model_id
        self.model = model
        self.temperature = temperature
        self.host = (host or ollama_host()).rstrip("/")
        self.client = httpx.Client(base_url=self.host, timeout=httpx.Timeout(timeout, connect=10.0))
        caps = show_capabilities(model, self.host)
        self.supports_images, self.supports_audio = caps.images, caps.audio

    def _post(self, path: str, body: dict[str, Any], *, missing: str | None = None) -> dict[str, Any]:
        import httpx

        try:
            reply = self.client.post(path, json=body)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{self.id}: no reply from {self.host} within {self.client.timeout.read:.0f}s") from exc
        except httpx.TransportError as exc:
            raise ServerUnavailable(f"cannot reach the Ollama server at {self.host}: {exc}") from exc
        if reply.status_code == 404 and missing:
            raise InputError(missing)
        if reply.status_code != 200:
            try:
                message = reply.json()["error"]
            except Exception:
                message = reply.text[:300]
            raise (ServerUnavailable if reply.status_code in BUSY else ServerError)(f"{self.id}: Ollama answered {reply.status_code}: {message}")
        return reply.json()

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
        self.check_media(images, audio)  # audio: never (Ollama's chat API carries images only)
        chat: list[dict[str, Any]] = [dict(m) for m in messages]
        if images:
            last = max(i for i, m in enumerate(chat) if m["role"] == "user")
            chat[last]["images"] = [base64.b64encode(Path(p).read_bytes()).decode() for p in images]
        body: dict[str, Any] = {
            "model": self.model,
            "messages": chat,
            "stream": False,
            "options": {"temperature": self.temperature, "seed": seed, "num_predict": max_new_tokens},
        }
        if schema is not None:
            body["format"] = schema
        reply = self._post("/api/chat", body, missing=f"model {self.model!r} is not on the Ollama server at {self.host}")
        message = reply.get("message") or {}
        return Reply(message.get("content") or "", message.get("thinking") or None)

    def close(self) -> None:
        self.client.close()
