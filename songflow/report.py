"""Pictures of a run: the storyboard (contact sheet) of the chosen keyframes."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from schemas.qa import QAReport
from schemas.shots import ShotList
from songflow.fsutil import atomic_path

THUMB = (320, 180)
COLUMNS = 6
CAPTION_H = 64


def contact_sheet(shots: ShotList, report: QAReport, root: Path, target: Path) -> Path:
    """A PNG grid: each chosen keyframe with its shot number, times, QA verdict and prompt."""
    n = len(shots.shots)
    rows = (n + COLUMNS - 1) // COLUMNS
    w, h = THUMB
    sheet = Image.new("RGB", (COLUMNS * w, rows * (h + CAPTION_H)), (18, 18, 22))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=15)
    small = ImageFont.load_default(size=12)
    for shot, entry in zip(shots.shots, report.shots, strict=True):
        chosen = entry.attempts[entry.chosen_attempt]
        x, y = (shot.index % COLUMNS) * w, (shot.index // COLUMNS) * (h + CAPTION_H)
        sheet.paste(Image.open(root / chosen.image).convert("RGB").resize(THUMB), (x, y))
        verdict = "QA pass" if entry.passed else "QA fail"
        colour = (120, 220, 140) if entry.passed else (240, 120, 110)
        draw.text((x + 6, y + h + 4), f"#{shot.index}  {shot.start:.1f}-{shot.end:.1f}s", font=font, fill=(235, 235, 235))
        draw.text((x + w - 6, y + h + 4), f"{verdict} {chosen.verdict.score}/10 x{len(entry.attempts)}", font=font, fill=colour, anchor="ra")
        prompt = shot.prompt if len(shot.prompt) <= 48 else shot.prompt[:47] + "…"
        draw.text((x + 6, y + h + 26), prompt, font=small, fill=(170, 170, 180))
        draw.text((x + 6, y + h + 42), f"{shot.composition}, {shot.camera}", font=small, fill=(130, 130, 140))
    with atomic_path(target) as tmp:
        sheet.save(tmp, format="PNG")
    return target
