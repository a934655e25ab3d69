"""One flow run per song: analyze -> plan_scenes -> write_shots -> render -> qa -> assemble.

Tasks are thin wrappers around the stages. Each persists its result under a cache key made of what
determines it (flows/caching.py), so a rerun - a retry from the UI, a new run with the same
parameters, or `songflow run` again - reuses every finished stage and recomputes only what failed
and what follows. Keyframes and QA are cached per shot. `from_stage` recomputes one stage and
everything after it, reading the earlier stages' JSON from disk (hand edits included, validated).
"""


import contextlib
import os
import threading
from pathlib import Path
from typing import Literal

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_progress_artifact, create_table_artifact, update_progress_artifact
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

import backends
from backends.base import TextModel
from backends.structured import record_thinking
from flows.caching import stage_key
from schemas.analysis import SongAnalysis
from schemas.qa import QAReport, ShotQA
from schemas.scenes import ScenePlan, StyleBible
from schemas.shots import Shot, ShotList
from schemas.timing import TimingReport
from songflow.config import MODEL_STAGES, ModelConfig, PipelineConfig, RenderConfig, from_env
from songflow.errors import InputError
from songflow.fsutil import write_text_atomic
from songflow import progress as display
from songflow.lyrics import read_lyrics
from songflow.results import PERSIST
from songflow.report import contact_sheet, html_report, timeline_image
from songflow.store import SongOutputs
from stages.analyze import analyze_song
from stages.assemble import assemble_video
from stages.plan_scenes import plan_scenes
from stages.qa_keyframes import qa_report, qa_shot, review_frames
from stages.render_keyframes import keyframe_name, render_keyframe
from renderers import capabilities as renderer_capabilities
from renderers import load_motion, load_renderer
from songflow.safety import gate_name, load_safety
from schemas.clips import ClipReport, ShotClip
from stages.animate_shots import animate_shot
from stages.assemble import plan_frames
from stages.timing_report import check_timing, timing_report
from stages.write_shots import write_shots

STAGES = ("analyze", "plan", "shots", "render", "qa", "motion", "assemble")
Stage = Literal["analyze", "plan", "shots", "render", "qa", "motion", "assemble"]

# Tasks that run a model carry this tag: `prefect concurrency-limit create songflow-model 1` on a
# server keeps two runs on one machine from loading two copies of a model at once.
MODEL_TAG = "songflow-model"
# Keyframe and clip tasks (a diffusion model on the GPU): `prefect concurrency-limit create songflow-gpu 1`.
GPU_TAG = "songflow-gpu"


class ModelPool:
    """Loads each model id once per process, on first use; tasks share it."""

    def __init__(self) -> None:
        self._models: dict[str, TextModel] = {}
        self._lock = threading.Lock()

    def put(self, model: TextModel) -> None:
        """Use an already-built model for its id (a custom backend instance, or a test double)."""
        with self._lock:
            self._models[model.id] = model

    def sees_images(self, model_id: str) -> bool:
        """Whether the model takes images, without loading it if it is not loaded yet."""
        with self._lock:
            if model_id in self._models:
                return self._models[model_id].supports_images
        return backends.capabilities(model_id).images

    def __reduce__(self):
        # Served runs cloudpickle the flow into a subprocess; the pool goes by reference, so each
        # process keeps one pool (and one copy of each model) of its own.
        return (_shared_pool, ())

    def get(self, cfg: ModelConfig) -> TextModel:
        with self._lock:
            if cfg.id not in self._models:
                self._models[cfg.id] = backends.load_model(cfg)
            return self._models[cfg.id]


MODELS = ModelPool()


def _shared_pool() -> ModelPool:
    return MODELS

TRANSIENT = (ConnectionError, TimeoutError, httpx.TransportError)


def is_transient(task, task_run, state) -> bool:
    """Retry a task only for failures that a second try can fix: a server down or slow.

    A model reply that failed validation after its own re-asks is not retried blindly.
    """
    return isinstance(state.result(raise_on_failure=False), TRANSIENT)


RETRIES = dict(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=2), retry_condition_fn=is_transient)


# Settings a keyframe does not depend on: a new --motion or safety gate reuses the keyframes (and
# a new --motion the QA verdicts).
MOTION_SETTINGS = tuple(f"render.{name}" for name in RenderConfig.model_fields if name.startswith("motion"))
SAFETY_SETTINGS = tuple(f"render.{name}" for name in RenderConfig.model_fields if name.startswith("safety"))


def draws_on_gpu(render: RenderConfig) -> bool:
    """Whether keyframes come from a model (a GPU's work); procedural art is CPU work."""
    return render.renderer != "procedural"


def gpu_slot(uses_gpu: bool = True):
    """One host's GPU, shared by its worker's runs: on a worker started with WORKER_ID, a task that
    runs a model holds a slot of the global concurrency limit `gpu:<WORKER_ID>` while it works
    (`prefect gcl create gpu:<id> --limit 1`; strict: a missing limit is an error, not a free GPU).
    Without WORKER_ID (one machine, `songflow run`), nothing is taken."""
    worker = os.environ.get("WORKER_ID")
    if not worker or not uses_gpu:
        return contextlib.nullcontext()
    from prefect.concurrency.sync import concurrency

    return concurrency(f"gpu:{worker}", occupy=1, strict=True)


def song_name(audio: Path, title: str | None) -> str:
    """The song's title as shown (one line, no control characters), else the file's name."""
    clean = " ".join("".join(ch if ch.isprintable() else " " for ch in title or "").split())
    return clean or Path(audio).stem


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
        return render_keyframe(shot, load_renderer(cfg.render), out.root, style=style, cfg=cfg.render, references=references)


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
        return render_keyframe(s, renderer, out.root, attempt=attempt, seed=s.seed_for(attempt), style=style, cfg=cfg.render, references=references)

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
def motion_task(shot: Shot, keyframe: Path, frames: int, style: StyleBible, cfg: PipelineConfig, out: SongOutputs) -> ShotClip:
    qa = cfg.model_for("qa")
    sees = cfg.qa.look != "never" and MODELS.sees_images(qa.id)  # a vision model looks at the clip's frames

    def review(s: Shot, frames: list[Path]):
        return review_frames(s, frames, MODELS.get(qa), cfg.qa, qa, out.root)

    with gpu_slot():
        return animate_shot(
            shot, keyframe, load_motion(cfg.render), out.root, frames=frames, cfg=cfg.assemble, style=style,
            safety=load_safety(cfg.render), safety_threshold=cfg.render.safety_threshold, review=review if sees else None,
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


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return song_name(Path(params["audio"]), params.get("title"))


def _artifact_key(out: SongOutputs, what: str) -> str:
    return f"{out.root.name}-{what}"[:100]


def _publish_analysis(out: SongOutputs, a: SongAnalysis) -> None:
    rows = [
        {"section": s.index + 1, "start": f"{s.start:.2f}", "end": f"{s.end:.2f}", "energy": f"{s.energy:.2f}",
         "note": n.description, "lyrics": " / ".join(line.text for line in s.lyrics)}
        for s, n in zip(a.sections, a.interpretation.sections)
    ]
    create_table_artifact(
        key=_artifact_key(out, "analysis"),
        table=rows,
        description=f"Stage 1: {a.title}, {a.duration:.1f}s, {a.tempo:.0f} BPM, {len(a.beats)} beats. Mood: {a.interpretation.mood}",
    )


def _publish_plan(out: SongOutputs, p: ScenePlan) -> None:
    rows = [{"scene": s.index + 1, "start": f"{s.start:.2f}", "setting": s.setting, "subject": s.subject,
             "palette": " ".join(s.palette), "camera": s.camera} for s in p.scenes]
    create_table_artifact(
        key=_artifact_key(out, "scene-plan"),
        table=rows,
        description=f"Stage 2: style {p.style.medium}; {p.style.lighting}; motif {p.style.recurring_motif}",
    )


def _publish_shots(out: SongOutputs, s: ShotList) -> None:
    rows = [{"shot": x.index, "scene": x.scene_index + 1, "start": f"{x.start:.2f}", "end": f"{x.end:.2f}",
             "composition": x.composition, "prompt": x.prompt} for x in s.shots]
    create_table_artifact(key=_artifact_key(out, "shot-list"), table=rows, description=f"Stage 3: {len(rows)} shots")


def _publish_timing(out: SongOutputs, t: TimingReport) -> None:
    s = t.summary
    rows = [
        {"measure": "cuts", "value": s.cuts},
        {"measure": "median |cut - beat|", "value": f"{s.median_abs_offset * 1000:.1f} ms"},
        {"measure": "max |cut - beat|", "value": f"{s.max_abs_offset * 1000:.1f} ms"},
        {"measure": "cuts within limit", "value": f"{s.share_within_limit:.0%}"},
        {"measure": "cuts inside sung lines", "value": s.cuts_inside_lines},
        {"measure": "max caption error", "value": f"{s.max_caption_error_frames:.2f} frames"},
        {"measure": "video / audio / song", "value": f"{s.video_duration:.3f} / {s.audio_duration:.3f} / {s.song_duration:.3f} s"},
    ]
    grid = t.beat_grid
    if grid is not None:
        rows.append({"measure": "beat grid", "value": f"{grid.tracker}, {grid.tempo:.1f} BPM"
                     + (f", {grid.confidence:.0%} of beats on an onset" if grid.confidence is not None else "")})
        if grid.check is not None:
            rows.append({"measure": grid.check.method, "value": f"{grid.check.tempo:.1f} BPM ({'agrees' if grid.check.agrees else grid.check.relation})"})
    verdict = t.verdict if t.passed else "FAIL: " + "; ".join(t.failures)
    if grid is not None and grid.note:
        verdict += f" ({grid.note})"
    create_table_artifact(key=_artifact_key(out, "timing"), table=rows, description=f"Timing report: {verdict}")


def _publish_qa(out: SongOutputs, r: QAReport) -> None:
    rows = []
    for entry in r.shots:
        chosen = entry.attempts[entry.chosen_attempt]
        failed = [c.name for c in chosen.evidence.checks if not c.passed]
        rows.append({"shot": entry.shot_index, "attempts": len(entry.attempts), "passed": entry.passed,
                     "score": chosen.verdict.score, "failed checks": ", ".join(failed), "issues": "; ".join(chosen.verdict.issues),
                     "rejected for": " | ".join("; ".join(a.reasons) for a in entry.attempts if a.reasons)})
    passed = sum(e.passed for e in r.shots)
    attempts = sum(len(e.attempts) for e in r.shots)
    why = ", ".join(f"{reason} {n}" for reason, n in r.rejections.items()) or "none"
    create_table_artifact(
        key=_artifact_key(out, "qa"),
        table=rows,
        description=f"Stage 4: {passed}/{len(rows)} shots passed, {attempts / max(1, len(rows)):.2f} attempts per shot; "
        f"rejections: {why} (evidence: {r.evidence_kind}, pass score {r.pass_score})",
    )


def _save_thinking(out: SongOutputs, stage: str, notes: list[tuple[str, str]]) -> None:
    """A thinking model's thoughts, beside the stage's JSON and never inside it."""
    if notes:
        text = "\n\n".join(f"## {what}\n\n{thinking}" for what, thinking in notes)
        write_text_atomic(out.root / "thinking" / f"{stage}.md", f"# Thinking: {stage}\n\n{text}\n")


def _exists(paths: list[Path]) -> bool:
    return all(Path(p).is_file() for p in paths)


# One worker thread draws keyframes while the flow's own thread runs QA on those already drawn.
@flow(name="songflow", flow_run_name=_run_name, log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1))
def make_video(
    audio: Path,
    lyrics: Path | None = None,
    title: str | None = None,
    preset: str = "default",
    model: str | None = None,
    outputs: Path | None = None,
    from_stage: Stage | None = None,
    stage_models: dict[str, str] | None = None,
    listen: Literal["auto", "always", "never"] | None = None,
    beats: Literal["librosa", "madmom"] | None = None,
    look: Literal["auto", "always", "never"] | None = None,
    thinking: bool | None = None,
    renderer: str | None = None,
    motion: str | None = None,
    settings: dict[str, str] | None = None,
) -> Path:
    """Song in, music video out. `from_stage` recomputes that stage and all after it.

    `stage_models` gives a stage its own model id ({"qa": "openai:...#gemma-4-E4B-it"});
    `listen` / `look` say whether stage 1 hears the song and stage 4 sees the keyframes.
    """
    logger = get_run_logger()
    cfg = from_env(
        preset, model=model, outputs=outputs, stage_models=stage_models, listen=listen, beats=beats, look=look, thinking=thinking, renderer=renderer,
        motion=motion, settings=settings,
    )
    backends.check_capabilities(cfg)
    name = song_name(audio, title)
    out = SongOutputs.for_song(cfg.outputs, name)
    with out.lock():  # one run per song at a time: a second one stops with a clear message
        out.clean_leftovers()  # temp files a killed run left behind
        return _make_video(audio, lyrics, from_stage, cfg, name, out, logger)


def _make_video(audio, lyrics, from_stage, cfg: PipelineConfig, name: str, out: SongOutputs, logger) -> Path:
    first = STAGES.index(from_stage) if from_stage else 0

    def fresh(stage: str) -> dict:
        return {"refresh_cache": from_stage is not None and STAGES.index(stage) >= first}

    def from_disk(stage: str) -> bool:
        return STAGES.index(stage) < first

    models = ", ".join(f"{stage} {cfg.model_for(stage).id}" for stage in MODEL_STAGES)
    logger.info("writing to %s with models: %s%s", out.root, models, f"; from stage {from_stage}" if from_stage else "")

    show = display.current()
    show.start("analyze")
    if from_disk("analyze"):
        analysis = out.load("analysis", SongAnalysis)
    else:
        with record_thinking() as notes:
            analysis = analyze_task.with_options(**fresh("analyze"))(Path(audio), Path(lyrics) if lyrics else None, name, cfg)
        _save_thinking(out, "analyze", notes)
        here = str(Path(audio).resolve())
        if analysis.audio_path != here:
            # A stage-1 result is keyed by the song's content: one cached for the same song at
            # another path (since moved or deleted) is this song, at this path.
            analysis = analysis.model_copy(update={"audio_path": here})
        out.save("analysis", analysis)
    _publish_analysis(out, analysis)
    labels = "".join(s.label for s in analysis.sections)
    show.finish("analyze", f"{analysis.tempo:.0f} BPM, {len(analysis.sections)} sections {labels}, {len(analysis.lyrics)} lyric lines; mood: {analysis.interpretation.mood}")

    show.start("plan")
    if from_disk("plan"):
        plan = out.load("scenes", ScenePlan)
    else:
        with record_thinking() as notes:
            plan = plan_task.with_options(**fresh("plan"))(analysis, cfg)
        _save_thinking(out, "plan", notes)
        out.save("scenes", plan)
    _check_plan_fits(plan, analysis)
    _publish_plan(out, plan)
    show.finish("plan", f"{len(plan.scenes)} scenes: " + "; ".join(s.setting for s in plan.scenes[:3]) + ("; ..." if len(plan.scenes) > 3 else ""))

    show.start("shots")
    if from_disk("shots"):
        shots = out.load("shots", ShotList)
    else:
        with record_thinking() as notes:
            shots = shots_task.with_options(**fresh("shots"))(analysis, plan, cfg)
        _save_thinking(out, "shots", notes)
        out.save("shots", shots)
    _publish_shots(out, shots)
    n = len(shots.shots)
    show.finish("shots", f"{n} shots")
    show.start("render", total=n)
    # A renderer that takes reference pictures draws each shot after the earlier ones were judged:
    # the first accepted keyframe of each of its characters (their look, kept across scenes), then
    # its scene's first keyframe (the scene's style).
    takes_references = renderer_capabilities(cfg.render.renderer).references
    # A model-drawing renderer's tasks take the GPU tag (procedural art is CPU work: no tag, no
    # per-task concurrency lookup on the server).
    gpu = {"tags": [GPU_TAG]} if draws_on_gpu(cfg.render) else {}
    scene_first: dict[int, int] = {}
    for s in shots.shots:
        scene_first.setdefault(s.scene_index, s.index)
    accepted: dict[int, Path] = {}
    character_first: dict[str, Path] = {}

    def references(i: int) -> tuple[Path, ...]:
        if not takes_references:
            return ()
        shot = shots.shots[i]
        first = scene_first[shot.scene_index]
        refs = [character_first[c.name] for c in shot.characters if c.name in character_first]
        if first != i and first in accepted:
            refs.append(accepted[first])
        return tuple(dict.fromkeys(refs))

    if from_disk("render"):
        keyframes = [out.root / keyframe_name(s.index, 0) for s in shots.shots]
        if not _exists(keyframes):
            raise InputError(f"keyframes missing in {out.root / 'keyframes'}: rerun with --from render")
        keyframe = keyframes.__getitem__
        show.finish("render", f"{n} keyframes, from {out.root / 'keyframes'}")
    elif takes_references:
        render_progress = create_progress_artifact(0.0, key=_artifact_key(out, "render-progress"), description="Rendering keyframes")

        def keyframe(i: int) -> Path:
            args = (shots.shots[i], plan.style, cfg, out, references(i))
            path = render_task.with_options(**fresh("render"), **gpu)(*args)
            if not path.is_file():
                path = render_task.with_options(refresh_cache=True, **gpu)(*args)
            update_progress_artifact(render_progress, 100.0 * (i + 1) / n)
            show.advance("render")
            if i == n - 1:
                show.finish("render", f"{n} keyframes")
            return path
    else:
        # Keyframes are drawn in worker threads while QA judges the ones already drawn: the
        # renderer (numpy) and the model (torch) share the cores instead of taking turns.
        render_progress = create_progress_artifact(0.0, key=_artifact_key(out, "render-progress"), description="Rendering keyframes")
        futures = [render_task.with_options(**fresh("render"), **gpu).submit(shot, plan.style, cfg, out) for shot in shots.shots]
        for future in futures:
            future.wrapped_future.add_done_callback(lambda _: show.advance("render"))

        def keyframe(i: int) -> Path:
            path = futures[i].result()
            if not path.is_file():  # cached result, file deleted since: draw it again
                path = render_task.with_options(refresh_cache=True, **gpu)(shots.shots[i], plan.style, cfg, out)
            update_progress_artifact(render_progress, 100.0 * (i + 1) / n)
            if i == n - 1:
                show.finish("render", f"{n} keyframes")
            return path

    if from_disk("qa"):
        report = out.load("qa", QAReport)
    else:
        show.start("qa", total=n)
        progress = create_progress_artifact(0.0, key=_artifact_key(out, "qa-progress"), description="QA of keyframes")
        results: list[ShotQA] = []
        previous: Path | None = None
        qa_notes: list[tuple[str, str]] = []
        for i, shot in enumerate(shots.shots):
            image = keyframe(i)
            with record_thinking() as notes:
                result = qa_task.with_options(**fresh("qa"))(shot, image, previous, plan.style, cfg, out, references(i))
            qa_notes += notes
            if not _exists([out.root / a.image for a in result.attempts if a.withheld is None]):
                result = qa_task.with_options(refresh_cache=True)(shot, image, previous, plan.style, cfg, out, references(i))
            results.append(result)
            previous = accepted[shot.index] = out.root / result.attempts[result.chosen_attempt].image
            for character in shot.characters:
                character_first.setdefault(character.name, previous)
            update_progress_artifact(progress, 100.0 * (i + 1) / n)
            show.advance("qa")
        qa_model = cfg.model_for("qa").id
        report = qa_report(
            results, model_id=qa_model, sees_images=cfg.qa.look != "never" and MODELS.sees_images(qa_model), cfg=cfg.qa, safety=gate_name(cfg.render)
        )
        _save_thinking(out, "qa", qa_notes)
        out.save("qa", report)
    _publish_qa(out, report)
    if from_disk("qa"):
        show.start("qa")
    tries = sum(len(e.attempts) for e in report.shots)
    withheld = f", {report.withheld} withheld by the safety gate" if report.withheld else ""
    show.finish("qa", f"{sum(e.passed for e in report.shots)}/{n} keyframes accepted, {tries / n:.2f} attempts per shot{withheld}")
    show.start("assemble")

    chosen = [out.root / e.attempts[e.chosen_attempt].image for e in report.shots]
    clip_report = _motion(analysis, shots, chosen, plan.style, cfg, out, show, fresh=fresh("motion"), from_disk=from_disk("motion"))
    clips = [out.root / c.clip if c.clip else None for c in clip_report.shots] if clip_report else None
    video = assemble_task.with_options(**fresh("assemble"))(analysis, shots, chosen, cfg, out, clips)
    if not video.is_file():
        video = assemble_task.with_options(refresh_cache=True)(analysis, shots, chosen, cfg, out, clips)
    show.finish("assemble", f"{video.name}, {analysis.duration:.1f}s")
    show.start("timing")
    timing = timing_task(analysis, shots, video, cfg)
    show.finish("timing", f"{timing.verdict}: median |cut - beat| {timing.summary.median_abs_offset * 1000:.0f} ms, {timing.summary.cuts_inside_lines} cuts inside sung lines")
    out.save("timing", timing)
    _publish_timing(out, timing)
    sheet, page = report_task(analysis, shots, report, timing, video, cfg, out, clip_report)
    if not (sheet.is_file() and page.is_file()):
        sheet, page = report_task.with_options(refresh_cache=True)(analysis, shots, report, timing, video, cfg, out, clip_report)
    create_link_artifact(key=_artifact_key(out, "video"), link=video.resolve().as_uri(), link_text=f"{name}: video.mp4")
    create_link_artifact(key=_artifact_key(out, "report"), link=page.resolve().as_uri(), link_text=f"{name}: report.html")
    create_link_artifact(key=_artifact_key(out, "storyboard"), link=sheet.resolve().as_uri(), link_text=f"{name}: storyboard.png")
    create_markdown_artifact(
        key=_artifact_key(out, "summary"),
        markdown=f"**{name}**: [{video.name}]({video.resolve().as_uri()}), [report]({page.resolve().as_uri()}), "
        f"[storyboard]({sheet.resolve().as_uri()}), {n} shots, {sum(e.passed for e in report.shots)}/{n} passed QA, "
        f"timing {timing.verdict}: median |cut - beat| {timing.summary.median_abs_offset * 1000:.0f} ms, "
        f"{timing.summary.cuts_inside_lines} cuts inside sung lines."
        + (f" {timing.beat_grid.note}." if timing.beat_grid and timing.beat_grid.note else ""),
    )
    check_timing(timing, out.path("timing"))
    logger.info("video: %s", video)
    return video


def _motion(analysis, shots: ShotList, chosen: list[Path], style: StyleBible, cfg: PipelineConfig, out: SongOutputs, show, *, fresh: dict, from_disk: bool):
    """Each shot's clip from its chosen keyframe, or why it keeps its still (clips.json); None for kenburns."""
    if cfg.render.motion == "kenburns":
        return None
    show.start("motion", total=len(shots.shots))
    if from_disk:
        report = out.load("clips", ClipReport)
    else:
        frames = plan_frames(analysis, shots, cfg.assemble)
        progress = create_progress_artifact(0.0, key=_artifact_key(out, "motion-progress"), description="Image-to-video clips")
        made = []
        for i, (shot, keyframe, f) in enumerate(zip(shots.shots, chosen, frames.shots)):
            args = (shot, keyframe, f.count, style, cfg, out)
            clip = motion_task.with_options(**fresh)(*args)
            if clip.clip and not (out.root / clip.clip).is_file():
                clip = motion_task.with_options(refresh_cache=True)(*args)
            made.append(clip)
            update_progress_artifact(progress, 100.0 * (i + 1) / len(shots.shots))
            show.advance("motion")
        report = ClipReport(model=cfg.render.motion, fps=cfg.assemble.fps, shots=made)
        out.save("clips", report)
    fell = [c for c in report.shots if c.clip is None]
    note = f"; {len(fell)} kept their stills (Ken Burns): " + "; ".join(f"shot {c.shot_index}: {c.fallback}" for c in fell[:2]) if fell else ""
    show.finish("motion", f"{len(report.shots) - len(fell)}/{len(report.shots)} shots move{note}")
    return report


def _check_plan_fits(plan: ScenePlan, analysis: SongAnalysis) -> None:
    """A (possibly hand-edited) plan must still match the song's sections."""
    if abs(plan.duration - analysis.duration) > 1e-3 or len(plan.scenes) != len(analysis.sections):
        raise InputError(
            f"scene plan does not match the song: {len(plan.scenes)} scenes over {plan.duration:.2f}s "
            f"for {len(analysis.sections)} sections over {analysis.duration:.2f}s"
        )
    for scene, section in zip(plan.scenes, analysis.sections):
        if abs(scene.start - section.start) > 1e-3 or abs(scene.end - section.end) > 1e-3:
            raise InputError(f"scene {scene.index} ({scene.start:.2f}-{scene.end:.2f}s) does not match section {section.index} ({section.start:.2f}-{section.end:.2f}s)")
