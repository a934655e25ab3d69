"""The storyboard: one PNG with the QA and timing verdicts, the timeline, and the chosen keyframes
in a grid with their times, prompt and QA verdict."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from schemas.analysis import SongAnalysis
from schemas.qa import QAReport, ShotQA
from schemas.shots import Shot, ShotList
from schemas.timing import TimingReport
from songflow.core.fsutil import atomic_path
from songflow.pictures.timeline import BAD, BG, DIM, FG, COLUMNS, SHEET_WIDTH, THUMB, clock, timeline_image, timing_figures

CAPTION_H = 92


def contact_sheet(
    analysis: SongAnalysis, shots: ShotList, report: QAReport, timing: TimingReport | None, root: Path, target: Path,
    *, timeline_png: bytes | None = None,
) -> Path:
    """One PNG: a title line with the QA and timing verdicts, the timeline, then the storyboard grid."""
    width = SHEET_WIDTH
    font, bold = _font(), _font(bold=True)
    title, stats = bold(30), font(17)
    failures = timing.failures if timing else []

    png = timeline_png or timeline_image(analysis, shots, timing, width_px=width)
    timeline = Image.open(io.BytesIO(png)).convert("RGB")
    if timeline.width != width:
        timeline = timeline.resize((width, round(timeline.height * width / timeline.width)), Image.Resampling.LANCZOS)
    header_h = 20 + 40 + 28 + 24 * len(failures) + 14
    rows = (len(shots.shots) + COLUMNS - 1) // COLUMNS
    cell_h = THUMB[1] + CAPTION_H
    sheet = Image.new("RGB", (width, header_h + timeline.height + 12 + rows * cell_h), BG)
    draw = ImageDraw.Draw(sheet)

    name = _fit(draw, analysis.title, title, width - 560)
    draw.text((24, 20), name, font=title, fill=FG)
    x = 24 + draw.textlength(name, font=title) + 16
    draw.text((x, 30), f"{analysis.tempo:.1f} BPM · {clock(analysis.duration)} ({analysis.duration:.1f} s) · {len(shots.shots)} shots",
              font=stats, fill=DIM)
    n_pass = sum(e.passed for e in report.shots)
    qa = f"QA passed {n_pass}/{len(report.shots)}"
    draw.text((24, 66), qa, font=stats, fill="#78dc8c" if n_pass == len(report.shots) else "#f0a070")
    x = 24 + draw.textlength(qa, font=stats) + 24
    if timing is None:
        draw.text((x, 66), "timing: not measured", font=stats, fill=DIM)
    else:
        verdict = f"timing {timing.verdict}"
        verdict_font = stats if timing.passed else bold(17)
        confirmed = timing.beat_grid is None or timing.beat_grid.confirmed
        draw.text((x, 66), verdict, font=verdict_font, fill=("#78dc8c" if confirmed else "#f0a070") if timing.passed else BAD)
        x += draw.textlength(verdict, font=verdict_font) + 16
        draw.text((x, 66), timing_figures(timing), font=stats, fill=FG)
        for i, failure in enumerate(failures):
            draw.text((24, 94 + 24 * i), _fit(draw, f"✗ {failure}", font(15), width - 48), font=font(15), fill=BAD)

    sheet.paste(timeline, (0, header_h))
    top = header_h + timeline.height + 12
    for i, (shot, entry) in enumerate(zip(shots.shots, report.shots, strict=True)):
        _draw_card(sheet, draw, shot, entry, analysis, root, (i % COLUMNS) * THUMB[0], top + (i // COLUMNS) * cell_h)
    with atomic_path(target) as tmp:
        sheet.save(tmp, format="PNG")
    return Path(target)


def _draw_card(sheet: Image.Image, draw: ImageDraw.ImageDraw, shot: Shot, entry: ShotQA, analysis: SongAnalysis, root: Path, x: int, y: int) -> None:
    font, bold = _font(), _font(bold=True)
    w, h = THUMB
    pad = 4
    chosen = entry.attempts[entry.chosen_attempt]
    thumb = ImageOps.pad(Image.open(root / chosen.image).convert("RGB"), (w - 2 * pad, h - 2 * pad), color=(0, 0, 0))
    sheet.paste(thumb, (x + pad, y + pad))
    if not entry.passed:  # a failed keyframe stands out in the grid
        draw.rectangle((x + pad - 2, y + pad - 2, x + w - pad + 1, y + h - pad + 1), outline=BAD, width=3)
    section = analysis.sections[shot.scene_index].label if shot.scene_index < len(analysis.sections) else "?"
    ty = y + h + 2
    draw.text((x + pad + 2, ty), f"#{shot.index}  {shot.start:.1f}–{shot.end:.1f}s  {section}", font=bold(14), fill=FG)
    verdict = f"{'pass' if entry.passed else 'FAIL'} {chosen.verdict.score}/10 ×{len(entry.attempts)}"
    draw.text((x + w - pad - 2, ty), verdict, font=bold(13), fill="#78dc8c" if entry.passed else BAD, anchor="ra")
    small = font(12)
    for k, line in enumerate(_wrap(draw, shot.prompt, small, w - 2 * pad - 4, 3)):
        draw.text((x + pad + 2, ty + 21 + 15 * k), line, font=small, fill="#b4b4be")
    draw.text((x + pad + 2, ty + 21 + 15 * 3 + 2), f"{shot.composition.replace('_', ' ')} · {shot.camera.replace('_', ' ')}", font=small, fill="#7c7c88")


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """`text` on one line (Pillow cannot measure a line break), cut with an ellipsis to fit `width` pixels."""
    text = " ".join(text.splitlines())
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and draw.textlength(f"{line} {words[0]}", font=font) <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(_fit(draw, line, font, width))  # a single word wider than the line
    if words and lines:  # more text than room: end the last line with an ellipsis
        lines[-1] = _fit(draw, lines[-1] + " " + words[0], font, width)
    return lines


def _font(bold: bool = False):
    """A sizer for matplotlib's DejaVu Sans (it has the … × ✗ – glyphs Pillow's default font lacks)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return lambda size: ImageFont.truetype(str(path), size)
