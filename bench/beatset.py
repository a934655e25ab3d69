"""A development set for beat tracking: pieces written here as MIDI, rendered with FluidSynth and a
General MIDI soundfont, with their true beats and downbeats from the score.

    .venv/bin/python bench/beatset.py [--out DIR]      # renders the set (about a minute)

Eighteen 30 s pieces, two of each kind: rock and dance in 4/4 with drums, a piano waltz and a
drummed waltz in 3/4, a 6/8 with drums (its beat the dotted quarter, two to the bar), a chorale of
sustained strings, a swung jazz 4/4 (ride and walking bass), a syncopated 2/4 rag on the piano, and
a 4/4 rock whose tempo ramps. Tempi from 60 to 180 BPM. Of each kind, one piece is in the tuning
half and one in the held-out half (`SPLIT`): what is fitted on the first is scored on the second.
Nothing here is taken from Debian's openttd-openmsx or music21's corpus, kept apart to score on.

Truth: a beat is the score's beat (the time its note-ons are written at), a downbeat the first beat
of a bar. Needs `apt-get install fluidsynth fluid-soundfont-gm` and `pip install pretty_midi`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SECONDS = 30.0
SR = 22050
# General MIDI programs and drum notes.
PIANO, ORGAN, GUITAR, BASS, FINGER_BASS, STRINGS, CHOIR, BRASS = 0, 16, 29, 32, 33, 48, 52, 61
KICK, SNARE, HAT, OPEN_HAT, RIDE, CRASH, CLAP = 36, 38, 42, 46, 51, 49, 39
# I - V - vi - IV in C (and its relative minor turn), as (bass root, chord tones) in MIDI numbers.
CHORDS = [(36, (60, 64, 67)), (43, (59, 62, 67)), (45, (60, 64, 69)), (41, (60, 65, 69))]


@dataclass(frozen=True)
class Piece:
    name: str
    kind: str
    metre: str  # "4/4", "3/4", "6/8" (two dotted-quarter beats) or "2/4"
    bpm: float  # beats (of the metre's beat) per minute at the start
    end_bpm: float | None = None  # a linear ramp to this tempo over the piece
    swing: float = 0.0  # 0: straight eighths; 1/3: the off-beat eighth at 2/3 of the beat
    seed: int = 0

    @property
    def beats_per_bar(self) -> int:
        return {"4/4": 4, "3/4": 3, "6/8": 2, "2/4": 2}[self.metre]


@dataclass
class Truth:
    beats: list[float]
    downbeats: list[float]
    metre: str
    beats_per_bar: int
    bpm: float
    end_bpm: float | None
    kind: str
    drums: bool
    notes: dict = field(default_factory=dict)


PIECES = [
    Piece("rock-100", "rock", "4/4", 100, seed=1), Piece("rock-150", "rock", "4/4", 150, seed=2),
    Piece("dance-124", "dance", "4/4", 124, seed=3), Piece("dance-128", "dance", "4/4", 128, seed=4),
    Piece("waltz-piano-96", "waltz", "3/4", 96, seed=5), Piece("waltz-piano-150", "waltz", "3/4", 150, swing=1 / 3, seed=6),
    Piece("waltz-drums-120", "waltz-drums", "3/4", 120, seed=7), Piece("waltz-drums-165", "waltz-drums", "3/4", 165, seed=8),
    Piece("six-eight-62", "six-eight", "6/8", 62, seed=9), Piece("six-eight-76", "six-eight", "6/8", 76, seed=10),
    Piece("chorale-72", "chorale", "4/4", 72, seed=11), Piece("chorale-60", "chorale", "4/4", 60, seed=12),
    Piece("swing-140", "swing", "4/4", 140, swing=1 / 3, seed=13), Piece("swing-180", "swing", "4/4", 180, swing=1 / 3, seed=14),
    Piece("rag-96", "rag", "2/4", 96, seed=15), Piece("rag-112", "rag", "2/4", 112, seed=16),
    Piece("ramp-110-140", "ramp", "4/4", 110, end_bpm=140, seed=17), Piece("ramp-150-120", "ramp", "4/4", 150, end_bpm=120, seed=18),
]
# One of each kind to tune on, the other held out; the faster of a pair goes to either half in turn,
# so that each half has slow and fast pieces (60-150 BPM to tune on, 62-180 held out).
TUNE = {"rock-150", "dance-124", "waltz-piano-150", "waltz-drums-120", "six-eight-76", "chorale-72", "swing-180", "rag-96", "ramp-110-140"}
SPLIT = {p.name: ("tune" if p.name in TUNE else "held-out") for p in PIECES}


def beat_times(piece: Piece, n_beats: int) -> np.ndarray:
    """Time of each beat 0..n_beats (a tempo ramp integrates 60 / bpm over the beats)."""
    end = piece.end_bpm or piece.bpm
    bpm = piece.bpm + (end - piece.bpm) * np.arange(n_beats) / max(1, n_beats - 1)
    return np.concatenate([[0.0], np.cumsum(60.0 / bpm)])


def _at(times: np.ndarray, beat: float, swing: float = 0.0) -> float:
    """The time of a position in beats (fractions interpolate within their beat); with swing, an
    off-beat eighth (x.5) is moved to x.5 + swing / 2."""
    i = int(np.floor(beat))
    frac = beat - i
    if swing and abs(frac - 0.5) < 1e-6:
        frac = 0.5 + swing / 2
    return float(times[i] + frac * (times[i + 1] - times[i]))


def compose(piece: Piece):
    """The piece as a PrettyMIDI and its truth."""
    import pretty_midi

    rng = np.random.default_rng(piece.seed)
    start_pad = 0.5  # a little silence first, as a recording has
    n_beats = 0
    while True:  # enough beats for SECONDS (a ramp makes beats longer or shorter as it goes)
        n_beats += piece.beats_per_bar
        if beat_times(piece, n_beats)[-1] >= SECONDS - 1.0:
            break
    times = beat_times(piece, n_beats + 1) + start_pad
    bar = piece.beats_per_bar
    midi = pretty_midi.PrettyMIDI(initial_tempo=piece.bpm)
    inst = {}

    def play(program: int, pitch: int, start: float, length: float, velocity: int = 90, drum: bool = False) -> None:
        key = ("drum", 0) if drum else ("inst", program)
        if key not in inst:
            inst[key] = pretty_midi.Instrument(program=0 if drum else program, is_drum=drum)
            midi.instruments.append(inst[key])
        v = int(np.clip(velocity + rng.integers(-6, 7), 1, 127))
        inst[key].notes.append(pretty_midi.Note(velocity=v, pitch=pitch, start=start, end=start + max(0.05, length)))

    at = lambda b: _at(times, b, piece.swing)  # noqa: E731
    beat_len = lambda b: times[int(b) + 1] - times[int(b)]  # noqa: E731
    drums = piece.kind in ("rock", "dance", "waltz-drums", "six-eight", "swing", "ramp")
    for b0 in range(0, n_beats, bar):
        root, chord = CHORDS[(b0 // bar) % len(CHORDS)]
        k = piece.kind
        for j in range(bar):
            b = b0 + j
            L = beat_len(b)
            if k in ("rock", "ramp"):
                play(0, KICK if j % 2 == 0 else SNARE, at(b), 0.1, 110 if j % 2 == 0 else 100, drum=True)
                for e in (0, 0.5):
                    play(0, HAT, at(b + e), 0.05, 80 if e == 0 else 60, drum=True)
                play(BASS, root, at(b), L * 0.9, 95)
                play(GUITAR, chord[0] - 12, at(b), L * 0.45, 70)
                play(GUITAR, chord[2] - 12, at(b + 0.5), L * 0.45, 60)
            elif k == "dance":
                play(0, KICK, at(b), 0.1, 115, drum=True)
                if j % 2 == 1:
                    play(0, CLAP, at(b), 0.1, 95, drum=True)
                play(0, OPEN_HAT, at(b + 0.5), 0.1, 75, drum=True)
                play(FINGER_BASS, root + 12 * (j % 2), at(b + 0.5), L * 0.4, 95)
                if j == 0:
                    for p in chord:
                        play(STRINGS, p, at(b), L * bar * 0.95, 55)
            elif k == "waltz":  # oom-pah-pah on the piano, a melody on top
                if j == 0:
                    play(PIANO, root, at(b), L * 0.9, 95)
                else:
                    for p in chord:
                        play(PIANO, p, at(b), L * 0.5, 62)
                if rng.random() < 0.7:
                    play(PIANO, chord[rng.integers(3)] + 12, at(b + (0.5 if rng.random() < 0.3 else 0)), L * 0.8, 80)
            elif k == "waltz-drums":
                play(0, KICK if j == 0 else SNARE, at(b), 0.1, 110 if j == 0 else 85, drum=True)
                play(0, HAT, at(b), 0.05, 70, drum=True)
                play(BASS, root, at(b), L * 0.9, 95 if j == 0 else 70)
                if j:
                    for p in chord:
                        play(ORGAN, p, at(b), L * 0.6, 60)
            elif k == "six-eight":  # two dotted-quarter beats, each of three eighths
                play(0, KICK if j == 0 else SNARE, at(b), 0.1, 110 if j == 0 else 95, drum=True)
                for e in (0, 1 / 3, 2 / 3):
                    play(0, HAT, at(b + e), 0.05, 80 if e == 0 else 55, drum=True)
                    play(PIANO, chord[int(e * 3)], at(b + e), L / 3 * 0.9, 70 if e == 0 else 55)
                play(BASS, root, at(b), L * 0.9, 90)
            elif k == "chorale":  # sustained strings and choir, chords change every beat, a soft attack
                c_root, c = CHORDS[(b // 1) % len(CHORDS)]
                for p in (c_root + 12, *c):
                    play(STRINGS if p < 60 else CHOIR, p, at(b), L * 0.97, 70)
            elif k == "swing":  # ride in swung eighths, walking bass on every beat, comping on 2 and 4
                play(0, RIDE, at(b), 0.1, 90, drum=True)
                if j % 2 == 1:
                    play(0, RIDE, at(b + 0.5), 0.1, 70, drum=True)
                    play(0, HAT, at(b), 0.05, 75, drum=True)
                    for p in chord:
                        play(PIANO, p, at(b + 0.5 if rng.random() < 0.4 else b), L * 0.4, 65)
                play(BASS, root + (0, 4, 7, 9)[j % 4], at(b), L * 0.9, 95)
            elif k == "rag":  # left hand stride (bass on the beat, chord on the off-beat), syncopated right hand
                play(PIANO, root, at(b), L * 0.4, 95)
                for p in chord:
                    play(PIANO, p - 12, at(b + 0.5), L * 0.35, 70)
                for e in (0, 0.25, 0.75):
                    if rng.random() < 0.75:
                        play(PIANO, chord[rng.integers(3)] + 12, at(b + e), L * 0.22, 85 if e == 0.75 else 75)
        if drums and b0 % (4 * bar) == 0:
            play(0, CRASH, at(b0), 0.3, 90, drum=True)
    beats = [t for t in times[:n_beats] if t <= SECONDS]
    downbeats = [t for t in times[:n_beats:bar] if t <= SECONDS]
    truth = Truth(beats=[round(t, 5) for t in beats], downbeats=[round(t, 5) for t in downbeats], metre=piece.metre,
                  beats_per_bar=bar, bpm=piece.bpm, end_bpm=piece.end_bpm, kind=piece.kind, drums=drums)
    return midi, truth


def render(piece: Piece, folder: Path) -> tuple[Path, Path]:
    """`<name>.wav` (mono, 22.05 kHz, SECONDS long) and `<name>.json` (its truth) in `folder`."""
    import soundfile as sf

    midi, truth = compose(piece)
    folder.mkdir(parents=True, exist_ok=True)
    mid, wav, js = folder / f"{piece.name}.mid", folder / f"{piece.name}.wav", folder / f"{piece.name}.json"
    midi.write(str(mid))
    raw = folder / f"{piece.name}.raw.wav"
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.7", "-r", str(SR), "-F", str(raw), str(SOUNDFONT), str(mid)], check=True,
                   capture_output=True)
    y, sr = sf.read(str(raw), always_2d=True)
    y = y.mean(axis=1)[: int(SECONDS * sr)]
    sf.write(str(wav), (0.9 * y / (np.abs(y).max() + 1e-9)).astype(np.float32), sr)
    raw.unlink()
    js.write_text(json.dumps({**asdict(truth), "split": SPLIT[piece.name]}, indent=1))
    return wav, js


def default_folder() -> Path:
    from songflow.core.config import cache_dir

    return cache_dir() / "beatset"


def ensure(folder: Path | None = None) -> Path:
    """The rendered set in `folder` (rendered now where missing)."""
    folder = folder or default_folder()
    if not shutil.which("fluidsynth") or not SOUNDFONT.exists():
        raise SystemExit("the beat set needs FluidSynth and a GM soundfont: apt-get install fluidsynth fluid-soundfont-gm")
    for piece in PIECES:
        if not (folder / f"{piece.name}.json").exists():
            render(piece, folder)
    return folder


def songs(split: str | None = None, folder: Path | None = None):
    """(name, wav path, truth dict) of the set's pieces, of one split or all."""
    folder = ensure(folder)
    for piece in PIECES:
        if split in (None, SPLIT[piece.name]):
            yield piece.name, folder / f"{piece.name}.wav", json.loads((folder / f"{piece.name}.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = ensure(args.out)
    for name, wav, truth in songs(folder=folder):
        print(f"{name:18s} {truth['split']:8s} {truth['metre']:4s} {truth['bpm']:5.0f}{'->' + str(truth['end_bpm']) if truth['end_bpm'] else '':6s} "
              f"drums={truth['drums']!s:5s} {len(truth['beats'])} beats  {wav}")


if __name__ == "__main__":
    main()
