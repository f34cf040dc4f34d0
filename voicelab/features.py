"""Hand-made features: frame-level descriptors, per-clip summaries, cached extraction.

A clip becomes a fixed-length vector in two steps: :func:`frame_features` describes
every short frame of the signal, :func:`pool_frames` keeps each descriptor's mean and
standard deviation over the frames. :func:`extract` does both for every clip of a
table, in worker processes, and caches the result. Taught in chapter 02 (Hand-made
features).
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from voicelab import _util
from voicelab.audio import SR, load

FRAME_LENGTH = 1024  # 64 ms at 16 kHz
HOP_LENGTH = 256  # 16 ms at 16 kHz
N_MFCC = 20
# Bump whenever a change to this module changes the numbers: it invalidates old caches.
FEATURES_VERSION = 2

ALL_FEATURES: tuple[str, ...] = (
    "rms", "zcr", "centroid", "bandwidth", "contrast", "rolloff",
    "chroma_stft", "chroma_cqt", "chroma_cens", "mfcc", "mfcc_delta", "mfcc_delta2",
)
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "report4": ("rms", "zcr"),
    "spectral": ("centroid", "bandwidth", "contrast", "rolloff"),
    "chroma": ("chroma_stft", "chroma_cqt", "chroma_cens"),
    "mfcc": ("mfcc",),
    "mfcc_deltas": ("mfcc", "mfcc_delta", "mfcc_delta2"),
    "all": ALL_FEATURES,
}
__all__ = ["frame_features", "pool_frames", "columns", "extract"]
_PARAMS = ("frame_length", "hop_length", "n_mfcc")


def frame_features(
    y: np.ndarray,
    sr: int,
    *,
    names: Sequence[str] = ALL_FEATURES,
    frame_length: int = FRAME_LENGTH,
    hop_length: int = HOP_LENGTH,
    n_mfcc: int = N_MFCC,
) -> dict[str, np.ndarray]:
    """Frame-level features of a mono signal: name -> ``(n_coefficients, n_frames)``.
    Taught in chapter 02 (Hand-made features).

    Each feature equals librosa's function of that name with ``n_fft=frame_length``
    and ``hop_length``; one STFT and one CQT are shared. ``names`` come from
    ``ALL_FEATURES``, and the result keeps that order. MFCC deltas narrow librosa's
    9-frame window on clips shorter than 9 frames.
    """
    unknown = set(names) - set(ALL_FEATURES)
    assert not unknown, f"unknown {sorted(unknown)}: choose from {ALL_FEATURES}"
    assert np.ndim(y) == 1, "y must be mono: use voicelab.audio.to_mono first"
    want = [name for name in ALL_FEATURES if name in names]
    frames = {"frame_length": frame_length, "hop_length": hop_length}
    if set(want) - {"rms", "zcr"}:
        S = np.abs(librosa.stft(y, n_fft=frame_length, hop_length=hop_length))
    if set(want) & {"mfcc", "mfcc_delta", "mfcc_delta2"}:
        mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=S**2, sr=sr))
        mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=n_mfcc)
        width = min(9, mfcc.shape[1] - 1 + mfcc.shape[1] % 2)  # widest odd window
    if set(want) & {"chroma_cqt", "chroma_cens"}:
        with warnings.catch_warnings():  # short clips: the low octaves are padding
            warnings.filterwarnings("ignore", "n_fft=.* is too large")
            C = np.abs(librosa.cqt(y, sr=sr, hop_length=hop_length, n_bins=7 * 36,
                                   bins_per_octave=36, tuning=None))
    compute = {
        "rms": lambda: librosa.feature.rms(y=y, **frames),
        "zcr": lambda: librosa.feature.zero_crossing_rate(y, **frames),
        "centroid": lambda: librosa.feature.spectral_centroid(S=S, sr=sr),
        "bandwidth": lambda: librosa.feature.spectral_bandwidth(S=S, sr=sr),
        "contrast": lambda: librosa.feature.spectral_contrast(S=S, sr=sr),
        "rolloff": lambda: librosa.feature.spectral_rolloff(S=S, sr=sr),
        "chroma_stft": lambda: librosa.feature.chroma_stft(S=S**2, sr=sr),
        "chroma_cqt": lambda: librosa.feature.chroma_cqt(C=C, sr=sr),
        "chroma_cens": lambda: librosa.feature.chroma_cens(C=C, sr=sr),
        "mfcc": lambda: mfcc,
        "mfcc_delta": lambda: librosa.feature.delta(mfcc, width=width),
        "mfcc_delta2": lambda: librosa.feature.delta(mfcc, width=width, order=2),
    }
    return {name: compute[name]() for name in want}


def pool_frames(frames: dict[str, np.ndarray]) -> pd.Series:
    """Each frame feature's mean and standard deviation over frames, as one vector.
    Taught in chapter 02 (Hand-made features).

    ``frames`` maps names to ``(n_coefficients, n_frames)`` arrays. Row ``i`` (from 1)
    of a feature gives ``<name>_<ii>_mean`` and ``<name>_<ii>_std``; a one-row feature
    gives ``<name>_mean`` and ``<name>_std``.
    """
    summary = {}
    for name, values in frames.items():
        for i, row in enumerate(values, start=1):
            stem = name if len(values) == 1 else f"{name}_{i:02d}"
            summary[f"{stem}_mean"] = row.mean()
            summary[f"{stem}_std"] = row.std()
    return pd.Series(summary, dtype=float)


def _resolve_set(feature_set: str | Sequence[str]) -> tuple[str, ...]:
    """A ``FEATURE_SETS`` key, or feature names, as names in ``ALL_FEATURES`` order."""
    if isinstance(feature_set, str):
        if feature_set not in FEATURE_SETS:
            raise ValueError(
                f"Unknown feature_set {feature_set!r}. Choose one of "
                f"{', '.join(FEATURE_SETS)}, or pass a tuple of feature names from: "
                f"{', '.join(ALL_FEATURES)}."
            )
        feature_set = FEATURE_SETS[feature_set]
    unknown = sorted(set(feature_set) - set(ALL_FEATURES))
    if unknown or not feature_set:
        raise ValueError(
            f"Unknown or missing feature names {unknown}. "
            f"Valid names are: {', '.join(ALL_FEATURES)}."
        )
    return tuple(name for name in ALL_FEATURES if name in feature_set)


def columns(
    feature_set: str | Sequence[str] = "all", *, n_mfcc: int = N_MFCC
) -> list[str]:
    """Names of the summary columns a feature set gives, without computing anything.
    Taught in chapter 02 (Hand-made features).

    ``feature_set`` is a ``FEATURE_SETS`` key or a sequence of feature names; use the
    result to pick one set's columns out of ``extract(df, "all")``.
    """
    sizes = {"contrast": 7, "chroma_stft": 12, "chroma_cqt": 12, "chroma_cens": 12,
             "mfcc": n_mfcc, "mfcc_delta": n_mfcc, "mfcc_delta2": n_mfcc}
    names = []
    for name in _resolve_set(feature_set):
        rows = sizes.get(name, 1)
        for i in range(1, rows + 1):
            stem = name if rows == 1 else f"{name}_{i:02d}"
            names += [f"{stem}_mean", f"{stem}_std"]
    return names


def _read_entry(path: Path, size: int) -> np.ndarray | None:
    """One cached summary vector; ``None`` if it is missing or unreadable."""
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    return values if values.shape == (size,) and values.dtype == np.float64 else None


def _summarize_clip(job: tuple[str, tuple[str, ...], int, dict]) -> np.ndarray:
    """Load one clip and pool its frame features (runs in a worker process)."""
    path, names, sr, params = job
    y, _ = load(path, sr=sr)
    # One BLAS thread: the numbers then do not depend on the core count, the process
    # or which chapter filled the cache first.
    with threadpool_limits(1):
        return pool_frames(frame_features(y, sr, names=names, **params)).to_numpy()


def extract(
    df: pd.DataFrame,
    feature_set: str | Sequence[str] = "all",
    *,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    sr: int = SR,
    **params: int,
) -> pd.DataFrame:
    """Summary features of every clip in a table, computed in worker processes, cached.
    Taught in chapter 02 (Hand-made features).

    Clips missing from the cache are loaded with :func:`voicelab.audio.load` and run
    through :func:`frame_features` and :func:`pool_frames` by
    ``voicelab._util.map_clips``; each summary is saved as
    ``<cache_dir>/features/<key>/<sha256>.npy``, where ``key`` hashes
    ``FEATURES_VERSION``, librosa's version, the feature names, ``sr`` and ``params``.

    Parameters
    ----------
    df : pd.DataFrame
        One row per clip with a ``path`` column and optionally ``sha256``, as from
        :func:`voicelab.data.load_corpus`.
    feature_set : str or sequence of str, default "all"
        A key of ``FEATURE_SETS`` or a sequence of names from ``ALL_FEATURES``.
    cache_dir : str or path-like, optional
        Cache root; ``$VOICELAB_CACHE`` or ``~/.cache/voicelab`` by default.
    progress : bool, default True
        Show a progress bar while computing.
    sr : int, default SR
        Rate the clips are loaded (and resampled) at.
    **params : int
        ``frame_length``, ``hop_length`` and/or ``n_mfcc`` for :func:`frame_features`.

    Returns
    -------
    pd.DataFrame
        Index of ``df``, one float column per entry of :func:`pool_frames`.
    """
    names = _resolve_set(feature_set)
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        raise TypeError(
            f"Unknown parameters {unknown}; extract accepts {', '.join(_PARAMS)}."
        )
    params = {"frame_length": FRAME_LENGTH, "hop_length": HOP_LENGTH,
              "n_mfcc": N_MFCC} | {name: int(value) for name, value in params.items()}
    spec = {"version": FEATURES_VERSION, "librosa": librosa.__version__,
            "features": sorted(names), "sr": sr, **params}
    root = _util.cache_dir() if cache_dir is None else Path(cache_dir)
    folder = root / "features" / _util.spec_key(spec)
    names_out = columns(names, n_mfcc=params["n_mfcc"])
    paths = [str(path) for path in df["path"]]
    shas = (list(df["sha256"]) if "sha256" in df
            else [_util.file_sha256(path) for path in paths])
    rows = [_read_entry(folder / f"{sha}.npy", len(names_out)) for sha in shas]
    missing = [i for i, row in enumerate(rows) if row is None]
    jobs = [(paths[i], names, sr, params) for i in missing]
    computed = _util.map_clips(
        _summarize_clip, jobs, desc="features", progress=progress and bool(jobs)
    )
    for i, values in zip(missing, computed):
        buffer = io.BytesIO()
        np.save(buffer, values, allow_pickle=False)
        _util.atomic_write_bytes(folder / f"{shas[i]}.npy", buffer.getvalue())
        rows[i] = values
    X = np.reshape(rows, (len(rows), len(names_out)))
    return pd.DataFrame(X, index=df.index, columns=names_out, dtype=float)
