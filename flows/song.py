"""One flow run per song: analyze -> plan_scenes -> write_shots -> render -> qa -> motion -> assemble.

This module is the story of one run; the tasks it calls are in flows/tasks.py. Each persists its
result under a cache key made of what determines it (flows/caching.py), so a rerun - a retry from
the UI, a new run with the same parameters, or `songflow run` again - reuses every finished stage
and recomputes only what failed and what follows. `from_stage` recomputes one stage and everything
after it, reading the earlier stages' JSON from disk (hand edits included, validated).
"""


from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from backends.structured import record_thinking
from flows import progress as display
from flows.artifacts import artifact_key, publish_analysis, publish_outputs, publish_plan, publish_qa, publish_shots, publish_timing, save_thinking
from flows.checks import check_settings
from flows.running import GPU_TAG, MODELS, draws_on_gpu
from flows.tasks import analyze_task, assemble_task, motion_task, plan_task, qa_task, render_task, report_task, shots_task, timing_task
from renderers import capabilities as renderer_capabilities, motion_capabilities, release_renderers
from renderers.safety import gate_name
from renderers.procedural import workers as render_workers
from schemas.analysis import SongAnalysis
from schemas.clips import ClipReport
from schemas.qa import QAReport, ShotQA
from schemas.scenes import ScenePlan, StyleBible
from schemas.shots import ShotList
from songflow.core.config import MODEL_STAGES, PipelineConfig, from_env
from songflow.core.errors import InputError
from songflow.core.store import SongOutputs
from stages.animate_shots import continuity_targets, sung_spans
from stages.assemble import plan_frames
from stages.qa_keyframes import qa_report
from stages.render_keyframes import keyframe_name
from stages.timing_report import check_timing

STAGES = ("analyze", "plan", "shots", "render", "qa", "motion", "assemble")
Stage = Literal["analyze", "plan", "shots", "render", "qa", "motion", "assemble"]

def song_name(audio: Path, title: str | None) -> str:
    """The song's title as shown (one line, no control characters), else the file's name."""
    clean = " ".join("".join(ch if ch.isprintable() else " " for ch in title or "").split())
    return clean or Path(audio).stem


def _run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return song_name(Path(params["audio"]), params.get("title"))


def _exists(paths: list[Path]) -> bool:
    return all(Path(p).is_file() for p in paths)


# Worker threads draw keyframes while the flow's own thread runs QA on those already drawn: as many
# as the procedural renderer has processes (a renderer that is not `parallel` still draws one shot
# at a time, stages/render_keyframes.py).
@flow(name="songflow", flow_run_name=_run_name, log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=render_workers()))
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
    check_settings(cfg)
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
        save_thinking(out, "analyze", notes)
        here = str(Path(audio).resolve())
        if analysis.audio_path != here:
            # A stage-1 result is keyed by the song's content: one cached for the same song at
            # another path (since moved or deleted) is this song, at this path.
            analysis = analysis.model_copy(update={"audio_path": here})
        out.save("analysis", analysis)
    publish_analysis(out, analysis)
    labels = "".join(s.label for s in analysis.sections)
    show.finish("analyze", f"{analysis.tempo:.0f} BPM, {len(analysis.sections)} sections {labels}, {len(analysis.lyrics)} lyric lines; {analysis.interpretation.genre}, {analysis.interpretation.mood}")

    show.start("plan")
    if from_disk("plan"):
        plan = out.load("scenes", ScenePlan)
    else:
        with record_thinking() as notes:
            plan = plan_task.with_options(**fresh("plan"))(analysis, cfg)
        save_thinking(out, "plan", notes)
        out.save("scenes", plan)
    _check_plan_fits(plan, analysis)
    publish_plan(out, plan)
    show.finish("plan", f"{len(plan.scenes)} scenes: " + "; ".join(s.setting for s in plan.scenes[:3]) + ("; ..." if len(plan.scenes) > 3 else ""))

    show.start("shots")
    if from_disk("shots"):
        shots = out.load("shots", ShotList)
    else:
        with record_thinking() as notes:
            shots = shots_task.with_options(**fresh("shots"))(analysis, plan, cfg)
        save_thinking(out, "shots", notes)
        out.save("shots", shots)
    publish_shots(out, shots)
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
        render_progress = create_progress_artifact(0.0, key=artifact_key(out, "render-progress"), description="Rendering keyframes")

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
        render_progress = create_progress_artifact(0.0, key=artifact_key(out, "render-progress"), description="Rendering keyframes")
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
        progress = create_progress_artifact(0.0, key=artifact_key(out, "qa-progress"), description="QA of keyframes")
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
        save_thinking(out, "qa", qa_notes)
        out.save("qa", report)
    # Every keyframe is drawn and judged: the drawing processes stop. (A run that fails on the way
    # leaves them to end with its process: stopping them here would cancel drawings still in
    # flight on other threads, each a failure of its own on top of the one being reported.)
    release_renderers()
    publish_qa(out, report)
    if from_disk("qa"):
        show.start("qa")
    tries = sum(len(e.attempts) for e in report.shots)
    withheld = f", {report.withheld} withheld by the safety gate" if report.withheld else ""
    withheld += f", {report.redrawn} drawn again after the renderer's server came back" if report.redrawn else ""
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
    publish_timing(out, timing)
    sheet, page = report_task(analysis, shots, report, timing, video, cfg, out, clip_report)
    if not (sheet.is_file() and page.is_file()):
        sheet, page = report_task.with_options(refresh_cache=True)(analysis, shots, report, timing, video, cfg, out, clip_report)
    publish_outputs(out, name, video, page, sheet, report, timing)
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
        progress = create_progress_artifact(0.0, key=artifact_key(out, "motion-progress"), description="Image-to-video clips")
        made = []
        # A model moved by audio hears the song under each clip, from the clip's first frame (a
        # transition's lead-in before the shot's own first frame); one that does lip-sync hears a
        # lip-sync shot's voice during the song's sung spans.
        caps = motion_capabilities(cfg.render.motion)
        song = Path(analysis.audio_path) if caps.audio or caps.lip_sync else None
        sung = sung_spans(analysis) if caps.lip_sync else None
        # continuity: a shot's clip ends on the next shot's keyframe within a scene
        # (check_settings refused continuity before the run for a motion model that cannot end on a frame)
        ends = continuity_targets(shots.shots, chosen) if cfg.render.motion_continuity else [None] * len(chosen)
        for i, (shot, keyframe, f, last) in enumerate(zip(shots.shots, chosen, frames.shots, ends)):
            args = (shot, keyframe, f.count, style, cfg, out, song, (f.first - f.lead) / cfg.assemble.fps if song else None, sung, last)
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
