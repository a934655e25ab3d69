"""A tiny random-weight Gemma 4 (text + vision + audio towers) with a real Gemma 4 processor, built
here without any download, so the `hf:` multimodal code path runs in tests.

Tokenizer: Gemma 3's, read from the GGUF the project ships. Gemma 3 and Gemma 4 share the
262,144-entry vocabulary, and Gemma 4's control tokens sit in slots Gemma 3 leaves unused
(<unusedN>, <start_of_turn>, ...), so renaming those entries gives the real Gemma 4 ids
(<|turn>=105, <|image|>=258880, ...). The chat template is tests/data/gemma4_chat_template.jinja
(Gemma 4's prompt format; the real checkpoints ship their own). The response template is the one
transformers' serving code uses for Gemma 4.
"""

from __future__ import annotations

import json
from pathlib import Path

CONTROL_TOKENS = {
    46: "<|tool>", 47: "<tool|>", 48: "<|tool_call>", 49: "<tool_call|>", 50: "<|tool_response>",
    51: "<tool_response|>", 52: '<|"|>', 98: "<|think|>", 100: "<|channel>", 101: "<channel|>",
    105: "<|turn>", 106: "<turn|>", 255999: "<|image>", 256000: "<|audio>", 258880: "<|image|>",
    258881: "<|audio|>", 258882: "<image|>", 258883: "<audio|>", 258884: "<|video|>",
}
NAMED_TOKENS = {
    "image_token": "<|image|>", "boi_token": "<|image>", "eoi_token": "<image|>",
    "audio_token": "<|audio|>", "boa_token": "<|audio>", "eoa_token": "<audio|>",
    "sot_token": "<|turn>", "eot_token": "<turn|>", "soc_token": "<|channel>", "eoc_token": "<channel|>",
    "think_token": "<|think|>", "escape_token": '<|"|>', "str_token": "<|tool_response>",
    "etr_token": "<tool_response|>", "stc_token": "<|tool_call>", "etc_token": "<tool_call|>",
    "std_token": "<|tool>", "etd_token": "<tool|>",
}
RESPONSE_TEMPLATE = {
    "defaults": {"role": "assistant"},
    "start_anchor": ["<|turn>model\n", "<tool_response|>"],
    "fields": {
        "reasoning_content": {"open": "<|channel>thought\n", "close": "<channel|>", "content": "text"},
        "tool_calls": {
            "open_pattern": r"<\|tool_call>call:(?P<name>\w+)", "close": "<tool_call|>", "repeats": True,
            "content": "json", "content_args": {"unquoted_keys": True, "string_delims": [['<|"|>', '<|"|>']]},
            "transform": {"type": "function", "function": {"name": "{name}", "arguments": "{content}"}},
        },
        "content": {"close": ["<turn|>", "<|tool_response>", "<eos>"], "content": "text"},
    },
}
CHAT_TEMPLATE = Path(__file__).parent / "data" / "gemma4_chat_template.jinja"


def gemma4_tokenizer(work: Path, gguf: Path):
    from transformers import AutoTokenizer, GemmaTokenizer

    gemma3 = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    gemma3.save_pretrained(work / "gemma3-tokenizer")
    data = json.loads((work / "gemma3-tokenizer" / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = data["model"]["vocab"]
    by_id = {i: t for t, i in vocab.items()}
    for idx, token in CONTROL_TOKENS.items():
        del vocab[by_id[idx]]
        vocab[token] = idx
    for added in data["added_tokens"]:
        if added["id"] in CONTROL_TOKENS:
            added.update(content=CONTROL_TOKENS[added["id"]], special=True)
    (work / "gemma4-tokenizer").mkdir(parents=True, exist_ok=True)
    (work / "gemma4-tokenizer" / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return GemmaTokenizer.from_pretrained(
        str(work / "gemma4-tokenizer"), add_bos_token=False, padding_side="left", extra_special_tokens=NAMED_TOKENS,
        chat_template=CHAT_TEMPLATE.read_text(encoding="utf-8"), response_template=RESPONSE_TEMPLATE,
    )


def build_tiny_gemma4(folder: Path, gguf: Path) -> Path:
    """Write a tiny random Gemma 4 checkpoint + processor to `folder`; return it."""
    import torch
    from transformers import (
        Gemma4AudioConfig, Gemma4AudioFeatureExtractor, Gemma4Config, Gemma4ForConditionalGeneration,
        Gemma4Processor, Gemma4TextConfig, Gemma4VisionConfig, GenerationConfig,
    )
    from transformers.utils import is_torchvision_available

    from backends.transformers_backend import allow_missing_torchvision

    torch.manual_seed(0)
    tok = gemma4_tokenizer(folder.parent / f"{folder.name}-work", gguf)
    allow_missing_torchvision()
    if is_torchvision_available():
        from transformers import Gemma4ImageProcessor as ImageProcessor
        from transformers import Gemma4VideoProcessor as VideoProcessor
    else:
        from transformers import Gemma4ImageProcessorPil as ImageProcessor
        from transformers.video_processing_utils import BaseVideoProcessor as VideoProcessor
    processor = Gemma4Processor(
        feature_extractor=Gemma4AudioFeatureExtractor(),
        image_processor=ImageProcessor(patch_size=16, max_soft_tokens=70, pooling_kernel_size=3),
        tokenizer=tok, video_processor=VideoProcessor(), chat_template=CHAT_TEMPLATE.read_text(encoding="utf-8"),
        image_seq_length=70,
    )
    text = Gemma4TextConfig(
        vocab_size=262144, vocab_size_per_layer_input=262144, hidden_size=32, hidden_size_per_layer_input=8,
        intermediate_size=64, num_hidden_layers=2, layer_types=["sliding_attention", "full_attention"],
        num_attention_heads=2, num_key_value_heads=1, head_dim=16, global_head_dim=16, sliding_window=64,
        max_position_embeddings=4096, final_logit_softcapping=30.0, num_kv_shared_layers=0,
        pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
    )
    vision = Gemma4VisionConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
        head_dim=16, patch_size=16, pooling_kernel_size=3, position_embedding_size=1024,
    )
    # subsampling_conv_channels[0] must equal the 128 mel bins (the projection size assumes it).
    audio = Gemma4AudioConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, subsampling_conv_channels=[128, 4], output_proj_dims=32)
    config = Gemma4Config(
        text_config=text, vision_config=vision, audio_config=audio,
        image_token_id=tok.image_token_id, audio_token_id=tok.audio_token_id,
        boi_token_id=tok.convert_tokens_to_ids(tok.boi_token), eoi_token_id=tok.convert_tokens_to_ids(tok.eoi_token),
        boa_token_id=tok.convert_tokens_to_ids(tok.boa_token), eoa_token_index=tok.convert_tokens_to_ids(tok.eoa_token),
        video_token_id=tok.convert_tokens_to_ids("<|video|>"),
    )
    model = Gemma4ForConditionalGeneration(config)
    # Stop on <eos>, <turn|>, <|tool_response> as the released checkpoints do.
    model.generation_config = GenerationConfig(bos_token_id=2, pad_token_id=0, eos_token_id=[1, 106, 50])
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
