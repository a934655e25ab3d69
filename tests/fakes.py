"""A scripted fake backend, for error paths only: the real model proves the stages work."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backends.base import Message, TextModel


class ScriptedModel(TextModel):
    """Returns the scripted replies in order and records every call."""

    supports_schema = True

    def __init__(self, replies: Sequence[str], model_id: str = "fake:scripted"):
        self.id = model_id
        self.replies = list(replies)
        self.calls: list[dict[str, Any]] = []

    def generate(
        self,
        messages: Sequence[Message],
        *,
        schema: dict[str, Any] | None = None,
        images: Sequence[Path] = (),
        audio: Sequence[Path] = (),
        max_new_tokens: int = 512,
        seed: int = 0,
    ) -> str:
        self.calls.append({"messages": list(messages), "schema": schema, "seed": seed})
        if not self.replies:
            raise AssertionError("ScriptedModel ran out of replies")
        return self.replies.pop(0)
