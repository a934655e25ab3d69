"""A tiny random-weight ShieldGemma 2 (Gemma 3 text + SigLIP vision) with a real ShieldGemma 2
processor, built without any download so songflow's `shieldgemma:` gate runs through the real
`from_pretrained` path. Tokenizer: Gemma 3's, from the converted embedded model, with the image
soft token Gemma 3's multimodal checkpoints add (id 262144). The chat template is a minimal
Gemma 3 one (the real checkpoint ships its own)."""

from __future__ import annotations

import sys
from pathlib import Path

CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m['role'] }}\n"
    "{% for c in m['content'] %}{% if c['type'] == 'image' %}<start_of_image>{% else %}{{ c['text'] }}{% endif %}{% endfor %}"
    "<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
SIDE, PATCH, TOKENS = 32, 8, 4  # a 32 px picture in 8 px patches, pooled to 2x2 image tokens


def build_tiny_shieldgemma(folder: Path) -> Path:
    import torch
    from transformers import (
        Gemma3ImageProcessorPil, Gemma3TextConfig, ShieldGemma2Config, ShieldGemma2ForImageClassification, ShieldGemma2Processor,
        SiglipVisionConfig,
    )

    from transformers import AutoTokenizer

    from backends.gguf import EMBEDDED, converted_folder, resolve_gguf
    from songflow.core.config import cache_dir

    gemma3 = AutoTokenizer.from_pretrained(converted_folder(*resolve_gguf(EMBEDDED, cache_dir()), cache_dir()))
    gemma3.add_special_tokens({"additional_special_tokens": ["<image_soft_token>"]})
    assert gemma3.convert_tokens_to_ids("<image_soft_token>") == 262144
    work = folder.parent / f"{folder.name}-tokenizer"
    gemma3.save_pretrained(work)
    named = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
    tok = AutoTokenizer.from_pretrained(work, extra_special_tokens=named)
    processor = ShieldGemma2Processor(
        image_processor=Gemma3ImageProcessorPil(size={"height": SIDE, "width": SIDE}, do_pan_and_scan=False),
        tokenizer=tok, chat_template=CHAT_TEMPLATE, image_seq_length=TOKENS,
    )
    config = ShieldGemma2Config(
        text_config=Gemma3TextConfig(vocab_size=262208, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                                     num_key_value_heads=1, head_dim=8, sliding_window=64, max_position_embeddings=4096),
        vision_config=SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, image_size=SIDE, patch_size=PATCH),
        mm_tokens_per_image=TOKENS,
    )
    torch.manual_seed(0)
    model = ShieldGemma2ForImageClassification(config)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


if __name__ == "__main__":
    print(build_tiny_shieldgemma(Path(sys.argv[1])))
