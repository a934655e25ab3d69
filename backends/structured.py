"""Structured output: constrain, validate, feed the errors back, retry, then raise with evidence."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from backends.base import Message, TextModel
from songflow.errors import ModelOutputError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

REASK = (
    "That reply was not valid. Errors:\n{errors}\n"
    "Reply again with only the corrected JSON object, following the schema exactly."
)


def _errors(exc: ValidationError) -> str:
    return "\n".join(
        f"- {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors(include_url=False)
    )


def generate_structured(
    model: TextModel,
    messages: Sequence[Message],
    output_type: type[M],
    *,
    what: str,
    attempts: int = 3,
    max_new_tokens: int = 512,
    seed: int = 0,
    images: Sequence[Path] = (),
    audio: Sequence[Path] = (),
    context: Mapping[str, Any] | None = None,
) -> M:
    """Ask `model` for an `output_type`; re-ask with pydantic's errors up to `attempts` times."""
    schema = output_type.model_json_schema()
    convo: list[Message] = list(messages)
    failures: list[tuple[str, str]] = []
    for attempt in range(attempts):
        raw = model.generate(
            convo,
            schema=schema if model.supports_schema else None,
            images=images,
            audio=audio,
            max_new_tokens=max_new_tokens,
            seed=seed + attempt,
        )
        try:
            return output_type.model_validate_json(raw, context=dict(context or {}))
        except ValidationError as exc:
            errors = _errors(exc)
            failures.append((raw, errors))
            log.warning("%s: attempt %d/%d invalid: %s", what, attempt + 1, attempts, errors.splitlines()[0])
            convo = [*messages, {"role": "assistant", "content": raw}, {"role": "user", "content": REASK.format(errors=errors)}]
    raise ModelOutputError(what, failures)
