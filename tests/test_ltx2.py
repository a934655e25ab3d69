"""LTX-2 image-to-video moved by the shot's own audio, on a tiny random LTX-2 built from configs
(tests/tiny_diffusion.py) and loaded through the real `from_pretrained` path: the mel its audio VAE
encodes, the song's samples under each clip, the audio branch held on them through every step, and
clips of exactly the planned frames in the flow."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("diffusers")

from renderers.song_audio import encode_shot_audio, ltx2_mel, shot_audio  # noqa: E402
from schemas.shots import Shot  # noqa: E402
from tests.tiny_diffusion import offline_hub  # noqa: E402,F401  (autouse: no download)


@pytest.fixture(scope="module")
def tiny_ltx2(tmp_path_factory):
    from tests.tiny_diffusion import ltx2_i2v

    return ltx2_i2v(tmp_path_factory.mktemp("pipelines") / "tiny-ltx2-i2v")


def _tone(freq: float, rate: int, seconds: float) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_the_mel_is_the_references_on_a_known_tone():
    """A 1 kHz tone: the mel equals librosa's own mel spectrogram with the reference's settings
    (magnitude, Slaney scale and norm, hann 1024, hop 160, centred, reflect-padded; natural log
    floored at 1e-5), both channels alike, and its loudest bin is the one centred nearest 1 kHz.
    At 44.1 kHz it is resampled to 16 kHz first and lands on the same bin."""
    import librosa

    wave = _tone(1000.0, 16000, 1.0)
    mel = ltx2_mel(wave, 16000).numpy()
    assert mel.shape == (1, 2, 1 + len(wave) // 160, 64)
    ref = librosa.feature.melspectrogram(y=wave, sr=16000, n_fft=1024, hop_length=160, win_length=1024, window="hann", center=True,
                                         pad_mode="reflect", power=1.0, n_mels=64, fmin=0.0, fmax=8000.0, htk=False, norm="slaney")
    np.testing.assert_allclose(mel[0, 0], np.log(np.maximum(ref, 1e-5)).T, atol=1e-3)  # float32 STFTs
    np.testing.assert_array_equal(mel[0, 0], mel[0, 1])
    centres = librosa.mel_frequencies(n_mels=66, fmin=0.0, fmax=8000.0, htk=False)[1:-1]
    peak = int(np.argmax(mel[0, 0, 20:-20].mean(axis=0)))
    assert peak == int(np.argmin(np.abs(centres - 1000.0))), (peak, centres[peak])
    resampled = ltx2_mel(_tone(1000.0, 44100, 1.0), 44100).numpy()
    assert int(np.argmax(resampled[0, 0, 20:-20].mean(axis=0))) == peak


def test_the_shots_audio_is_cut_on_its_sample_bounds(tmp_path):
    import soundfile as sf

    rate = 22050
    ramp = (np.arange(rate * 2) / (rate * 2)).astype(np.float32)  # every sample its own value
    sf.write(str(tmp_path / "song.wav"), ramp, rate, subtype="FLOAT")
    cut = shot_audio(tmp_path / "song.wav", 0.5, 0.75)
    first = round(0.5 * rate)
    assert cut.rate == rate and cut.samples.shape == (1, round(0.75 * rate)) and cut.start == first / rate
    np.testing.assert_array_equal(cut.samples[0], ramp[first:first + round(0.75 * rate)])
    tail = shot_audio(tmp_path / "song.wav", 1.8, 0.5)  # past the end: silence, same length
    assert tail.samples.shape == (1, round(0.5 * rate))
    np.testing.assert_array_equal(tail.samples[0, : rate * 2 - round(1.8 * rate)], ramp[round(1.8 * rate):])
    assert not tail.samples[0, rate * 2 - round(1.8 * rate):].any()


def test_the_transformer_hears_the_shots_audio_unchanged_at_every_step(tiny_ltx2, tmp_path, monkeypatch):
    """Every call of the transformer (each step's guided, perturbed and isolated passes) gets the
    shot's encoded audio, normalised and packed, at audio timestep and sigma zero: at the first
    step as at the last. Without the hold, the pipeline's own audio input has moved by the last
    step (what the hold prevents). The clip has the frames asked for."""
    import soundfile as sf
    import torch
    from PIL import Image

    from renderers.diffusers import DiffusersMotion
    from songflow.core.config import RenderConfig

    rate = 44100
    sf.write(str(tmp_path / "song.wav"), _tone(220.0, rate, 3.0) + _tone(1760.0, rate, 3.0), rate)
    cfg = RenderConfig(motion=f"diffusers:{tiny_ltx2}", motion_width=64, motion_height=64, motion_steps=3)
    motion = DiffusersMotion(str(tiny_ltx2), cfg)
    pipe = motion.pipe
    own: list[torch.Tensor] = []
    pipe.transformer.register_forward_pre_hook(lambda m, a, kw: own.append(kw["audio_hidden_states"].clone()), with_kwargs=True)
    seen: list[dict] = []
    forward = type(pipe.transformer).forward

    def record(self, *args, **kwargs):
        seen.append({k: kwargs[k].detach().clone() for k in ("audio_hidden_states", "audio_timestep", "audio_sigma", "timestep")})
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(type(pipe.transformer), "forward", record)
    shot = Shot(prompt="a dancer on a rooftop", composition="center", index=0, scene_index=0, start=0.5, end=1.2, setting="rooftop",
                subject="dancer", palette=["#0b1d3a", "#5483b3", "#f4d35e"], camera="push", seed=3)
    audio = shot_audio(tmp_path / "song.wav", 0.5, 17 / 24)
    frames = motion.animate(shot, Image.new("RGB", (64, 64), (200, 50, 50)), frames=17, seed=3, audio=audio)
    assert len(frames) == 17 and frames[0].size == (64, 64)

    latents = encode_shot_audio(pipe, audio, 17, 24.0)
    assert latents.shape[2] == round(17 / 24 * 25)  # 25 audio latents a second
    expected = pipe._normalize_audio_latents(pipe._pack_audio_latents(latents), pipe.audio_vae.latents_mean, pipe.audio_vae.latents_std)
    assert len(seen) == 3 * 3  # 3 steps, each a guided, a perturbed (STG) and a modality-isolated pass
    for call in (seen[0], seen[-1]):
        got = call["audio_hidden_states"]
        assert torch.equal(got[: expected.shape[0]], expected) and torch.equal(got[-expected.shape[0]:], expected)
        assert not call["audio_timestep"].any() and not call["audio_sigma"].any()
    assert seen[0]["timestep"].max() > seen[-1]["timestep"].max()  # the video itself was denoised
    assert not torch.allclose(own[-1][: expected.shape[0]], expected, atol=1e-3), "the pipeline's own audio did not move: the test shows nothing"
    assert torch.allclose(own[0][: expected.shape[0]], expected)  # where the pipeline started: the given audio, clean


@pytest.mark.video_models
def test_the_flow_moves_each_shot_by_its_own_audio_and_keeps_every_cut_on_its_frame(e2e, tiny_ltx2, tmp_path):
    """The short song with LTX-2 clips: each clip heard the song from its own first frame for the
    length of the clip made, has exactly its shot's planned frames, and the video is whole."""
    import av

    from renderers import motion_capabilities, native_frames
    from schemas import ShotList, SongAnalysis
    from schemas.clips import ClipReport
    from songflow.core.config import from_env
    from stages.assemble import plan_frames
    from tests.conftest import first_stages, rerun_from_render

    outputs = tmp_path / "outputs"
    out = first_stages(e2e, outputs)
    settings = {"render.motion_width": "64", "render.motion_height": "64", "render.motion_steps": "2"}
    state = rerun_from_render(e2e, outputs, motion=f"diffusers:{tiny_ltx2}", settings=settings)
    assert state.is_completed(), state.message
    analysis, shots = out.load("analysis", SongAnalysis), out.load("shots", ShotList)
    plan = plan_frames(analysis, shots, from_env("fast").assemble)
    caps = motion_capabilities(f"diffusers:{tiny_ltx2}")
    clips = out.load("clips", ClipReport)
    assert all(c.clip for c in clips.shots), [c.fallback for c in clips.shots]
    for c, f in zip(clips.shots, plan.shots):
        assert c.native_frames == native_frames(c.frames, 24, caps) and c.native_fps == 24.0
        assert c.audio_start == pytest.approx((f.first - f.lead) / 24, abs=1 / 44100)
        assert c.audio_seconds == pytest.approx(c.native_frames / 24, abs=1 / 44100)
        with av.open(str(out.root / c.clip)) as container:
            assert sum(1 for _ in container.decode(container.streams.video[0])) == c.frames == f.count
    with av.open(str(out.video)) as container:
        assert sum(1 for _ in container.decode(container.streams.video[0])) == plan.total
        assert abs(container.streams.audio[0].duration * container.streams.audio[0].time_base - analysis.duration) < 0.05  # the song
