"""Model and renderer access. Model ids are 'scheme:rest', split on the first colon only.

Heavy imports (torch, transformers) happen only when a backend that needs them is chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backends.base import Message, TextModel
from songflow.config import ModelConfig, cache_dir
from songflow.errors import InputError


def _load_gguf(rest: str, cfg: ModelConfig) -> TextModel:
    from backends.gguf import converted_folder, resolve_gguf
    from backends.transformers_backend import TransformersModel

    cache = cache_dir()
    path, sha = resolve_gguf(rest, cache)
    return TransformersModel(converted_folder(path, sha, cache), model_id=cfg.id, temperature=cfg.temperature)


def _load_hf(rest: str, cfg: ModelConfig) -> TextModel:
    from backends.transformers_backend import TransformersModel

    return TransformersModel(rest, model_id=cfg.id, temperature=cfg.temperature)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can take, known from its id without loading it."""

    schema: bool = True
    images: bool = False
    audio: bool = False


SCHEMES: dict[str, tuple[Callable[[str, ModelConfig], TextModel], str]] = {
    "gguf": (_load_gguf, "gguf:embedded (the shipped Gemma 3 270M) or gguf:<path to .gguf>"),
    "hf": (_load_hf, "hf:<hub id or local folder> (transformers, in process)"),
}


def check_model_id(model_id: str) -> tuple[str, str]:
    """Split and check a model id without loading anything; raise InputError listing valid schemes."""
    scheme, sep, rest = model_id.partition(":")
    if not sep or scheme not in SCHEMES or not rest:
        valid = "; ".join(help_ for _, help_ in SCHEMES.values())
        raise InputError(f"unknown model id {model_id!r}; valid ids: {valid}")
    return scheme, rest


def capabilities(model_id: str) -> Capabilities:
    """Capabilities of the model named by `model_id` (the text backends here take text only)."""
    check_model_id(model_id)
    return Capabilities()


def load_model(cfg: ModelConfig) -> TextModel:
    """Load the model named by `cfg.id`."""
    scheme, rest = check_model_id(cfg.id)
    loader, _ = SCHEMES[scheme]
    return loader(rest, cfg)


__all__ = ["Capabilities", "Message", "TextModel", "capabilities", "check_model_id", "load_model"]
