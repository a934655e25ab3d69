"""The flow's tasks: thin wrappers around the stages that add caching, retries, tags and a GPU slot.

Each persists its result under a cache key made of what determines it (flows/caching.py), so a
rerun reuses every finished stage. Keyframes and QA are cached per shot.
"""


from pathlib import Path

from prefect import task
from prefect.runtime import task_run

from flows.caching import stage_key
from flows.results import PERSIST
from flows.running import GPU_TAG, MODEL_TAG, MODELS, RETRIES, draws_on_gpu, gpu_slot
from renderers import load_motion, load_renderer
from renderers.safety import load_safety
from schemas.analysis import SongAnalysis
from schemas.clips import ClipReport, ShotClip
from schemas.qa import QAReport, ShotQA
from schemas.scenes import ScenePlan, StyleBible
from schemas.shots import Shot, ShotList
from schemas.timing import TimingReport
from songflow.core.config import PipelineConfig, RenderConfig
from songflow.core.store import SongOutputs
from songflow.listening.lyrics import read_lyrics
from songflow.pictures.report import html_report
from songflow.pictures.storyboard import contact_sheet
from songflow.pictures.timeline import timeline_image
from stages.analyze import analyze_song
from stages.animate_shots import animate_shot
from stages.assemble import assemble_video
from stages.plan_scenes import plan_scenes
from stages.qa_keyframes import qa_shot, review_frames
from stages.render_keyframes import render_keyframe
from stages.timing_report import timing_report
from stages.write_shots import write_shots

# Settings a keyframe does not depend on: a new --motion or safety gate reuses the keyframes (and
# a new --motion the QA verdicts).
MOTION_SETTINGS = tuple(f"render.{name}" for name in RenderConfig.model_fields if name.startswith("motion"))
SAFETY_SETTINGS = tuple(f"render.{name}" for name in RenderConfig.model_fields if name.startswith("safety"))


@task(
    name="analyze",
    cache_key_fn=stage_key("analyze", config=("analyze",), prompts=("analyze", "listen"), uses_model=True, ignore=("analyze.max_minutes",)),
    **PERSIST,
    tags=[MODEL_TAG],
    **RETRIES,
)
def analyze_task(audio: Path, lyrics: Path | None, title: str, cfg: PipelineConfig) -> SongAnalysis:
    parsed = read_lyrics(lyrics) if lyrics else None
    with gpu_slot():
        return analyze_song(audio, parsed, MODELS.get(cfg.model_for("analyze")), cfg.analyze, cfg.model_for("analyze"), title=title)


@task(
    name="plan_scenes",
    cache_key_fn=stage_key("plan", config=("plan",), prompts=("plan_style", "plan_cast", "plan_scene"), uses_model=True),
    **PERSIST,
    tags=[MODEL_TAG],
    **RETRIES,
)
def plan_task(analysis: SongAnalysis, cfg: PipelineConfig) -> ScenePlan:
    with gpu_slot():
        return plan_scenes(analysis, MODELS.get(cfg.model_for("plan")), cfg.plan, cfg.model_for("plan"))


@task(
    name="write_shots",
    cache_key_fn=stage_key("shots", config=("shots",), prompts=("write_shots",), uses_model=True),
    **PERSIST,
    tags=[MODEL_TAG],
    **RETRIES,
)
def shots_task(analysis: SongAnalysis, plan: ScenePlan, cfg: PipelineConfig) -> ShotList:
    with gpu_slot():
        return write_shots(analysis, plan, MODELS.get(cfg.model_for("shots")), cfg.shots, cfg.model_for("shots"))


@task(
    name="render",
    task_run_name="render-shot-{shot.index}",
    cache_key_fn=stage_key("render", config=("render",), ignore=MOTION_SETTINGS + SAFETY_SETTINGS),
    **PERSIST,
    **RETRIES,
)
def render_task(shot: Shot, style: StyleBible, cfg: PipelineConfig, out: SongOutputs, references: tuple[Path, ...] = ()) -> Path:
    with gpu_slot(draws_on_gpu(cfg.render)):
        return render_keyframe(shot, load_renderer(cfg.render), out.root, style=style, cfg=cfg.render, references=references,
                               drawn_on_try=task_run.run_count)


@task(
    name="qa",
    task_run_name="qa-shot-{shot.index}",
    cache_key_fn=stage_key("qa", config=("qa", "render"), prompts=("qa_keyframes", "qa_rewrite"), uses_model=True, ignore=MOTION_SETTINGS),
    **PERSIST,
    tags=[MODEL_TAG],
    **RETRIES,
)
def qa_task(
    shot: Shot, keyframe: Path, previous: Path | None, style: StyleBible, cfg: PipelineConfig, out: SongOutputs, references: tuple[Path, ...] = ()
) -> ShotQA:
    renderer = load_renderer(cfg.render)
    safety = load_safety(cfg.render)

    def rerender(s: Shot, attempt: int) -> Path:
        return render_keyframe(s, renderer, out.root, attempt=attempt, seed=s.seed_for(attempt), style=style, cfg=cfg.render, references=references,
                               drawn_on_try=task_run.run_count)

    with gpu_slot():
        return qa_shot(
            shot, keyframe, previous, MODELS.get(cfg.model_for("qa")), rerender, cfg.qa, cfg.model_for("qa"), out_dir=out.root, references=references,
            safety=safety, safety_threshold=cfg.render.safety_threshold,
        )


@task(
    name="motion",
    task_run_name="motion-shot-{shot.index}",
    cache_key_fn=stage_key("motion", config=("render", "assemble", "qa"), prompts=("qa_keyframes",), uses_model="qa"),
    **PERSIST,
    tags=[GPU_TAG],
    **RETRIES,
)
def motion_task(
    shot: Shot, keyframe: Path, frames: int, style: StyleBible, cfg: PipelineConfig, out: SongOutputs, song: Path | None = None, start: float | None = None,
    sung: list[tuple[float, float]] | None = None, last_keyframe: Path | None = None,
) -> ShotClip:
    qa = cfg.model_for("qa")
    sees = cfg.qa.look != "never" and MODELS.sees_images(qa.id)  # a vision model looks at the clip's frames

    def review(s: Shot, frames: list[Path]):
        return review_frames(s, frames, MODELS.get(qa), cfg.qa, qa, out.root)

    with gpu_slot():
        return animate_shot(
            shot, keyframe, load_motion(cfg.render), out.root, frames=frames, cfg=cfg.assemble, style=style,
            safety=load_safety(cfg.render), safety_threshold=cfg.render.safety_threshold, review=review if sees else None, song=song, start=start,
            sung=sung, last_keyframe=last_keyframe,
        )


@task(name="assemble", cache_key_fn=stage_key("assemble", config=("assemble",)), **PERSIST)
def assemble_task(
    analysis: SongAnalysis, shots: ShotList, keyframes: list[Path], cfg: PipelineConfig, out: SongOutputs, clips: list[Path | None] | None = None
) -> Path:
    return assemble_video(analysis, shots, keyframes, out.video, cfg.assemble, clips=clips)


@task(name="timing")
def timing_task(analysis: SongAnalysis, shots: ShotList, video: Path, cfg: PipelineConfig) -> TimingReport:
    return timing_report(analysis, shots, video, cfg.assemble, cfg.shots, cfg.timing)


@task(name="report", cache_key_fn=stage_key("report"), **PERSIST)
def report_task(
    analysis: SongAnalysis, shots: ShotList, report: QAReport, timing: TimingReport, video: Path, cfg: PipelineConfig, out: SongOutputs,
    clips: ClipReport | None = None,
) -> tuple[Path, Path]:
    """storyboard.png and report.html; drawn again only when what they show changed."""
    timeline = timeline_image(analysis, shots, timing)  # drawn once, for both pictures
    sheet = contact_sheet(analysis, shots, report, timing, out.root, out.root / "storyboard.png", timeline_png=timeline)
    page = html_report(
        analysis, shots, report, timing, out.root, out.root / "report.html", video_name=video.name, timeline_png=timeline, clips=clips
    )
    return sheet, page
