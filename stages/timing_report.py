"""The timing report: measures the assembled video against the beats and the lyrics.

Cut and caption times are the frames the assembly put them on (`plan_frames`, `caption_frames`);
stream durations are read from the MP4 itself (PyAV). A hard rule broken fails the run.
"""

from __future__ import annotations

import bisect
import statistics
import subprocess
from pathlib import Path

from schemas.analysis import SongAnalysis
from schemas.shots import ShotList
from schemas.timing import BeatEvidence, CaptionTiming, CutTiming, TimingReport, TimingSummary
from songflow.core.config import AssembleConfig, ShotConfig, TimingConfig
from songflow.core.errors import SongflowError
from songflow.listening.beats import NO_PULSE
from stages.assemble import caption_frames, ffmpeg_exe, plan_frames
from stages.write_shots import inside_phrase


class TimingError(SongflowError):
    """The finished video breaks a hard timing rule."""


def stream_durations(video: Path) -> tuple[float, float]:
    """(video, audio) stream durations of an MP4 in seconds: frames / rate, and the audio's samples."""
    import av

    with av.open(str(video)) as container:
        v = container.streams.video[0]
        a = container.streams.audio[0]
        frames = v.frames or sum(1 for _ in container.decode(v))
        video_s = frames / float(v.average_rate)
        audio_s = float(a.duration * a.time_base) if a.duration else float(container.duration) / 1e6
    return video_s, audio_s


def nearest(sorted_times: list[float], t: float) -> float:
    i = bisect.bisect_left(sorted_times, t)
    around = sorted_times[max(0, i - 1) : i + 1]
    return min(around, key=lambda b: abs(b - t))


MIN_CONFIDENCE = 0.5


def beat_evidence(analysis: SongAnalysis) -> BeatEvidence:
    """The analysis' beat grid, its confidence and its tempo check, with one line when in doubt."""
    check, confidence = analysis.beat_check, analysis.beat_confidence
    doubts = []
    if check is not None and check.relation == NO_PULSE:
        doubts.append(f"the song has no steady pulse (noise, a cappella or ambient), so its {analysis.tempo:.1f} BPM grid is a guess")
    elif check is not None and not check.agrees:
        doubts.append(
            f"the {analysis.beat_tracker} tracker's {analysis.tempo:.1f} BPM and the {check.method} of {check.tempo:.1f} BPM "
            f"are at different metrical levels ({check.relation})"
        )
    if confidence is not None and confidence < MIN_CONFIDENCE:
        doubts.append(f"only {confidence:.0%} of its beats land on an onset")
    doubts += analysis.beat_doubts
    against = "cuts follow the song's strong onsets and are measured against them" if analysis.cut_grid == "onsets" else "cut offsets are measured against the tracker's grid"
    note = ("beat grid unconfirmed: " + "; ".join(doubts) + "; " + against) if doubts else None
    return BeatEvidence(
        tracker=analysis.beat_tracker, tempo=analysis.tempo, confidence=confidence, check=check, confirmed=not doubts, note=note
    )


def timing_report(
    analysis: SongAnalysis,
    shots: ShotList,
    video: Path,
    assemble_cfg: AssembleConfig = AssembleConfig(),
    shot_cfg: ShotConfig = ShotConfig(),
    limits: TimingConfig = TimingConfig(),
) -> TimingReport:
    fps = assemble_cfg.fps
    plan = plan_frames(analysis, shots, assemble_cfg)
    downbeats = set(analysis.downbeats)
    lines = analysis.lyrics
    points = analysis.cut_points
    if analysis.cut_grid == "onsets":  # scenes still change on the sections' boundaries
        points = sorted({*points, *(s.start for s in analysis.sections[1:])})
    cuts = []
    for i in range(1, len(shots.shots)):
        before, after = shots.shots[i - 1], shots.shots[i]
        t = plan.shots[i].first / fps
        beat = nearest(points, t)
        tr = plan.transitions.get(i)
        line = inside_phrase(t, lines, shot_cfg.phrase_edge_seconds)
        cuts.append(
            CutTiming(
                shot_index=i,
                time=round(t, 6),
                kind="cut" if tr is None else ("dip" if tr.kind == "fadeblack" else "crossfade"),
                section_change=before.scene_index != after.scene_index,
                nearest_beat=beat,
                offset=round(t - beat, 6),
                on_downbeat=beat in downbeats,
                inside_line=line.text if line else None,
                line_allows_cut=bool(line and line.end - line.start > shot_cfg.max_shot_seconds),
            )
        )
    captions = []
    if assemble_cfg.captions:
        for line in lines:
            if not line.text.strip():
                continue
            on, off = caption_frames(line, fps)
            captions.append(
                CaptionTiming(
                    text=line.text, start=line.start, end=line.end, shown_from=on / fps, shown_until=off / fps,
                    on_error_frames=round(on - line.start * fps, 4), off_error_frames=round(off - line.end * fps, 4),
                )
            )
    video_s, audio_s = stream_durations(video)
    offsets = [abs(c.offset) for c in cuts]
    caption_err = max([max(abs(c.on_error_frames), abs(c.off_error_frames)) for c in captions], default=0.0)
    summary = TimingSummary(
        cuts=len(cuts),
        median_abs_offset=statistics.median(offsets) if offsets else 0.0,
        max_abs_offset=max(offsets, default=0.0),
        share_within_limit=sum(o <= limits.max_cut_offset_seconds + 1e-9 for o in offsets) / len(offsets) if offsets else 1.0,
        cuts_inside_lines=sum(1 for c in cuts if c.inside_line and not c.line_allows_cut),
        cuts_inside_long_lines=sum(1 for c in cuts if c.inside_line and c.line_allows_cut),
        max_caption_error_frames=round(caption_err, 4),
        video_duration=round(video_s, 6),
        audio_duration=round(audio_s, 6),
        song_duration=analysis.duration,
        duration_error_frames=round(max(abs(video_s - analysis.duration), abs(audio_s - analysis.duration)) * fps, 4),
    )
    failures = []
    if summary.max_abs_offset > limits.max_cut_offset_seconds + 1e-9:
        worst = max(cuts, key=lambda c: abs(c.offset))
        failures.append(f"cut into shot {worst.shot_index} at {worst.time:.3f}s is {abs(worst.offset) * 1000:.0f} ms from the nearest beat (limit {limits.max_cut_offset_seconds * 1000:.0f} ms)")
    if summary.cuts_inside_lines > limits.max_cuts_in_phrases:
        first = next(c for c in cuts if c.inside_line and not c.line_allows_cut)
        failures.append(f"{summary.cuts_inside_lines} cuts inside sung lines (limit {limits.max_cuts_in_phrases}), first at {first.time:.3f}s in {first.inside_line!r}")
    if summary.max_caption_error_frames > limits.max_caption_error_frames + 1e-9:
        failures.append(f"a caption is {summary.max_caption_error_frames:.2f} frames off its lyric line (limit {limits.max_caption_error_frames})")
    if summary.duration_error_frames > limits.max_duration_error_frames + 1e-9:
        failures.append(f"video {video_s:.3f}s / audio {audio_s:.3f}s vs song {analysis.duration:.3f}s: {summary.duration_error_frames:.2f} frames off (limit {limits.max_duration_error_frames})")
    return TimingReport(
        fps=fps, limits=limits.model_dump(), cuts=cuts, captions=captions, summary=summary, failures=failures, beat_grid=beat_evidence(analysis)
    )


def check_timing(report: TimingReport, where: Path) -> None:
    """Raise TimingError with the broken rules (one line) if the report has failures."""
    if report.failures:
        raise TimingError(f"timing rules broken (see {where}): " + "; ".join(report.failures))


SCENE_CHANGE = 10.0  # ffmpeg scdet's own default threshold: a change of picture a viewer sees


def scene_scores(video: Path) -> list[float]:
    """ffmpeg's scene-change score (`scdet`, 0-100) of every frame of `video` against the one before."""
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(video), "-an", "-vf",
         "scdet=threshold=100,metadata=mode=print:key=lavfi.scd.score:file=-", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    return [float(line.split("=", 1)[1]) for line in out.splitlines() if line.startswith("lavfi.scd.score=")]


def cut_visibility(scores: list[float], plan) -> dict:
    """The scene-change score at every planned cut of a `stages.assemble.FramePlan`, hard cuts apart
    from transitions (a crossfade or dip is meant to be gradual), and the largest score inside a shot."""
    hard = [scores[s.first] for i, s in enumerate(plan.shots) if i and i not in plan.transitions and s.first < len(scores)]
    soft = [scores[s.first] for i, s in enumerate(plan.shots) if i in plan.transitions and s.first < len(scores)]
    cut_frames = {s.first for s in plan.shots}
    # Inside a shot: every frame that is not a cut and not inside a transition's overlap.
    near = set()
    for t in plan.transitions.values():
        near |= set(range(t.frame - t.frames // 2 - 1, t.frame + t.frames // 2 + 2))
    inside = [x for f, x in enumerate(scores) if f and f not in cut_frames and f not in near]
    return {
        "hard_cuts": len(hard), "hard_seen": sum(x >= SCENE_CHANGE for x in hard),
        "hard_median": sorted(hard)[len(hard) // 2] if hard else None, "hard": hard,
        "transitions": soft, "inside_max": max(inside, default=0.0),
    }
