"""Keyframe drawing speed of the procedural renderer: one process against a pool of two.

    .venv/bin/python bench/render.py [shot_list.json]

Draws the shots of a shot list (default: 48 shots over every place, shot size, time and weather
of the gallery) at 1280x720 three ways, in one run: in this process (one core, the baseline), and
through the renderer's process pool with OMP_NUM_THREADS=1 and =2, fed by as many threads as the
flow uses. Prints seconds per keyframe, keyframes per second, and the pool's ratio to one process.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from renderers import procedural  # noqa: E402
from renderers.drawing.places import PLACES  # noqa: E402
from schemas.shots import ShotList  # noqa: E402
from songflow.pictures.gallery import DAY, DUSK, NIGHT, SIZE_WORDS, shot  # noqa: E402

W, H = 1280, 720


def gallery_shots(n: int = 48) -> list:
    places, sizes = sorted(PLACES), list(SIZE_WORDS)
    times, weathers = ["dawn", "noon", "dusk", "midnight"], [None, "drizzle", "fog", "snow", "storm", "haze"]
    subjects = ["a singer", "a white horse", "a vintage car", "a young couple", "a dancer", "a flock of birds"]
    return [shot(places[i % len(places)], subjects[i % len(subjects)], size=sizes[i % len(sizes)], time=times[i % 4],
                 weather=weathers[i % len(weathers)], palette=[DUSK, NIGHT, DAY][i % 3], seed=i) for i in range(n)]


def pooled(shots, width: int) -> float:
    os.environ["OMP_NUM_THREADS"] = str(width)
    renderer = procedural.ProceduralRenderer()
    renderer.render(shots[0], seed=0, width=W, height=H)  # start the pool outside the timing
    began = time.perf_counter()
    with ThreadPoolExecutor(width) as threads:
        list(threads.map(lambda s: renderer.render(s, seed=s.seed, width=W, height=H), shots))
    return time.perf_counter() - began


def main() -> None:
    shots = ShotList.model_validate_json(Path(sys.argv[1]).read_text()).shots if len(sys.argv) > 1 else gallery_shots()
    procedural.draw_shot(shots[0], seed=0, width=W, height=H)
    began = time.perf_counter()
    for s in shots:
        procedural.draw_shot(s, seed=s.seed, width=W, height=H)
    alone = time.perf_counter() - began
    one, two = pooled(shots, 1), pooled(shots, 2)
    n = len(shots)
    print(f"{n} keyframes at {W}x{H}, {len(os.sched_getaffinity(0))} cores")
    print(f"in process (baseline)  {alone / n:.3f} s per keyframe  {n / alone:.2f} keyframes/s")
    print(f"pool of 1 process      {one / n:.3f} s per keyframe  {n / one:.2f} keyframes/s  ratio {alone / one:.2f}")
    print(f"pool of 2 processes    {two / n:.3f} s per keyframe  {n / two:.2f} keyframes/s  ratio {alone / two:.2f}")


if __name__ == "__main__":
    main()
