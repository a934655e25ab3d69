"""What the music tagger heard, as a picture: its strongest tags (rows) window by window (columns)."""

from __future__ import annotations

import io

import numpy as np

from schemas.analysis import SongAnalysis
from songflow.pictures.timeline import BG, DIM, FG, SHEET_WIDTH, clock, section_colour


def taggram_image(analysis: SongAnalysis, *, width_px: int = SHEET_WIDTH) -> bytes | None:
    """A PNG of the taggram stored in stage 1's analysis (tags x time, score 0..1 as brightness),
    with the sections along the top; None when the tagger was off."""
    tags = analysis.tags
    if tags is None or not tags.taggram:
        return None
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    rows = tags.taggram
    scores = np.array([row.scores for row in rows])
    dpi = 100
    height_px = 60 + 22 * len(rows)
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor=BG)
    ax = fig.add_axes((0.12, 40 / height_px, 0.86, 1 - 60 / height_px))
    end = tags.starts[-1] + tags.window
    ax.imshow(scores, aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest", extent=(0, end, len(rows), 0))
    for s in analysis.sections:  # the sections as a band above the taggram
        if s.start < end:
            ax.add_patch(Rectangle((s.start, -0.6), min(s.end, end) - s.start, 0.5, color=section_colour(s.label), clip_on=False))
    ax.set_ylim(len(rows), -0.7)
    ax.set_yticks(np.arange(len(rows)) + 0.5, [f"{row.tag.split(':', 1)[1]} ({row.tag.split(':', 1)[0]})" for row in rows], color=FG, fontsize=9)
    ticks = np.arange(0, end + 1e-6, max(3.0, round(end / 12 / 3) * 3))
    ax.set_xticks(ticks, [clock(t) for t in ticks], color=DIM, fontsize=9)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_facecolor(BG)
    fig.text(0.12, 1 - 12 / height_px, f"What the tagger heard ({tags.tagger}), {tags.window:.1f} s windows; voice in {tags.voice_share:.0%} of them",
             color=DIM, fontsize=10, va="center")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=BG)
    return buf.getvalue()
