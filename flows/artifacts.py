"""What a run shows in the Prefect UI besides its states (tables, links, a summary), and the
thinking notes a thinking model leaves beside a stage's JSON."""

from __future__ import annotations

from pathlib import Path

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from schemas.analysis import SongAnalysis
from schemas.qa import QAReport
from schemas.scenes import ScenePlan
from schemas.shots import ShotList
from schemas.timing import TimingReport
from songflow.core.fsutil import write_text_atomic
from songflow.core.store import SongOutputs


def artifact_key(out: SongOutputs, what: str) -> str:
    return f"{out.root.name}-{what}"[:100]


def publish_analysis(out: SongOutputs, a: SongAnalysis) -> None:
    rows = [
        {"section": s.index + 1, "start": f"{s.start:.2f}", "end": f"{s.end:.2f}", "energy": f"{s.energy:.2f}",
         "note": n.description, "lyrics": " / ".join(line.text for line in s.lyrics)}
        for s, n in zip(a.sections, a.interpretation.sections)
    ]
    create_table_artifact(
        key=artifact_key(out, "analysis"),
        table=rows,
        description=f"Stage 1: {a.title}, {a.duration:.1f}s, {a.tempo:.0f} BPM, {len(a.beats)} beats. Mood: {a.interpretation.mood}; "
        f"genre: {a.interpretation.genre}" + (f"; heard: {', '.join(f'{t.tag} {t.score:.2f}' for t in a.tags.song[:5])}" if a.tags else ""),
    )


def publish_plan(out: SongOutputs, p: ScenePlan) -> None:
    rows = [{"scene": s.index + 1, "start": f"{s.start:.2f}", "setting": s.setting, "subject": s.subject,
             "palette": " ".join(s.palette), "camera": s.camera} for s in p.scenes]
    create_table_artifact(
        key=artifact_key(out, "scene-plan"),
        table=rows,
        description=f"Stage 2: style {p.style.medium}; {p.style.lighting}; motif {p.style.recurring_motif}",
    )


def publish_shots(out: SongOutputs, s: ShotList) -> None:
    rows = [{"shot": x.index, "scene": x.scene_index + 1, "start": f"{x.start:.2f}", "end": f"{x.end:.2f}",
             "composition": x.composition, "prompt": x.prompt} for x in s.shots]
    create_table_artifact(key=artifact_key(out, "shot-list"), table=rows, description=f"Stage 3: {len(rows)} shots")


def publish_timing(out: SongOutputs, t: TimingReport) -> None:
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
    create_table_artifact(key=artifact_key(out, "timing"), table=rows, description=f"Timing report: {verdict}")


def publish_qa(out: SongOutputs, r: QAReport) -> None:
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
        key=artifact_key(out, "qa"),
        table=rows,
        description=f"Stage 4: {passed}/{len(rows)} shots passed, {attempts / max(1, len(rows)):.2f} attempts per shot; "
        f"rejections: {why} (evidence: {r.evidence_kind}, pass score {r.pass_score})",
    )


def save_thinking(out: SongOutputs, stage: str, notes: list[tuple[str, str]]) -> None:
    """A thinking model's thoughts, beside the stage's JSON and never inside it."""
    if notes:
        text = "\n\n".join(f"## {what}\n\n{thinking}" for what, thinking in notes)
        write_text_atomic(out.root / "thinking" / f"{stage}.md", f"# Thinking: {stage}\n\n{text}\n")


def publish_outputs(out: SongOutputs, name: str, video: Path, page: Path, sheet: Path, report: QAReport, timing: TimingReport) -> None:
    """Links to the video, the report and the storyboard, and the run's summary in one paragraph."""
    n = len(report.shots)
    create_link_artifact(key=artifact_key(out, "video"), link=video.resolve().as_uri(), link_text=f"{name}: video.mp4")
    create_link_artifact(key=artifact_key(out, "report"), link=page.resolve().as_uri(), link_text=f"{name}: report.html")
    create_link_artifact(key=artifact_key(out, "storyboard"), link=sheet.resolve().as_uri(), link_text=f"{name}: storyboard.png")
    create_markdown_artifact(
        key=artifact_key(out, "summary"),
        markdown=f"**{name}**: [{video.name}]({video.resolve().as_uri()}), [report]({page.resolve().as_uri()}), "
        f"[storyboard]({sheet.resolve().as_uri()}), {n} shots, {sum(e.passed for e in report.shots)}/{n} passed QA, "
        f"timing {timing.verdict}: median |cut - beat| {timing.summary.median_abs_offset * 1000:.0f} ms, "
        f"{timing.summary.cuts_inside_lines} cuts inside sung lines."
        + (f" {timing.beat_grid.note}." if timing.beat_grid and timing.beat_grid.note else ""),
    )
