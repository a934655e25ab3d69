"""The learned beat tracker (BeatNet's networks, songflow.listening.beatnet) and the bar-pointer
decoder (songflow.listening.barpointer): their input and their decoding are madmom's, checked
against madmom itself where the opt-in extra is installed; bars of 3, of 2 compound beats (6/8) and
bars through a tempo ramp are found on generated songs whose bar lines are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from songflow.core.errors import InputError
from songflow.listening import barpointer, beatnet, synth
from songflow.listening.beats import import_madmom, madmom_available
from songflow.listening.music import measure_music, time_signature

needs_madmom = pytest.mark.skipif(not madmom_available(), reason="the madmom extra is not installed (pip install 'songflow[madmom]')")


@pytest.fixture(scope="module")
def demo_audio() -> np.ndarray:
    audio, _ = synth.synthesize(synth.short_spec(150.0))
    return audio


@needs_madmom
def test_the_input_is_madmoms_log_spect(demo_audio):
    """madmom's processors, configured as BeatNet's LOG_SPECT, give the same 272 values per frame."""
    import librosa

    import_madmom()
    from madmom.audio.signal import FramedSignalProcessor, SignalProcessor
    from madmom.audio.spectrogram import FilteredSpectrogramProcessor, LogarithmicSpectrogramProcessor, SpectrogramDifferenceProcessor
    from madmom.audio.stft import ShortTimeFourierTransformProcessor
    from madmom.processors import SequentialProcessor

    y = librosa.resample(demo_audio, orig_sr=synth.SR, target_sr=beatnet.SR) if synth.SR != beatnet.SR else demo_audio
    theirs = SequentialProcessor((
        SignalProcessor(num_channels=1, sample_rate=beatnet.SR),
        FramedSignalProcessor(frame_size=beatnet.FRAME, hop_size=beatnet.HOP),
        ShortTimeFourierTransformProcessor(),
        FilteredSpectrogramProcessor(num_bands=24, fmin=30, fmax=17000, norm_filters=True),
        LogarithmicSpectrogramProcessor(mul=1, add=1),
        SpectrogramDifferenceProcessor(diff_ratio=0.5, positive_diffs=True, stack_diffs=np.hstack),
    ))(y)
    ours = beatnet.features(y, beatnet.SR)
    assert ours.shape == theirs.shape == (int(np.ceil(len(y) / beatnet.HOP)), 272)
    assert np.abs(ours - np.asarray(theirs)).max() < 1e-5


@needs_madmom
def test_the_decoder_finds_the_beats_and_bars_madmom_finds(demo_audio):
    """On the same activations, madmom's DBNDownBeatTrackingProcessor and barpointer.decode give the
    same beats, the same beat numbers and the same bar length."""
    import_madmom()
    from madmom.features.downbeats import DBNDownBeatTrackingProcessor

    act = beatnet.activations(demo_audio, synth.SR)
    theirs = DBNDownBeatTrackingProcessor(beats_per_bar=[2, 3, 4], fps=beatnet.FPS)(act)
    ours = barpointer.decode(act, beatnet.FPS)
    assert len(theirs) > 30
    assert np.allclose(ours.beats, theirs[:, 0]) and (ours.numbers == theirs[:, 1].astype(int)).all()
    assert ours.beats_per_bar == int(theirs[:, 1].max())


def test_silence_has_no_beats():
    assert barpointer.decode(np.zeros((500, 2)), beatnet.FPS) is None


@pytest.mark.parametrize(
    "spec",
    [synth.waltz_spec(150.0), synth.waltz_spec(96.0, "Slow Waltz"), synth.six_eight_spec(60.0), synth.ramp_spec(110.0, 140.0)],
    ids=["waltz-150", "waltz-96", "six-eight-60", "ramp-110-140"],
)
def test_bars_are_found_on_their_bar_lines(spec):
    """The bar length is found, not assumed (3 in a waltz, 2 dotted-quarter beats in 6/8, 4 through
    a ramp from 110 to 140 BPM), the metre is named (a 6/8's beats divide in three), and the downbeats sit on the bar lines: every bar line after the
    first bar has a downbeat within 70 ms, and every downbeat is on a bar line."""
    audio, truth = synth.synthesize(spec)
    f = measure_music(audio, synth.SR)
    assert f.tracker == "hybrid" and f.beats_per_bar == spec.beats_per_bar, f.beats_per_bar
    assert time_signature(f.beats_per_bar, f.beat_division) == {2: "6/8", 3: "3/4", 4: "4/4"}[spec.beats_per_bar]
    bar_lines, found = np.array(truth.downbeats), np.array(f.downbeats)
    missed = [t for t in bar_lines[1:] if np.min(np.abs(found - t)) > 0.07]
    stray = [t for t in found if np.min(np.abs(bar_lines - t)) > 0.07]
    assert not missed and not stray, (missed, stray)
    beat_off = [float(np.min(np.abs(np.array(f.beats) - t))) for t in truth.beats[spec.beats_per_bar :]]
    assert max(beat_off) <= 0.07 and float(np.median(beat_off)) <= 0.01, (max(beat_off), float(np.median(beat_off)))


def test_missing_weights_are_one_line_before_the_run(monkeypatch, tmp_path):
    from flows.checks import check_settings
    from songflow.core.config import PipelineConfig

    monkeypatch.setenv("SONGFLOW_BEATNET", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match=r"pip install BeatNet==1\.1\.3 --no-deps, or --beats librosa") as caught:
        check_settings(PipelineConfig())
    assert "\n" not in str(caught.value)
    check_settings(PipelineConfig.model_validate({"analyze": {"beats": "librosa"}}))  # the tracker with no weights


def test_the_level_is_the_networks_and_the_tempo_the_onsets():
    """The onsets' tempo curve is precise but may sit an octave or a 3:2 away from the beat; the
    network hears the level but its 20 ms frames quantise the tempo. An octave apart the faster is
    kept, 3:2 apart the network's is taken, and a near match keeps the onsets' precise tempo."""
    from songflow.listening.beats import learned_level

    n = 400
    same = learned_level(np.full(n, 95.0), np.full(n, 93.75))  # 95 BPM heard as 32 frames of 20 ms
    assert np.allclose(same, 95.0)
    assert np.allclose(learned_level(np.full(n, 75.0), np.full(n, 150.4)), 150.0)  # the onsets read half: the network's level
    assert np.allclose(learned_level(np.full(n, 180.0), np.full(n, 90.0)), 180.0)  # the network reads half: the faster kept
    assert np.allclose(learned_level(np.full(n, 113.0), np.full(n, 170.0)), 170.0)  # 3:2: the network's
    ramp_measured, ramp_heard = np.linspace(55.0, 70.0, n), np.linspace(110.0, 140.0, n)
    assert np.allclose(learned_level(ramp_measured, ramp_heard)[20:-20], 2 * ramp_measured[20:-20])  # a ramp keeps its shape


def test_with_no_beat_to_trust_cuts_follow_the_onsets():
    """Plucks at free times: no grid is right, so stage 1 says why and cuts go on the plucks."""
    from stages.write_shots import shot_spans
    from tests.test_timing import _analysis

    audio, plucks = synth.rubato(30.0)
    f = measure_music(audio, synth.SR)
    assert f.cut_grid == "onsets" and f.beat_doubts, (f.cut_grid, f.beat_doubts)
    on = [min(abs(o - p) for p in plucks) <= 0.03 for o in f.onsets]
    found = [min(abs(o - p) for o in f.onsets) <= 0.03 for p in plucks]
    assert np.mean(on) >= 0.9 and np.mean(found) >= 0.9, (np.mean(on), np.mean(found))
    analysis = _analysis([(0.0, 30.0, 0.5)], f.beats, f.downbeats, 30.0).model_copy(update={"cut_grid": "onsets", "onsets": f.onsets})
    cuts = [s.start for s in shot_spans(analysis)[1:]]
    assert cuts and all(c in f.onsets for c in cuts)


@pytest.mark.parametrize("true_bpm", [76.0, 114.0])
def test_a_three_two_disagreement_goes_to_the_pulse_both_curves_carry(true_bpm):
    from songflow.listening.beats import DOWNBEAT_FPS, three_two

    def clicks(fps: float) -> np.ndarray:
        curve = np.full(int(30 * fps), 0.05)
        curve[np.rint(np.arange(0.3, 29.5, 60.0 / true_bpm) * fps).astype(int)] = 1.0
        return curve

    assert three_two(76.0, 114.0, clicks(43.07), 43.07, clicks(DOWNBEAT_FPS)) == true_bpm
    assert three_two(114.0, 76.0, clicks(43.07), 43.07, clicks(DOWNBEAT_FPS)) == true_bpm
