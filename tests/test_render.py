"""The procedural renderer: deterministic per seed, different per seed and per scene."""

from __future__ import annotations

import numpy as np

from renderers.procedural import ProceduralRenderer, pick_motifs
from schemas import Shot


def make_shot(palette, prompt="a singer on a rooftop above the city", composition="left_third"):
    return Shot(index=0, scene_index=0, start=0, end=2, prompt=prompt, composition=composition, setting="rooftop", subject="singer", palette=palette, camera="hold", seed=3)


def test_same_seed_same_pixels_new_seed_new_pixels():
    r = ProceduralRenderer()
    shot = make_shot(["#0b0c2a", "#3a1c71", "#d76d77", "#ffaf7b"])
    a = np.asarray(r.render(shot, seed=1, width=320, height=180))
    b = np.asarray(r.render(shot, seed=1, width=320, height=180))
    c = np.asarray(r.render(shot, seed=2, width=320, height=180))
    assert a.shape == (180, 320, 3)
    assert np.array_equal(a, b)
    assert np.abs(a.astype(float) - c).mean() > 2


def test_palette_drives_the_colours():
    r = ProceduralRenderer()
    warm = np.asarray(r.render(make_shot(["#2d1e2f", "#d66853", "#f4d35e"]), seed=1, width=320, height=180), dtype=float)
    cold = np.asarray(r.render(make_shot(["#021024", "#5483b3", "#c1e8ff"]), seed=1, width=320, height=180), dtype=float)
    assert warm[..., 0].mean() > warm[..., 2].mean()
    assert cold[..., 2].mean() > cold[..., 0].mean()


def test_motifs_come_from_the_words():
    assert pick_motifs("waves on the bay at night") == ["water", "stars"]
    assert pick_motifs("zzz") == ["crystal"]
