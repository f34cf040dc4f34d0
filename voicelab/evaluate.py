"""Honest evaluation of a two-class model: repeated sentence-grouped cross-validation
and its spread, out-of-fold probabilities, cluster-bootstrap intervals and thresholds.

Both speakers read the same sentences twice, so clips are not independent: every split
here keeps the clips of a group (a sentence) on one side. Taught in chapter 03 (Telling
two voices apart with classical ML).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.metrics import roc_curve
from sklearn.model_selection import GroupKFold, StratifiedKFold

from voicelab._util import check_int

__all__ = [
    "METRICS", "grouped_cv", "summarize", "out_of_fold_proba", "bootstrap_ci",
    "seed_mean_interval", "threshold_for",
]

Metric = Callable[[np.ndarray, np.ndarray], float]


# Metrics of (y_true in {0, 1}, y_score = probability of class 1), written in numpy so
# that the bootstrap is fast; the tests check them against sklearn.metrics. Label
# metrics decide "class 1" when the probability is above 0.5, as ``predict`` does.
def _accuracy(y_true: np.ndarray, y_score: np.ndarray) -> float:
    return float(np.mean(y_true == (y_score > 0.5)))


def _balanced_accuracy(y_true: np.ndarray, y_score: np.ndarray) -> float:
    positive, correct = y_true == 1, y_true == (y_score > 0.5)
    if positive.all() or not positive.any():
        return float("nan")  # undefined with one class
    return float((correct[positive].mean() + correct[~positive].mean()) / 2)


def _f1(y_true: np.ndarray, y_score: np.ndarray) -> float:
    predicted, positive = y_score > 0.5, y_true == 1
    tp, wrong = np.sum(predicted & positive), np.sum(predicted != positive)
    return float(2 * tp / (2 * tp + wrong)) if tp + wrong else 0.0


def _roc_auc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    positive = y_true == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    # Mann-Whitney: the chance that a random positive outscores a random negative.
    ranks = rankdata(y_score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _log_loss(y_true: np.ndarray, y_score: np.ndarray) -> float:
    eps = np.finfo(float).eps
    p = np.clip(np.asarray(y_score, dtype=float), eps, 1 - eps)
    return float(-np.mean(np.where(y_true == 1, np.log(p), np.log1p(-p))))


def _brier(y_true: np.ndarray, y_score: np.ndarray) -> float:
    return float(np.mean((np.asarray(y_score, dtype=float) - y_true) ** 2))


METRICS: dict[str, Metric] = {
    "accuracy": _accuracy,
    "balanced_accuracy": _balanced_accuracy,
    "f1": _f1,
    "roc_auc": _roc_auc,
    "log_loss": _log_loss,
    "brier": _brier,
}
"""Metrics by name, each ``f(y_true, y_score) -> float``; ``log_loss`` and ``brier``
are losses (lower is better). ``roc_auc`` and ``balanced_accuracy`` are NaN for one
class."""


def _rows(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of a DataFrame, an array or a list (e.g. of paths)."""
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    if hasattr(X, "__array__"):
        return np.asarray(X)[idx]
    return [X[i] for i in idx]


def _as_01(y: Any) -> np.ndarray:
    """Two labels as 0/1, 1 for the larger one (1 = ``"slt"``)."""
    y = np.asarray(y)
    classes = np.unique(y)
    assert classes.size == 2, f"y must hold two classes, got {classes[:5].tolist()}"
    return (y == classes[1]).astype(int)


def _folds(
    y01: np.ndarray, groups: Any, n_splits: int, seed: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """A repeat's folds: shuffled groups dealt out, or a random split (groups=None)."""
    if groups is None:
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=seed)
    else:
        cv = GroupKFold(n_splits, shuffle=True, random_state=seed)
    return cv.split(np.zeros(len(y01)), y01, groups)


def _fit_proba(
    model: Any, X: Any, y01: np.ndarray, train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    """P(class 1) on ``test`` from a clone of ``model`` fitted on ``train``."""
    fitted = clone(model).fit(_rows(X, train), y01[train])
    return np.asarray(fitted.predict_proba(_rows(X, test)))[:, 1].astype(float)


def grouped_cv(
    model: Any,
    X: Any,
    y: Any,
    groups: Any,
    *,
    n_splits: int = 5,
    n_repeats: int = 5,
    seed: int = 0,
    metrics: Sequence[str] = tuple(METRICS),
) -> pd.DataFrame:
    """Score a classifier by repeated cross-validation that keeps each group together.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Parameters
    ----------
    model : scikit-learn classifier
        Unfitted, with ``predict_proba``; a fresh clone is fitted for every fold.
    X : DataFrame, array or list
        One row per clip.
    y : array-like
        Two labels; the larger one (1 = ``"slt"``) is the positive class.
    groups : array-like or None
        Group of each row (``corpus["sentence_id"]``); None gives the leaky random split
        of clips (``StratifiedKFold``), only to measure its optimism.
    n_splits, n_repeats, seed : int
        Repeat ``r`` deals the shuffled groups into ``n_splits`` folds with
        ``random_state=seed + r``.
    metrics : sequence of str
        Names from :data:`METRICS`.

    Returns
    -------
    pd.DataFrame
        One row per (repeat, fold): ``repeat``, ``fold``, ``n_test``, then one column
        per metric.
    """
    check_int("n_splits", n_splits, 2)
    check_int("n_repeats", n_repeats, 1)
    y01 = _as_01(y)
    rows = []
    for repeat in range(n_repeats):
        folds = _folds(y01, groups, n_splits, seed + repeat)
        for fold, (train, test) in enumerate(folds):
            p = _fit_proba(model, X, y01, train, test)
            scores = {name: METRICS[name](y01[test], p) for name in metrics}
            rows.append({"repeat": repeat, "fold": fold, "n_test": len(test)} | scores)
    return pd.DataFrame(rows)


def summarize(scores: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Mean and spread of per-fold scores: over folds, and over the repeats' means.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    ``std`` is over all folds (``ddof=1``); ``low``/``high`` are percentiles of the
    per-repeat means: how much the estimate depends on the split, not a confidence
    interval for new recordings. NaN scores are skipped.

    Parameters
    ----------
    scores : pd.DataFrame
        As :func:`grouped_cv` returns it: a ``repeat`` column and one column per metric
        (``fold`` and ``n_test`` are ignored).
    level : float, default 0.95
        Coverage of the percentile range of the repeat means.

    Returns
    -------
    pd.DataFrame
        Index = metric; columns ``mean``, ``std``, ``low``, ``high`` and ``n`` (the
        number of scores used).
    """
    assert "repeat" in scores, "scores needs a 'repeat' column, as grouped_cv returns"
    tail = 100 * (1 - level) / 2
    rows = {}
    for name in scores.columns.drop(["repeat", "fold", "n_test"], errors="ignore"):
        values = scores[name].astype(float)
        repeat_means = values.groupby(scores["repeat"]).mean().dropna().to_numpy()
        low, high = (np.percentile(repeat_means, [tail, 100 - tail])
                     if repeat_means.size else (np.nan, np.nan))
        rows[name] = {"mean": values.mean(), "std": values.std(ddof=1),
                      "low": float(low), "high": float(high),
                      "n": int(values.notna().sum())}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("metric")


def out_of_fold_proba(
    model: Any, X: Any, y: Any, groups: Any, *, n_splits: int = 5, seed: int = 0
) -> np.ndarray:
    """Every clip's probability of class 1 from a model that never saw its group.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    The folds are those of :func:`grouped_cv`'s first repeat for the same ``seed``.

    Parameters
    ----------
    model, X, y, groups, n_splits, seed
        As in :func:`grouped_cv`.

    Returns
    -------
    np.ndarray
        Shape ``(n,)``, in the order of ``X``.
    """
    y01 = _as_01(y)
    proba = np.full(len(y01), np.nan)
    for train, test in _folds(y01, groups, check_int("n_splits", n_splits, 2), seed):
        proba[test] = _fit_proba(model, X, y01, train, test)
    return proba


def bootstrap_ci(
    y_true: np.ndarray,
    y_score: np.ndarray,
    metric: str | Callable,
    *,
    groups: np.ndarray | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """A metric of fixed predictions and its percentile interval over resampled groups.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Parameters
    ----------
    y_true, y_score : np.ndarray
        0/1 labels and the probability of class 1, one per clip.
    metric : str or callable
        A name from ``METRICS``, or any ``f(y_true, y_score) -> float``.
    groups : np.ndarray, optional
        Group of each clip (its sentence): whole groups are drawn. None: single clips.
    n_boot, seed, level
        Number of resamples, seed of the generator, coverage of the interval.

    Returns
    -------
    tuple of float
        ``(point, low, high)``: the metric on all clips, and the interval.
    """
    score = METRICS[metric] if isinstance(metric, str) else metric
    y_true, y_score = np.asarray(y_true), np.asarray(y_score, dtype=float)
    if groups is None:
        groups = np.arange(len(y_true))
    _, group_of = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(group_of == g) for g in range(group_of.max() + 1)]
    point = float(score(y_true, y_score))
    rng = np.random.default_rng(seed)
    values = []
    for drawn in rng.integers(0, len(members), size=(n_boot, len(members))):
        rows = np.concatenate([members[g] for g in drawn])
        values.append(score(y_true[rows], y_score[rows]))
    tail = 100 * (1 - level) / 2
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return point, float(low), float(high)


def seed_mean_interval(
    y_true: np.ndarray, probas: Sequence[np.ndarray], metric: str, *,
    groups: np.ndarray, n_boot: int = 2000, seed: int = 0,
) -> tuple[float, float, float]:
    """Mean of ``metric`` over several runs' scores, and its cluster-bootstrap interval.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Every run is scored on the same resampled clips: the interval is that of the mean.
    """
    y_true = np.asarray(y_true)

    def mean_over_runs(_, rows):
        idx = rows.astype(int)
        return np.mean([METRICS[metric](y_true[idx], p[idx]) for p in probas])

    return bootstrap_ci(y_true, np.arange(len(y_true), dtype=float), mean_over_runs,
                        groups=groups, n_boot=n_boot, seed=seed)


def threshold_for(
    y_true: Any,
    y_score: Any,
    *,
    max_fpr: float | None = None,
    min_tpr: float | None = None,
) -> float:
    """The decision threshold that meets one constraint on the ROC curve.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Accept when ``y_score >= threshold``. ``max_fpr``: the highest true-positive rate
    whose false-positive rate is at most ``max_fpr`` (voice unlock). ``min_tpr``: the
    lowest false-positive rate whose true-positive rate is at least ``min_tpr``
    (assistant). Ties go to the better other rate.

    Parameters
    ----------
    y_true, y_score : array-like
        0/1 labels (1 = the speaker to accept) and scores, e.g. out-of-fold
        probabilities.
    max_fpr, min_tpr : float, optional
        Exactly one of them, a rate in [0, 1].

    Returns
    -------
    float
        The threshold; ``inf`` (accept nothing) when only that meets ``max_fpr``.
    """
    if (max_fpr is None) == (min_tpr is None):
        raise ValueError("Give exactly one of max_fpr and min_tpr.")
    fpr, tpr, thresholds = roc_curve(y_true, y_score, drop_intermediate=False)
    if max_fpr is not None:
        ok = np.flatnonzero(fpr <= max_fpr)  # never empty: the first point has fpr 0
        best = ok[np.lexsort((fpr[ok], -tpr[ok]))[0]]
    else:
        ok = np.flatnonzero(tpr >= min_tpr)  # never empty: the last point has tpr 1
        best = ok[np.lexsort((-tpr[ok], fpr[ok]))[0]]
    return float(thresholds[best])
