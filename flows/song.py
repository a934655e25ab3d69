"""One flow run per song: analyze -> plan_scenes -> write_shots -> render -> qa -> assemble.

Tasks are thin wrappers: they call the stage, write its validated output atomically under
`outputs/<song>/`, and publish a small artifact. The stages themselves know nothing of Prefect.
"""

from __future__ import annotations

import threading
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

import backends
from backends.base import TextModel
from backends.renderers import load_renderer
from schemas.analysis import SongAnalysis
from schemas.qa import QAReport
from schemas.scenes import ScenePlan
from schemas.shots import ShotList
from songflow.config import ModelConfig, PipelineConfig, from_env
from songflow.lyrics import read_lyrics
from songflow.store import SongOutputs
from stages.analyze import analyze_song
from stages.assemble import assemble_video
from stages.plan_scenes import plan_scenes
from stages.qa_keyframes import qa_keyframes
from stages.render_keyframes import render_keyframe
from stages.write_shots import write_shots


class ModelPool:
    """Loads each model id once per process; tasks share it."""

    def __init__(self) -> None:
        self._models: dict[str, TextModel] = {}
        self._lock = threading.Lock()

    def put(self, model: TextModel) -> None:
        """Use an already-built model for its id (a custom backend instance, or a test double)."""
        with self._lock:
            self._models[model.id] = model

    def get(self, cfg: ModelConfig) -> TextModel:
        with self._lock:
            if cfg.id not in self._models:
                self._models[cfg.id] = backends.load_model(cfg)
            return self._models[cfg.id]


MODELS = ModelPool()


def _song_name(audio: Path, title: str | None) -> str:
    return title or Path(audio).stem


@task(name="analyze", cache_policy=NO_CACHE, tags=["gemma"])
def analyze_task(audio: Path, lyrics: Path | None, title: str | None, cfg: PipelineConfig, out: SongOutputs) -> SongAnalysis:
    model = MODELS.get(cfg.model)
    parsed = read_lyrics(lyrics) if lyrics else None
    analysis = analyze_song(audio, parsed, model, cfg.analyze, cfg.model, title=_song_name(audio, title))
    out.save("analysis", analysis)
    i = analysis.interpretation
    create_markdown_artifact(
        key="song-analysis",
        markdown=(
            f"**{analysis.title}**: {analysis.duration:.1f}s, {analysis.tempo:.0f} BPM, {len(analysis.beats)} beats, "
            f"{len(analysis.sections)} sections\n\nMood: {i.mood}. Themes: {', '.join(i.themes)}."
        ),
        description="Stage 1: song analysis",
    )
    return analysis


@task(name="plan_scenes", cache_policy=NO_CACHE, tags=["gemma"])
def plan_task(analysis: SongAnalysis, cfg: PipelineConfig, out: SongOutputs) -> ScenePlan:
    plan = plan_scenes(analysis, MODELS.get(cfg.model), cfg.plan, cfg.model)
    out.save("scenes", plan)
    return plan


@task(name="write_shots", cache_policy=NO_CACHE, tags=["gemma"])
def shots_task(analysis: SongAnalysis, plan: ScenePlan, cfg: PipelineConfig, out: SongOutputs) -> ShotList:
    shots = write_shots(analysis, plan, MODELS.get(cfg.model), cfg.shots, cfg.model)
    out.save("shots", shots)
    return shots


@task(name="render_keyframes", cache_policy=NO_CACHE)
def render_task(shots: ShotList, plan: ScenePlan, cfg: PipelineConfig, out: SongOutputs) -> list[Path]:
    renderer = load_renderer(cfg.render.renderer)
    return [render_keyframe(s, renderer, out.root, style=plan.style, cfg=cfg.render) for s in shots.shots]


@task(name="qa_keyframes", cache_policy=NO_CACHE, tags=["gemma"])
def qa_task(shots: ShotList, plan: ScenePlan, keyframes: list[Path], cfg: PipelineConfig, out: SongOutputs) -> QAReport:
    renderer = load_renderer(cfg.render.renderer)

    def rerender(shot, attempt):
        return render_keyframe(shot, renderer, out.root, attempt=attempt, seed=shot.seed_for(attempt), style=plan.style, cfg=cfg.render)

    report = qa_keyframes(shots, keyframes, MODELS.get(cfg.model), rerender, cfg.qa, cfg.model, out_dir=out.root)
    out.save("qa", report)
    passed = sum(s.passed for s in report.shots)
    create_markdown_artifact(
        key="qa-verdicts",
        markdown=f"{passed}/{len(report.shots)} shots passed QA (evidence: {report.evidence_kind}).",
        description="Stage 4: vision QA",
    )
    return report


@task(name="assemble", cache_policy=NO_CACHE)
def assemble_task(analysis: SongAnalysis, shots: ShotList, qa: QAReport, cfg: PipelineConfig, out: SongOutputs) -> Path:
    chosen = [out.root / s.attempts[s.chosen_attempt].image for s in qa.shots]
    return assemble_video(Path(analysis.audio_path), analysis.duration, shots, chosen, analysis.lyrics, out.video, cfg.assemble)


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return _song_name(Path(params["audio"]), params.get("title"))


@flow(name="songflow", flow_run_name=_run_name, log_prints=True)
def make_video(
    audio: Path,
    lyrics: Path | None = None,
    title: str | None = None,
    preset: str = "default",
    model: str | None = None,
    outputs: Path | None = None,
) -> Path:
    """Song in, music video out."""
    cfg = from_env(preset, model=model, outputs=outputs)
    out = SongOutputs.for_song(cfg.outputs, _song_name(audio, title))
    logger = get_run_logger()
    logger.info("writing to %s with model %s", out.root, cfg.model.id)
    analysis = analyze_task(audio, lyrics, title, cfg, out)
    plan = plan_task(analysis, cfg, out)
    shots = shots_task(analysis, plan, cfg, out)
    keyframes = render_task(shots, plan, cfg, out)
    report = qa_task(shots, plan, keyframes, cfg, out)
    video = assemble_task(analysis, shots, report, cfg, out)
    logger.info("video: %s", video)
    return video
