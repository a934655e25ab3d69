"""How persisted task results are written and read: plain JSON that names songflow's own types.

Prefect's default result serializer is pickle, and its JSON serializer stores the import path of
its decoder and of each object's class in the record: reading a record written by someone else can
run code either way. Results here are shared between runs (and, with shared storage, between
machines), so they are JSON whose objects can only become one of the types listed in `TYPES`
(stage hand-offs, checked by pydantic) or a path. A record that names anything else, or that
is cut off, fails to load, and Prefect treats a record that fails to load as a cache miss: the
stage runs again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from prefect.serializers import Serializer

from schemas.analysis import SongAnalysis
from schemas.clips import ClipReport, ShotClip
from schemas.qa import QAReport, ShotQA
from schemas.scenes import ScenePlan
from schemas.shots import ShotList
from schemas.timing import TimingReport

# Every type a persisted task result may contain.
TYPES: dict[str, type[BaseModel]] = {
    cls.__name__: cls for cls in (SongAnalysis, ScenePlan, ShotList, ShotQA, QAReport, ShotClip, ClipReport, TimingReport)
}
_MODEL, _PATH = "songflow:model", "songflow:path"


class UnsafeResult(ValueError):
    """A persisted record names a type outside `TYPES`."""


def _encode(value: Any) -> Any:
    if isinstance(value, BaseModel):
        name = type(value).__name__
        if TYPES.get(name) is not type(value):
            raise TypeError(f"{name} is not a songflow result type")
        return {_MODEL: name, "data": value.model_dump(mode="json")}
    if isinstance(value, Path):
        return {_PATH: str(value)}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot persist a {type(value).__name__} as a songflow result")


def _decode(obj: dict[str, Any]) -> Any:
    if _PATH in obj:
        return Path(obj[_PATH])
    if _MODEL in obj:
        cls = TYPES.get(obj[_MODEL])
        if cls is None:
            raise UnsafeResult(f"persisted result names an unknown type {obj[_MODEL]!r}")
        return cls.model_validate(obj["data"])
    return obj


class SafeJSONSerializer(Serializer):
    """Task results as JSON; reading builds only songflow's schema types and paths (no import by name, no pickle)."""

    type: str = Field(default="songflow-json", frozen=True)

    def dumps(self, obj: Any) -> bytes:
        return json.dumps(_encode(obj)).encode()

    def loads(self, blob: bytes) -> Any:
        return json.loads(blob.decode(), object_hook=_decode)


# The options every persisted stage task takes.
PERSIST = dict(persist_result=True, result_serializer=SafeJSONSerializer())
