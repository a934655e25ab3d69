"""A recorded-protocol stand-in for Ollama (which cannot be installed here): it speaks Ollama's
native API as documented (POST /api/show, POST /api/chat with `format` and `images`, non-streaming
replies with `message.content` and `message.thinking`), records every request, and answers from
canned replies keyed by the JSON Schema's title. It proves what songflow sends and how it reads
the answers; it says nothing about a model's quality.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Replies in the shape Ollama returns for /api/chat with "stream": false.
CANNED: dict[str, dict[str, Any]] = {
    "SeenVerdict": {"issues": ["the kite is small"], "passed": True, "score": 8, "box_2d": [300, 120, 620, 400]},
    "KeyframeVerdict": {"issues": [], "passed": True, "score": 7},
}


def chat_reply(model: str, content: str, thinking: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if thinking:
        message["thinking"] = thinking
    return {
        "model": model, "created_at": "2026-11-23T12:00:00.000000Z", "message": message, "done": True,
        "done_reason": "stop", "total_duration": 812345678, "load_duration": 1234567, "prompt_eval_count": 312,
        "prompt_eval_duration": 123456789, "eval_count": 41, "eval_duration": 654321000,
    }


@contextmanager
def ollama_protocol_server(models: dict[str, list[str]], *, thinking: str | None = None) -> Iterator[dict[str, Any]]:
    """Serve on 127.0.0.1; `models` maps model name -> capabilities (as /api/show lists them)."""
    requests: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            requests.append({"path": self.path, "body": body})
            model = body.get("model")
            if model not in models:
                self._send(404, {"error": f"model '{model}' not found"})
            elif self.path == "/api/show":
                self._send(200, {"modelfile": "", "details": {"family": "gemma4", "parameter_size": "8.0B"}, "capabilities": models[model]})
            elif self.path == "/api/chat":
                title = (body.get("format") or {}).get("title")
                if title not in CANNED:
                    self._send(400, {"error": f"no recorded reply for format {title!r}"})
                else:
                    self._send(200, chat_reply(model, json.dumps(CANNED[title]), thinking))
            else:
                self._send(404, {"error": "not found"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "requests": requests}
    finally:
        server.shutdown()
        server.server_close()
