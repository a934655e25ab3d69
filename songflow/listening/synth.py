"""Songs generated in code: the demo song and the short test songs (no licence questions).

A song is a list of parts (intro, verse, chorus, outro ...) at a steady tempo. Drums, bass, a
chord pad and a sung-like lead line are synthesized with numpy; each part has its own energy.
The lead sings in two-bar phrases, and a matching .lrc puts one lyric line on each phrase.
The ground truth (beats, downbeats, part boundaries, lyric times) is returned for tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from songflow.core.fsutil import atomic_path, write_text_atomic

SR = 22050

# I - V - vi - IV in C; MIDI roots, one chord per bar.
PROGRESSION = [(48, "maj"), (43, "maj"), (45, "min"), (41, "maj")]


@dataclass(frozen=True)
class Part:
    name: str
    bars: int
    energy: float  # 0..1: loudness and density of the arrangement
    sung: bool = False
    bpm: float | None = None  # this part's tempo, when it differs from the song's
    drums: bool = True
    # A cross-rhythm: a low stab (bass note and tom) every this many beats across the bar lines,
    # e.g. 1.5 for accents on every third eighth note, which suggest a tempo 2:3 of the beat's.
    accent_every: float | None = None


@dataclass(frozen=True)
class SongSpec:
    title: str
    bpm: float
    parts: tuple[Part, ...]
    lyrics: dict[str, tuple[str, ...]] = field(default_factory=dict)  # part name -> lines
    seed: int = 7
    beats_per_bar: int = 4  # 4/4; 3: 3/4; 2 with division 3: 6/8 (two dotted-quarter beats)
    division: int = 2  # hats per beat: 2 (simple time) or 3 (compound)


DEMO = SongSpec(
    title="Neon Tide",
    bpm=120.0,
    parts=(
        Part("intro", 4, 0.25),
        Part("verse", 8, 0.55, sung=True),
        Part("chorus", 8, 1.0, sung=True),
        Part("outro", 4, 0.2),
    ),
    lyrics={
        "verse": (
            "Streetlights hum across the bay",
            "I trace your name in salt and spray",
            "The radio plays our summer low",
            "And every wave says don't let go",
        ),
        "chorus": (
            "Ride the neon tide tonight",
            "Hold the city burning bright",
            "We are falling into light",
            "Ride the neon tide tonight",
        ),
    },
)


def short_spec(bpm: float = 120.0, title: str = "Short Test Song") -> SongSpec:
    """A song of 8 bars (16 s at 120 BPM) with four audibly different parts, for tests."""
    return SongSpec(
        title=title,
        bpm=bpm,
        parts=(
            Part("intro", 2, 0.2),
            Part("verse", 2, 0.55, sung=True),
            Part("chorus", 2, 1.0, sung=True),
            Part("outro", 2, 0.2),
        ),
        lyrics={"verse": ("Streetlights hum across the bay",), "chorus": ("Ride the neon tide tonight",)},
    )


def structured_spec(bpm: float = 120.0, title: str = "Verse Chorus Song") -> SongSpec:
    """Intro, verse, chorus, verse, chorus, outro (no drums): repeated parts for section labels."""
    return SongSpec(
        title=title,
        bpm=bpm,
        parts=(
            Part("intro", 4, 0.25),
            Part("verse", 4, 0.55, sung=True),
            Part("chorus", 4, 1.0, sung=True),
            Part("verse", 4, 0.55, sung=True),
            Part("chorus", 4, 1.0, sung=True),
            Part("outro", 4, 0.3, drums=False),
        ),
        lyrics={
            "verse": ("Streetlights hum across the bay", "I trace your name in salt and spray"),
            "chorus": ("Ride the neon tide tonight", "Hold the city burning bright"),
        },
    )


def tempo_change_spec(first: float = 100.0, second: float = 132.0, title: str = "Tempo Change") -> SongSpec:
    """The demo's shape, with the tempo jumping from `first` to `second` BPM at the chorus."""
    return SongSpec(
        title=title,
        bpm=first,
        parts=(
            Part("intro", 4, 0.25),
            Part("verse", 8, 0.55, sung=True),
            Part("chorus", 8, 1.0, sung=True, bpm=second),
            Part("outro", 4, 0.2, bpm=second),
        ),
        lyrics=DEMO.lyrics,
    )


def desert_spec(bpm: float = 96.0, title: str = "Desert Line") -> SongSpec:
    """A short song whose lyrics share no image with the demo's: for checking that the words
    the models write follow the song they were given."""
    return SongSpec(
        title=title,
        bpm=bpm,
        parts=(
            Part("intro", 2, 0.25),
            Part("verse", 4, 0.55, sung=True),
            Part("chorus", 4, 1.0, sung=True),
            Part("outro", 2, 0.2),
        ),
        lyrics={
            "verse": ("Dust is rising on the desert road", "The last train leaves the canyon cold"),
            "chorus": ("Fire on the mountain, ash and stone", "I ride the highway all alone"),
        },
        seed=11,
    )


def long_spec(bpm: float = 120.0, title: str = "Harbour Lights") -> SongSpec:
    """A 3-minute song (90 bars at 120 BPM): verses, choruses and a bridge, for the speed bench."""
    sections = [("intro", 4, 0.25, False), ("verse", 8, 0.55, True), ("chorus", 8, 1.0, True), ("verse", 8, 0.55, True),
                ("chorus", 8, 1.0, True), ("bridge", 8, 0.4, True), ("break", 6, 0.3, False), ("verse", 8, 0.6, True),
                ("chorus", 8, 1.0, True), ("chorus", 8, 0.95, True), ("outro", 16, 0.2, False)]
    return SongSpec(
        title=title,
        bpm=bpm,
        parts=tuple(Part(name, bars, energy, sung=sung) for name, bars, energy, sung in sections),
        lyrics={
            "verse": (
                "The ferry horn is calling through the rain",
                "Your letter folded in my coat again",
                "The lighthouse turns and paints the water gold",
                "We were young and the winter was cold",
            ),
            "chorus": (
                "Harbour lights, carry me home",
                "Over the waves and the silver foam",
                "Harbour lights, burning so bright",
                "Hold me close till the morning light",
            ),
            "bridge": (
                "Gulls above the broken pier",
                "Every sail I see, I wish you here",
                "Ropes and anchors, salt and wood",
                "I would stay if I only could",
            ),
        },
        seed=23,
    )


def hemiola_spec(bpm: float = 170.0, title: str = "Three Against Two") -> SongSpec:
    """A fast rock song whose riff accents every third eighth note (every 1.5 beats) over a steady
    kit: the accents alone suggest 2/3 of the tempo (113 BPM at 170), the reading a tracker with a
    120 BPM preference is drawn to."""
    return SongSpec(
        title=title,
        bpm=bpm,
        parts=(Part("intro", 4, 0.6, accent_every=1.5), Part("verse", 8, 0.7, sung=True, accent_every=1.5), Part("chorus", 8, 0.85, sung=True, accent_every=1.5)),
        lyrics={"verse": ("Run the wire through the night",), "chorus": ("Three against two, hold on tight",)},
        seed=5,
    )


def waltz_spec(bpm: float = 150.0, title: str = "Turning Waltz") -> SongSpec:
    """A 3/4 song: kick on one, snare on two and three, the chord changing every bar."""
    return SongSpec(
        title=title,
        bpm=bpm,
        parts=(Part("intro", 4, 0.5), Part("verse", 8, 0.7, sung=True), Part("chorus", 8, 0.85, sung=True)),
        lyrics={"verse": ("Round the square the lanterns sway",), "chorus": ("Turn with me till break of day",)},
        seed=11,
        beats_per_bar=3,
    )


def six_eight_spec(bpm: float = 60.0, title: str = "Hunting Song") -> SongSpec:
    """A 6/8 song: two dotted-quarter beats to the bar, each divided in three (`bpm` counts the
    dotted quarters)."""
    return SongSpec(
        title=title,
        bpm=bpm,
        parts=(Part("intro", 4, 0.5), Part("verse", 8, 0.7, sung=True), Part("chorus", 8, 0.85, sung=True)),
        lyrics={"verse": ("Over the hill the horses ride",), "chorus": ("Follow the horn to the riverside",)},
        seed=13,
        beats_per_bar=2,
        division=3,
    )


def ramp_spec(start: float = 110.0, end: float = 140.0, steps: int = 6, title: str = "Gathering Speed") -> SongSpec:
    """A 4/4 song that speeds up from `start` to `end` BPM, two bars at each of `steps` tempi."""
    tempi = np.linspace(start, end, steps)
    return SongSpec(
        title=title,
        bpm=start,
        parts=tuple(Part(f"part{i + 1}", 2, 0.5 + 0.4 * i / (steps - 1), sung=i % 2 == 1, bpm=float(b)) for i, b in enumerate(tempi)),
        lyrics={f"part{i + 1}": ("Faster now, the road is clear",) for i in range(1, steps, 2)},
        seed=17,
    )


def rubato(seconds: float = 30.0, seed: int = 3) -> tuple[np.ndarray, list[float]]:
    """Piano-like plucks at freely chosen times (0.25-1.4 s apart), no pulse at all: mono float32
    audio at SR and the pluck times."""
    rng = np.random.default_rng(seed)
    buf = np.zeros(int(seconds * SR) + SR)
    t, times = 0.3, []
    while t < seconds - 1:
        times.append(round(t, 6))
        sig = _tone(_midi_hz(float(rng.choice([60, 62, 64, 67, 69, 72]))), 1.5, harmonics=(1.0, 0.5, 0.3))
        _add(buf, t, sig * _env(len(sig), 0.004, 0.4), 0.3)
        t += float(rng.uniform(0.25, 1.4))
    audio = buf[: int(seconds * SR)]
    return (0.9 * audio / np.max(np.abs(audio))).astype(np.float32), times


def demo_at(bpm: float, title: str) -> SongSpec:
    """The demo song at another tempo."""
    return SongSpec(title=title, bpm=bpm, parts=DEMO.parts, lyrics=DEMO.lyrics)


@dataclass(frozen=True)
class SongTruth:
    """What the generator knows about the song it made."""

    duration: float
    beats: list[float]
    downbeats: list[float]
    part_bounds: list[tuple[str, float, float]]
    lyric_lines: list[tuple[float, float, str]]


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def _env(n: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(n) / SR
    return np.minimum(1.0, t / max(attack, 1e-4)) * np.exp(-t / decay)


def _add(buf: np.ndarray, start: float, sig: np.ndarray, gain: float) -> None:
    i = int(round(start * SR))
    j = min(len(buf), i + len(sig))
    if j > i:
        buf[i:j] += gain * sig[: j - i]


def _kick() -> np.ndarray:
    n = int(0.35 * SR)
    t = np.arange(n) / SR
    freq = 45 + 90 * np.exp(-t / 0.04)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.12)


def _snare(rng: np.random.Generator) -> np.ndarray:
    n = int(0.2 * SR)
    t = np.arange(n) / SR
    noise = rng.standard_normal(n)
    noise = noise - np.convolve(noise, np.ones(8) / 8, mode="same")  # crude high-pass
    return (0.7 * noise + 0.5 * np.sin(2 * np.pi * 190 * t)) * np.exp(-t / 0.05)


def _hat(rng: np.random.Generator) -> np.ndarray:
    n = int(0.05 * SR)
    noise = rng.standard_normal(n)
    noise = np.diff(noise, prepend=0.0)
    return noise * np.exp(-np.arange(n) / SR / 0.012) * 0.5


def _tone(freq: float, dur: float, *, harmonics=(1.0, 0.5, 0.25), vibrato: float = 0.0) -> np.ndarray:
    n = int(dur * SR)
    t = np.arange(n) / SR
    phase = 2 * np.pi * freq * t
    if vibrato:
        phase += vibrato * np.sin(2 * np.pi * 5.5 * t) * np.minimum(1.0, t / 0.3)
    return sum(a * np.sin((k + 1) * phase) for k, a in enumerate(harmonics))


def _chord(root: int, quality: str) -> list[int]:
    third = 3 if quality == "min" else 4
    return [root + 12, root + 12 + third, root + 19]


def synthesize(spec: SongSpec) -> tuple[np.ndarray, SongTruth]:
    """Render `spec` to mono float32 audio at SR, with its ground truth."""
    audio, _, truth = synthesize_with_voice(spec)
    return audio, truth


def synthesize_with_voice(spec: SongSpec) -> tuple[np.ndarray, np.ndarray, SongTruth]:
    """`synthesize`, and the sung lead alone at the mix's scale (the truth for a voice stem)."""
    rng = np.random.default_rng(spec.seed)
    per_bar = spec.beats_per_bar
    duration = sum(p.bars * 60.0 * per_bar / (p.bpm or spec.bpm) for p in spec.parts)
    buf = np.zeros(int(round(duration * SR)) + SR, dtype=np.float64)
    voice = np.zeros_like(buf)
    kick, snare, hat = _kick(), _snare(rng), _hat(rng)
    beats, downbeats, bounds, lines = [], [], [], []
    bar_index = 0
    t0 = 0.0
    for part in spec.parts:
        beat = 60.0 / (part.bpm or spec.bpm)
        bar = per_bar * beat
        e = part.energy
        drums = part.drums
        part_start = t0
        part_lines = list(spec.lyrics.get(part.name, ()))
        for b in range(part.bars):
            bar_t = t0 + b * bar
            root, quality = PROGRESSION[(bar_index + b) % len(PROGRESSION)]
            # Pad: the chord, held for the bar; louder and brighter with energy.
            for note in _chord(root, quality):
                pad = _tone(_midi_hz(note), bar, harmonics=(1.0, 0.3 * e, 0.15 * e))
                _add(buf, bar_t, pad * _env(len(pad), 0.25, 3.0), 0.05 + 0.05 * e)
            for k in range(per_bar):
                bt = bar_t + k * beat
                beats.append(bt)
                if k == 0:
                    downbeats.append(bt)
                # Kick on 1 (and 3 in 4/4; every beat when intense), snare on the other beats from
                # mid energy up.
                kicked = k == 0 or (per_bar == 4 and k == 2)
                if drums and (kicked or e >= 0.9):
                    _add(buf, bt, kick, (1.0 if k == 0 else 0.8) * (0.35 + 0.6 * e))
                if drums and e >= 0.4 and not kicked:
                    _add(buf, bt, snare, 0.25 + 0.3 * e)
                # Hats on each division of the beat (eighths), or on the beat only when calm.
                _add(buf, bt, hat, 0.15 + 0.25 * e)
                if drums and e >= 0.4:
                    for j in range(1, spec.division):
                        _add(buf, bt + j * beat / spec.division, hat, 0.1 + 0.2 * e)
                # Bass: the root, accented on the downbeat, on eighths when intense.
                steps = 2 if e >= 0.9 else 1
                for s in range(steps):
                    bass = _tone(_midi_hz(root - 12), beat / steps * 0.9, harmonics=(1.0, 0.6, 0.3))
                    accent = 1.0 if (k == 0 and s == 0) else 0.55
                    if e >= 0.4 or k == 0:
                        _add(buf, bt + s * beat / steps, bass * _env(len(bass), 0.005, 0.25), accent * (0.1 + 0.2 * e))
            # Lead: a sung phrase over the first 6 beats of every second bar pair.
            if part.sung and b % 2 == 0 and part_lines:
                text = part_lines[(b // 2) % len(part_lines)]
                start, end = _sing(buf, voice, bar_t, beat, root, quality, e, spec.seed + bar_index + b)
                lines.append((start, end, text))
        if part.accent_every:
            stab = _tone(_midi_hz(PROGRESSION[0][0] - 12), 0.6 * part.accent_every * beat, harmonics=(1.0, 0.8, 0.5, 0.3))
            for t in np.arange(t0, t0 + part.bars * bar - 1e-6, part.accent_every * beat):
                _add(buf, t, stab * _env(len(stab), 0.003, 0.15), 0.35 * (0.35 + 0.6 * e))
                _add(buf, t, kick, 0.5 * (0.35 + 0.6 * e))
        t0 += part.bars * bar
        bounds.append((part.name, part_start, t0))
        bar_index += part.bars
    audio = buf[: int(round(duration * SR))]
    scale = 0.9 / max(1e-9, float(np.max(np.abs(audio))))
    truth = SongTruth(duration=duration, beats=beats, downbeats=downbeats, part_bounds=bounds, lyric_lines=lines)
    return (scale * audio).astype(np.float32), (scale * voice[: len(audio)]).astype(np.float32), truth


def _sing(buf: np.ndarray, voice: np.ndarray, start: float, beat: float, root: int, quality: str, energy: float, seed: int) -> tuple[float, float]:
    """Add one lead phrase (6 beats of notes from the chord) to the mix and to the voice alone;
    its start and end."""
    rng = np.random.default_rng(seed)
    tones = [n + 12 + (12 if energy >= 0.9 else 0) for n in _chord(root, quality)]
    scale = sorted(set(tones + [tones[0] + 2, tones[1] + 1 if quality == "min" else tones[1] + 1]))
    t = start
    lengths = [1.0, 0.5, 0.5, 1.0, 1.0, 2.0]  # beats; 6 in all
    for length in lengths:
        note = scale[int(rng.integers(0, len(scale)))]
        dur = length * beat * 0.95
        sig = _tone(_midi_hz(note), dur, harmonics=(1.0, 0.35, 0.12), vibrato=0.35)
        note_sound = sig * _env(len(sig), 0.03, 0.8)
        _add(buf, t, note_sound, 0.12 + 0.1 * energy)
        _add(voice, t, note_sound, 0.12 + 0.1 * energy)
        t += length * beat
    return start, t


def lrc_text(spec: SongSpec, truth: SongTruth) -> str:
    """LRC with one line per sung phrase and an empty timestamp where the phrase ends."""
    out = [f"[ti:{spec.title}]", "[by:songflow synth]"]
    for start, end, text in truth.lyric_lines:
        out.append(f"[{_stamp(start)}]{text}")
        out.append(f"[{_stamp(end)}]")
    return "\n".join(out) + "\n"


def _stamp(t: float) -> str:
    cs = int(round(t * 100))
    return f"{cs // 6000:02d}:{(cs // 100) % 60:02d}.{cs % 100:02d}"


def write_song(spec: SongSpec, folder: Path, stem: str | None = None) -> tuple[Path, Path, SongTruth]:
    """Write `<stem>.wav` and `<stem>.lrc` into `folder`; return their paths and the truth."""
    import soundfile as sf

    from songflow.core.fsutil import slugify

    audio, truth = synthesize(spec)
    stem = stem or slugify(spec.title)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wav = folder / f"{stem}.wav"
    with atomic_path(wav) as tmp:
        sf.write(tmp, audio, SR, format="WAV", subtype="PCM_16")
    lrc = write_text_atomic(folder / f"{stem}.lrc", lrc_text(spec, truth))
    return wav, lrc, truth
