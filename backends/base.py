"""The one small interface every model backend implements."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Reply:
    text: str  # the answer (JSON when a schema was given)
    thinking: str | None = None  # what a thinking model wrote before answering, kept apart


class TextModel(abc.ABC):
    """A chat model that returns text, optionally constrained to a JSON Schema.

    A backend implements `generate` (answer only) or `reply` (answer and thinking); each has a
    default in terms of the other.
    """

    id: str
    supports_schema: bool = False  # constrained decoding to a JSON Schema
    supports_images: bool = False
    supports_audio: bool = False

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
        """Reply to `messages`; with `schema`, the reply is constrained to it where supported."""
        if type(self).reply is TextModel.reply:
            raise NotImplementedError(f"{type(self).__name__} implements neither generate nor reply")
        return self.reply(messages, schema=schema, images=images, audio=audio, max_new_tokens=max_new_tokens, seed=seed).text

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
        """Like `generate`, with the model's thinking (if any) apart from the answer."""
        if type(self).generate is TextModel.generate:
            raise NotImplementedError(f"{type(self).__name__} implements neither generate nor reply")
        return Reply(self.generate(messages, schema=schema, images=images, audio=audio, max_new_tokens=max_new_tokens, seed=seed))

    def check_media(self, images: Sequence[Path], audio: Sequence[Path]) -> None:
        """Refuse images or audio this model does not take (the run checks capabilities earlier)."""
        from songflow.errors import InputError

        if images and not self.supports_images:
            raise InputError(f"{self.id} does not take images")
        if audio and not self.supports_audio:
            raise InputError(f"{self.id} does not take audio")

    def close(self) -> None:
        """Release what the backend holds (memory, connections)."""
