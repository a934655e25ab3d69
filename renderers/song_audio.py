"""A shot's own audio driving an audio-video model (LTX-2): the song's samples for exactly the
clip, the mel spectrogram LTX-2's audio VAE encodes, and the audio branch held clean while the
video is denoised.

diffusers' `LTX2ImageToVideoPipeline` takes `audio_latents` as a starting point: it normalises
them, noises them by `noise_scale` and steps them with its own scheduler, together with the video,
so given audio would drift with every step. Audio-to-video holds them instead, as the reference
pipeline does (Lightricks/LTX-2 `a2vid_two_stage.py`, frozen audio): at every call of the
transformer its audio input is the encoded shot audio, with an audio timestep and an audio sigma
of zero (clean). `hold_audio` does that with a forward pre-hook on the transformer (the audio
latents are not among the pipeline's callback tensors, so a step callback cannot). Whatever audio
the pipeline decodes at the end is discarded: the song stays the video's soundtrack.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The reference mel (Lightricks/LTX-2 at 400fd31, packages/ltx-core/src/ltx_core/model/audio_vae/
# ops.py, AudioProcessor): torchaudio MelSpectrogram(sample_rate=16000, n_fft=win_length=1024,
# hop_length=160, f_min=0, f_max=sr/2, n_mels=64, hann window, center=True, pad_mode="reflect",
# power=1.0, mel_scale="slaney", norm="slaney"), then log(clamp(mel, 1e-5)), as [B, C, T, n_mels];
# a mono song is copied to both channels. n_fft is the reference's default (`filter_length`,
# model_configurator.py); the rate, hop and mel count come from the audio VAE's own config.
N_FFT = 1024
LOG_FLOOR = 1e-5


@dataclass(frozen=True)
class ShotAudio:
    """The song's samples under one clip: channels x samples at `rate`, from `start` seconds."""

    samples: np.ndarray  # float32, (channels, n)
    rate: int
    start: float

    @property
    def seconds(self) -> float:
        return self.samples.shape[1] / self.rate


def shot_audio(song: Path, start: float, seconds: float) -> ShotAudio:
    """The song's samples from `start` for `seconds` (the clip the model makes), cut on sample
    bounds: samples round(start * rate) up to that plus round(seconds * rate); past the song's end,
    silence."""
    import soundfile as sf

    with sf.SoundFile(str(song)) as f:
        rate = f.samplerate
        first, n = round(start * rate), round(seconds * rate)
        f.seek(min(first, f.frames))
        data = f.read(n, dtype="float32", always_2d=True).T
    if data.shape[1] < n:
        data = np.pad(data, ((0, 0), (0, n - data.shape[1])))
    return ShotAudio(samples=np.ascontiguousarray(data), rate=rate, start=first / rate)


def wav_bytes(audio: ShotAudio) -> bytes:
    """`audio` as a 16-bit PCM WAV file, the same bytes each time for the same samples."""
    import io

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(audio.samples.T, -1.0, 1.0), audio.rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def ltx2_mel(samples: np.ndarray, rate: int, *, target_rate: int = 16000, hop: int = 160, mels: int = 64):
    """The log-mel LTX-2's audio VAE encodes, as the reference computes it (above): stereo
    (a mono song copied to both channels) at `target_rate`; a tensor [1, 2, frames, mels]."""
    import librosa
    import torch

    wave = np.asarray(samples, dtype=np.float32)
    if wave.ndim == 1:
        wave = wave[None]
    if wave.shape[0] == 1:
        wave = np.repeat(wave, 2, axis=0)
    wave = wave[:2]
    if rate != target_rate:
        wave = librosa.resample(wave, orig_sr=rate, target_sr=target_rate, res_type="soxr_hq")
    x = torch.from_numpy(np.ascontiguousarray(wave))
    spec = torch.stft(x, N_FFT, hop_length=hop, win_length=N_FFT, window=torch.hann_window(N_FFT), center=True, pad_mode="reflect",
                      return_complex=True).abs()  # power 1: magnitude
    bank = torch.from_numpy(librosa.filters.mel(sr=target_rate, n_fft=N_FFT, n_mels=mels, fmin=0.0, fmax=target_rate / 2, htk=False, norm="slaney"))
    mel = torch.log(torch.clamp(bank.float() @ spec, min=LOG_FLOOR))  # [2, mels, frames]
    return mel.transpose(-1, -2).unsqueeze(0).contiguous()  # [1, 2, frames, mels]


def encode_shot_audio(pipe, audio: ShotAudio, num_frames: int, frame_rate: float):
    """The shot's audio as the pipeline's audio latents, [1, C, L, M] (not normalised: the
    pipeline normalises them), L the latent frames of `num_frames` video frames at `frame_rate`."""
    import torch

    vae = pipe.audio_vae
    cfg = vae.config
    mel = ltx2_mel(audio.samples, audio.rate, target_rate=cfg.sample_rate, hop=cfg.mel_hop_length, mels=cfg.mel_bins)
    param = next(vae.parameters())
    with torch.no_grad():
        latents = vae.encode(mel.to(param.device, param.dtype)).latent_dist.mode()
    per_second = cfg.sample_rate / cfg.mel_hop_length / float(vae.temporal_compression_ratio)
    length = round(num_frames / frame_rate * per_second)
    if latents.shape[2] < length:  # the causal encoder's last frame covers the clip's end
        latents = torch.nn.functional.pad(latents, (0, 0, 0, length - latents.shape[2]), mode="replicate")
    return latents[:, :, :length]


@contextmanager
def hold_audio(pipe, latents) -> Iterator[None]:
    """While the pipeline runs: every transformer call sees `latents` (normalised and packed as
    the pipeline does) as its audio input, at audio timestep and audio sigma zero, whatever the
    pipeline's own audio has been stepped to."""
    import torch

    clean = pipe._normalize_audio_latents(pipe._pack_audio_latents(latents), pipe.audio_vae.latents_mean, pipe.audio_vae.latents_std)

    def hook(module, args, kwargs):
        given = kwargs["audio_hidden_states"]
        held = clean.to(given.device, given.dtype).repeat(given.shape[0] // clean.shape[0], 1, 1)  # classifier-free guidance: 2B
        zero = torch.zeros(given.shape[0], device=given.device, dtype=torch.float32)
        return args, {**kwargs, "audio_hidden_states": held, "audio_timestep": zero, "audio_sigma": zero}

    handle = pipe.transformer.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        yield
    finally:
        handle.remove()
