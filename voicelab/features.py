"""Hand-made features: frame-level descriptors, per-clip summary vectors, cached extraction.

A clip becomes a fixed-length vector in two steps. :func:`frame_features` describes every
short frame of the signal (loudness, brightness, pitch class, timbre); :func:`pool_frames`
reduces each descriptor to its mean and standard deviation over the frames. :func:`extract`
does both for every clip of a table and caches the result, and :class:`SummaryFeatures`
wraps it as a scikit-learn transformer. Taught in chapter 02 (Hand-made features).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from voicelab.audio import SR, load

FRAME_LENGTH = 1024  # 64 ms at 16 kHz
HOP_LENGTH = 256  # 16 ms at 16 kHz
N_MFCC = 20
# Bump whenever a change to this module changes the numbers: it invalidates old caches.
FEATURES_VERSION = 2

ALL_FEATURES: tuple[str, ...] = (
    "rms",
    "zcr",
    "centroid",
    "bandwidth",
    "contrast",
    "rolloff",
    "chroma_stft",
    "chroma_cqt",
    "chroma_cens",
    "mfcc",
    "mfcc_delta",
    "mfcc_delta2",
)
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "report4": ("rms", "zcr"),
    "spectral": ("centroid", "bandwidth", "contrast", "rolloff"),
    "chroma": ("chroma_stft", "chroma_cqt", "chroma_cens"),
    "mfcc": ("mfcc",),
    "mfcc_deltas": ("mfcc", "mfcc_delta", "mfcc_delta2"),
    "all": ALL_FEATURES,
}
__all__ = [
    "frame_features",
    "pool_frames",
    "columns",
    "cache_dir",
    "extract",
    "SummaryFeatures",
]
_STFT_FEATURES = {"centroid", "bandwidth", "contrast", "rolloff", "chroma_stft"}
_CQT_FEATURES = {"chroma_cqt", "chroma_cens"}
_MFCC_FEATURES = {"mfcc", "mfcc_delta", "mfcc_delta2"}
_PARAMS = ("frame_length", "hop_length", "n_mfcc")


def _check_names(names: str | Sequence[str]) -> tuple[str, ...]:
    """Validate feature names and return them, without repeats, in ``ALL_FEATURES`` order."""
    names = (names,) if isinstance(names, str) else tuple(names)
    unknown = [name for name in names if name not in ALL_FEATURES]
    if unknown or not names:
        raise ValueError(
            f"Unknown or missing feature names {unknown}. "
            f"Valid names are: {', '.join(ALL_FEATURES)}."
        )
    return tuple(name for name in ALL_FEATURES if name in names)


def _delta(mfcc: np.ndarray, order: int) -> np.ndarray:
    """librosa's delta (width 9), narrowed to the widest odd window a short clip allows."""
    n_frames = mfcc.shape[1]
    width = min(9, n_frames if n_frames % 2 else n_frames - 1)
    if width < 3:
        raise ValueError(
            f"MFCC deltas need at least 3 frames, this clip has {n_frames}: "
            "use a longer clip or a smaller hop_length."
        )
    return librosa.feature.delta(mfcc, width=width, order=order)


def frame_features(
    y: np.ndarray,
    sr: int,
    *,
    names: str | Sequence[str] = ALL_FEATURES,
    frame_length: int = FRAME_LENGTH,
    hop_length: int = HOP_LENGTH,
    n_mfcc: int = N_MFCC,
) -> dict[str, np.ndarray]:
    """Compute frame-level features of a mono signal.
    Taught in chapter 02 (Hand-made features).

    One magnitude STFT (``n_fft=frame_length``, centred frames) feeds the spectral features,
    ``chroma_stft`` and the MFCCs, and one CQT feeds ``chroma_cqt`` and ``chroma_cens``, so
    each feature equals ``librosa.feature.<function>(y=y, sr=sr, n_fft=frame_length,
    hop_length=hop_length)`` with librosa's other defaults, while the shared work is done
    once. MFCC deltas use librosa's 9-frame window, narrowed for clips shorter than 9 frames.
    For clips shorter than about 2.5 s at 16 kHz the lowest CQT octaves are mostly padding;
    librosa's warning about that is silenced.

    Parameters
    ----------
    y : np.ndarray
        Mono signal, shape ``(n_samples,)``, floating point.
    sr : int
        Sampling rate of ``y`` in Hz.
    names : str or sequence of str, default ALL_FEATURES
        Features to compute, from ``ALL_FEATURES``.
    frame_length : int, default FRAME_LENGTH
        Frame (and FFT) length in samples.
    hop_length : int, default HOP_LENGTH
        Samples between the starts of successive frames.
    n_mfcc : int, default N_MFCC
        Number of MFCCs (also the number of rows of each delta).

    Returns
    -------
    dict of str to np.ndarray
        One entry per requested feature, in ``ALL_FEATURES`` order, each of shape
        ``(n_coefficients, n_frames)``; every feature has ``1 + len(y) // hop_length`` frames.

    Raises
    ------
    ValueError
        If a name is unknown (the message lists the valid ones) or ``y`` is not 1-D.
    """
    wanted = _check_names(names)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"y must be a mono signal of shape (n_samples,), got shape {y.shape}: "
            "use voicelab.audio.to_mono first."
        )
    S = mfcc = C = None
    if _STFT_FEATURES.union(_MFCC_FEATURES).intersection(wanted):
        S = np.abs(librosa.stft(y, n_fft=frame_length, hop_length=hop_length))
    if _MFCC_FEATURES.intersection(wanted):
        mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=S**2, sr=sr))
        mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=n_mfcc)
    if _CQT_FEATURES.intersection(wanted):
        with warnings.catch_warnings():  # about the CQT's internal FFTs, not frame_length
            warnings.filterwarnings("ignore", "n_fft=.* is too large", UserWarning)
            C = np.abs(
                librosa.cqt(
                    y, sr=sr, hop_length=hop_length, n_bins=7 * 36, bins_per_octave=36, tuning=None
                )
            )
    compute = {
        "rms": lambda: librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length),
        "zcr": lambda: librosa.feature.zero_crossing_rate(
            y, frame_length=frame_length, hop_length=hop_length
        ),
        "centroid": lambda: librosa.feature.spectral_centroid(S=S, sr=sr),
        "bandwidth": lambda: librosa.feature.spectral_bandwidth(S=S, sr=sr),
        "contrast": lambda: librosa.feature.spectral_contrast(S=S, sr=sr),
        "rolloff": lambda: librosa.feature.spectral_rolloff(S=S, sr=sr),
        "chroma_stft": lambda: librosa.feature.chroma_stft(S=S**2, sr=sr),
        "chroma_cqt": lambda: librosa.feature.chroma_cqt(C=C, sr=sr),
        "chroma_cens": lambda: librosa.feature.chroma_cens(C=C, sr=sr),
        "mfcc": lambda: mfcc,
        "mfcc_delta": lambda: _delta(mfcc, order=1),
        "mfcc_delta2": lambda: _delta(mfcc, order=2),
    }
    return {name: compute[name]() for name in wanted}


def pool_frames(frames: dict[str, np.ndarray]) -> pd.Series:
    """Reduce frame-level features to their mean and std over frames.
    Taught in chapter 02 (Hand-made features).

    Parameters
    ----------
    frames : dict of str to np.ndarray
        Features of shape ``(n_coefficients, n_frames)``, as returned by
        :func:`frame_features`.

    Returns
    -------
    pd.Series
        Float values in the order of ``frames`` and, within a feature, by coefficient with the
        mean before the std. A one-row feature gives ``<name>_mean`` and ``<name>_std``; row
        ``i`` (from 1) of a multi-row one gives ``<name>_<ii>_mean`` and ``<name>_<ii>_std``,
        e.g. ``mfcc_01_mean``.
    """
    summary = {}
    for name, values in frames.items():
        for i, row in enumerate(values, start=1):
            stem = name if len(values) == 1 else f"{name}_{i:02d}"
            summary[f"{stem}_mean"] = row.mean()
            summary[f"{stem}_std"] = row.std()
    return pd.Series(summary, dtype=float)


def _n_rows(name: str, n_mfcc: int) -> int:
    """Rows of one frame feature: librosa's 6 contrast bands + 1, 12 chroma, n_mfcc."""
    if name == "contrast":
        return 7
    if name.startswith("chroma"):
        return 12
    return n_mfcc if name in _MFCC_FEATURES else 1


def columns(feature_set: str | Sequence[str] = "all", *, n_mfcc: int = N_MFCC) -> list[str]:
    """Names of the summary columns a feature set produces, without computing anything.
    Taught in chapter 02 (Hand-made features).

    Use it to pick one set's columns out of ``extract(df, "all")``.

    Parameters
    ----------
    feature_set : str or sequence of str
        A key of ``FEATURE_SETS`` or a sequence of feature names.
    n_mfcc : int
        Number of MFCCs (and of each delta order).

    Returns
    -------
    list of str
        The column names, in the order :func:`pool_frames` gives them.
    """
    names = []
    for name in _resolve_set(feature_set):
        rows = _n_rows(name, n_mfcc)
        for i in range(1, rows + 1):
            stem = name if rows == 1 else f"{name}_{i:02d}"
            names += [f"{stem}_mean", f"{stem}_std"]
    return names


def cache_dir() -> Path:
    """Return the folder voicelab caches into.
    Taught in chapter 02 (Hand-made features).

    Returns
    -------
    Path
        ``$VOICELAB_CACHE`` if that environment variable is set, else ``~/.cache/voicelab``.
        The folder may not exist yet.
    """
    env = os.environ.get("VOICELAB_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "voicelab"


_user_cache_dir = cache_dir  # extract's ``cache_dir`` argument shadows the function


def _resolve_set(feature_set: str | Sequence[str]) -> tuple[str, ...]:
    """Turn a ``FEATURE_SETS`` key, or a sequence of feature names, into checked names."""
    if isinstance(feature_set, str):
        if feature_set not in FEATURE_SETS:
            raise ValueError(
                f"Unknown feature_set {feature_set!r}. Choose one of {', '.join(FEATURE_SETS)}, "
                f"or pass a tuple of feature names from: {', '.join(ALL_FEATURES)}."
            )
        feature_set = FEATURE_SETS[feature_set]
    return _check_names(feature_set)


def _cache_key(names: tuple[str, ...], sr: int, params: dict[str, int]) -> str:
    """Short hash of all that changes the numbers: versions, features, sr, params."""
    spec = {
        "version": FEATURES_VERSION,
        "librosa": librosa.__version__,
        "features": sorted(names),
        "sr": sr,
        **params,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, as hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_entry(path: Path) -> pd.Series | None:
    """Read one cached summary; ``None`` if it is missing or unreadable."""
    try:
        with np.load(path) as entry:
            columns, values = entry["columns"], entry["values"]
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None
    if columns.shape != values.shape:
        return None
    return pd.Series(values, index=columns.tolist(), dtype=float)


def _write_entry(path: Path, summary: pd.Series) -> None:
    """Write one summary atomically: a temporary file in the same folder, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, columns=summary.index.to_numpy(dtype=str), values=summary.to_numpy())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def extract(
    df: pd.DataFrame,
    feature_set: str | Sequence[str] = "all",
    *,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    sr: int = SR,
    **params: int,
) -> pd.DataFrame:
    """Summary features of every clip in a table, cached on disk.
    Taught in chapter 02 (Hand-made features).

    Each clip is loaded once with :func:`voicelab.audio.load`, all requested features are
    computed in one pass (:func:`frame_features`, then :func:`pool_frames`) and the summary is
    saved to ``<cache_dir>/features/<key>/<sha256>.npz``. ``key`` is a short hash of
    ``FEATURES_VERSION``, the librosa version, the feature names, ``sr`` and the parameters, so changing any of
    them computes afresh, while a re-run with the same settings only reads the cache. Entries
    are written atomically, an unreadable entry is recomputed, and nothing is written next to
    the audio.

    Parameters
    ----------
    df : pd.DataFrame
        One row per clip with a ``path`` column and, ideally, a ``sha256`` column of the
        file contents (computed from the file when absent), as from
        :func:`voicelab.data.load_corpus`.
    feature_set : str or sequence of str, default "all"
        A key of ``FEATURE_SETS`` or a sequence of names from ``ALL_FEATURES``.
    cache_dir : str or path-like, optional
        Cache root; defaults to :func:`cache_dir`.
    progress : bool, default True
        Show a progress bar.
    sr : int, default SR
        Sampling rate the clips are loaded (and resampled) at.
    **params : int
        ``frame_length``, ``hop_length`` and/or ``n_mfcc``, passed to :func:`frame_features`.

    Returns
    -------
    pd.DataFrame
        Index of ``df``, one float column per entry of :func:`pool_frames`.

    Raises
    ------
    ValueError
        If ``feature_set`` is unknown.
    TypeError
        If ``params`` holds anything other than ``frame_length``, ``hop_length``, ``n_mfcc``.
    """
    names = _resolve_set(feature_set)
    unknown = sorted(set(params) - set(_PARAMS))
    if unknown:
        raise TypeError(f"Unknown parameters {unknown}; extract accepts {', '.join(_PARAMS)}.")
    params = {"frame_length": FRAME_LENGTH, "hop_length": HOP_LENGTH, "n_mfcc": N_MFCC} | {
        name: int(value) for name, value in params.items()
    }
    root = _user_cache_dir() if cache_dir is None else Path(cache_dir)
    folder = root / "features" / _cache_key(names, sr, params)
    folder.mkdir(parents=True, exist_ok=True)
    shas = df["sha256"] if "sha256" in df else df["path"].map(_file_sha256)
    rows = []
    clips = tqdm(zip(df["path"], shas), total=len(df), desc="features", disable=not progress)
    for path, sha in clips:
        entry = folder / f"{sha}.npz"
        summary = _read_entry(entry)
        if summary is None:
            y, _ = load(path, sr=sr)
            # One BLAS thread: the numbers then do not depend on the machine's core count
            # or on which chapter filled the cache first.
            with threadpool_limits(1):
                summary = pool_frames(frame_features(y, sr, names=names, **params))
            _write_entry(entry, summary)
        rows.append(summary)
    return pd.DataFrame(rows, index=df.index, dtype=float)


class SummaryFeatures(TransformerMixin, BaseEstimator):
    """Scikit-learn transformer from audio file paths to summary features.
    Taught in chapter 02 (Hand-made features).

    ``transform`` runs :func:`extract` (without a progress bar), so a pipeline can start
    from file paths, e.g. ``make_pipeline(SummaryFeatures("mfcc"), StandardScaler(),
    LogisticRegression())``. Fitting learns nothing: it only records the output column names.

    Parameters
    ----------
    feature_set : str or sequence of str, default "all"
        A key of ``FEATURE_SETS`` or a sequence of names from ``ALL_FEATURES``.
    sr : int, default SR
        Sampling rate the clips are loaded at.
    frame_length, hop_length, n_mfcc : int
        Passed to :func:`frame_features`.
    cache : bool, default True
        Use the feature cache in :func:`cache_dir`; if False every call computes afresh
        (into a throwaway folder).

    Attributes
    ----------
    feature_names_out_ : np.ndarray of str
        Output column names, set by ``fit``.
    """

    def __init__(
        self,
        feature_set: str | Sequence[str] = "all",
        sr: int = SR,
        frame_length: int = FRAME_LENGTH,
        hop_length: int = HOP_LENGTH,
        n_mfcc: int = N_MFCC,
        cache: bool = True,
    ) -> None:
        self.feature_set = feature_set
        self.sr = sr
        self.frame_length = frame_length
        self.hop_length = hop_length
        self.n_mfcc = n_mfcc
        self.cache = cache

    def _params(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in _PARAMS}

    def fit(
        self, X: Sequence[str | os.PathLike] | pd.DataFrame, y: object = None
    ) -> SummaryFeatures:
        """Record the output column names; ``X`` and ``y`` are not used.

        Parameters
        ----------
        X : sequence of paths or pd.DataFrame
            Ignored.
        y : object, optional
            Ignored.

        Returns
        -------
        SummaryFeatures
            ``self``.
        """
        names = columns(self.feature_set, n_mfcc=self.n_mfcc)
        self.feature_names_out_ = np.asarray(names, dtype=object)
        return self

    def transform(self, X: Sequence[str | os.PathLike] | pd.DataFrame) -> np.ndarray:
        """Summary features of each file.

        Parameters
        ----------
        X : sequence of paths or pd.DataFrame
            Audio files, or a table with a ``path`` (and optionally ``sha256``) column.

        Returns
        -------
        np.ndarray
            Shape ``(n_files, n_features)``, float64.
        """
        check_is_fitted(self, "feature_names_out_")
        df = X if isinstance(X, pd.DataFrame) else pd.DataFrame({"path": [str(p) for p in X]})
        kwargs = dict(progress=False, sr=self.sr, **self._params())
        if self.cache:
            table = extract(df, self.feature_set, **kwargs)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                table = extract(df, self.feature_set, cache_dir=tmp, **kwargs)
        return table.to_numpy(dtype=float)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Output column names, as :func:`pool_frames` names them.

        Parameters
        ----------
        input_features : object, optional
            Ignored (the input is file paths).

        Returns
        -------
        np.ndarray of str
        """
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_
