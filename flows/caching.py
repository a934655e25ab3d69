"""Cache keys for stage tasks: what determines a stage's result, and nothing else.

A key hashes the stage name and version, the config sections the stage reads, the model id and
decoding settings (for Gemma stages), the prompt files, and the *content* of every input: audio and
lyrics by file hash, upstream hand-offs by their JSON, images by file hash. A rerun with the same
inputs reuses the persisted result; a changed prompt, model, config or upstream JSON recomputes
exactly the stages that depend on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from songflow.core.fsutil import sha256_file
from songflow.core.store import SongOutputs
from stages._prompts import prompt_digest

# Bump a stage's version when its code changes what it produces.
STAGE_VERSIONS = {
    "analyze": 8,
    "plan": 5,
    "shots": 5,
    "render": 3,
    "qa": 4,
    "motion": 1,
    "assemble": 4,
    "report": 4,
}


def fingerprint(value: Any) -> Any:
    """A JSON-able stand-in for `value` that changes when its content changes."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return {"file": value.name, "sha256": sha256_file(value) if value.is_file() else None}
    if isinstance(value, SongOutputs):
        return {"outputs": str(value.root.resolve())}
    if isinstance(value, list | tuple):
        return [fingerprint(v) for v in value]
    if isinstance(value, dict):
        return {str(k): fingerprint(v) for k, v in value.items()}
    return value


def stage_key(
    stage: str,
    *,
    config: Iterable[str] = (),
    prompts: Iterable[str] = (),
    uses_model: bool | str = False,
    ignore: Iterable[str] = (),
) -> Callable[[Any, dict[str, Any]], str]:
    """A Prefect `cache_key_fn` for `stage`; `config` names the PipelineConfig sections it reads,
    `ignore` the fields of those sections it does not ("render.motion")."""
    config, prompts = tuple(config), tuple(prompts)
    skip: dict[str, set[str]] = {}
    for dotted in ignore:
        section, _, name = dotted.partition(".")
        skip.setdefault(section, set()).add(name)

    def key(_context: Any, parameters: dict[str, Any]) -> str:
        cfg = parameters["cfg"]
        parts: dict[str, Any] = {
            "stage": stage,
            "version": STAGE_VERSIONS[stage],
            "config": {name: getattr(cfg, name).model_dump(mode="json", exclude=skip.get(name)) for name in config},
            "prompts": {name: prompt_digest(name) for name in prompts},
            "inputs": {k: fingerprint(v) for k, v in sorted(parameters.items()) if k != "cfg"},
        }
        if uses_model:  # True: the stage's own model; a stage name: that stage's (motion is judged by qa's)
            parts["model"] = cfg.model_for(uses_model if isinstance(uses_model, str) else stage).model_dump(mode="json")
        blob = json.dumps(parts, sort_keys=True, default=str).encode()
        return f"songflow-{stage}-{hashlib.sha256(blob).hexdigest()[:32]}"

    return key
