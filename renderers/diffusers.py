"""Keyframes from a diffusers text-to-image pipeline, and moving shots from an image-to-video one:
a hub id or a local folder, loaded with `DiffusionPipeline.from_pretrained` (never with remote code).

Reference pictures (a character's first keyframe, the scene's first keyframe) go to the pipeline's
own reference input where it has one (FLUX.2 `image=[...]`, Flux Kontext `image=`); a plain
text-to-image family (Flux.1, SDXL, ...) draws from the first reference by img2img instead.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import threading
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from renderers.base import Capabilities, Motion, Renderer, prompt_for
from renderers.song_audio import ShotAudio, encode_shot_audio, hold_audio
from schemas.scenes import StyleBible
from schemas.shots import Shot
from songflow.core.config import RenderConfig
from songflow.core.errors import InputError

log = logging.getLogger(__name__)

EXTRA = "pip install 'songflow[diffusion]'"
MIN_REFERENCE_SIDE = 64


@dataclass(frozen=True)
class Family:
    """How a pipeline class is driven: its reference input and sensible defaults."""

    references: str  # "list": image=[...]; "single": image=<one>; "img2img": from the first reference
    steps: int
    guidance: float
    size: tuple[int, int]  # (width, height) it draws at; the keyframe is resized to the video's size
    negative: bool = False  # takes a negative prompt (classifier-free guidance)
    capabilities: Capabilities = field(default=Capabilities(references=True))
    multiple: int = 16  # width and height are multiples of this


FAMILIES: dict[str, Family] = {
    # FLUX.2 [klein] 4B/9B: distilled, 4 steps, several reference pictures at once.
    "Flux2KleinPipeline": Family("list", 4, 1.0, (1280, 720)),
    "Flux2Pipeline": Family("list", 28, 4.0, (1280, 720)),
    "FluxKontextPipeline": Family("single", 28, 2.5, (1280, 720)),
    "QwenImageEditPlusPipeline": Family("list", 40, 1.0, (1280, 720), negative=True),
    "FluxPipeline": Family("img2img", 28, 3.5, (1280, 720)),
    "StableDiffusionXLPipeline": Family("img2img", 30, 5.0, (1344, 768), negative=True),
    "StableDiffusion3Pipeline": Family("img2img", 28, 5.0, (1280, 720), negative=True),
}



def _import_diffusers():
    try:
        import diffusers
    except ImportError:
        raise InputError(f"the diffusers renderer needs the diffusers package: {EXTRA}") from None
    return diffusers


def _config_file(source: str, name: str) -> Path:
    """A checkpoint's config file (model_index.json, transformer/config.json ...), without the weights."""
    folder = Path(source).expanduser()
    if folder.is_dir():
        path = folder / name
        if not path.is_file():
            raise InputError(f"{folder} is not a diffusers pipeline folder (no {name})" if name == "model_index.json" else f"{folder} lacks {name}")
        return path
    if source.startswith((".", "/", "~")) or source.count("/") != 1:
        raise InputError(f"renderer folder not found: {source}")
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(source, name))
    except Exception as exc:  # offline and not cached, unknown repo, gated ...
        raise InputError(f"cannot read {source}/{name}: {str(exc).splitlines()[0]}") from None


def _read_config(source: str, name: str) -> dict:
    path = _config_file(source, name)
    try:
        config = json.loads(path.read_text())
    except ValueError as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(config, dict):
        raise InputError(f"{path}: not a config")
    return config


def pipeline_class_name(source: str, index: dict | None = None) -> str:
    """The pipeline class a checkpoint declares in its model_index.json (read without the weights)."""
    index = _read_config(source, "model_index.json") if index is None else index
    if "_class_name" not in index:
        raise InputError(f"{source}/model_index.json: not a pipeline index (no _class_name)")
    return str(index["_class_name"])


def takes_last_frame(source: str, index: dict) -> bool:
    """Whether a Wan image-to-video checkpoint can end a clip on a given last frame (`last_image`):
    with a CLIP image encoder (Wan 2.1) only a first-last-frame transformer can, one whose image
    embedding has a position table for two images (`pos_embed_seq_len`, Wan2.1-FLF2V-14B-720P); with
    none (Wan 2.2 I2V-A14B), the last frame conditions the latents alone, which the pipeline takes;
    Wan 2.2 TI2V-5B (`expand_timesteps`) conditions on the first frame only and ignores it.
    `index`: the checkpoint's model_index.json."""
    if index.get("expand_timesteps"):
        return False
    encoder = index.get("image_encoder")
    if not encoder or encoder == [None, None]:
        return True
    return _read_config(source, "transformer/config.json").get("pos_embed_seq_len") is not None


def family_of(source: str) -> Family:
    _import_diffusers()
    name = pipeline_class_name(source)
    if name not in FAMILIES:
        hint = " (an image-to-video model: use it with --motion)" if name in VIDEO_FAMILIES else ""
        raise InputError(f"{source} is a {name}{hint}; diffusers keyframe renderers: {', '.join(FAMILIES)}")
    return FAMILIES[name]


@dataclass(frozen=True)
class VideoFamily:
    """An image-to-video pipeline class: its frame-count rule, frame rate and defaults."""

    capabilities: Capabilities
    steps: int
    guidance: float
    size: tuple[int, int]
    negative: bool = True
    multiple: int = 16  # width and height are multiples of this


VIDEO_FAMILIES: dict[str, VideoFamily] = {
    # Wan 2.1 / 2.2 I2V (14B; A14B): 16 fps, clips of 4k+1 frames up to 81 (5 s).
    "WanImageToVideoPipeline": VideoFamily(
        Capabilities(references=False, video=True, frame_step=4, frame_offset=1, fps=16.0, max_frames=81), 30, 5.0, (832, 480)
    ),
    # LTX-2 (Lightricks): video and audio in one transformer; clips of 8k+1 frames at the frame rate
    # asked (the video's), up to 20 s; sides in multiples of 32. songflow holds the audio branch on
    # the shot's own audio (renderers/song_audio.py), so the motion follows the music; a lip-sync
    # shot's audio is its voice alone, so a singer's mouth follows the words.
    "LTX2ImageToVideoPipeline": VideoFamily(
        Capabilities(references=False, video=True, frame_step=8, frame_offset=1, fps=24.0, max_frames=481, audio=True, lip_sync=True), 30, 3.0, (768, 512),
        multiple=32,
    ),
}

# Wan 2.2 TI2V-5B (`expand_timesteps` in its model_index.json): the same pipeline class at 24 fps,
# clips of 4k+1 frames up to 121 (5 s), 1280x704, sides in multiples of 32 (its VAE is 16x).
WAN_TI2V_5B = VideoFamily(
    Capabilities(references=False, video=True, frame_step=4, frame_offset=1, fps=24.0, max_frames=121), 50, 5.0, (1280, 704), multiple=32,
)
LAST_FRAME_FAMILIES = {"WanImageToVideoPipeline"}  # `last_image`, where the checkpoint takes it (takes_last_frame)

VIDEO_NEGATIVE = "static, frozen frame, blurry, distorted, morphing faces, extra limbs, text, watermark"


def video_family_of(source: str) -> VideoFamily:
    """The checkpoint's image-to-video family; a Wan checkpoint's capabilities say whether it takes
    a last frame (`takes_last_frame`)."""
    _import_diffusers()
    index = _read_config(source, "model_index.json")
    name = pipeline_class_name(source, index)
    if name not in VIDEO_FAMILIES:
        hint = " (a still-image model: use it with --renderer)" if name in FAMILIES else ""
        raise InputError(f"{source} is a {name}{hint}; diffusers image-to-video models: {', '.join(VIDEO_FAMILIES)}")
    family = VIDEO_FAMILIES[name]
    if name == "WanImageToVideoPipeline" and index.get("expand_timesteps"):
        family = WAN_TI2V_5B  # same pipeline class, its own rate and size
    if name in LAST_FRAME_FAMILIES and takes_last_frame(source, index):
        family = dataclasses.replace(family, capabilities=dataclasses.replace(family.capabilities, last_frame=True))
    return family


def load_pipeline(source: str, *, offload: bool):
    """The pipeline on CUDA (bfloat16) or the CPU (float32), progress bars off unless verbose."""
    diffusers = _import_diffusers()
    device, dtype = device_and_dtype()
    log.info("loading %s on %s (%s)", source, device, dtype)
    if not log.isEnabledFor(logging.INFO):
        import transformers

        diffusers.utils.logging.disable_progress_bar()
        transformers.utils.logging.disable_progress_bar()
    pipe = diffusers.DiffusionPipeline.from_pretrained(source, dtype=dtype)
    if offload and device == "cuda":
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe, device


def device_and_dtype():
    """CUDA with bfloat16 where there is a GPU; the CPU with float32 otherwise."""
    import torch

    if torch.cuda.is_available():
        return "cuda", torch.bfloat16
    return "cpu", torch.float32


class _Pipeline:
    """A loaded pipeline of a known family: what its __call__ takes, one call at a time."""

    def __init__(self, source: str, cfg: RenderConfig, family: Family | VideoFamily) -> None:
        self.family = family
        self.capabilities = family.capabilities
        self.cfg = cfg
        self.pipe, self.device = load_pipeline(source, offload=cfg.offload)
        self.takes = set(inspect.signature(self.pipe.__call__).parameters)
        self._lock = threading.Lock()  # one picture at a time per pipeline

    def _size(self, width: int | None, height: int | None) -> tuple[int, int]:
        """The configured size, else the family's, in multiples of 16 (or the family's own step)."""
        w, h = width or self.family.size[0], height or self.family.size[1]
        return w - w % self.family.multiple, h - h % self.family.multiple


class DiffusersRenderer(_Pipeline, Renderer):
    name = "diffusers"

    def __init__(self, source: str, cfg: RenderConfig) -> None:
        super().__init__(source, cfg, family_of(source))
        self._img2img = None

    @property
    def draw_size(self) -> tuple[int, int]:
        return self._size(self.cfg.draw_width, self.cfg.draw_height)

    def _img2img_pipe(self):
        if self._img2img is None:
            from diffusers import AutoPipelineForImage2Image

            self._img2img = AutoPipelineForImage2Image.from_pipe(self.pipe)
            self._img2img.set_progress_bar_config(disable=True)
        return self._img2img

    def render(
        self, shot: Shot, *, seed: int, width: int, height: int, style: StyleBible | None = None, references: Sequence[Image.Image] = ()
    ) -> Image.Image:
        import torch

        w, h = self.draw_size
        # References at the size the model draws (FLUX.2 takes none under 64 px a side).
        grow = max(1.0, MIN_REFERENCE_SIDE / min(w, h))
        refs = [r.convert("RGB").resize((round(w * grow), round(h * grow)), Image.LANCZOS) for r in references]
        kwargs: dict = {
            "prompt": prompt_for(shot, style),
            "num_inference_steps": self.cfg.steps or self.family.steps,
            "guidance_scale": self.family.guidance if self.cfg.guidance is None else self.cfg.guidance,
            "generator": torch.Generator("cpu").manual_seed(seed),
            "height": h,
            "width": w,
        }
        if self.family.negative and "negative_prompt" in self.takes:
            kwargs["negative_prompt"] = self.cfg.negative_prompt
        pipe = self.pipe
        if refs and self.family.references == "list":
            kwargs["image"] = refs
        elif refs and self.family.references == "single":
            kwargs["image"] = refs[0]
        elif refs:
            pipe = self._img2img_pipe()
            kwargs.update(image=refs[0], strength=self.cfg.reference_strength)
        with self._lock:
            image = pipe(**kwargs).images[0]
        image = image.convert("RGB")
        return image if image.size == (width, height) else image.resize((width, height), Image.LANCZOS)


class DiffusersMotion(_Pipeline, Motion):
    """Image-to-video from the shot's chosen keyframe (Wan 2.x I2V)."""

    name = "diffusers"

    def __init__(self, source: str, cfg: RenderConfig) -> None:
        super().__init__(source, cfg, video_family_of(source))
        # Wan2.1-FLF2V: the image embedding's position table is for two images, so a clip with no
        # last frame of its own (continuity off, or a scene's last shot) ends on its own keyframe.
        transformer = getattr(self.pipe, "transformer", None)
        self.two_images = transformer is not None and transformer.config.get("pos_embed_seq_len") is not None

    @property
    def draw_size(self) -> tuple[int, int]:
        return self._size(self.cfg.motion_width, self.cfg.motion_height)

    def animate(
        self, shot: Shot, keyframe: Image.Image, *, frames: int, seed: int, style: StyleBible | None = None, audio: ShotAudio | None = None,
        voice: ShotAudio | None = None, last: Image.Image | None = None,
    ) -> list[Image.Image]:
        import torch

        audio = voice if voice is not None else audio

        w, h = self.draw_size
        kwargs: dict = {
            "image": keyframe.convert("RGB").resize((w, h), Image.LANCZOS),
            "prompt": f"{prompt_for(shot, style)}, camera {shot.camera.replace('_', ' ')}",
            "height": h,
            "width": w,
            "num_frames": frames,
            "num_inference_steps": self.cfg.motion_steps or self.family.steps,
            "guidance_scale": self.family.guidance if self.cfg.motion_guidance is None else self.cfg.motion_guidance,
            "generator": torch.Generator("cpu").manual_seed(seed),
            "output_type": "pil",
        }
        if self.family.negative and "negative_prompt" in self.takes:
            kwargs["negative_prompt"] = VIDEO_NEGATIVE
        if last is None and self.two_images:  # a first-last-frame model always takes two pictures: it returns to its own
            last = keyframe
        if last is not None and self.capabilities.last_frame:
            kwargs["last_image"] = last.convert("RGB").resize((w, h), Image.LANCZOS)
        if self.capabilities.audio and "frame_rate" in self.takes:
            kwargs["frame_rate"] = self.capabilities.fps
        held = None
        if self.capabilities.audio and audio is not None:
            held = encode_shot_audio(self.pipe, audio, frames, self.capabilities.fps)
            kwargs["audio_latents"] = held
        with self._lock, (hold_audio(self.pipe, held) if held is not None else nullcontext()):
            clip = list(self.pipe(**kwargs).frames[0])  # the audio it decodes is dropped: the song is the soundtrack
        if len(clip) != frames:
            raise RuntimeError(f"{type(self.pipe).__name__} made {len(clip)} frames, not the {frames} asked for")
        return [im.convert("RGB") for im in clip]
