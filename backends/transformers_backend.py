"""In-process transformers backend with JSON-Schema-constrained decoding (llguidance)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from backends.base import Message, TextModel
from songflow.errors import InputError

log = logging.getLogger(__name__)


def gemma3_chat_template() -> str:
    """Gemma 3's chat template, for checkpoints (like the base GGUF) that ship without one."""
    return resources.files("backends").joinpath("templates/gemma3.jinja").read_text(encoding="utf-8")


class TransformersModel(TextModel):
    """A causal LM loaded with transformers from a local folder or hub id."""

    supports_schema = True

    def __init__(
        self,
        source: str | Path,
        *,
        model_id: str | None = None,
        device: str | None = None,
        temperature: float = 0.7,
    ):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.id = model_id or f"hf:{source}"
        self.temperature = temperature
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if self.device == "cpu":
            torch.set_num_threads(max(1, os.cpu_count() or 1))
        started = time.perf_counter()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source)
            # bf16 on GPU; float32 on CPU, where bf16 matmuls are slower than fp32 on most chips.
            dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
            self.model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype).to(self.device).eval()
        except OSError as exc:
            raise InputError(f"cannot load model {self.id!r}: {str(exc).splitlines()[0]}") from exc
        if not self.tokenizer.chat_template:
            self.tokenizer.chat_template = gemma3_chat_template()
        self.load_seconds = time.perf_counter() - started
        log.info("loaded %s on %s in %.1fs", self.id, self.device, self.load_seconds)
        self._lltok = None

    def _ll_tokenizer(self):
        if self._lltok is None:
            import llguidance.hf

            self._lltok = llguidance.hf.from_tokenizer(self.tokenizer, n_vocab=self.model.config.vocab_size)
        return self._lltok

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
        import torch
        from transformers import LogitsProcessorList

        if images or audio:
            raise InputError(f"{self.id} is a text-only model: it cannot take images or audio")
        inputs = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.device)
        processors = LogitsProcessorList()
        if schema is not None:
            processors.append(JsonSchemaLogitsProcessor(self._ll_tokenizer(), schema))
        torch.manual_seed(seed)
        temperature = self.temperature
        sampling = temperature > 0
        started = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                logits_processor=processors,
                do_sample=sampling,
                temperature=temperature if sampling else None,
                top_p=None,
                top_k=None,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        new_tokens = out[0, inputs["input_ids"].shape[1] :]
        log.debug("%d tokens in %.1fs", len(new_tokens), time.perf_counter() - started)
        return self.tokenizer.decode(new_tokens, skip_special_tokens=True)

    def close(self) -> None:
        self.model = None  # type: ignore[assignment]


class JsonSchemaLogitsProcessor:
    """Masks every token that would leave the JSON Schema's grammar (one sequence)."""

    def __init__(self, ll_tokenizer, schema: dict[str, Any]):
        import llguidance
        import llguidance.torch

        grammar = llguidance.LLMatcher.grammar_from_json_schema(schema, defaults={"whitespace_flexible": False})
        is_error, messages = llguidance.LLMatcher.validate_grammar_with_warnings(grammar, ll_tokenizer)
        if is_error:
            raise InputError(f"schema cannot be compiled to a grammar: {messages[0] if messages else '?'}")
        self.matcher = llguidance.LLMatcher(ll_tokenizer, grammar)
        self.bitmask = llguidance.torch.allocate_token_bitmask(1, ll_tokenizer.vocab_size)
        self._prompt_len: int | None = None

    def __call__(self, input_ids, scores):
        import llguidance.torch

        if self._prompt_len is None:
            self._prompt_len = input_ids.shape[1]
        else:
            self.matcher.consume_token(int(input_ids[0, -1]))
        llguidance.torch.fill_next_token_bitmask(self.matcher, self.bitmask, 0)
        llguidance.torch.apply_token_bitmask_inplace(scores, self.bitmask.to(scores.device))
        return scores
