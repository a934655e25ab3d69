"""The run's pictures: the timeline and contact sheet are real images, and the HTML report opens
from disk in a headless Chromium with every image decoded and no error or network request."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from schemas import QAReport, ShotList, SongAnalysis
from schemas.timing import TimingReport
from songflow.pictures.report import html_report
from songflow.pictures.storyboard import contact_sheet
from songflow.pictures.timeline import timeline_plot

TITLE = 'Neon <Tide> & "Co"'  # markup characters: the report must escape them
SR = 22050
DURATION = 12.0
FPS = 24
LINES = [  # start, end, text, timing
    (4.1, 5.6, "Streetlights hum across the bay", "given"),
    (6.0, 7.9, "I trace your name in salt and spray", "given-start"),
    (8.4, 10.9, "Ride the neon tide tonight", "estimated"),
]
SHOT_SPANS = [(0.0, 2.0, 0), (2.0, 4.0, 0), (4.0, 6.0, 1), (6.0, 8.0, 1), (8.0, 10.0, 2), (10.0, 12.0, 2)]


@pytest.fixture
def run(tmp_path):
    """A small finished run: song WAV, analysis, shots, keyframes, QA report and timing report."""
    import soundfile as sf

    t = np.arange(int(DURATION * SR)) / SR
    loud = np.interp(t, [0, 4, 4.01, 8, 8.01, 12], [0.2, 0.3, 0.9, 0.9, 0.4, 0.3])
    kicks = np.exp(-((t % 0.5) * 30.0))  # a decaying hit on every beat
    audio = (loud * (0.5 * np.sin(2 * np.pi * 220 * t) + 0.5 * kicks * np.sin(2 * np.pi * 60 * t))).astype(np.float32)
    wav = tmp_path / "song.wav"
    sf.write(wav, audio, SR)

    beats = [round(0.5 * i, 3) for i in range(24)]
    sections = [(0.0, 4.0, 0.3, "A"), (4.0, 8.0, 1.0, "B"), (8.0, 12.0, 0.4, "A")]
    lyric = lambda a, b, text, timing: {"start": a, "end": b, "text": text, "timing": timing}  # noqa: E731
    analysis = SongAnalysis.model_validate(
        {
            "title": TITLE, "audio_path": str(wav), "audio_sha256": "0" * 64, "duration": DURATION, "tempo": 120.0,
            "beats": beats, "downbeats": beats[::4],
            "sections": [
                {"index": i, "start": a, "end": b, "energy": e, "label": label,
                 "lyrics": [lyric(*ln) for ln in LINES if a <= ln[0] < b]}
                for i, (a, b, e, label) in enumerate(sections)
            ],
            "energy": [float(v) for v in np.interp(np.arange(120) / 10, t, loud) / 0.9],
            "energy_rate": 10.0,
            "vocals": [{"start": 4.0, "end": 5.7}, {"start": 5.9, "end": 8.0}, {"start": 8.3, "end": 11.0}],
            "lyrics_source": "lrc",
            "lyrics": [lyric(*ln) for ln in LINES],
            "interpretation": {
                "mood": "wistful, bright", "themes": ["summer", "the sea"], "imagery": ["neon on water", "a red kite"],
                "sections": [{"description": "quiet start"}, {"description": "the chorus lifts"}, {"description": "fading out"}],
            },
            "model": "fake:scripted",
        }
    )
    shots = ShotList.model_validate(
        {
            "duration": DURATION, "model": "fake:scripted",
            "shots": [
                {"index": i, "scene_index": scene, "start": a, "end": b,
                 "prompt": f"shot {i}: a red kite over a neon harbour at night, long reflections on the water, <b>not bold</b>",
                 "composition": "left_third", "setting": "harbour", "subject": "kite",
                 "palette": ["#0b1d3a", "#008080", "#ff7f50"], "camera": "pan_left", "seed": i}
                for i, (a, b, scene) in enumerate(SHOT_SPANS)
            ],
        }
    )
    (tmp_path / "keyframes").mkdir()
    qa_shots = []
    for i in range(len(SHOT_SPANS)):
        attempts = []
        n_attempts = 2 if i == 3 else 1
        for k in range(n_attempts):
            name = f"keyframes/shot{i:03d}_{k}.png"
            _keyframe(tmp_path / name, i, k)
            failed = i == 3 and k == 0 or i == 5
            attempts.append({
                "attempt": k, "seed": i + k, "image": name,
                "evidence": {"kind": "image", "measurements": {"contrast": 0.4}},
                "verdict": {"issues": ["the kite is cut off at the edge"] if failed else [], "passed": not failed, "score": 3 if failed else 8},
                "accepted": not failed,
            })
        qa_shots.append({"shot_index": i, "attempts": attempts, "passed": i != 5, "chosen_attempt": n_attempts - 1})
    report = QAReport.model_validate({"model": "fake:scripted", "evidence_kind": "image", "pass_score": 5, "shots": qa_shots})

    cuts = []
    for i, (a, _, scene) in enumerate(SHOT_SPANS[1:], start=1):
        change = scene != SHOT_SPANS[i - 1][2]
        cuts.append({
            "shot_index": i, "time": a + 0.01, "kind": ("dip" if i == 2 else "crossfade") if change else "cut",
            "section_change": change, "nearest_beat": a, "offset": 0.01, "on_downbeat": a in beats[::4],
            "inside_line": "I trace your name in salt and spray" if i == 3 else None,
        })
    captions = [
        {"text": text, "start": a, "end": b, "shown_from": round(a * FPS) / FPS, "shown_until": round(b * FPS) / FPS,
         "on_error_frames": round(a * FPS) - a * FPS, "off_error_frames": round(b * FPS) - b * FPS}
        for a, b, text, _ in LINES
    ]
    timing = TimingReport.model_validate({
        "fps": FPS,
        "limits": {"max_cut_offset_seconds": 0.07, "max_cuts_in_phrases": 1, "max_caption_error_frames": 1.0, "max_duration_error_frames": 1.0},
        "cuts": cuts, "captions": captions,
        "summary": {
            "cuts": len(cuts), "median_abs_offset": 0.01, "max_abs_offset": 0.01, "share_within_limit": 1.0,
            "cuts_inside_lines": 1, "cuts_inside_long_lines": 0, "max_caption_error_frames": 0.4,
            "video_duration": DURATION, "audio_duration": DURATION + 0.01, "song_duration": DURATION, "duration_error_frames": 0.24,
        },
        "failures": [],
    })
    return analysis, shots, report, timing, tmp_path


def _keyframe(path, i, k):
    """A 640x360 gradient with a coloured disc: every keyframe looks different."""
    x = np.linspace(0, 1, 640)[None, :, None]
    y = np.linspace(0, 1, 360)[:, None, None]
    base = np.array([40 + 30 * i, 60 + 20 * k, 150 - 15 * i], dtype=float)
    img = Image.fromarray(np.clip(base * (0.4 + 0.6 * x) + 80 * y, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).ellipse((200 + 30 * i, 100, 340 + 30 * i, 240), fill=(255, 90 + 25 * i, 60))
    img.save(path)


def _not_blank(path, min_std=12.0):
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.std() > min_std, f"{path.name} looks blank (pixel std {pixels.std():.1f})"
    return Image.open(path).size


def test_timeline_and_contact_sheet_are_real_pictures(run):
    import matplotlib

    analysis, shots, report, timing, root = run
    rc = dict(matplotlib.rcParams)
    png = timeline_plot(analysis, shots, timing, root / "timeline.png")
    assert dict(matplotlib.rcParams) == rc  # no global matplotlib state touched
    w, h = _not_blank(png)
    assert w == 1800 and 500 <= h <= 900

    sheet = contact_sheet(analysis, shots, report, timing, root, root / "storyboard.png")
    w, h = _not_blank(sheet)
    rows = -(-len(shots.shots) // 6)
    assert w == 6 * 320 and h > 700 + rows * 180  # header + timeline + the grid
    assert not list(root.glob(".*.png"))  # atomic writes leave no temp files


def test_html_report_opens_in_chromium_without_errors(run):
    from playwright.sync_api import sync_playwright

    analysis, shots, report, timing, root = run
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is needed for this test: install it (Debian: apt-get install chromium) so `chromium` is on PATH"
    page_path = html_report(analysis, shots, report, timing, root, root / "report.html")
    text = page_path.read_text(encoding="utf-8")
    assert page_path.stat().st_size < 3_000_000
    assert "<script" not in text and "<link" not in text and "http://" not in text and "https://" not in text
    assert "<b>not bold</b>" not in text  # prompt text is escaped

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            images = page.evaluate("[...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0, alt: i.alt}))")
            body = page.inner_text("body")
            shot = root / "report-screenshot.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()

    assert not problems, problems
    assert len(images) == 1 + len(shots.shots)  # the timeline and one thumbnail per shot
    assert all(i["ok"] for i in images), [i["alt"] for i in images if not i["ok"]]
    assert TITLE in body
    assert "timing PASS" in body and "Median |cut − beat|" in body and "10.0 ms" in body
    assert "QA passed 5/6" in body and "the kite is cut off at the edge" in body
    assert "I trace your name in salt and spray" in body  # the cut inside a line is listed
    w, h = _not_blank(shot, min_std=8.0)
    assert w == 1400 and h > 2000
    if os.environ.get("SONGFLOW_REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["SONGFLOW_REPORT_SCREENSHOT"])
