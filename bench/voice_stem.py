"""How much of the voice the lip-sync voice stem keeps, against songs whose voice is known.

Each sung line of a generated song is cut as a lip-sync shot's audio is (`voice_under`: the line
with 8 s of context either side, the line alone kept). The score is the scale-invariant
signal-to-distortion ratio (SI-SDR, dB) against the line's true lead voice, for the stem and for the
plain mix of the same span (the baseline: what a lip-sync model would get without the stem).
The generated songs' lead is rendered alone beside the mix (`synth.synthesize_with_voice`), so the
truth is the very voice that is in the mix.

    .venv/bin/python bench/voice_stem.py                  # the scoring set
    .venv/bin/python bench/voice_stem.py --set tuning --margin 10 --gap 2 --context 8
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from songflow.listening import stem, synth

SETS = {
    "tuning": [synth.short_spec(), synth.structured_spec()],
    "scoring": [synth.desert_spec(), synth.long_spec(), synth.waltz_spec(), synth.demo_at(100.0, "Demo at 100")],
}


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    scale = np.dot(estimate, reference) / np.dot(reference, reference)
    target = scale * reference
    return float(10 * np.log10(np.sum(target**2) / max(1e-12, np.sum((estimate - target) ** 2))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=sorted(SETS), default="scoring")
    ap.add_argument("--margin", type=float, default=10.0)
    ap.add_argument("--gap", type=float, default=2.0)
    ap.add_argument("--context", type=float, default=8.0)
    args = ap.parse_args()
    original = stem.voice_stem
    stem.voice_stem = lambda s, r: original(s, r, min_gap=args.gap, margin=args.margin)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in SETS[args.set]:
            mix, voice, truth = synth.synthesize_with_voice(spec)
            path = Path(tmp) / "song.wav"
            sf.write(path, mix, synth.SR, subtype="FLOAT")
            got = []
            for a, b, _ in truth.lyric_lines:
                est, rate, first = stem.voice_under(path, a, b - a, [(a, b)], context=args.context)
                i = round(first * rate)
                ref, plain = voice[i:i + est.shape[1]], mix[i:i + est.shape[1]]
                got.append((si_sdr(ref, plain), si_sdr(ref, est[0])))
            base, ours = np.mean(got, axis=0)
            rows.append((spec.title, len(got), base, ours))
            print(f"{spec.title:24s} lines {len(got):3d}  mix {base:6.2f} dB  stem {ours:6.2f} dB  gain {ours - base:+6.2f} dB", flush=True)
    gain = np.mean([r[3] - r[2] for r in rows])
    print(f"{args.set}: mean SI-SDR gain of the stem over the mix {gain:+.2f} dB over {sum(r[1] for r in rows)} lines "
          f"(margin {args.margin:g}, gap {args.gap:g} s, context {args.context:g} s)")


if __name__ == "__main__":
    main()
