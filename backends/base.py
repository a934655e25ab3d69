"""The one small interface every model backend implements."""

from __future__ import annotations

import abc
import re
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
    # Writes a meaningful phrase when asked. A small base model (the embedded Gemma 3 270M) does not:
    # the stages then let it choose from options and compose the sentences in code.
    writes_freely: bool = True
    # score_options gives real log-likelihoods (in-process models); otherwise the model picks one.
    scores_likelihood: bool = False

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

    def score_options(self, prompt: str, options: Sequence[str], *, seed: int = 0) -> list[float]:
        """How likely each option is as the continuation of the plain-text `prompt` (higher is better).

        This default asks for one pick under a JSON enum grammar: 0.0 for it, -inf for the others.
        In-process models override it with the summed log-probability of each option.
        """
        import json

        schema = {
            "title": "Choice",
            "type": "object",
            "properties": {"choice": {"enum": list(options)}},
            "required": ["choice"],
            "additionalProperties": False,
        }
        menu = "\n".join(f"- {o.strip()}" for o in options)
        messages: list[Message] = [
            {"role": "system", "content": "Complete the text by choosing one of the options. Reply with JSON {\"choice\": ...}."},
            {"role": "user", "content": f"{prompt} ...\n\nOptions:\n{menu}"},
        ]
        budget = 16 + max(len(json.dumps(o)) for o in options)
        try:
            picked = json.loads(self.generate(messages, schema=schema, max_new_tokens=budget, seed=seed))["choice"]
        except (ValueError, KeyError, TypeError):
            picked = options[0]
        return [0.0 if o == picked else float("-inf") for o in options]

    def check_media(self, images: Sequence[Path], audio: Sequence[Path]) -> None:
        """Refuse images or audio this model does not take (the run checks capabilities earlier)."""
        from songflow.core.errors import InputError

        if images and not self.supports_images:
            raise InputError(f"{self.id} does not take images")
        if audio and not self.supports_audio:
            raise InputError(f"{self.id} does not take audio")

    def close(self) -> None:
        """Release what the backend holds (memory, connections)."""


# A chat template's control tokens (Gemma's `<start_of_turn>`, `<end_of_turn>`, `<bos>`, Gemma 4's
# `<|turn>`, ChatML's `<|im_start|>`): the tokenizer turns that text into the token itself, so a lyric
# or a model reply holding one could close the user's turn and open the model's. A word joiner after
# the `<` keeps what a filled-in value says readable and makes it plain text.
_CONTROL = re.compile(r"<(?=\|?/?[A-Za-z_][\w.:-]*\|?>)")


def inert(text: str) -> str:
    """`text` with anything shaped like a control token broken (`<end_of_turn>` -> `<\u2060end_of_turn>`)."""
    return _CONTROL.sub("<\u2060", text)
