"""Seeded augmentations for speech, and the table that ties every copy to its source.

Noise of a colour (:func:`make_noise`), added at an exact SNR (:func:`add_noise`,
measured by :func:`snr_db`), a time shift, one random chain of augmentations
(:func:`random_augment`), and the plan of copies of training clips
(:func:`augment_table`, :func:`render_augmented`). Nothing changes its input; everything
random comes from a ``numpy.random.Generator``: a copy can be made again from its seed.
Taught in chapter 07 (More data from the same voices, without fooling yourself).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import librosa
import numpy as np
import pandas as pd

__all__ = [
    "NOISE_KINDS",
    "make_noise",
    "add_noise",
    "snr_db",
    "time_shift",
    "random_augment",
    "augment_table",
    "render_augmented",
]

NOISE_KINDS = {"white": 0, "pink": 1, "brown": 2}
"""Exponent of each colour's power spectrum: the power falls as 1 / f ** exponent."""


def make_noise(n: int, kind: str = "white", *, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of a colour, shaped in the frequency domain, float64 with RMS 1.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).
    """
    freqs = np.fft.rfftfreq(n)  # in cycles per sample, 0 to 0.5
    spectrum = rng.standard_normal(freqs.size) + 1j * rng.standard_normal(freqs.size)
    amplitude = np.zeros_like(freqs)  # no DC
    amplitude[1:] = freqs[1:] ** (-NOISE_KINDS[kind] / 2)  # power ~ 1 / f ** exponent
    noise = np.fft.irfft(spectrum * amplitude, n)
    return noise / np.sqrt(np.mean(noise**2))


def add_noise(
    y: np.ndarray,
    snr_db: float,
    *,
    rng: np.random.Generator | None,
    kind: str = "white",
    noise: np.ndarray | None = None,
) -> np.ndarray:
    """``y`` plus noise scaled to an exact SNR in dB, in ``y``'s dtype.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    The noise is :func:`make_noise` of ``kind``, or a recording ``noise`` read
    circularly from an offset drawn with ``rng`` (from its start when ``rng`` is None).
    """
    if noise is None:
        noise = make_noise(y.size, kind, rng=rng)
    else:
        start = 0 if rng is None else int(rng.integers(noise.size))
        noise = np.take(np.asarray(noise, dtype=np.float64),
                        np.arange(start, start + y.size), mode="wrap")
    p_signal = np.mean(np.square(y, dtype=np.float64))
    p_noise = np.mean(noise**2)
    assert p_signal > 0 and p_noise > 0, "a silent signal or noise has no SNR"
    gain = np.sqrt(p_signal / (p_noise * 10 ** (snr_db / 10)))
    return (y + gain * noise).astype(y.dtype)


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio of ``noisy`` in dB, the noise being ``noisy - clean``.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).
    """
    clean = np.asarray(clean, dtype=np.float64)
    noise = np.asarray(noisy, dtype=np.float64) - clean
    return float(10 * np.log10(np.mean(clean**2) / np.mean(noise**2)))


def time_shift(y: np.ndarray, shift_samples: int) -> np.ndarray:
    """Start the signal ``shift_samples`` later (earlier if negative), filling in zeros.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).
    """
    s = int(np.clip(shift_samples, -y.size, y.size))
    out = np.zeros_like(y)
    if s >= 0:
        out[s:] = y[:y.size - s]
    else:
        out[:s] = y[-s:]
    return out


def random_augment(
    y: np.ndarray,
    sr: int,
    *,
    rng: np.random.Generator,
    rate_range: tuple[float, float] | None = (0.85, 1.15),
    semitone_range: tuple[float, float] | None = (-1.0, 1.0),
    shift_range: tuple[float, float] | None = (-0.2, 0.2),
    snr_range: tuple[float, float] | None = (10.0, 30.0),
    noise_kinds: Sequence[str] | None = ("pink", "white"),
) -> tuple[np.ndarray, dict[str, Any]]:
    """One random chain: time stretch, pitch shift, time shift, then noise at an SNR.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Five uniform draws pick speed factor, semitones, shift (s), noise colour and SNR
    (dB), always in this order; a range (or ``noise_kinds``) of None leaves its step out
    and keeps the other draws. Returns the new clip (its length changes with the
    stretch) and the parameters drawn.
    """
    u = rng.random(5)

    def draw(k: int, bounds: tuple[float, float] | None) -> float | None:
        if bounds is None:
            return None
        return float(bounds[0] + u[k] * (bounds[1] - bounds[0]))

    rate, n_steps = draw(0, rate_range), draw(1, semitone_range)
    shift, snr = draw(2, shift_range), draw(4, snr_range)
    kinds = list(noise_kinds or [])
    kind = kinds[min(int(u[3] * len(kinds)), len(kinds) - 1)] if kinds and snr else None
    params = {"rate": rate, "n_steps": n_steps,
              "shift_samples": None if shift is None else round(shift * sr),
              "noise_kind": kind, "snr_db": snr if kind else None}
    out = y.copy()
    if rate is not None:
        out = librosa.effects.time_stretch(out, rate=rate)
    if n_steps is not None:
        out = librosa.effects.pitch_shift(out, sr=sr, n_steps=n_steps)
    if shift is not None:
        out = time_shift(out, params["shift_samples"])
    if kind is not None:
        out = add_noise(out, snr, rng=rng, kind=kind)
    return out, params


def _copy_seed(seed: int, file: str, copy: int) -> int:
    """A 63-bit seed from the table seed, the source file's name and the copy number."""
    digest = hashlib.sha256(file.encode("utf-8")).digest()
    file_hash = int.from_bytes(digest[:8], "little")
    state = np.random.SeedSequence([seed, file_hash, copy]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def augment_table(
    df: pd.DataFrame, n_copies: int, *, seed: int = 0, allow_eval: bool = False
) -> pd.DataFrame:
    """Plan ``n_copies`` copies of every clip of ``df``: one row per copy, tied to its
    source (file, row index, sentence, speaker, label, split) and with its own seed.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Refuses validation and test clips unless ``allow_eval`` (an experiment, never
    training data). A copy's seed depends on ``seed``, its source file and its number.
    """
    held_out = int(df.get("split", pd.Series()).isin(["val", "test"]).sum())
    if held_out and not allow_eval:
        raise ValueError(
            f"augment_table got {held_out} validation/test clips: copies of them in "
            "training would leak. Augment df[df['split'] == 'train'] only, after "
            "splitting (allow_eval=True is for experiments that never train on them)."
        )
    rows = [
        {"source_file": src["file"], "source_path": src.get("path"),
         "source_index": index, "copy": copy,
         "sentence_id": src["sentence_id"], "speaker": src["speaker"],
         "label": src["label"], "split": src.get("split"),
         "seed": _copy_seed(seed, str(src["file"]), copy)}
        for index, src in df.iterrows() for copy in range(n_copies)
    ]
    columns = ["source_file", "source_path", "source_index", "copy", "sentence_id",
               "speaker", "label", "split", "seed"]
    return pd.DataFrame(rows, columns=columns).astype({"copy": int, "seed": np.int64})


def render_augmented(
    row: Mapping[str, Any], y: np.ndarray, sr: int, **ranges: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """The audio of one row of :func:`augment_table`, made from its source clip ``y``.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    :func:`random_augment`, seeded with the row's seed.
    """
    return random_augment(y, sr, rng=np.random.default_rng(int(row["seed"])), **ranges)

