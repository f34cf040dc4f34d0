"""The test conditions of the final comparison: the same held-out clips, made harder.

Pink noise at a given SNR, a telephone channel, a short crop, and babble of voices that are
not the two targets (:func:`load_talkers`: recordings shipped in ``voicelab/babble``, made by
``tools/make_babble.py``). :func:`apply` builds any of :data:`CONDITIONS` from a clip and a
seed, the same way every time, so every model meets the very same degraded audio. Nothing
changes its input. Taught in chapter 12 (The final comparison).
"""

from __future__ import annotations

import zlib
from pathlib import Path

import librosa
import numpy as np
import pandas as pd

from voicelab import audio, augment, denoise

__all__ = [
    "CONDITIONS",
    "BABBLE_DIR",
    "pink",
    "telephone",
    "crop",
    "load_talkers",
    "babble",
    "apply",
]

CONDITIONS = ("clean", "pink 10 dB", "pink 5 dB", "pink 0 dB", "telephone", "1 s crop",
              "babble 5 dB")
"""Every condition :func:`apply` knows, easiest first."""

BABBLE_DIR = Path(__file__).resolve().parent / "babble"
"""Recordings of the babble talkers, with ``manifest.csv`` (voice, sentence, sha256)."""

PHONE_SR = 8_000  # a narrow-band telephone channel's sample rate
PHONE_BAND = (300.0, 3400.0)  # what the channel passes, in Hz


def pink(y: np.ndarray, snr_db: float, *, rng: np.random.Generator) -> np.ndarray:
    """``y`` plus pink noise (power ~ 1/f) at ``snr_db`` over the whole clip.
    Taught in chapter 12 (The final comparison).
    """
    return augment.add_noise(y, snr_db, rng=rng, kind="pink")


def telephone(y: np.ndarray, *, mu_law: bool = True) -> np.ndarray:
    """``y`` (16 kHz) through a telephone channel and back to 16 kHz, same length.
    Taught in chapter 12 (The final comparison).

    Resampled to 8 kHz, band-passed to 300-3400 Hz and, with ``mu_law``, stored as 8-bit
    mu-law codes (as G.711 does) before the way back.
    """
    narrow = audio.resample(np.asarray(y, dtype=np.float32), audio.SR, PHONE_SR)
    narrow = audio.butter_filter(narrow, PHONE_SR, PHONE_BAND, kind="bandpass", order=4)
    if mu_law:
        codes = librosa.mu_compress(np.clip(narrow, -1, 1), mu=255, quantize=True)
        narrow = librosa.mu_expand(codes, mu=255, quantize=True)
    wide = audio.resample(np.float32(narrow), PHONE_SR, audio.SR)
    return audio.pad_or_crop(wide, y.size).astype(y.dtype)


def crop(y: np.ndarray, seconds: float = 1.0) -> np.ndarray:
    """The central ``seconds`` of ``y``'s voiced part: what is left is all speech.
    Taught in chapter 12 (The final comparison).
    """
    _, (start, end) = audio.trim_silence(y)
    size = min(round(seconds * audio.SR), end - start)
    first = start + (end - start - size) // 2
    return y[first:first + size].copy()


def load_talkers(folder: str | Path = BABBLE_DIR) -> list[np.ndarray]:
    """The babble talkers listed in ``folder/manifest.csv``, float32 at 16 kHz.
    Taught in chapter 12 (The final comparison).
    """
    manifest = Path(folder) / "manifest.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"No babble manifest at '{manifest}'. Make the talkers with "
                                "`python tools/make_babble.py`, or reinstall voicelab.")
    files = pd.read_csv(manifest)["file"]
    return [audio.load(Path(folder) / f)[0] for f in files]


def babble(
    y: np.ndarray, snr_db: float, *, rng: np.random.Generator,
    talkers: list[np.ndarray] | None = None,
) -> np.ndarray:
    """``y`` plus babble of four non-target talkers at ``snr_db`` over the whole clip.
    Taught in chapter 12 (The final comparison).
    """
    talkers = load_talkers() if talkers is None else talkers
    noise = denoise.babble(talkers, y.size, rng=rng, k=min(4, len(talkers)))
    return augment.add_noise(y, snr_db, rng=None, noise=noise)


def apply(
    condition: str, y: np.ndarray, *, seed: int, talkers: list[np.ndarray] | None = None
) -> np.ndarray:
    """Clip ``y`` (16 kHz) under ``condition``, one of :data:`CONDITIONS`.
    Taught in chapter 12 (The final comparison).

    Random draws come from ``seed`` and the condition's name: the same call gives the same
    audio. Pass a clip's own number as ``seed`` so clips differ from each other.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"Unknown condition {condition!r}; choose one of {CONDITIONS}.")
    rng = np.random.default_rng([seed, zlib.crc32(condition.encode())])
    kind, _, level = condition.partition(" ")
    if kind == "pink":
        return pink(y, float(level.removesuffix(" dB")), rng=rng)
    if kind == "babble":
        return babble(y, float(level.removesuffix(" dB")), rng=rng, talkers=talkers)
    if kind == "telephone":
        return telephone(y)
    if condition == "1 s crop":
        return crop(y, 1.0)
    return y.copy()
