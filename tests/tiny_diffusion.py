"""Tiny random diffusers pipelines built from configs, saved with `save_pretrained`: songflow loads
them through the same `from_pretrained` path as a real checkpoint. Sizes follow diffusers' own
`get_dummy_components()`; a byte-level BPE tokenizer trained here stands in for Qwen's.

    python -m tests.tiny_diffusion flux2-klein /tmp/tiny-klein
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
CORPUS = [
    "a lone figure on a rooftop under neon rain, wide shot, grainy 35mm film",
    "ocean waves at dusk, close-up, soft golden light, the same dancer in a red coat",
    "city skyline at midnight, subject centred, low horizon, cinematic lighting",
]


@pytest.fixture(scope="module", autouse=True)
def offline_hub():
    """No download while a test module of tiny pipelines runs (import it there: it is autouse)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HF_HUB_OFFLINE", "1")
    yield
    mp.undo()


def byte_bpe_tokenizer(vocab_size: int = 512):
    """A byte-level BPE tokenizer (any text encodes) with chat markers and a pad token."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 4, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<|endoftext|>", eos_token="<|im_end|>", model_max_length=512)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def flux2_klein(folder: Path) -> Path:
    """FLUX.2 [klein]: Qwen3 text encoder (28 layers, as the pipeline reads layers 9, 18 and 27),
    a 1-block transformer and a 1-level VAE. Renders 64x36 in well under a second on a CPU."""
    import torch
    from diffusers import AutoencoderKLFlux2, FlowMatchEulerDiscreteScheduler, Flux2KleinPipeline, Flux2Transformer2DModel
    from transformers import Qwen3Config, Qwen3ForCausalLM

    tokenizer = byte_bpe_tokenizer()
    torch.manual_seed(0)
    transformer = Flux2Transformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16, num_attention_heads=2,
        joint_attention_dim=48, timestep_guidance_channels=256, axes_dims_rope=[4, 4, 4, 4], guidance_embeds=False,
    )
    config = Qwen3Config(
        intermediate_size=16, hidden_size=16, num_hidden_layers=28, num_attention_heads=2, num_key_value_heads=2,
        vocab_size=len(tokenizer), max_position_embeddings=1024,
    )
    text_encoder = Qwen3ForCausalLM(config)
    vae = AutoencoderKLFlux2(
        sample_size=32, in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",), up_block_types=("UpDecoderBlock2D",),
        block_out_channels=(4,), layers_per_block=1, latent_channels=1, norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False,
    )
    pipe = Flux2KleinPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder=text_encoder, tokenizer=tokenizer, transformer=transformer, vae=vae)
    pipe.save_pretrained(folder)
    return folder


def flux1(folder: Path) -> Path:
    """Flux.1, a text-to-image family with no reference input (songflow uses img2img from a
    reference): CLIP and T5 text encoders, a 1-block transformer, a 1-level VAE."""
    import torch
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    clip_tok, t5_tok = byte_bpe_tokenizer(), byte_bpe_tokenizer()
    clip_tok.model_max_length = 77
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16, num_attention_heads=2,
        joint_attention_dim=32, pooled_projection_dim=32, axes_dims_rope=[4, 4, 8],
    )
    clip = CLIPTextModel(CLIPTextConfig(
        bos_token_id=0, eos_token_id=2, hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
        pad_token_id=0, vocab_size=len(clip_tok), projection_dim=32,
    ))
    t5 = T5EncoderModel(T5Config(vocab_size=len(t5_tok), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4, pad_token_id=0))
    vae = AutoencoderKL(
        sample_size=32, in_channels=3, out_channels=3, block_out_channels=(4,), layers_per_block=1, latent_channels=1,
        norm_num_groups=1, use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.0609, scaling_factor=1.5035,
    )
    pipe = FluxPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(), text_encoder=clip, tokenizer=clip_tok, text_encoder_2=t5, tokenizer_2=t5_tok,
        transformer=transformer, vae=vae, image_encoder=None, feature_extractor=None,
    )
    pipe.save_pretrained(folder)
    return folder


def wan_i2v(folder: Path, *, last_frame: bool = False) -> Path:
    """Wan 2.1 image-to-video: a T5 text encoder, a CLIP vision encoder for the first frame, a
    2-layer 3D transformer and a small causal video VAE (4x in time: clips of 4k+1 frames). With
    `last_frame`, a first-last-frame transformer (Wan2.1-FLF2V): its image embedding has a position
    table for the two images' CLIP tokens (2 x 1025 here: 32x32 patches of 1 pixel and a class
    token; 2 x 257 in the real 14B)."""
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline, WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel, UMT5Config, UMT5EncoderModel

    tok = byte_bpe_tokenizer()
    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True])
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=len(tok), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4, pad_token_id=0))
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=36, out_channels=16, text_dim=32,
        freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads", rope_max_seq_len=32, image_dim=4,
        pos_embed_seq_len=2 * (32 * 32 + 1) if last_frame else None,
    )
    image_encoder = CLIPVisionModel(CLIPVisionConfig(
        hidden_size=4, num_hidden_layers=2, num_attention_heads=2, image_size=32, intermediate_size=16, patch_size=1,
    ))
    pipe = WanImageToVideoPipeline(
        tokenizer=tok, text_encoder=text_encoder, image_encoder=image_encoder, image_processor=CLIPImageProcessor(crop_size=32, size=32),
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
    )
    pipe.save_pretrained(folder)
    return folder


def ltx2_i2v(folder: Path) -> Path:
    """LTX-2 image-to-video, from diffusers' own test components (tests/pipelines/ltx2/
    test_ltx2_image2video.py, get_dummy_components) with two changes: the Gemma 3 text encoder is
    built from a config (the tests download hf-internal-testing/tiny-gemma3), and the audio VAE
    downsamples 4x in time and in mel bins as the real one does (ch_mult (1, 2, 4); the test's
    (1,) never downsamples, so a real mel would not fit its transformer), over 8 mel bins."""
    import torch
    from diffusers import (AutoencoderKLLTX2Audio, AutoencoderKLLTX2Video, FlowMatchEulerDiscreteScheduler, LTX2ImageToVideoPipeline,
                           LTX2VideoTransformer3DModel)
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    tok = byte_bpe_tokenizer()
    torch.manual_seed(0)
    # hidden 32: the connectors' attention (4 heads of 8) runs at the caption width.
    text = dict(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                head_dim=16, max_position_embeddings=256, pad_token_id=tok.pad_token_id)
    vision = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2, image_size=32, patch_size=8)
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(text_config=text, vision_config=vision, mm_tokens_per_image=4))
    hidden, layers = text["hidden_size"], text["num_hidden_layers"]
    torch.manual_seed(0)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2, attention_head_dim=8, cross_attention_dim=16,
        audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2, audio_attention_head_dim=4, audio_cross_attention_dim=8,
        num_layers=2, qk_norm="rms_norm_across_heads", caption_channels=hidden, rope_double_precision=False, rope_type="split",
    )
    torch.manual_seed(0)
    connectors = LTX2TextConnectors(
        caption_channels=hidden, text_proj_in_factor=layers + 1, video_connector_num_attention_heads=4, video_connector_attention_head_dim=8,
        video_connector_num_layers=1, video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1, audio_connector_num_learnable_registers=None,
        connector_rope_base_seq_len=32, rope_theta=10000.0, rope_double_precision=False, causal_temporal_positioning=False, rope_type="split",
    )
    torch.manual_seed(0)
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,), decoder_block_out_channels=(8,), layers_per_block=(1,),
        decoder_layers_per_block=(1, 1), spatio_temporal_scaling=(True,), decoder_spatio_temporal_scaling=(True,), decoder_inject_noise=(False, False),
        downsample_type=("spatial",), upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False,
    )
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    torch.manual_seed(0)
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1, 2, 4), num_res_blocks=1, attn_resolutions=None, in_channels=2, resolution=32,
        latent_channels=2, norm_type="pixel", causality_axis="height", dropout=0.0, mid_block_add_attention=False, sample_rate=16000,
        mel_hop_length=160, is_causal=True, mel_bins=8,
    )
    torch.manual_seed(0)
    vocoder = LTX2Vocoder(
        in_channels=audio_vae.config.output_channels * audio_vae.config.mel_bins, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[4, 4],
        upsample_factors=[2, 2], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]], leaky_relu_negative_slope=0.1, output_sampling_rate=16000,
    )
    pipe = LTX2ImageToVideoPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, audio_vae=audio_vae, text_encoder=text_encoder, tokenizer=tok,
        connectors=connectors, transformer=transformer, vocoder=vocoder,
    )
    pipe.save_pretrained(folder)
    return folder


def wan_flf2v(folder: Path) -> Path:
    return wan_i2v(folder, last_frame=True)


BUILDERS = {"flux2-klein": flux2_klein, "flux1": flux1, "wan-i2v": wan_i2v, "wan-flf2v": wan_flf2v, "ltx2-i2v": ltx2_i2v}

if __name__ == "__main__":
    print(BUILDERS[sys.argv[1]](Path(sys.argv[2])))
