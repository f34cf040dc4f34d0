"""Telling your own speakers apart: check a recordings folder, evaluate a model on it
by sentence, say "unknown" when unsure, and read it as a verification system.

Chapter 13 writes most of these functions in a cell; this module holds the same code,
which the ``voicelab`` command (:mod:`voicelab.cli`) runs on your folder. Taught in
chapter 13 (Your own voices).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.stats import norm
from sklearn.base import clone
from sklearn.metrics import DetCurveDisplay, det_curve
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from voicelab import audio, conditions, data, features

__all__ = [
    "MIN_SECONDS", "MIN_SENTENCES", "UNKNOWN", "HARDER", "check_folder",
    "grouped_proba", "confidence_threshold", "name_or_unknown", "verification_trials",
    "equal_error_rate", "plot_det", "mfcc_vectors", "condition_accuracy",
]

MIN_SECONDS = 1.0  # shorter clips are refused: a failed recording, or too little voice
MIN_SENTENCES = 20  # fewer per speaker: a warning, the numbers become too uncertain
UNKNOWN = "unknown"  # what a prediction below the confidence threshold says
HARDER = ("pink 10 dB", "telephone", "babble 5 dB")  # chapter 12's conditions, tried here


# check_folder and its two helpers are written out in chapter 13, verbatim.
def check_folder(
    root: str | os.PathLike, *, min_seconds: float = MIN_SECONDS, progress: bool = True
) -> pd.DataFrame:
    """Every problem of a recordings folder with what to do, one row per problem.
    Taught in chapter 13 (Your own voices).

    Each file is decoded with :func:`voicelab.audio.load` (clips shorter than
    ``min_seconds`` are errors); when no file is an error, the folder is read with
    :func:`voicelab.data.load_folder` and the table is checked too. Columns:
    ``severity`` ("error" stops training, "warning" weakens the numbers), ``where`` (a
    file or folder, relative to ``root``) and ``problem``. Files are only read.
    """
    root = Path(root)
    if not root.is_dir():
        problem = "is not a folder: pass the one that holds a subfolder per speaker."
        return pd.DataFrame([("error", str(root), problem)],
                            columns=["severity", "where", "problem"])
    files = sorted(p for p in root.glob("*/*")
                   if p.is_file() and not p.name.startswith(".")
                   and not p.parent.name.startswith("."))
    rows, rates = [], {}
    for path in tqdm(files, desc="check", disable=not progress):
        where = path.relative_to(root).as_posix()
        problem, rates[where] = _file_problem(path, min_seconds)
        if problem:
            rows.append(problem)
    loose = sorted(p.name for p in root.iterdir() if p.is_file()
                   and p.suffix.lower() in data.AUDIO_EXTENSIONS)
    if loose:
        rows.append(("warning", ".", f"{len(loose)} audio files outside any speaker's "
                     f"folder are ignored, e.g. {loose[0]}: move them into one."))
    if not any(severity == "error" for severity, _, _ in rows):
        try:
            table = data.load_folder(root)
        except ValueError as err:
            message = str(err).replace(str(root.resolve()), str(root))
            rows.append(("error", ".", message))
        else:
            rows += _table_problems(table, rates)
    return pd.DataFrame(rows, columns=["severity", "where", "problem"])


def _file_problem(path: Path, min_seconds: float) -> tuple[tuple | None, int]:
    """The problem of one file (or None) and its sample rate (0 when unreadable)."""
    where = path.relative_to(path.parents[1]).as_posix()
    if path.suffix.lower() not in data.AUDIO_EXTENSIONS:
        return ("error", where, f"is not a {'/'.join(data.AUDIO_EXTENSIONS)} file: "
                f"convert it (`ffmpeg -i {path.name} {path.stem}.wav`) or move it "
                "out of the folder."), 0
    try:
        y, sr = audio.load(path, sr=None, min_duration=min_seconds)
    except audio.AudioError as err:
        return ("error", where, str(err).replace(f"'{path}' ", "")), 0
    if np.max(np.abs(y)) >= 0.999:
        return ("warning", where, "reaches full scale (clipping): lower the input "
                "gain, or move away from the microphone, and record it again."), sr
    return None, sr


def _table_problems(table: pd.DataFrame, rates: dict[str, int]) -> list[tuple]:
    """Warnings about the recordings as a whole: too few, missing, one take, devices."""
    rows = []
    everything = set(table["sentence_id"])
    device = pd.Series([f"{rates[f] / 1000:g} kHz {Path(f).suffix.lower()}"
                        for f in table["file"]], index=table.index)
    for speaker, clips in table.groupby("speaker"):
        read = set(clips["sentence_id"])
        if len(read) < MIN_SENTENCES:
            rows.append(("warning", speaker, f"reads {len(read)} different sentences: "
                         f"record at least {MIN_SENTENCES} for numbers you can trust."))
        if everything - read:
            missing = sorted(everything - read)
            rows.append(("warning", speaker, f"has not read {len(missing)} sentences "
                         f"the others read, e.g. {missing[0]}: record them, or a model "
                         "may learn what is said instead of who says it."))
        single = int((clips.groupby("sentence_id").size() == 1).sum())
        if single:
            rows.append(("warning", speaker, f"has one take of {single} sentences: "
                         "record a second take, on another day if you can."))
        own = set(device[clips.index])
        if not own & set(device[table["speaker"] != speaker]):
            rows.append(("warning", speaker, "was recorded only with rates or formats "
                         f"no one else used ({', '.join(sorted(own))}): a model can "
                         "learn the device instead of the voice. Record everyone with "
                         "the same device and settings."))
    return rows


def grouped_proba(
    model: Any, X: Any, y: Any, groups: Any, *, n_splits: int = 5,
    n_repeats: int = 5, seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Repeated sentence-grouped cross-validation for any number of speakers.
    Taught in chapter 13 (Your own voices).

    ``y`` holds labels ``0 .. K-1``, ``groups`` each clip's sentence; the folds (at most
    one per sentence) are those of :func:`voicelab.evaluate.grouped_cv`. Returns the
    accuracy of every (repeat, fold), for :func:`voicelab.evaluate.summarize`, and the
    out-of-fold probabilities of the first repeat: one row per clip, one column per
    label.
    """
    X, y, groups = np.asarray(X), np.asarray(y), np.asarray(groups)
    n_splits = min(n_splits, len(np.unique(groups)))
    rows, first = [], None
    for repeat in range(n_repeats):
        proba = np.zeros((len(y), y.max() + 1))
        folds = GroupKFold(n_splits, shuffle=True, random_state=seed + repeat)
        for fold, (train, test) in enumerate(folds.split(X, y, groups)):
            fitted = clone(model).fit(X[train], y[train])
            proba[np.ix_(test, fitted.classes_)] = fitted.predict_proba(X[test])
            accuracy = np.mean(proba[test].argmax(axis=1) == y[test])
            rows.append({"repeat": repeat, "fold": fold, "accuracy": accuracy})
        first = proba if first is None else first
    return pd.DataFrame(rows), first


def confidence_threshold(proba: Any, y: Any, *, keep: float = 0.95) -> float:
    """The confidence below which a prediction says "unknown", chosen on validation.
    Taught in chapter 13 (Your own voices).

    A prediction's confidence is its highest probability. The threshold is the highest
    one that keeps at least ``keep`` of the correct answers among the validation
    probabilities ``proba`` (one row per clip) of clips labelled ``y``.
    """
    proba, y = np.asarray(proba), np.asarray(y)
    correct = np.sort(proba.max(axis=1)[proba.argmax(axis=1) == y])[::-1]
    assert correct.size, "no correct validation answer: the model has learned nothing"
    n_kept = int(np.ceil(round(keep * correct.size, 9)))  # round: 0.95 * 20 is 19
    return float(correct[n_kept - 1])


def name_or_unknown(proba: Any, speakers: Any, threshold: float) -> np.ndarray:
    """The most probable speaker of each clip, or ``UNKNOWN`` below ``threshold``.
    Taught in chapter 13 (Your own voices).

    ``proba`` has one row per clip and one column per name in ``speakers``.
    """
    proba = np.asarray(proba)
    names = np.asarray(speakers, dtype=object)[proba.argmax(axis=1)]
    return np.where(proba.max(axis=1) >= threshold, names, UNKNOWN)


def verification_trials(proba: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every (clip, speaker) pair as a verification trial: its score and whether the
    clip is that speaker's. Taught in chapter 13 (Your own voices).

    ``proba`` has one row per clip and one column per speaker; ``y`` holds the labels.
    """
    proba = np.asarray(proba)
    targets = np.asarray(y)[:, None] == np.arange(proba.shape[1])
    return proba.ravel(), targets.ravel()


def equal_error_rate(proba: Any, y: Any) -> tuple[float, float]:
    """The equal error rate of the verification trials, and its threshold.
    Taught in chapter 13 (Your own voices).

    The mean of the false-accept and miss rates where they are closest; ``proba`` and
    ``y`` as for :func:`verification_trials`.
    """
    scores, targets = verification_trials(proba, y)
    false_accepts, misses, thresholds = det_curve(targets, scores)
    i = np.argmin(np.abs(false_accepts - misses))
    return float((false_accepts[i] + misses[i]) / 2), float(thresholds[i])


def plot_det(proba: Any, y: Any, *, ax: Axes | None = None, name: str | None = None,
             title: str = "DET curve of the verification trials") -> Axes:
    """The DET curve of the verification trials, on normal-deviate axes, EER marked.
    Taught in chapter 13 (Your own voices).

    ``proba`` and ``y`` as for :func:`verification_trials`; ``name`` labels the curve.
    """
    scores, targets = verification_trials(proba, y)
    ax = DetCurveDisplay.from_predictions(targets, scores, ax=ax, name=name).ax_
    eer, _ = equal_error_rate(proba, y)
    if 0 < eer < 1:
        ax.plot(norm.ppf(eer), norm.ppf(eer), "ko", label=f"EER {eer:.3f}")
    ax.set(title=title, xlabel="False accepts (share of other speakers' trials)",
           ylabel="Misses (share of own trials)")
    ax.legend(loc="upper right")
    return ax


def mfcc_vectors(clips: Sequence[np.ndarray], sr: int = audio.SR) -> np.ndarray:
    """The 40 MFCC statistics of ``features.extract(..., "mfcc")``, of clips in memory.
    Taught in chapter 13 (Your own voices).
    """
    names = features.FEATURE_SETS["mfcc"]
    with threadpool_limits(1):
        rows = [features.pool_frames(features.frame_features(y, sr, names=names))
                for y in clips]
    return pd.DataFrame(rows)[features.columns("mfcc")].to_numpy()


def condition_accuracy(
    predict_proba: Callable[[list[np.ndarray]], np.ndarray], clips: Sequence[np.ndarray],
    y: Any, *, names: Sequence[str] = HARDER,
) -> pd.Series:
    """Accuracy on ``clips`` as recorded and made harder by chapter 12's conditions.
    Taught in chapter 13 (Your own voices).

    ``predict_proba`` maps a list of 16 kHz clips to one row of probabilities per clip;
    ``names`` are :data:`voicelab.conditions.CONDITIONS`. Clip ``i`` is degraded with
    seed ``i``, so the same call gives the same numbers.
    """
    talkers = conditions.load_talkers()
    y = np.asarray(y)
    scores = {}
    for name in ("clean", *names):
        harder = [conditions.apply(name, c, seed=i, talkers=talkers)
                  for i, c in enumerate(clips)]
        scores[name] = float(np.mean(np.asarray(predict_proba(harder)).argmax(1) == y))
    return pd.Series(scores, name="accuracy")
