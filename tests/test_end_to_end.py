"""The whole flow with the real Gemma 3 270M on a 16 s generated song, checked on invariants."""

from __future__ import annotations

import av
import numpy as np
from PIL import Image

from schemas import QAReport, ScenePlan, ShotList, SongAnalysis
from songflow.core.config import PRESETS
from tests.conftest import SHORT_TITLE

FRAME = 1 / 24


def test_flow_run_is_named_after_the_song(e2e):
    assert e2e["run_name"] == SHORT_TITLE


def test_four_stage_files_exist_and_validate(e2e):
    out = e2e["out"]
    analysis = out.load("analysis", SongAnalysis)
    plan = out.load("scenes", ScenePlan)
    shots = out.load("shots", ShotList)
    qa = out.load("qa", QAReport)
    assert analysis.model == plan.model == shots.model == qa.model == "gguf:embedded"
    assert len(plan.scenes) == len(analysis.sections) == len(analysis.interpretation.sections)
    assert analysis.lyrics_source == "lrc" and all(line.timing == "given" for line in analysis.lyrics)
    assert abs(analysis.duration - e2e["truth"].duration) < 0.01
    assert e2e["video"] == out.video


def test_shots_tile_the_song_and_every_cut_is_on_a_beat(e2e):
    out = e2e["out"]
    analysis = out.load("analysis", SongAnalysis)
    shots = out.load("shots", ShotList)
    assert shots.shots[0].start == 0 and shots.shots[-1].end == analysis.duration
    for a, b in zip(shots.shots, shots.shots[1:]):
        assert a.end == b.start
    cuts = np.array([s.start for s in shots.shots[1:]])
    assert len(cuts) >= 3
    detected = np.array(analysis.beats)
    true_beats = np.array(e2e["truth"].beats)
    for cut in cuts:
        assert np.min(np.abs(detected - cut)) <= FRAME, cut
        assert np.min(np.abs(true_beats - cut)) <= FRAME, f"cut {cut:.3f}s is not on a beat of the song"
    # Louder sections get shorter shots.
    by_energy = sorted(analysis.sections, key=lambda s: s.energy)
    calm, loud = by_energy[0], by_energy[-1]
    length = lambda sec: np.mean([s.end - s.start for s in shots.shots if s.scene_index == sec.index])  # noqa: E731
    assert length(loud) < length(calm)


def test_one_qa_verdict_per_shot_with_every_attempt_kept(e2e):
    out = e2e["out"]
    shots = out.load("shots", ShotList)
    qa = out.load("qa", QAReport)
    max_attempts = PRESETS["fast"].qa.max_rerenders + 1
    assert [s.shot_index for s in qa.shots] == [s.index for s in shots.shots]
    assert qa.evidence_kind == "image-statistics"  # the default model is text-only
    for entry in qa.shots:
        assert 1 <= len(entry.attempts) <= max_attempts
        for attempt in entry.attempts:
            image = out.root / attempt.image
            assert image.exists() and Image.open(image).size == (1280, 720)
            names = {c.name for c in attempt.evidence.checks}
            assert {"not_blank", "palette_match", "subject_placement"} <= names
            assert "mean_luma" in attempt.evidence.measurements
        if not entry.attempts[0].accepted:
            assert len(entry.attempts) == max_attempts or any(a.accepted for a in entry.attempts)


def test_keyframes_differ_between_scenes(e2e):
    out = e2e["out"]
    shots = out.load("shots", ShotList)
    qa = out.load("qa", QAReport)
    first_of_scene = {}
    for s, entry in zip(shots.shots, qa.shots):
        first_of_scene.setdefault(s.scene_index, out.root / entry.attempts[entry.chosen_attempt].image)
    images = [np.asarray(Image.open(p).convert("RGB").resize((128, 72)), dtype=np.float32) for p in first_of_scene.values()]
    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            assert np.abs(images[i] - images[j]).mean() > 8.0, (i, j)


def test_video_is_h264_aac_720p_24fps_and_as_long_as_the_song(e2e):
    import soundfile as sf

    info = sf.info(str(e2e["wav"]))
    audio_seconds = info.frames / info.samplerate
    with av.open(str(e2e["video"])) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert audio.codec_context.name == "aac"
        assert (video.codec_context.width, video.codec_context.height) == (1280, 720)
        assert video.average_rate == 24
        video_seconds = float(video.duration * video.time_base)
        assert abs(video_seconds - audio_seconds) <= FRAME + 1e-6, (video_seconds, audio_seconds)
        assert abs(float(audio.duration * audio.time_base) - audio_seconds) <= FRAME


def test_captions_are_on_screen_while_a_line_is_sung(e2e):
    """The bottom band changes when a lyric line starts (burned-in caption) and not otherwise."""
    out = e2e["out"]
    line = out.load("analysis", SongAnalysis).lyrics[0]
    shots = out.load("shots", ShotList)
    # Compare a frame inside the line with one just before it, both inside the same shot if possible.
    times = [line.start - 0.3, line.start + 0.5]
    frames = {}
    with av.open(str(e2e["video"])) as container:
        for frame in container.decode(video=0):
            for t in times:
                if t not in frames and frame.time >= t:
                    frames[t] = np.asarray(frame.to_image(), dtype=np.float32)
            if len(frames) == len(times):
                break
    before, during = frames[times[0]], frames[times[1]]
    band = slice(int(720 * 0.78), int(720 * 0.93))
    white_during = (during[band].min(axis=2) > 235).mean()
    white_before = (before[band].min(axis=2) > 235).mean()
    assert white_during > white_before + 0.002, (white_during, white_before, [s.start for s in shots.shots])


def test_timing_report_passes_and_the_pictures_are_written(e2e):
    from schemas.timing import TimingReport

    out = e2e["out"]
    report = TimingReport.model_validate_json(out.path("timing").read_text())
    assert report.passed, report.failures
    s = report.summary
    assert s.share_within_limit == 1.0 and s.median_abs_offset <= FRAME and s.cuts_inside_lines == 0
    assert s.max_caption_error_frames <= 1.0 and s.duration_error_frames <= 1.0
    assert len(report.captions) == len(out.load("analysis", SongAnalysis).lyrics)
    for name in ("report.html", "storyboard.png", "video.srt", "video.vtt"):
        assert (out.root / name).stat().st_size > 0, name


def test_words_pass_the_checker_and_qa_rerenders_only_for_a_reason(e2e):
    from songflow.words.wordcheck import check_words

    out = e2e["out"]
    analysis, plan, shots = out.load("analysis", SongAnalysis), out.load("scenes", ScenePlan), out.load("shots", ShotList)
    report = check_words(analysis, plan, shots)
    assert report.passed, report.failures
    qa = out.load("qa", QAReport)
    attempts = [a for entry in qa.shots for a in entry.attempts]
    assert len(attempts) / len(qa.shots) <= 1.3
    for a in attempts:
        assert a.accepted == (not a.reasons)
    assert sum(qa.rejections.values()) == sum(len(a.reasons) for a in attempts)


def test_every_hard_cut_is_seen_and_no_shot_jumps(e2e):
    """ffmpeg's own scene-change score (scdet) at every planned cut of the video: a hard cut is a
    change of picture a viewer sees (>= 10, scdet's default threshold), and inside a shot the picture
    moves without a jump. Crossfades and dips at section changes are meant to be gradual and are
    left out of the hard cuts."""
    from stages.assemble import plan_frames
    from stages.timing_report import SCENE_CHANGE, cut_visibility, scene_scores

    out = e2e["out"]
    analysis, shots = out.load("analysis", SongAnalysis), out.load("shots", ShotList)
    seen = cut_visibility(scene_scores(e2e["video"]), plan_frames(analysis, shots, PRESETS["fast"].assemble))
    assert seen["hard_cuts"] >= 3, seen
    assert seen["hard_seen"] >= 0.8 * seen["hard_cuts"], seen
    assert seen["inside_max"] < SCENE_CHANGE, seen


def test_consecutive_shots_of_a_scene_are_framed_differently(e2e):
    shots = e2e["out"].load("shots", ShotList).shots
    for a, b in zip(shots, shots[1:]):
        assert a.shot_size and a.angle and b.shot_size and b.angle
        if a.scene_index == b.scene_index:
            assert (a.shot_size, a.angle) != (b.shot_size, b.angle), (a.index, b.index)
