"""What invalidates what: cache keys change with exactly the inputs a stage depends on."""

from __future__ import annotations

from pathlib import Path

from prefect.states import Failed

from flows.caching import stage_key
from flows.running import is_transient
from flows.tasks import analyze_task, assemble_task, plan_task, render_task
from songflow.core.config import ModelConfig, PipelineConfig, QAConfig
from songflow.core.errors import ModelOutputError
from songflow.core.store import SongOutputs


def keys(cfg: PipelineConfig, audio: Path, out: SongOutputs) -> dict[str, str]:
    """Keys of the stage tasks for the same upstream inputs under `cfg`."""
    return {
        "analyze": analyze_task.cache_key_fn(None, {"audio": audio, "lyrics": None, "title": "t", "cfg": cfg}),
        "plan": plan_task.cache_key_fn(None, {"analysis": {"a": 1}, "cfg": cfg}),
        "render": render_task.cache_key_fn(None, {"shot": {"s": 1}, "style": {"x": 1}, "cfg": cfg, "out": out}),
        "assemble": assemble_task.cache_key_fn(None, {"analysis": {"a": 1}, "shots": {"s": 1}, "keyframes": [], "cfg": cfg, "out": out}),
    }


def test_model_change_invalidates_model_stages_only(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF....")
    out = SongOutputs(tmp_path / "out")
    base = keys(PipelineConfig(), audio, out)
    other = keys(PipelineConfig(model=ModelConfig(id="hf:some/other-gemma")), audio, out)
    assert other["analyze"] != base["analyze"] and other["plan"] != base["plan"]
    assert other["render"] == base["render"] and other["assemble"] == base["assemble"]


def test_audio_content_and_config_sections_are_in_the_key(tmp_path):
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"RIFF....")
    out = SongOutputs(tmp_path / "out")
    base = keys(PipelineConfig(), audio, out)
    audio.write_bytes(b"RIFF!!!!")  # same path, new content
    assert keys(PipelineConfig(), audio, out)["analyze"] != base["analyze"]
    audio.write_bytes(b"RIFF....")
    qa_changed = keys(PipelineConfig(qa=QAConfig(max_rerenders=0)), audio, out)
    assert qa_changed == base  # none of these stages reads the QA config


def test_prompt_files_are_in_the_key():
    with_prompt = stage_key("plan", prompts=("plan_scene",))
    without = stage_key("plan")
    params = {"analysis": {"a": 1}, "cfg": PipelineConfig()}
    assert with_prompt(None, params) != without(None, params)


def test_only_transient_failures_are_retried():
    assert is_transient(None, None, Failed(data=ConnectionRefusedError("model server down")))
    assert is_transient(None, None, Failed(data=TimeoutError("slow")))
    assert not is_transient(None, None, Failed(data=ModelOutputError("write_shots", [("raw", "error")])))
    assert not is_transient(None, None, Failed(data=ValueError("bug")))
