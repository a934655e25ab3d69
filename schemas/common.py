"""Shared field types. Every string and list a model writes is bounded: under a JSON grammar a
small model otherwise runs on until max_new_tokens and the JSON is cut."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

# Times are compared with this tolerance (seconds): well under one audio sample at 22.05 kHz.
TIME_EPS = 1e-6


class Strict(BaseModel):
    # No unknown keys, and no NaN or infinity: a hand-edited `"tempo": Infinity` is an error here,
    # not a crash three stages later.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def text(max_length: int) -> type[str]:
    """A non-blank string of at most `max_length` characters."""
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length, pattern=r"\S")]  # type: ignore[return-value]


HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


def check_tiling(spans: list[tuple[float, float]], start: float, end: float, what: str) -> None:
    """Raise ValueError unless `spans` cover [start, end] in order, with no gap or overlap."""
    if not spans:
        raise ValueError(f"{what}: empty")
    if abs(spans[0][0] - start) > TIME_EPS:
        raise ValueError(f"{what} 0 starts at {spans[0][0]:.3f}s, not {start:.3f}s")
    for i, (a, b) in enumerate(spans):
        if b - a <= TIME_EPS:
            raise ValueError(f"{what} {i} has no length ({a:.3f}s to {b:.3f}s)")
        if i and abs(a - spans[i - 1][1]) > TIME_EPS:
            kind = "overlaps" if a < spans[i - 1][1] else "leaves a gap after"
            raise ValueError(f"{what} {i} {kind} {what} {i - 1} ({spans[i - 1][1]:.3f}s vs {a:.3f}s)")
    if abs(spans[-1][1] - end) > TIME_EPS:
        raise ValueError(f"last {what} ends at {spans[-1][1]:.3f}s, not {end:.3f}s")


def exact_items(model: type[Strict], field: str, n: int) -> type[Strict]:
    """A subclass of `model` whose list `field` holds exactly `n` items, in schema and validation.

    Used to tell the decoder "one entry per section/shot" instead of hoping the model counts.
    """
    from typing import get_args

    from pydantic import Field, create_model

    info = model.model_fields[field]
    (item_type,) = get_args(info.annotation)
    bounded = Annotated[list[item_type], Field(min_length=n, max_length=n, description=info.description)]  # type: ignore[valid-type]
    return create_model(model.__name__, __base__=model, **{field: (bounded, ...)})  # type: ignore[call-overload]
