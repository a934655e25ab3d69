"""Structured output: constrain, validate, feed the errors back, retry, then raise with evidence."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from backends.base import Message, TextModel, inert
from songflow.core.errors import ModelOutputError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

REASK = (
    "That reply was not valid. Errors:\n{errors}\n"
    "Reply again with only the corrected JSON object, following the schema exactly."
)


_THINKING: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar("songflow_thinking", default=None)


@contextlib.contextmanager
def record_thinking() -> Iterator[list[tuple[str, str]]]:
    """Collect (what, thinking) of every structured call made inside the block."""
    notes: list[tuple[str, str]] = []
    token = _THINKING.set(notes)
    try:
        yield notes
    finally:
        _THINKING.reset(token)


def _errors(exc: ValidationError) -> str:
    return "\n".join(
        f"- {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors(include_url=False)
    )


def compact_json_rule(schema: dict[str, Any]) -> str:
    """An llguidance (lark) rule for JSON valid under `schema`, with no free whitespace: a small
    model given room for whitespace can spend its whole token budget on it."""
    return "%json " + json.dumps({**schema, "x-guidance": {"whitespace_flexible": False}})


def max_json_chars(schema: dict[str, Any]) -> int:
    """Upper bound on the length of any JSON text valid under `schema` (compact, no whitespace).

    Every token is at least one character, so this many new tokens always lets the grammar close
    the JSON: a reply is never cut off. Strings count 6 characters per character (a \\uXXXX escape).
    Raises ValueError for an unbounded string or list.
    """
    defs = schema.get("$defs", {})

    def bound(node: dict[str, Any]) -> int:
        if "$ref" in node:
            return bound(defs[node["$ref"].split("/")[-1]])
        if "anyOf" in node:
            return max(bound(n) for n in node["anyOf"])
        if "enum" in node or "const" in node:
            values = node.get("enum", [node.get("const")])
            return max(len(json.dumps(v)) for v in values)
        kind = node.get("type")
        if kind == "object":
            props = node.get("properties", {})
            return 2 + sum(len(json.dumps(k)) + 2 + bound(v) for k, v in props.items())
        if kind == "array":
            if "maxItems" not in node:
                raise ValueError("unbounded array in schema")
            return 2 + node["maxItems"] * (bound(node.get("items", {})) + 1)
        if kind == "string":
            if "maxLength" not in node:
                raise ValueError("unbounded string in schema")
            return 2 + 6 * node["maxLength"]
        if kind == "integer":
            lo, hi = node.get("minimum", -(10**18)), node.get("maximum", 10**18)
            return max(len(str(lo)), len(str(hi)))
        if kind == "boolean":
            return 5
        if kind == "null":
            return 4
        return 32  # number

    return bound(schema)


def generate_structured(
    model: TextModel,
    messages: Sequence[Message],
    output_type: type[M],
    *,
    what: str,
    attempts: int = 3,
    seed: int = 0,
    images: Sequence[Path] = (),
    audio: Sequence[Path] = (),
    context: Mapping[str, Any] | None = None,
) -> M:
    """Ask `model` for an `output_type`; re-ask with pydantic's errors up to `attempts` times."""
    schema = output_type.model_json_schema()
    max_new_tokens = max_json_chars(schema)
    convo: list[Message] = list(messages)
    failures: list[tuple[str, str]] = []
    for attempt in range(attempts):
        reply = model.reply(
            convo,
            schema=schema if model.supports_schema else None,
            images=images,
            audio=audio,
            max_new_tokens=max_new_tokens,
            seed=seed + attempt,
        )
        raw = reply.text
        notes = _THINKING.get()
        if reply.thinking and notes is not None:
            notes.append((f"{what}, attempt {attempt + 1}", reply.thinking))
        try:
            return output_type.model_validate_json(raw, context=dict(context or {}))
        except ValidationError as exc:
            errors = _errors(exc)
            failures.append((raw, errors))
            log.warning("%s: attempt %d/%d invalid: %s", what, attempt + 1, attempts, errors.splitlines()[0])
            convo = [*messages, {"role": "assistant", "content": inert(raw)}, {"role": "user", "content": REASK.format(errors=inert(errors))}]
    raise ModelOutputError(what, failures)
