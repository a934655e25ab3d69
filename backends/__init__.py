"""Model access. Model ids are 'scheme:rest', split on the first colon only.

Heavy imports (torch, transformers) happen only when a backend that needs them is chosen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backends.base import Message, TextModel
from songflow.core.config import ModelConfig, PipelineConfig, cache_dir
from songflow.core.errors import InputError


def _load_gguf(rest: str, cfg: ModelConfig) -> TextModel:
    from backends.gguf import converted_folder, resolve_gguf
    from backends.transformers_backend import TransformersModel

    cache = cache_dir()
    path, sha = resolve_gguf(rest, cache)
    return TransformersModel(converted_folder(path, sha, cache), model_id=cfg.id, temperature=cfg.temperature)


def _load_hf(rest: str, cfg: ModelConfig) -> TextModel:
    from backends.transformers_backend import load_transformers

    return load_transformers(rest, model_id=cfg.id, temperature=cfg.temperature, thinking=cfg.thinking, thinking_tokens=cfg.thinking_tokens)


def _load_openai(rest: str, cfg: ModelConfig) -> TextModel:
    from backends.openai_backend import OpenAIModel

    caps = capabilities(cfg.id)
    return OpenAIModel(rest, model_id=cfg.id, temperature=cfg.temperature, timeout=cfg.timeout_seconds, images=caps.images, audio=caps.audio)


def _load_ollama(rest: str, cfg: ModelConfig) -> TextModel:
    from backends.ollama_backend import OllamaModel

    return OllamaModel(rest, model_id=cfg.id, temperature=cfg.temperature, timeout=cfg.timeout_seconds)


@dataclass(frozen=True)
class Capabilities:
    """What a model takes, known from its id without loading it."""

    schema: bool = True
    images: bool = False
    audio: bool = False

    def describe(self) -> str:
        extra = [name for name, has in (("images", self.images), ("audio", self.audio)) if has]
        return "text + " + " + ".join(extra) if extra else "text only"


SCHEMES: dict[str, tuple[Callable[[str, ModelConfig], TextModel], str]] = {
    "gguf": (_load_gguf, "gguf:embedded (the shipped Gemma 3 270M) or gguf:<path to .gguf>"),
    "hf": (_load_hf, "hf:<hub id or local folder> (transformers, in process)"),
    "openai": (_load_openai, "openai:<base url>#<model> (any OpenAI-compatible server: vLLM, llama-server)"),
    "ollama": (_load_ollama, "ollama:<model> (Ollama at OLLAMA_HOST, default 127.0.0.1:11434)"),
}

# Gemma models by name: which also see images, which also hear audio.
_NAMED = [
    (re.compile(r"gemma[-_ ]?4.*\b(e2b|e4b)\b|gemma[-_ ]?3n", re.I), Capabilities(images=True, audio=True)),
    (re.compile(r"gemma[-_ ]?4", re.I), Capabilities(images=True)),
    (re.compile(r"gemma[-_ ]?3\b.*\b(4b|12b|27b)\b", re.I), Capabilities(images=True)),
]

# For the message when a stage needs a capability the chosen model lacks.
MODELS_WITH = {
    "images": "hf:google/gemma-4-E4B-it, hf:google/gemma-4-26B-A4B-it, openai:<url>#gemma-4-31B-it, ollama:gemma4",
    "audio": "hf:google/gemma-4-E2B-it, hf:google/gemma-4-E4B-it, openai:<url>#gemma-4-E4B-it (a server that accepts input_audio)",
}


def check_model_id(model_id: str) -> tuple[str, str]:
    """Split and check a model id without loading anything; raise InputError listing valid schemes."""
    scheme, sep, rest = model_id.partition(":")
    if not sep or scheme not in SCHEMES or not rest:
        valid = "; ".join(help_ for _, help_ in SCHEMES.values())
        raise InputError(f"unknown model id {model_id!r}; valid ids: {valid}")
    if scheme == "openai":
        from backends.openai_backend import split_openai_id

        split_openai_id(rest)
    return scheme, rest


def server_of(model_id: str) -> tuple[str, str] | None:
    """(a URL that answers when the model's server is up, the server in words) for a model served
    over HTTP; None for one that runs in this process."""
    scheme, rest = check_model_id(model_id)
    if scheme == "openai":
        from backends.openai_backend import split_openai_id

        url = split_openai_id(rest)[0]
        return f"{url}/models", f"the model server at {url}"
    if scheme == "ollama":
        from backends.ollama_backend import ollama_host

        host = ollama_host().rstrip("/")
        return f"{host}/api/version", f"the Ollama server at {host}"
    return None


def _by_name(name: str) -> Capabilities:
    for pattern, caps in _NAMED:
        if pattern.search(name):
            return caps
    return Capabilities()


def capabilities(model_id: str) -> Capabilities:
    """What the model named by `model_id` takes, without loading its weights.

    gguf: text only. hf: a local folder's config.json (vision_config / audio_config), else the
    hub id's name. openai: the model name after '#'. ollama: the server's /api/show.
    """
    scheme, rest = check_model_id(model_id)
    if scheme == "gguf":
        return Capabilities()
    if scheme == "hf":
        config = Path(rest).expanduser() / "config.json"
        if config.is_file():
            data = json.loads(config.read_text(encoding="utf-8"))
            return Capabilities(images=bool(data.get("vision_config")), audio=bool(data.get("audio_config")))
        return _by_name(rest)
    if scheme == "openai":
        return _by_name(rest.partition("#")[2])
    from backends.ollama_backend import show_capabilities

    return show_capabilities(rest)


def check_capabilities(cfg: PipelineConfig) -> None:
    """Fail before the run starts when a stage is set to need what its model does not take."""
    needs = []
    if cfg.analyze.listen == "always":
        needs.append(("analyze", "stage 1 (analyze) is set to listen to the song (analyze.listen=always)", "audio", "hear audio"))
    if cfg.qa.look == "always":
        needs.append(("qa", "stage 4 (qa) is set to look at the keyframes (qa.look=always)", "images", "see images"))
    for stage, why, capability, verb in needs:
        model_id = cfg.model_for(stage).id
        caps = capabilities(model_id)
        if not getattr(caps, capability):
            raise InputError(f"{why}, but {model_id} takes {caps.describe()}; models that {verb}: {MODELS_WITH[capability]}")


SMALL_MODEL = re.compile(r"270m", re.I)


def load_model(cfg: ModelConfig) -> TextModel:
    """Load the model named by `cfg.id`, with its wording (write or choose) settled."""
    scheme, rest = check_model_id(cfg.id)
    loader, _ = SCHEMES[scheme]
    model = loader(rest, cfg)
    if cfg.wording != "auto":
        model.writes_freely = cfg.wording == "write"
    elif scheme in ("openai", "ollama") and SMALL_MODEL.search(rest):
        model.writes_freely = False
    return model


__all__ = ["MODELS_WITH", "check_capabilities", "Capabilities", "Message", "TextModel", "capabilities", "check_model_id", "load_model", "server_of"]
