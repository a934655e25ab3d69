"""Beats and bars decoded from beat and downbeat activations: the bar-pointer model, by Viterbi.

The model of Krebs, Böck and Widmer (ISMIR 2015) and Böck, Krebs and Widmer (ISMIR 2016), as
madmom's `DBNDownBeatTrackingProcessor` builds it: a hidden state is a position inside a bar of
`beats_per_bar` beats at one of `num_tempi` tempi (beat intervals in frames, log-spaced); inside a
beat the position advances one frame per frame at the same tempo; at each beat boundary the tempo
may change, with probability exp(-lambda * |new / old - 1|). A state's first 1/`observation_lambda`
of a beat observes the downbeat activation (beat 1) or the beat activation (other beats); the rest
observes the share of neither. One model per bar length; the one whose best path is likeliest names
the metre. Each beat is then put on the strongest activation inside its beat range.

madmom's code is BSD, but it ships its own trained models (CC BY-NC-SA) and no wheel for current
Pythons, so it cannot be songflow's default dependency. This is the same model written with numpy:
the Viterbi pass uses the model's structure (a state's predecessor is the state one frame earlier
at the same tempo, except at a beat's first frame) so it needs O(states) memory per frame instead
of a sparse matrix, and keeps back-pointers only at beat boundaries. tests/test_beatnet.py checks
that it finds the beats madmom finds on the same activations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_BPM, MAX_BPM = 55.0, 215.0
NUM_TEMPI = 60
TRANSITION_LAMBDA = 100.0
OBSERVATION_LAMBDA = 16
THRESHOLD = 0.05  # frames before the first and after the last activation this strong are left out


@dataclass(frozen=True)
class Decoded:
    beats: np.ndarray  # seconds
    numbers: np.ndarray  # each beat's place in its bar, 1 = downbeat
    beats_per_bar: int
    log_probability: float  # of the best path, for this bar length
    # per bar length tried: the best path's log probability (to say how sure the metre is)
    by_metre: dict[int, float]


def intervals(fps: float, min_bpm: float = MIN_BPM, max_bpm: float = MAX_BPM, num_tempi: int = NUM_TEMPI) -> np.ndarray:
    """The beat intervals (frames) the model can be at: log-spaced, unique after rounding."""
    lo, hi = 60.0 * fps / max_bpm, 60.0 * fps / min_bpm
    every = np.arange(np.round(lo), np.round(hi) + 1)
    if num_tempi >= len(every):
        return every.astype(int)
    n, out = num_tempi, np.zeros(0)
    while len(out) < num_tempi:
        out = np.unique(np.round(np.logspace(np.log2(lo), np.log2(hi), n, base=2)))
        n += 1
    return out.astype(int)


def tempo_transitions(ivals: np.ndarray, transition_lambda: float = TRANSITION_LAMBDA) -> np.ndarray:
    """log P(next interval | interval), (from, to)."""
    ratio = ivals[None, :].astype(float) / ivals[:, None].astype(float)
    prob = np.exp(-transition_lambda * np.abs(ratio - 1.0))
    prob[prob <= np.spacing(1)] = 0.0
    prob /= prob.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.log(prob)


def decode(activations: np.ndarray, fps: float, metres: tuple[int, ...] = (2, 3, 4), **model) -> Decoded | None:
    """Beats and bars from (frames, 2) activations: beat (not downbeat) and downbeat probability per
    frame. None when nothing in them reaches THRESHOLD."""
    act = np.asarray(activations, dtype=float)
    strong = np.flatnonzero((act >= THRESHOLD).any(axis=1))
    if len(strong) == 0:
        return None
    first, last = int(strong[0]), int(strong[-1]) + 1
    act = act[first:last]
    results = {m: _viterbi(act, m, fps, **model) for m in metres}
    best = max(results, key=lambda m: results[m][1])
    path_beat, logp, beat_range = results[best]
    # each beat's range: the frames the path spends in a beat's first 1/OBSERVATION_LAMBDA
    edges = np.flatnonzero(np.diff(np.r_[0, beat_range.astype(int), 0]))
    peaks, numbers = [], []
    for left, right in edges.reshape(-1, 2):
        peaks.append(left + int(np.argmax(act[left:right].max(axis=1))))
        numbers.append(int(path_beat[left]) + 1)
    return Decoded(
        beats=(np.array(peaks, dtype=float) + first) / fps,
        numbers=np.array(numbers, dtype=int),
        beats_per_bar=best,
        log_probability=float(logp),
        by_metre={m: float(r[1]) for m, r in results.items()},
    )


def _viterbi(act: np.ndarray, beats_per_bar: int, fps: float, *, min_bpm: float = MIN_BPM, max_bpm: float = MAX_BPM,
             num_tempi: int = NUM_TEMPI, transition_lambda: float = TRANSITION_LAMBDA,
             observation_lambda: int = OBSERVATION_LAMBDA) -> tuple[np.ndarray, float, np.ndarray]:
    """The likeliest path for one bar length: (beat of the bar per frame, its log probability,
    whether each frame is in a beat range)."""
    ivals = intervals(fps, min_bpm, max_bpm, num_tempi)
    trans = tempo_transitions(ivals, transition_lambda)
    per_beat = int(ivals.sum())
    firsts = np.r_[0, np.cumsum(ivals)[:-1]]  # first state of each tempo inside one beat
    lasts = np.cumsum(ivals) - 1
    n = beats_per_bar * per_beat
    # where each state is: its beat of the bar, its tempo, its position inside the beat (0..1)
    beat_of = np.repeat(np.arange(beats_per_bar), per_beat)
    pos = np.concatenate([np.arange(i) / i for i in ivals])
    in_range = np.tile(pos < 1.0 / observation_lambda, beats_per_bar)
    pointer = np.where(in_range, np.where(beat_of == 0, 2, 1), 0)
    with np.errstate(divide="ignore"):
        dens = np.stack([np.log((1.0 - act.sum(axis=1)) / (observation_lambda - 1)), np.log(act[:, 0]), np.log(act[:, 1])], axis=1)
    heads = (np.arange(beats_per_bar)[:, None] * per_beat + firsts[None, :])  # (beats, tempi) first states
    tails = (np.arange(beats_per_bar)[:, None] * per_beat + lasts[None, :])
    back = np.empty((len(act), beats_per_bar, len(ivals)), dtype=np.int16)  # best previous tempo into each head
    delta = np.full(n, -np.log(n))
    for t in range(len(act)):
        ends = delta[tails]  # (beats, tempi): leaving each beat at each tempo
        step = np.empty(n)
        step[1:] = delta[:-1]  # inside a beat: one frame on, same tempo
        into = ends[np.arange(-1, beats_per_bar - 1)][:, :, None] + trans[None, :, :]  # from beat k-1
        back[t] = np.argmax(into, axis=1)
        step[heads] = np.take_along_axis(into, back[t][:, None, :], axis=1)[:, 0, :]
        delta = step + dens[t, pointer]
    # back-track: inside a beat the path is known; at a head, jump to the stored previous tempo
    state = int(np.argmax(delta))
    logp = float(delta[state])
    path = np.empty(len(act), dtype=np.int64)
    t = len(act) - 1
    while t >= 0:
        path[t] = state
        k, local = divmod(state, per_beat)
        tempo = int(np.searchsorted(firsts, local, side="right") - 1)
        if local == firsts[tempo]:
            state = int((k - 1) % beats_per_bar * per_beat + lasts[back[t, k, tempo]])
        else:
            state -= 1
        t -= 1
    return beat_of[path], logp, in_range[path]
