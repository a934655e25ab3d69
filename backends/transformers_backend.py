"""In-process transformers backend with JSON-Schema-constrained decoding (llguidance)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

from backends.base import Message, Reply, TextModel
from backends.structured import compact_json_rule
from songflow.core.errors import InputError
from songflow.core.config import cpu_share

log = logging.getLogger(__name__)


def gemma3_chat_template() -> str:
    """Gemma 3's chat template, for checkpoints (like the base GGUF) that ship without one."""
    return resources.files("backends").joinpath("templates/gemma3.jinja").read_text(encoding="utf-8")


def load_transformers(source: str | Path, *, model_id: str, temperature: float = 0.7, thinking: bool = False, thinking_tokens: int = 512) -> TextModel:
    """Gemma 4 (or any model whose config has vision/audio towers) through its processor;
    a text-only Gemma through its tokenizer."""
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot load model {model_id!r}: {str(exc).splitlines()[0]}") from exc
    if getattr(config, "vision_config", None) is not None or getattr(config, "audio_config", None) is not None:
        return MultimodalModel(source, model_id=model_id, temperature=temperature, thinking=thinking, thinking_tokens=thinking_tokens)
    return TransformersModel(source, model_id=model_id, temperature=temperature)


def cpu_threads() -> int:
    """Threads for inference on the CPU: this process's share of the cores."""
    return cpu_share()


def _device_and_dtype(device: str | None):
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        torch.set_num_threads(cpu_threads())
    # bf16 on GPU; float32 on CPU, where bf16 matmuls are slower than fp32 on most chips.
    return device, (torch.bfloat16 if device.startswith("cuda") else torch.float32)


class _LocalModel(TextModel):
    """What the in-process models share: the llguidance view of the tokenizer, and sampling."""

    supports_schema = True
    tokenizer: Any
    model: Any
    temperature: float
    _lltok: Any = None

    def _ll_tokenizer(self):
        if self._lltok is None:
            import llguidance.hf

            self._lltok = llguidance.hf.from_tokenizer(self.tokenizer, n_vocab=self.model.config.get_text_config().vocab_size)
        return self._lltok

    def _sample(self, inputs: dict[str, Any], processors, *, max_new_tokens: int, seed: int, **extra: Any):
        """model.generate under `processors`, seeded; greedy when the temperature is 0."""
        import torch

        torch.manual_seed(seed)
        sampling = self.temperature > 0
        with torch.inference_mode():
            return self.model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                logits_processor=processors,
                do_sample=sampling,
                temperature=self.temperature if sampling else None,
                top_p=None,
                top_k=None,
                **extra,
            )

    def close(self) -> None:
        self.model = None
        self._prefixes = {}


# A model this small writes fragments when asked for phrases: it chooses from options instead.
FREE_WRITING_PARAMS = 1_000_000_000


class TransformersModel(_LocalModel):
    """A causal LM loaded with transformers from a local folder or hub id."""

    def __init__(
        self,
        source: str | Path,
        *,
        model_id: str | None = None,
        device: str | None = None,
        temperature: float = 0.7,
    ):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.id = model_id or f"hf:{source}"
        self.temperature = temperature
        self.device, dtype = _device_and_dtype(device)
        started = time.perf_counter()
        try:
            # The tokenizer (a 262k-entry vocabulary) and the weights load side by side.
            with ThreadPoolExecutor(max_workers=1) as pool:
                tokenizer = pool.submit(AutoTokenizer.from_pretrained, source)
                self.model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype).to(self.device).eval()
                self.tokenizer = tokenizer.result()
        except OSError as exc:
            raise InputError(f"cannot load model {self.id!r}: {str(exc).splitlines()[0]}") from exc
        if not self.tokenizer.chat_template:
            self.tokenizer.chat_template = gemma3_chat_template()
        self.writes_freely = self.model.num_parameters() >= FREE_WRITING_PARAMS
        self.load_seconds = time.perf_counter() - started
        self.stats = {"prompt_tokens": 0, "new_tokens": 0, "seconds": 0.0}
        self._prefixes: dict[tuple[int, ...], tuple[Any, Any]] = {}
        self._head_bf16 = None
        self._line_ends: frozenset[int] | None = None
        log.info("loaded %s on %s in %.1fs", self.id, self.device, self.load_seconds)

    scores_likelihood = True
    PREFIXES_KEPT = 8

    def _prefill(self, ids: list[int]):
        """KV cache and next-token log-probs after `ids`, reusing the longest cached prefix of them
        (the song or scene context is shared by every field asked about it)."""
        key = tuple(ids)
        if key not in self._prefixes:
            have = len(self._longest_cached(key) or ())
            cuts = [i + 1 for i, t in enumerate(ids[:-1]) if t in self._newline_ids() and i + 1 > have + 8]
            # Prompts that share a document differ after one of its lines: cache the state after
            # the first new line (a shared header) and after the last (the document), then the rest.
            for cut in sorted({cuts[0], cuts[-1]}) if cuts else ():
                self._prefill_state(ids[:cut])
            self._prefill_state(ids)
        cache, hidden = self._prefixes[key]
        return cache, self._last_logprobs(hidden)

    def _longest_cached(self, key: tuple[int, ...]) -> tuple[int, ...] | None:
        return max((p for p in self._prefixes if len(p) < len(key) and key[: len(p)] == p), key=len, default=None)

    def _prefill_state(self, ids: list[int]) -> None:
        """Cache the state after `ids`, continuing the longest cached prefix (no output layer: only
        a question's last token needs it, and `_last_logprobs` computes that on demand)."""
        import copy

        key = tuple(ids)
        if key in self._prefixes:
            return
        best = self._longest_cached(key)
        self._run_prefix(ids, copy.deepcopy(self._prefixes[best][0]) if best is not None else None, len(best) if best is not None else 0)

    def _run_prefix(self, ids: list[int], cache, start: int) -> None:
        import torch

        with torch.inference_mode():
            out = self.model.model(torch.tensor([ids[start:]], device=self.device), past_key_values=cache, use_cache=True)
        self.stats["prompt_tokens"] += len(ids) - start
        if len(self._prefixes) >= self.PREFIXES_KEPT:
            self._prefixes.pop(next(iter(self._prefixes)))
        self._prefixes[tuple(ids)] = (out.past_key_values, out.last_hidden_state[0, -1])

    def _last_logprobs(self, hidden):
        """Next-token log-probs from one hidden state. The output layer is 262k x 640: reading it
        in bfloat16 halves the memory traffic that one position's logits cost on a CPU."""
        import torch

        if self._head_bf16 is None:
            self._head_bf16 = self.model.lm_head.weight.detach().to(torch.bfloat16)
        with torch.inference_mode():
            logits = (hidden.to(torch.bfloat16) @ self._head_bf16.T).float()
        return torch.log_softmax(logits, dim=-1)

    def _newline_ids(self) -> frozenset[int]:
        """Tokens that end a line ("\n", "\n\n", ...): where a document's lines end."""
        if self._line_ends is None:
            self._line_ends = frozenset(i for t, i in self.tokenizer.get_vocab().items() if t.endswith("\n"))
        return self._line_ends

    def score_options(self, prompt: str, options: Sequence[str], *, seed: int = 0) -> list[float]:
        """Log-probability of each option after `prompt` (a plain completion, no chat turns: a base
        model continues text): of its first token when the options all start differently, else of
        all its tokens. The prompt is run once (its longest cached prefix reused); the options'
        further tokens run as one batch on copies of its cache."""
        import copy

        import torch

        started = time.perf_counter()
        ids = self.tokenizer(prompt, add_special_tokens=True).input_ids
        cache, first = self._prefill(ids)
        encoded = [self.tokenizer(o, add_special_tokens=False).input_ids for o in options]
        scores = [float(first[e[0]]) for e in encoded]
        # Options that differ in their first token are told apart by it (one position of the
        # 262k-row output layer instead of one per option token, which is most of the cost).
        distinct = len({e[0] for e in encoded}) == len(encoded)
        longer = [] if distinct else [i for i, e in enumerate(encoded) if len(e) > 1]
        if longer:
            width = max(len(encoded[i]) - 1 for i in longer)
            pad = self.tokenizer.pad_token_id or 0
            # Right padding: a real token never attends to the padding after it, so no mask is needed.
            batch = torch.tensor([encoded[i][:-1] + [pad] * (width + 1 - len(encoded[i])) for i in longer], device=self.device)
            batch_cache = copy.deepcopy(cache)
            batch_cache.batch_repeat_interleave(len(longer))
            with torch.inference_mode():
                logp = torch.log_softmax(self.model(batch, past_key_values=batch_cache, use_cache=True).logits.float(), dim=-1)
            for row, i in enumerate(longer):
                rest = encoded[i][1:]
                scores[i] += float(logp[row, torch.arange(len(rest)), torch.tensor(rest)].sum())
            self.stats["new_tokens"] += int(batch.numel())
        self.stats["seconds"] += time.perf_counter() - started
        return scores

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
        from transformers import LogitsProcessorList

        self.check_media(images, audio)
        inputs = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.device)
        processors = LogitsProcessorList()
        if schema is not None:
            processors.append(JsonSchemaLogitsProcessor(self._ll_tokenizer(), schema))
        started = time.perf_counter()
        out = self._sample(inputs, processors, max_new_tokens=max_new_tokens, seed=seed, pad_token_id=self.tokenizer.pad_token_id)
        new_tokens = out[0, inputs["input_ids"].shape[1] :]
        self.stats["prompt_tokens"] += int(inputs["input_ids"].shape[1])
        self.stats["new_tokens"] += len(new_tokens)
        self.stats["seconds"] += time.perf_counter() - started
        log.debug("%d tokens in %.1fs", len(new_tokens), time.perf_counter() - started)
        return self.tokenizer.decode(new_tokens, skip_special_tokens=True)


def allow_missing_torchvision() -> None:
    """Let a Gemma 4 processor load where torchvision is not installed (this project's CPU torch has
    no matching torchvision wheel): images then go through the PIL image processor, and the video
    slot, which songflow never uses, gets a plain BaseVideoProcessor."""
    import importlib

    from transformers.utils import is_torchvision_available

    if is_torchvision_available():
        return
    from transformers import processing_utils
    from transformers.video_processing_utils import BaseVideoProcessor, VideoProcessorMixin

    auto = importlib.import_module("transformers.models.auto.video_processing_auto")
    setattr(processing_utils.transformers_module, "VideoProcessorMixin", VideoProcessorMixin)
    auto.AutoVideoProcessor.from_pretrained = classmethod(lambda cls, *a, **k: BaseVideoProcessor())


AUDIO_RATE = 16000  # what Gemma 4's audio feature extractor takes


class MultimodalModel(_LocalModel):
    """Gemma 4 through AutoProcessor + AutoModelForMultimodalLM: text, images and audio in, JSON out.

    Everything model-specific - turn markers, the system role, image/audio placeholders, the
    thinking switch - comes from the processor's chat template; the reply is split into thinking
    and answer by `processor.parse_response`.
    """

    def __init__(self, source: str | Path, *, model_id: str, temperature: float = 0.7, thinking: bool = False, thinking_tokens: int = 512, device: str | None = None):
        from transformers import AutoModelForMultimodalLM, AutoProcessor

        self.id = model_id
        self.temperature = temperature
        self.thinking = thinking
        self.thinking_tokens = thinking_tokens
        self.device, dtype = _device_and_dtype(device)
        allow_missing_torchvision()
        started = time.perf_counter()
        try:
            self.processor = AutoProcessor.from_pretrained(source)
            # On GPU let accelerate place the layers (big checkpoints span devices); on CPU keep it plain.
            placement = {"device_map": "auto"} if self.device.startswith("cuda") else {}
            self.model = AutoModelForMultimodalLM.from_pretrained(source, dtype=dtype, **placement).eval()
        except OSError as exc:
            raise InputError(f"cannot load model {self.id!r}: {str(exc).splitlines()[0]}") from exc
        if not placement:
            self.model.to(self.device)
        self.tokenizer = self.processor.tokenizer
        config = self.model.config
        self.supports_images = getattr(config, "vision_config", None) is not None
        self.supports_audio = getattr(config, "audio_config", None) is not None
        self.load_seconds = time.perf_counter() - started
        log.info("loaded %s (%s) on %s in %.1fs", self.id, type(self.model).__name__, self.device, self.load_seconds)

    def conversation(self, messages: Sequence[Message], images: Sequence[Path], audio: Sequence[Path]) -> list[dict[str, Any]]:
        """Chat messages in the processor's format, images and audio in the last user turn."""
        from PIL import Image

        self.check_media(images, audio)
        convo = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in messages]
        if images or audio:
            from songflow.listening.audio import load_audio

            last = max(i for i, m in enumerate(convo) if m["role"] == "user")
            media = [{"type": "image", "image": Image.open(p).convert("RGB")} for p in images]
            media += [{"type": "audio", "audio": load_audio(p, AUDIO_RATE, min_seconds=0.5)} for p in audio]
            convo[last]["content"] = media + convo[last]["content"]
        return convo

    def inputs(self, messages: Sequence[Message], images: Sequence[Path] = (), audio: Sequence[Path] = ()):
        """Token ids and media tensors for a generation, through the processor's chat template."""
        inputs = self.processor.apply_chat_template(
            self.conversation(messages, images, audio),
            add_generation_prompt=True,
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
            enable_thinking=self.thinking,
        )
        unused = set(getattr(self.processor, "unused_input_names", ()) or ())
        return {k: v for k, v in inputs.items() if k not in unused}

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
        from transformers import LogitsProcessorList

        inputs = self.inputs(messages, images, audio)
        inputs = {k: (v.to(self.model.device) if hasattr(v, "to") else v) for k, v in inputs.items()}
        prompt_ids = inputs["input_ids"][0]
        processors = LogitsProcessorList()
        budget = max_new_tokens + (self.thinking_tokens if self.thinking else 0)
        if schema is not None:
            thought = thinking_markers(self.tokenizer) if self.thinking else None
            processors.append(JsonSchemaLogitsProcessor(self._ll_tokenizer(), schema, thought=thought))
        out = self._sample(inputs, processors, max_new_tokens=budget, seed=seed)
        new_ids = out[0, prompt_ids.shape[0] :]
        return self.split(new_ids, prompt_ids)

    def split(self, new_ids, prompt_ids) -> Reply:
        """Thinking and answer of a generation, by the processor's response parser."""
        try:
            parsed = self.processor.parse_response(new_ids, prefix=prompt_ids)
        except (AttributeError, ValueError):  # a checkpoint without a response template
            return Reply(self.tokenizer.decode(new_ids, skip_special_tokens=True).strip())
        if isinstance(parsed, list):
            parsed = parsed[0]
        return Reply((parsed.get("content") or "").strip(), (parsed.get("reasoning_content") or "").strip() or None)


def thinking_markers(tokenizer) -> tuple[int, int]:
    """Token ids that open and close Gemma 4's thinking channel, from the tokenizer's named tokens."""
    return (
        tokenizer.convert_tokens_to_ids(getattr(tokenizer, "soc_token", "<|channel>")),
        tokenizer.convert_tokens_to_ids(getattr(tokenizer, "eoc_token", "<channel|>")),
    )


class JsonSchemaLogitsProcessor:
    """Masks every token that would leave the JSON Schema's grammar (one sequence).

    With `thought=(open_id, close_id)` the grammar first allows one optional thinking channel -
    the open token, any tokens but the close token, the close token - then the JSON.
    """

    def __init__(self, ll_tokenizer, schema: dict[str, Any], thought: tuple[int, int] | None = None):
        import llguidance
        import llguidance.torch

        if thought is None:
            grammar = llguidance.LLMatcher.grammar_from_json_schema(schema, defaults={"whitespace_flexible": False})
        else:
            opened, closed = thought
            grammar = llguidance.LLMatcher.grammar_from_lark(
                f"start: thought? answer\nthought: <[{opened}]> <[^{closed}]>* <[{closed}]>\nanswer: {compact_json_rule(schema)}\n"
            )
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
