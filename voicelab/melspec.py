"""The log-mel front end shared by the neural-network chapters, with its parameters in one place.

A clip becomes a fixed-size image in three steps: :func:`fixed_length` pads or crops it to
``CLIP_SECONDS``, :func:`log_mel` turns it into a ``(N_MELS, frames)`` log-mel spectrogram in
dB, and :func:`log_mel_dataset` does both for every clip of a table and caches the stacked
array. :func:`hz_to_mel` and :func:`mel_to_hz` are the two mel scales written out, so the
chapter can check them against librosa. The CNN, RNN and transfer-learning chapters all read
their inputs from here, so every one of them sees exactly the same features. Taught in
chapter 05 (The mel spectrogram from first principles).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from voicelab.audio import SR, _check_signal, load, pad_or_crop
from voicelab.features import FRAME_LENGTH, HOP_LENGTH
from voicelab._util import cache_dir as _user_cache_dir

__all__ = [
    "SR",
    "N_FFT",
    "HOP_LENGTH",
    "N_MELS",
    "FMIN",
    "FMAX",
    "TOP_DB",
    "AMIN",
    "CLIP_SECONDS",
    "LogMelParams",
    "LOGMEL",
    "hz_to_mel",
    "mel_to_hz",
    "log_mel",
    "fixed_length",
    "n_frames",
    "log_mel_dataset",
]

# One source for the rate, window and hop: voicelab.audio and voicelab.features.
N_FFT = FRAME_LENGTH  # 64 ms window: resolves the harmonics of a voice above ~60 Hz
N_MELS = 64  # mel bands from FMIN to FMAX
FMIN = 50.0  # below the lowest voice fundamental; the corpus is high-passed at 60-200 Hz
FMAX = 8000.0  # the Nyquist frequency at 16 kHz
TOP_DB = 80.0  # floor: nothing is kept more than 80 dB below the clip's loudest cell
AMIN = 1e-10  # power floor before the log (-100 dB), so digital silence stays finite
# A fixed input length for the networks. The corpus clips last 1.8-5.6 s (mean 3.6 s);
# 4 s holds about 80 % of them whole (191 of 240) and pads those with silence at the end;
# the other 49 lose only their tail (at most 1.6 s, of which 0.1-0.3 s is trailing
# silence), never their start. Every clip becomes n_frames(4.0) = 251 frames.
CLIP_SECONDS = 4.0
# Bump whenever a change to this module changes the numbers: it invalidates old caches.
LOGMEL_VERSION = 2

_MIN_LOG_HZ = 1000.0  # Slaney scale: linear below 1 kHz, logarithmic above
_F_SP = 200.0 / 3  # Slaney scale: 3 mels per 200 Hz (66.67 Hz per mel) below 1 kHz
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP  # 15 mels at 1 kHz
_LOGSTEP = np.log(6.4) / 27.0  # Slaney scale: 27 mels per factor 6.4 (1 kHz to 6.4 kHz)


@dataclass(frozen=True)
class LogMelParams:
    """All the numbers that define the course's log-mel front end, read-only.
    Taught in chapter 05 (The mel spectrogram from first principles).

    The module constants (``SR``, ``N_FFT``, ...) and :data:`LOGMEL`, the one instance of
    this class, hold the same values; :func:`log_mel` reads them from :data:`LOGMEL`, and
    :func:`log_mel_dataset` hashes them into its cache key.

    Attributes
    ----------
    sr : int
        Sampling rate in Hz.
    n_fft : int
        FFT (and Hann window) length in samples.
    hop_length : int
        Samples between successive frames.
    n_mels : int
        Number of mel bands (Slaney mel scale, Slaney area normalisation: librosa's defaults).
    fmin, fmax : float
        Lowest and highest filter edge in Hz.
    power : float
        Exponent of the magnitude: 2 gives a power spectrogram.
    ref : float
        Reference power of 0 dB. 1.0 gives a fixed scale, the same for every clip, see
        :func:`log_mel`.
    amin : float
        Smallest power before the logarithm.
    top_db : float
        Dynamic range kept below each clip's loudest cell.
    clip_seconds : float
        Fixed clip length used by :func:`log_mel_dataset` by default.
    """

    sr: int = SR
    n_fft: int = N_FFT
    hop_length: int = HOP_LENGTH
    n_mels: int = N_MELS
    fmin: float = FMIN
    fmax: float = FMAX
    power: float = 2.0
    ref: float = 1.0
    amin: float = AMIN
    top_db: float = TOP_DB
    clip_seconds: float = CLIP_SECONDS


LOGMEL = LogMelParams()


def hz_to_mel(f: float | np.ndarray, *, htk: bool = False) -> float | np.ndarray:
    """Convert frequencies in Hz to mels, on the Slaney (default) or the HTK scale.
    Taught in chapter 05 (The mel spectrogram from first principles).

    HTK: ``m = 2595 * log10(1 + f / 700)``. Slaney (librosa's and the Auditory Toolbox's
    default): linear below 1 kHz, ``m = f / (200 / 3)`` (3 mels per 200 Hz, so 15 mels at
    1 kHz), and logarithmic above, ``m = 15 + ln(f / 1000) / (ln(6.4) / 27)`` (27 mels per
    factor 6.4). Both equal ``librosa.hz_to_mel(f, htk=...)``.

    Parameters
    ----------
    f : float or array-like
        Frequencies in Hz (>= 0).
    htk : bool, default False
        Use the HTK formula instead of Slaney's.

    Returns
    -------
    float or np.ndarray
        Mels: a float for a scalar ``f``, else a float64 array of ``f``'s shape.
    """
    f = np.asarray(f, dtype=float)
    if htk:
        mels = 2595.0 * np.log10(1.0 + f / 700.0)
    else:
        log_part = _MIN_LOG_MEL + np.log(np.maximum(f, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOGSTEP
        mels = np.where(f >= _MIN_LOG_HZ, log_part, f / _F_SP)
    return float(mels) if mels.ndim == 0 else mels


def mel_to_hz(m: float | np.ndarray, *, htk: bool = False) -> float | np.ndarray:
    """Convert mels back to Hz: the inverse of :func:`hz_to_mel`.
    Taught in chapter 05 (The mel spectrogram from first principles).

    HTK: ``f = 700 * (10 ** (m / 2595) - 1)``. Slaney: ``f = m * 200 / 3`` below 15 mels
    (1 kHz) and ``f = 1000 * exp((m - 15) * ln(6.4) / 27)`` above. Both equal
    ``librosa.mel_to_hz(m, htk=...)``.

    Parameters
    ----------
    m : float or array-like
        Mels (>= 0).
    htk : bool, default False
        Use the HTK formula instead of Slaney's.

    Returns
    -------
    float or np.ndarray
        Frequencies in Hz: a float for a scalar ``m``, else a float64 array of ``m``'s shape.
    """
    m = np.asarray(m, dtype=float)
    if htk:
        hz = 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    else:
        log_part = _MIN_LOG_HZ * np.exp(_LOGSTEP * (np.maximum(m, _MIN_LOG_MEL) - _MIN_LOG_MEL))
        hz = np.where(m >= _MIN_LOG_MEL, log_part, _F_SP * m)
    return float(hz) if hz.ndim == 0 else hz


def _check_seconds(seconds: float) -> float:
    seconds = float(seconds)
    if not (np.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive number of seconds, got {seconds!r}")
    return seconds


def _n_samples(seconds: float, sr: int) -> int:
    """Samples in ``seconds`` at ``sr``, rounded (so that 0.29 s is 4640, not 4639)."""
    return int(round(_check_seconds(seconds) * sr))


def log_mel(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Log-mel spectrogram in dB of a mono clip, with the course's fixed parameters.
    Taught in chapter 05 (The mel spectrogram from first principles).

    This is exactly::

        S = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=1024, hop_length=256,
                                           n_mels=64, fmin=50, fmax=8000, power=2.0)
        librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)

    (Hann window, ``center=True`` with zero padding, Slaney mel scale and area
    normalisation), returned as float32.

    Why ``ref=1.0`` rather than ``ref=np.max``: with ``ref=1.0`` every clip is measured on
    the same fixed scale (0 dB is a power of 1 in librosa's unnormalised STFT units; a
    full-scale 1 kHz sine peaks near +32 dB), so the network sees levels the way a
    microphone delivers them: halving the amplitude lowers every cell by 6 dB, and a quiet
    take looks quieter than a loud one. The corpus
    draws each take's level at random (RMS -32 to -18 dBFS), so level carries no
    information about the speaker, and the network has to learn to ignore it; chapter 07's
    augmentations (added noise at random SNRs) vary it further. ``ref=np.max`` would instead
    shift every clip so that its loudest cell is 0 dB, hiding level altogether; that is a
    valid alternative, but would make a clip's numbers depend on its single loudest frame.
    The ``top_db`` floor is relative in both cases: cells more than 80 dB below the clip's
    loudest cell (e.g. the zero padding of :func:`fixed_length`) are raised to that floor.

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape ``(n_samples,)``, full scale 1.0.
    sr : int, default SR
        Its sampling rate; must be ``SR`` (16 kHz), the rate the filter bank is built for.

    Returns
    -------
    np.ndarray
        float32, shape ``(N_MELS, 1 + len(y) // HOP_LENGTH)``, in dB (``ref=1.0``).

    Raises
    ------
    ValueError
        If ``sr`` is not 16 kHz, or ``y`` is not a 1-D float signal.
    voicelab.audio.EmptyAudioError, voicelab.audio.InvalidSamplesError
        If ``y`` has no samples, or NaN/infinite ones.
    """
    if sr != LOGMEL.sr:
        raise ValueError(
            f"log_mel's filter bank is fixed at sr={LOGMEL.sr} Hz, got sr={sr}: resample "
            f"first with voicelab.audio.resample(y, {sr}, {LOGMEL.sr}), or load the clip "
            f"with voicelab.audio.load(path, sr={LOGMEL.sr})."
        )
    y = _check_signal(y, "log_mel")
    S = librosa.feature.melspectrogram(
        y=y,
        sr=LOGMEL.sr,
        n_fft=LOGMEL.n_fft,
        hop_length=LOGMEL.hop_length,
        n_mels=LOGMEL.n_mels,
        fmin=LOGMEL.fmin,
        fmax=LOGMEL.fmax,
        power=LOGMEL.power,
        center=True,
    )
    S_db = librosa.power_to_db(S, ref=LOGMEL.ref, amin=LOGMEL.amin, top_db=LOGMEL.top_db)
    return S_db.astype(np.float32, copy=False)


def fixed_length(
    y: np.ndarray, seconds: float = CLIP_SECONDS, sr: int = SR, *, align: str = "start"
) -> np.ndarray:
    """Pad (with zeros) or crop a signal to exactly ``seconds`` seconds.
    Taught in chapter 05 (The mel spectrogram from first principles).

    A thin wrapper of :func:`voicelab.audio.pad_or_crop` with the length in seconds:
    ``round(seconds * sr)`` samples.

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    seconds : float, default CLIP_SECONDS
        Output duration (> 0).
    sr : int, default SR
        Sampling rate of ``y`` in Hz.
    align : {"start", "center"}
        ``"start"`` keeps the beginning (pads or crops at the end), ``"center"`` keeps the
        middle; see :func:`voicelab.audio.pad_or_crop`.

    Returns
    -------
    np.ndarray
        Shape ``(..., round(seconds * sr))``, same dtype as ``y``.
    """
    return pad_or_crop(np.asarray(y), _n_samples(seconds, sr), align=align)


def n_frames(seconds: float = CLIP_SECONDS) -> int:
    """Number of frames :func:`log_mel` gives for a clip of ``seconds`` seconds at ``SR``.
    Taught in chapter 05 (The mel spectrogram from first principles).

    With ``center=True`` a signal of ``n`` samples has ``1 + n // HOP_LENGTH`` frames, and
    :func:`fixed_length` makes ``n = round(seconds * SR)``; 4 s gives 251 frames.

    Parameters
    ----------
    seconds : float, default CLIP_SECONDS
        Clip duration (> 0).

    Returns
    -------
    int
    """
    return 1 + _n_samples(seconds, LOGMEL.sr) // LOGMEL.hop_length


def _cache_key(shas: list[str], seconds: float) -> str:
    """Short hash of all that changes the array: versions, parameters, length, clips."""
    spec = {
        "version": LOGMEL_VERSION,
        "librosa": librosa.__version__,
        "params": dataclasses.asdict(LOGMEL),
        "seconds": seconds,
        "align": "start",
        "clips": shas,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_array(path: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    """Read a cached array; ``None`` if it is missing, unreadable or of the wrong shape."""
    try:
        X = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if X.shape != shape or X.dtype != np.float32:
        return None
    return X


def _write_array(path: Path, X: np.ndarray) -> None:
    """Write one array atomically: a temporary file in the same folder, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, X, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def log_mel_dataset(
    df: pd.DataFrame,
    *,
    seconds: float = CLIP_SECONDS,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Fixed-length log-mel spectrograms of every clip in a table, as one cached array.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Each distinct clip is loaded once with :func:`voicelab.audio.load` at 16 kHz, cut or
    padded to ``seconds`` with :func:`fixed_length` (keeping the start) and turned into
    :func:`log_mel`. The stacked array is saved to ``<cache_dir>/logmel/<key>.npy``, where
    ``key`` is a short hash of ``LOGMEL_VERSION``, the librosa version, :data:`LOGMEL`,
    ``seconds`` and the sorted SHA-256 hashes of the distinct clips. A re-run with the same
    clips, in any order, reads that one file (well under a second for the whole corpus);
    changing a parameter, the librosa version or the set of clips computes afresh. The file
    is written atomically, an unreadable one is recomputed, and nothing is written next to
    the audio.

    Parameters
    ----------
    df : pd.DataFrame
        One row per clip with a ``path`` column and, ideally, a ``sha256`` column of the
        file contents (computed from the files when absent), as from
        :func:`voicelab.data.load_corpus`.
    seconds : float, default CLIP_SECONDS
        Clip length fed to :func:`log_mel`.
    cache_dir : str or path-like, optional
        Cache root; defaults to ``$VOICELAB_CACHE`` or ``~/.cache/voicelab``.
    progress : bool, default True
        Show a progress bar while computing (none when the cache answers).

    Returns
    -------
    np.ndarray
        float32, shape ``(len(df), N_MELS, n_frames(seconds))``; row ``i`` belongs to
        ``df.iloc[i]``.

    Raises
    ------
    ValueError
        If ``df`` has no ``path`` column or ``seconds`` is not positive.
    voicelab.audio.AudioError
        If a clip cannot be loaded (the message names the file and what to do).
    """
    if "path" not in df:
        raise ValueError(
            "df needs a 'path' column of audio files, as in voicelab.data.load_corpus() "
            f"or voicelab.data.load_folder(); it has {list(df.columns)}."
        )
    seconds = _check_seconds(seconds)
    shape = (LOGMEL.n_mels, n_frames(seconds))
    if len(df) == 0:
        return np.zeros((0, *shape), dtype=np.float32)
    paths = [str(p) for p in df["path"]]
    shas = list(df["sha256"]) if "sha256" in df else [_file_sha256(p) for p in paths]
    first_path = dict(zip(reversed(shas), reversed(paths)))  # one file per distinct clip
    distinct = sorted(first_path)
    root = _user_cache_dir() if cache_dir is None else Path(cache_dir)
    folder = root / "logmel"
    folder.mkdir(parents=True, exist_ok=True)
    entry = folder / f"{_cache_key(distinct, seconds)}.npy"
    X = _read_array(entry, (len(distinct), *shape))
    if X is None:
        X = np.empty((len(distinct), *shape), dtype=np.float32)
        for i, sha in enumerate(tqdm(distinct, desc="log-mel", disable=not progress)):
            y, _ = load(first_path[sha], sr=LOGMEL.sr)
            with threadpool_limits(1):  # same numbers whatever the core count
                X[i] = log_mel(fixed_length(y, seconds, LOGMEL.sr), LOGMEL.sr)
        _write_array(entry, X)
    position = {sha: i for i, sha in enumerate(distinct)}
    return X[[position[sha] for sha in shas]]
