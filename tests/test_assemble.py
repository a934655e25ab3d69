"""Assembly read back from the MP4: cuts on the planned frames, captions on exactly their frames,
transitions at section changes, soft subtitles and sidecars, durations to the frame.

The stage outputs here come from the scripted fake (the words do not matter to assembly); the real
model's end-to-end run is in test_end_to_end.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from renderers.procedural import ProceduralRenderer
from songflow.core.config import AssembleConfig
from songflow.listening.lyrics import read_lyrics
from stages.analyze import analyze_song
from stages.assemble import assemble_video, caption_frames, plan_frames
from stages.plan_scenes import plan_scenes
from stages.render_keyframes import render_keyframe
from stages.timing_report import timing_report
from stages.write_shots import write_shots
from tests.fakes import StageFake

SMALL = AssembleConfig(width=320, height=180, preset="ultrafast")


@pytest.fixture(scope="module")
def assembled(short_song, tmp_path_factory):
    wav, _, truth = short_song
    root = tmp_path_factory.mktemp("assembled")
    # Lyric times off the frame grid (and off the centisecond grid of ASS): the caption edges
    # must still land on the nearest frames.
    srt = root / "lyrics.srt"
    srt.write_text(
        "1\n00:00:04,021 --> 00:00:06,987\nStreetlights hum across the bay\n\n"
        "2\n00:00:08,046 --> 00:00:10,944\nRide the neon tide tonight\n\n"
        "3\n00:00:11,063 --> 00:00:11,890\nTonight\n"
    )
    fake = StageFake(None)
    analysis = analyze_song(wav, read_lyrics(srt), fake, title="t")
    plan = plan_scenes(analysis, fake)
    # Different scenes get different palettes so that a cut is visible in the pixels.
    palettes = [["#0b0c2a", "#3a1c71", "#d76d77", "#ffaf7b"], ["#002b36", "#268bd2", "#2aa198", "#eee8d5"]]
    shots = write_shots(analysis, plan, fake)
    shots = shots.model_copy(update={"shots": [s.model_copy(update={"palette": palettes[s.index % 2]}) for s in shots.shots]})
    keyframes = [render_keyframe(s, ProceduralRenderer(), root) for s in shots.shots]
    with_captions = assemble_video(analysis, shots, keyframes, root / "video.mp4", SMALL)
    without = assemble_video(analysis, shots, keyframes, root / "plain" / "video.mp4", SMALL.model_copy(update={"captions": False}))
    return analysis, shots, with_captions, without


def decode(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)]).astype(np.int16)


def test_streams_durations_and_sidecars(assembled):
    import av
    import pysubs2

    analysis, shots, video, _ = assembled
    with av.open(str(video)) as c:
        kinds = {s.type: s.codec_context.name for s in c.streams}
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height, int(v.average_rate)) == (320, 180, 24)
        cues = [(p.pts, p.duration) for p in c.demux(c.streams.subtitles[0]) if p.size > 2]
    assert kinds == {"video": "h264", "audio": "aac", "subtitle": "mov_text"}
    assert len(cues) == len(analysis.lyrics)
    report = timing_report(analysis, shots, video, SMALL)
    assert report.summary.duration_error_frames <= 1.0
    assert abs(report.summary.video_duration - round(analysis.duration * 24) / 24) < 1e-6
    for suffix in (".srt", ".vtt"):
        subs = pysubs2.load(str(video.with_suffix(suffix)))
        assert [(e.start / 1000, e.end / 1000, e.plaintext) for e in subs] == [
            (round(ln.start, 3), round(ln.end, 3), ln.text) for ln in analysis.lyrics
        ]


def test_captions_show_on_exactly_their_frames(assembled):
    """The only difference between the two renders is the burned-in caption: where it shows."""
    analysis, _, video, plain = assembled
    a, b = decode(video), decode(plain)
    assert a.shape == b.shape
    shown = np.abs(a - b).reshape(len(a), -1).max(axis=1) > 40
    expected = np.zeros(len(a), dtype=bool)
    for line in analysis.lyrics:
        on, off = caption_frames(line, 24)
        assert abs(on - line.start * 24) <= 0.5 and abs(off - line.end * 24) <= 0.5
        expected[on:off] = True
    assert expected.any()
    assert np.array_equal(shown, expected), (np.flatnonzero(shown != expected))


def test_cuts_land_on_their_planned_frames_and_transitions_blend(assembled):
    analysis, shots, _, plain = assembled
    frames = decode(plain)
    plan = plan_frames(analysis, shots, SMALL)
    change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))  # change[k]: frame k -> k + 1
    hard = [f.first for i, f in enumerate(plan.shots) if i > 0 and i not in plan.transitions]
    assert hard, "the short song should have hard cuts inside sections"
    within = np.median(change)
    for k in hard:  # the biggest jump in its neighbourhood is exactly onto the cut frame
        window = change[k - 4 : k + 3]
        assert int(np.argmax(window)) == 3 and window[3] > 5 * within, (k, window)
    assert plan.transitions, "the short song has section changes"
    for i, tr in plan.transitions.items():
        mid = frames[tr.frame]
        start, end = frames[tr.frame - tr.frames // 2 - 1], frames[tr.frame + tr.frames // 2]
        if tr.kind == "fadeblack":  # dip: darkest at the downbeat
            assert mid.mean() < 0.5 * min(start.mean(), end.mean())
        else:  # crossfade: halfway between the two shots
            assert np.abs(mid - start).mean() > 3 and np.abs(mid - end).mean() > 3
    # frames inside a shot move (camera), but gently
    k = plan.shots[0].first + 5
    assert 0 < change[k] < within * 5 + 1


def test_timing_report_on_the_video(assembled):
    analysis, shots, video, _ = assembled
    report = timing_report(analysis, shots, video, SMALL)
    assert report.passed, report.failures
    s = report.summary
    assert s.cuts == len(shots.shots) - 1
    assert s.median_abs_offset <= 1 / 24 and s.share_within_limit == 1.0
    assert s.cuts_inside_lines == 0
    assert 0 < s.max_caption_error_frames <= 0.5
    # A rule broken is reported: pretend a two-second line is sung across the first cut.
    cut = shots.shots[1].start
    sung = analysis.model_copy(update={"lyrics": [analysis.lyrics[0].model_copy(update={"start": cut - 1, "end": cut + 1})]})
    broken = timing_report(sung, shots, video, SMALL.model_copy(update={"captions": False}))
    assert not broken.passed and "cuts inside sung lines" in broken.failures[0]
