"""The log-mel front end of the network chapters, with its parameters in one place.

Chapter 05 writes :func:`hz_to_mel`, :func:`mel_to_hz`, :func:`log_mel`,
:func:`fixed_length` and :func:`n_frames` in its cells; this module holds the same code,
so that chapters 06 and 07, and you, read exactly the same features.
:func:`log_mel_dataset` turns a table of clips into one cached array.
Taught in chapter 05 (The mel spectrogram from first principles).
"""

from __future__ import annotations

import dataclasses
import io
import os
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from voicelab import _util, audio
from voicelab.features import FRAME_LENGTH, HOP_LENGTH

__all__ = [
    "SR", "N_FFT", "HOP_LENGTH", "N_MELS", "FMIN", "FMAX", "CLIP_SECONDS", "LOGMEL",
    "LogMelParams", "hz_to_mel", "mel_to_hz", "log_mel", "fixed_length", "n_frames",
    "log_mel_dataset",
]

# One source for the rate, window and hop: voicelab.audio and voicelab.features.
SR = audio.SR  # 16 kHz
N_FFT = FRAME_LENGTH  # 1024 samples, 64 ms: resolves the harmonics of a voice
N_MELS = 64  # mel bands from FMIN to FMAX
FMIN = 50.0  # below the lowest voice fundamental
FMAX = 8000.0  # the Nyquist frequency at 16 kHz
CLIP_SECONDS = 4.0  # the networks' fixed input length: n_frames() = 251 frames
# Bump whenever a change to this module changes the numbers: it invalidates old caches.
LOGMEL_VERSION = 2


@dataclass(frozen=True)
class LogMelParams:
    """The numbers that define the course's log-mel front end, read-only.
    Taught in chapter 05 (The mel spectrogram from first principles).

    ``power=2`` gives a power spectrogram, ``ref=1.0`` the same 0 dB for every clip,
    ``amin`` floors the power before the logarithm, ``top_db`` is the range kept below
    each clip's loudest cell, and ``clip_seconds`` the length :func:`log_mel_dataset`
    uses.
    """

    sr: int = SR
    n_fft: int = N_FFT
    hop_length: int = HOP_LENGTH
    n_mels: int = N_MELS
    fmin: float = FMIN
    fmax: float = FMAX
    power: float = 2.0
    ref: float = 1.0
    amin: float = 1e-10
    top_db: float = 80.0
    clip_seconds: float = CLIP_SECONDS


LOGMEL = LogMelParams()


def hz_to_mel(f: float | np.ndarray, *, htk: bool = False) -> float | np.ndarray:
    """Frequencies in Hz to mels, on the Slaney (librosa's default) or the HTK scale.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    f : float or array-like
        Frequencies in Hz.
    htk : bool, default False
        Use the HTK formula instead of Slaney's.
    """
    f = np.asarray(f, dtype=float)
    if htk:
        mels = 2595 * np.log10(1 + f / 700)
    else:  # linear below 1 kHz, logarithmic above
        log_part = 15 + 27 / np.log(6.4) * np.log(np.maximum(f, 1000) / 1000)
        mels = np.where(f < 1000, 3 * f / 200, log_part)
    return float(mels) if mels.ndim == 0 else mels


def mel_to_hz(m: float | np.ndarray, *, htk: bool = False) -> float | np.ndarray:
    """Mels back to Hz: the inverse of :func:`hz_to_mel`.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    m : float or array-like
        Mels.
    htk : bool, default False
        Use the HTK formula instead of Slaney's.
    """
    m = np.asarray(m, dtype=float)
    if htk:
        hz = 700 * (10 ** (m / 2595) - 1)
    else:
        log_part = 1000 * 6.4 ** ((np.maximum(m, 15) - 15) / 27)
        hz = np.where(m < 15, 200 * m / 3, log_part)
    return float(hz) if hz.ndim == 0 else hz


def log_mel(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Log-mel spectrogram in dB of a mono clip, with the parameters of ``LOGMEL``.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape ``(n_samples,)``.
    sr : int, default SR
        Its sampling rate: must be 16 kHz, the rate the filters are built for.

    Returns
    -------
    np.ndarray
        float32, shape ``(n_mels, 1 + n_samples // hop_length)``.
    """
    assert sr == LOGMEL.sr, f"log_mel needs {LOGMEL.sr} Hz, got {sr}: resample first"
    assert np.ndim(y) == 1 and len(y) > 0, "log_mel needs a non-empty mono signal"
    S = librosa.feature.melspectrogram(
        y=y, sr=sr, n_fft=LOGMEL.n_fft, hop_length=LOGMEL.hop_length,
        n_mels=LOGMEL.n_mels, fmin=LOGMEL.fmin, fmax=LOGMEL.fmax, power=LOGMEL.power,
    )
    S_db = librosa.power_to_db(S, ref=LOGMEL.ref, amin=LOGMEL.amin,
                               top_db=LOGMEL.top_db)
    return S_db.astype(np.float32)


def fixed_length(
    y: np.ndarray, seconds: float = CLIP_SECONDS, sr: int = SR, *, align: str = "start"
) -> np.ndarray:
    """Pad ``y`` with zeros, or crop it, to ``round(seconds * sr)`` samples.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    seconds : float, default CLIP_SECONDS
        The length wanted (> 0).
    sr : int, default SR
        Sampling rate of ``y`` in Hz.
    align : {"start", "center"}
        Keep the start (pad or crop at the end) or the middle.
    """
    assert seconds > 0, f"seconds must be positive, got {seconds}"
    return audio.pad_or_crop(np.asarray(y), round(seconds * sr), align=align)


def n_frames(seconds: float = CLIP_SECONDS) -> int:
    """Frames that :func:`log_mel` gives for a clip of ``seconds`` (centred frames).
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    seconds : float, default CLIP_SECONDS
        Clip length (> 0), as made by :func:`fixed_length`.
    """
    assert seconds > 0, f"seconds must be positive, got {seconds}"
    return 1 + round(seconds * LOGMEL.sr) // LOGMEL.hop_length


def _clip_log_mel(job: tuple[str, float]) -> np.ndarray:
    """``log_mel`` of one file cut or padded to ``seconds``: one worker's task."""
    path, seconds = job
    y, _ = audio.load(path, sr=LOGMEL.sr)
    with threadpool_limits(1):  # the same numbers in any process
        return log_mel(fixed_length(y, seconds, LOGMEL.sr), LOGMEL.sr)


def _read_array(path: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    """A cached float32 array of this shape, or ``None`` if missing or unreadable."""
    try:
        X = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    return X if X.shape == shape and X.dtype == np.float32 else None


def log_mel_dataset(
    df: pd.DataFrame,
    *,
    seconds: float = CLIP_SECONDS,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Fixed-length log-mel spectrograms of every clip in a table, as one cached array.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Each distinct clip (by SHA-256) is loaded at 16 kHz, cut or padded with
    :func:`fixed_length` and turned into :func:`log_mel`, in worker processes. The array
    is saved as ``<cache_dir>/logmel/<key>.npy``; the key hashes ``LOGMEL_VERSION``,
    librosa's version, ``LOGMEL``, ``seconds`` and the clips: a re-run reads the file.

    Parameters
    ----------
    df : pd.DataFrame
        One row per clip, with a ``path`` column and optionally ``sha256``, as from
        :func:`voicelab.data.load_corpus`.
    seconds : float, default CLIP_SECONDS
        Clip length fed to :func:`log_mel`.
    cache_dir : str or path-like, optional
        Cache root; ``$VOICELAB_CACHE`` or ``~/.cache/voicelab`` by default.
    progress : bool, default True
        Show a progress bar while computing.

    Returns
    -------
    np.ndarray
        float32, shape ``(len(df), n_mels, n_frames(seconds))``, in the order of ``df``.
    """
    assert "path" in df, "df needs a 'path' column, as from voicelab.data.load_corpus()"
    seconds = float(seconds)
    shape = (LOGMEL.n_mels, n_frames(seconds))
    paths = [str(p) for p in df["path"]]
    if "sha256" in df:
        shas = list(df["sha256"])
    else:
        shas = [_util.file_sha256(p) for p in paths]
    first_path = dict(zip(reversed(shas), reversed(paths)))  # one file per clip
    distinct = sorted(first_path)
    spec = {"version": LOGMEL_VERSION, "librosa": librosa.__version__, "align": "start",
            "params": dataclasses.asdict(LOGMEL), "seconds": seconds, "clips": distinct}
    root = _util.cache_dir() if cache_dir is None else Path(cache_dir)
    entry = root / "logmel" / f"{_util.spec_key(spec)}.npy"
    X = _read_array(entry, (len(distinct), *shape))
    if X is None:
        jobs = [(first_path[sha], seconds) for sha in distinct]
        rows = _util.map_clips(_clip_log_mel, jobs, desc="log-mel", progress=progress)
        X = np.stack(rows) if rows else np.zeros((0, *shape), np.float32)
        buffer = io.BytesIO()
        np.save(buffer, X, allow_pickle=False)
        _util.atomic_write_bytes(entry, buffer.getvalue())
    position = {sha: i for i, sha in enumerate(distinct)}
    return X[[position[sha] for sha in shas]]
