"""Honest evaluation of a two-class model: repeated grouped cross-validation and its spread,
out-of-fold probabilities, bootstrap intervals and operating thresholds.

The clips of the corpus are not independent: both speakers read the same sentences, twice.
A model tested on a sentence it was trained on can score by recognising the sentence (or
the nearly identical other take) instead of the voice, so every split here keeps all clips
of a group (a sentence) on one side, and every number comes with its spread over splits or
a bootstrap interval; training accuracy is never reported. Taught in chapter 03 (Classical
machine learning).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from scipy.stats import rankdata
from sklearn.metrics import roc_curve
from sklearn.model_selection import GroupKFold, StratifiedKFold

__all__ = [
    "METRICS",
    "LOSSES",
    "grouped_cv",
    "summarize",
    "out_of_fold_proba",
    "bootstrap_ci",
    "threshold_for",
]

Metric = Callable[[np.ndarray, np.ndarray], float]
_INDEX_COLUMNS = ("repeat", "fold", "n_test")
_SUMMARY_COLUMNS = ("mean", "std", "low", "high", "n")


def _labels(y_score: np.ndarray) -> np.ndarray:
    """Hard labels at threshold 0.5, as ``predict`` makes them: positive when p > 0.5."""
    return (np.asarray(y_score) > 0.5).astype(int)


def _accuracy(y_true: np.ndarray, y_score: np.ndarray) -> float:
    return float(np.mean(y_true == _labels(y_score)))


def _balanced_accuracy(y_true: np.ndarray, y_score: np.ndarray) -> float:
    positive = y_true == 1
    if positive.all() or not positive.any():
        return float("nan")  # undefined with one class; summarize skips NaN
    correct = y_true == _labels(y_score)
    return float((correct[positive].mean() + correct[~positive].mean()) / 2)


def _f1(y_true: np.ndarray, y_score: np.ndarray) -> float:
    predicted = _labels(y_score) == 1
    tp = np.sum(predicted & (y_true == 1))
    wrong = np.sum(predicted != (y_true == 1))  # false positives + false negatives
    return float(2 * tp / (2 * tp + wrong)) if tp + wrong else 0.0


def _roc_auc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    positive = y_true == 1
    n_pos = int(positive.sum())
    n_neg = len(y_true) - n_pos
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
"""Metrics by name, each ``f(y_true, y_score) -> float`` with ``y_true`` in {0, 1} and
``y_score`` the probability of class 1; label metrics use ``y_score > 0.5``. They equal
``sklearn.metrics`` (``accuracy_score``, ``balanced_accuracy_score``, ``f1_score``,
``roc_auc_score``, ``log_loss``, ``brier_score_loss``) and are written out in numpy so
that the bootstrap is fast; the tests check the agreement. ``balanced_accuracy`` and
``roc_auc`` are NaN when ``y_true`` holds one class."""
LOSSES = frozenset({"log_loss", "brier"})
"""The metrics of :data:`METRICS` for which lower is better."""


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else len(X)


def _take(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of an array, a DataFrame/Series or a plain sequence (e.g. of paths)."""
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    if hasattr(X, "tocsr"):  # scipy sparse
        return X.tocsr()[idx]
    if isinstance(X, np.ndarray) or hasattr(X, "__array__"):
        return np.asarray(X)[idx]
    return [X[i] for i in idx]


def _check_metric_names(metrics: Sequence[str]) -> tuple[str, ...]:
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise ValueError(
            f"Unknown or missing metric names {unknown}. Valid names are: "
            f"{', '.join(METRICS)}."
        )
    if len(set(metrics)) != len(metrics):
        raise ValueError(f"metrics {metrics} name a metric twice.")
    return metrics


def _check_int(name: str, value: Any, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_inputs(
    X: Any, y: Any, groups: Any, n_splits: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """Validate the data; return y, y as 0/1 (1 = the larger label), groups, classes."""
    n = _n_rows(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be one label per row, shape (n,), got shape {y.shape}.")
    if len(y) != n:
        raise ValueError(f"X has {n} rows but y has {len(y)} labels: give one label per row.")
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(
            f"y must hold exactly two classes (this module evaluates binary models), "
            f"got {classes.size}: {classes[:5].tolist()}."
        )
    y01 = (y == classes[1]).astype(int)
    if groups is None:
        smallest = int(np.bincount(y01).min())
        if smallest < n_splits:
            raise ValueError(
                f"The rarer class has {smallest} rows, fewer than n_splits={n_splits}: "
                "lower n_splits."
            )
        return y, y01, None, classes
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n:
        raise ValueError(
            f"groups must give one group (e.g. the sentence_id) per row: X has {n} rows, "
            f"groups has shape {groups.shape}."
        )
    if pd.isna(groups).any():
        raise ValueError("groups contains missing values: give every row a group.")
    n_groups = np.unique(groups).size
    if n_groups < n_splits:
        raise ValueError(
            f"Grouped CV needs at least as many groups as folds: there are {n_groups} "
            f"distinct groups for n_splits={n_splits}. Lower n_splits, or use more "
            "sentences."
        )
    return y, y01, groups, classes


def _splits(
    y01: np.ndarray, groups: np.ndarray | None, n_splits: int, seed: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The folds of one repeat: GroupKFold with shuffled groups, or StratifiedKFold."""
    if groups is None:
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        return cv.split(np.zeros(len(y01)), y01)
    try:
        cv = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    except TypeError as err:  # scikit-learn < 1.6
        raise ImportError(
            "voicelab.evaluate needs scikit-learn >= 1.6 for GroupKFold(shuffle=True): "
            "upgrade it with `pip install -U scikit-learn`."
        ) from err
    return cv.split(np.zeros(len(y01)), y01, groups)


def _fit_proba(
    model: Any,
    X: Any,
    y: np.ndarray,
    classes: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    where: str,
) -> np.ndarray:
    """Fit a clone of ``model`` on ``train``; return P(class ``classes[1]``) on ``test``."""
    present = np.unique(y[train])
    if present.size != 2:
        raise ValueError(
            f"The training part of {where} holds only class {present.tolist()}: each "
            "training part needs both classes. Groups must not coincide with the labels "
            "(group by sentence, not by speaker)."
        )
    fitted = clone(model).fit(_take(X, train), y[train])
    proba = np.asarray(fitted.predict_proba(_take(X, test)))
    column = list(fitted.classes_).index(classes[1])
    return proba[:, column].astype(float)


def _check_model(model: Any) -> None:
    if not hasattr(model, "fit") or not hasattr(model, "predict_proba"):
        raise TypeError(
            f"{type(model).__name__} has no fit/predict_proba: use a probabilistic "
            "scikit-learn classifier (e.g. LogisticRegression), or wrap it in "
            "sklearn.calibration.CalibratedClassifierCV."
        )


def grouped_cv(
    model: Any,
    X: Any,
    y: Any,
    groups: Any,
    *,
    n_splits: int = 5,
    n_repeats: int = 5,
    seed: int = 0,
    metrics: Sequence[str] = (
        "accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss", "brier",
    ),
) -> pd.DataFrame:
    """Score a classifier by repeated cross-validation that keeps each group on one side.
    Taught in chapter 03 (Classical machine learning).

    For every repeat ``r`` in ``range(n_repeats)`` the rows are cut into ``n_splits`` folds
    by ``GroupKFold(n_splits, shuffle=True, random_state=seed + r)``: the groups (e.g. the
    ``sentence_id`` of each clip) are shuffled and dealt into folds, so all clips of a
    sentence, both speakers and both takes, are tested together by a model that never
    heard that sentence. Each fold is scored by a fresh ``sklearn.base.clone`` of
    ``model`` fitted on the other folds; the metrics are computed from
    ``predict_proba[:, 1]``, with label metrics at threshold 0.5 (positive when the
    probability is above 0.5, as ``predict`` does).

    With ``groups=None`` the folds come from ``StratifiedKFold(n_splits, shuffle=True,
    random_state=seed + r)`` instead: a random split that puts the takes of a sentence on
    both sides. That is the leaky protocol; it is here only to measure how optimistic it
    is, never to report a result.

    The result is deterministic for a fixed ``seed`` as long as ``model`` itself is (give
    it a fixed ``random_state`` if it has one).

    Parameters
    ----------
    model : scikit-learn classifier
        Unfitted estimator (or pipeline) with ``fit`` and ``predict_proba``; it is cloned,
        never fitted in place.
    X : array-like, DataFrame or sequence
        One row per clip: a feature matrix, a table, or e.g. a list of paths for a
        pipeline that starts with ``voicelab.features.SummaryFeatures``.
    y : array-like of shape (n,)
        Two classes; the larger label (e.g. 1 = ``"slt"``) is the positive class.
    groups : array-like of shape (n,) or None
        Group of each row, e.g. ``df["sentence_id"]``; ``None`` for the leaky random
        split.
    n_splits : int, default 5
        Folds per repeat; at most the number of groups.
    n_repeats : int, default 5
        Repeats, each with a different shuffle of the groups.
    seed : int, default 0
        Repeat ``r`` uses ``random_state=seed + r``.
    metrics : sequence of str
        Names from :data:`METRICS`; ``log_loss`` and ``brier`` are losses (lower is
        better), the others scores (higher is better).

    Returns
    -------
    pd.DataFrame
        One row per (repeat, fold) with columns ``repeat``, ``fold``, ``n_test`` (rows in
        the test fold) and one column per metric. ``roc_auc`` and ``balanced_accuracy``
        are NaN for a test fold holding a single class. Pass it to :func:`summarize`.

    Raises
    ------
    ValueError
        If lengths disagree, ``y`` does not hold exactly two classes, there are fewer
        groups than folds, a training part lacks a class, or a metric name is unknown.
    TypeError
        If ``model`` has no ``predict_proba``.
    """
    _check_model(model)
    metrics = _check_metric_names(metrics)
    n_splits = _check_int("n_splits", n_splits, 2)
    n_repeats = _check_int("n_repeats", n_repeats, 1)
    seed = _check_int("seed", seed, 0)
    y, y01, groups, classes = _check_inputs(X, y, groups, n_splits)
    rows = []
    for repeat in range(n_repeats):
        for fold, (train, test) in enumerate(_splits(y01, groups, n_splits, seed + repeat)):
            where = f"fold {fold} of repeat {repeat}"
            proba = _fit_proba(model, X, y, classes, train, test, where)
            row: dict[str, Any] = {"repeat": repeat, "fold": fold, "n_test": len(test)}
            for name in metrics:
                row[name] = METRICS[name](y01[test], proba)
            rows.append(row)
    return pd.DataFrame(rows, columns=[*_INDEX_COLUMNS, *metrics])


def summarize(scores: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Reduce the per-fold scores of :func:`grouped_cv` to a mean, a spread and an interval.
    Taught in chapter 03 (Classical machine learning).

    For each metric: ``mean`` and ``std`` (``ddof=1``) of all fold scores over all repeats,
    and ``low``/``high``, the 2.5th and 97.5th percentiles (for ``level=0.95``) of the
    per-repeat means (the plain mean of a repeat's folds). This spread is the variation of
    the estimate over different random splits of the same 240 clips: it tells how much the
    number depends on the luck of the split, and whether two models differ by more than
    that. It is not a confidence interval for the accuracy on new speakers' recordings or
    new sentences: the folds share training data and the clips come from one corpus. With
    few repeats the percentiles sit close to the smallest and largest repeat mean, and with
    one repeat ``low == high == mean``. Use :func:`bootstrap_ci` on out-of-fold predictions
    for a sampling interval. NaN scores (e.g. ``roc_auc`` of a single-class fold) are
    skipped.

    Parameters
    ----------
    scores : pd.DataFrame
        Output of :func:`grouped_cv`: a ``repeat`` column and one column per metric
        (``fold`` and ``n_test`` are ignored).
    level : float, default 0.95
        Coverage of the percentile interval of the per-repeat means.

    Returns
    -------
    pd.DataFrame
        Index = metric names (in the column order of ``scores``); columns ``mean``,
        ``std``, ``low``, ``high`` and ``n`` (number of non-NaN fold scores behind them).
        Ready for ``voicelab.results.record``.

    Raises
    ------
    ValueError
        If ``scores`` is not a table of :func:`grouped_cv` shape, or ``level`` is not in
        (0, 1).
    """
    if not isinstance(scores, pd.DataFrame) or "repeat" not in scores.columns:
        raise ValueError(
            "scores must be the DataFrame returned by grouped_cv (with a 'repeat' column "
            f"and one column per metric), got {type(scores).__name__}."
        )
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95, got {level!r}.")
    names = [c for c in scores.columns if c not in _INDEX_COLUMNS]
    if not names or scores.empty:
        raise ValueError("scores holds no metric columns or no rows: run grouped_cv first.")
    bad = [c for c in names if not pd.api.types.is_numeric_dtype(scores[c])]
    if bad:
        raise ValueError(f"columns {bad} of scores are not numeric metric scores.")
    tail = 100 * (1 - level) / 2
    rows = {}
    for name in names:
        values = scores[name].astype(float)
        per_repeat = values.groupby(scores["repeat"]).mean().dropna().to_numpy()
        low, high = (
            np.percentile(per_repeat, [tail, 100 - tail]) if per_repeat.size else (np.nan,) * 2
        )
        rows[name] = {
            "mean": values.mean(),
            "std": values.std(ddof=1),
            "low": float(low),
            "high": float(high),
            "n": int(values.notna().sum()),
        }
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(_SUMMARY_COLUMNS))
    out["n"] = out["n"].astype(int)
    out.index.name = "metric"
    return out


def out_of_fold_proba(
    model: Any,
    X: Any,
    y: Any,
    groups: Any,
    *,
    n_splits: int = 5,
    seed: int = 0,
) -> np.ndarray:
    """Predict every clip's probability with a model that never saw its group.
    Taught in chapter 03 (Classical machine learning).

    One pass of the folds of :func:`grouped_cv` (the same folds as its repeat 0 for the
    same ``seed``): each fold is predicted by a clone of ``model`` fitted on the others.
    Every row thus gets an honest score, for ROC, precision-recall and calibration curves
    and for listening to the clips the model gets wrong. ``groups=None`` gives the leaky
    random split, as in :func:`grouped_cv`. The probabilities of different folds come from
    different models, so pooled curves mix five models; that is the usual compromise.

    Parameters
    ----------
    model : scikit-learn classifier
        Unfitted estimator with ``predict_proba``.
    X : array-like, DataFrame or sequence
        One row per clip.
    y : array-like of shape (n,)
        Two classes; the larger label is the positive class.
    groups : array-like of shape (n,) or None
        Group of each row, e.g. ``df["sentence_id"]``.
    n_splits : int, default 5
        Number of folds.
    seed : int, default 0
        ``random_state`` of the fold shuffle.

    Returns
    -------
    np.ndarray
        Shape ``(n,)``, float: probability of the positive class for each row, in the
        order of ``X``.

    Raises
    ------
    ValueError, TypeError
        As :func:`grouped_cv`.
    """
    _check_model(model)
    n_splits = _check_int("n_splits", n_splits, 2)
    seed = _check_int("seed", seed, 0)
    y, y01, groups, classes = _check_inputs(X, y, groups, n_splits)
    proba = np.full(len(y), np.nan)
    for fold, (train, test) in enumerate(_splits(y01, groups, n_splits, seed)):
        proba[test] = _fit_proba(model, X, y, classes, train, test, f"fold {fold}")
    return proba


def _binary(y_true: Any, name: str) -> np.ndarray:
    y_true = np.asarray(y_true)
    values = set(np.unique(y_true).tolist())
    if y_true.ndim != 1 or not values <= {0, 1}:
        raise ValueError(
            f"{name} needs y_true as 0/1 labels of shape (n,) (1 = the positive class), "
            f"got shape {y_true.shape} and values {sorted(values, key=str)[:5]}."
        )
    return y_true.astype(int)


def bootstrap_ci(
    y_true: Any,
    y_score: Any,
    metric: str | Metric,
    *,
    groups: Any = None,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Percentile bootstrap interval of a metric of fixed predictions.
    Taught in chapter 03 (Classical machine learning).

    The rows are resampled with replacement ``n_boot`` times and the metric recomputed on
    each resample; the interval is the ``(1 - level) / 2`` and ``(1 + level) / 2``
    percentiles of those values. It describes how much the metric would move with a
    different sample of test clips, for these fixed predictions (typically the output of
    :func:`out_of_fold_proba`); the model is not refitted. With ``groups``, whole groups
    are resampled (a cluster bootstrap): the takes of one sentence are not independent
    evidence, and resampling them one by one would give too narrow an interval. Resamples
    on which the metric is undefined (NaN, e.g. ROC AUC with one class) are dropped.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels; 0/1 for a named metric.
    y_score : array-like of shape (n,)
        Probability (or score) of the positive class.
    metric : str or callable
        A name from :data:`METRICS`, or ``f(y_true, y_score) -> float``.
    groups : array-like of shape (n,), optional
        Group of each row, e.g. ``df["sentence_id"]``; whole groups are resampled.
    n_boot : int, default 2000
        Number of resamples.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    level : float, default 0.95
        Coverage of the interval.

    Returns
    -------
    tuple of float
        ``(point, low, high)``: the metric on all rows, and the interval.

    Raises
    ------
    ValueError
        If lengths disagree, ``y_true`` is not 0/1 for a named metric, the metric name is
        unknown, or every resample gives NaN.
    """
    if isinstance(metric, str):
        name = _check_metric_names((metric,))[0]
        func, y_true = METRICS[name], _binary(y_true, "bootstrap_ci")
    elif callable(metric):
        func, y_true = metric, np.asarray(y_true)
    else:
        raise ValueError(
            f"metric must be a name ({', '.join(METRICS)}) or a callable "
            f"f(y_true, y_score), got {metric!r}."
        )
    y_score = np.asarray(y_score, dtype=float)
    if y_score.shape != (len(y_true),):
        raise ValueError(
            f"y_true has {len(y_true)} rows but y_score has shape {y_score.shape}: give one "
            "score per row."
        )
    n_boot = _check_int("n_boot", n_boot, 1)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95, got {level!r}.")
    if groups is None:
        members = [np.array([i]) for i in range(len(y_true))]
    else:
        groups = np.asarray(groups)
        if groups.shape != (len(y_true),):
            raise ValueError(
                f"groups has shape {groups.shape} for {len(y_true)} rows: give one group "
                "per row."
            )
        _, inverse = np.unique(groups, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        members = np.split(order, np.cumsum(np.bincount(inverse))[:-1])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(members), size=(n_boot, len(members)))
    values = np.empty(n_boot)
    with warnings.catch_warnings():  # a callable's warnings would repeat n_boot times
        warnings.simplefilter("ignore", UserWarning)
        point = float(func(y_true, y_score))
        for b, chosen in enumerate(draws):
            idx = np.concatenate([members[g] for g in chosen])
            values[b] = func(y_true[idx], y_score[idx])
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise ValueError("The metric is NaN on every resample: check y_true and y_score.")
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return point, float(low), float(high)


def threshold_for(
    y_true: Any,
    y_score: Any,
    *,
    max_fpr: float | None = None,
    min_tpr: float | None = None,
) -> float:
    """Choose the decision threshold for an operating constraint on the ROC curve.
    Taught in chapter 03 (Classical machine learning).

    Accept (predict positive) when ``y_score >= threshold``. With ``max_fpr`` (a voice
    unlock: false accepts are costly) the threshold gives the highest true-positive rate
    whose false-positive rate is at most ``max_fpr``. With ``min_tpr`` (an assistant that
    should rarely miss its user) it gives the lowest false-positive rate whose true-positive
    rate is at least ``min_tpr``. Ties are broken towards the other rate (lower FPR, resp.
    higher TPR). Candidates are the thresholds of ``sklearn.metrics.roc_curve``. Choose it
    on out-of-fold scores, and expect the rates on new data to differ somewhat.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        0/1 labels, 1 = the positive class (the speaker to accept).
    y_score : array-like of shape (n,)
        Score of the positive class, e.g. from :func:`out_of_fold_proba`.
    max_fpr : float, optional
        Largest allowed false-positive rate, in [0, 1].
    min_tpr : float, optional
        Smallest allowed true-positive rate, in [0, 1].

    Returns
    -------
    float
        The threshold; ``inf`` (accept nothing) when only that meets ``max_fpr``.

    Raises
    ------
    ValueError
        If not exactly one of ``max_fpr`` and ``min_tpr`` is given, it lies outside
        [0, 1], or ``y_true`` is not 0/1 with both classes present.
    """
    if (max_fpr is None) == (min_tpr is None):
        raise ValueError(
            "Give exactly one of max_fpr (cap on false accepts) and min_tpr (floor on "
            "correct accepts)."
        )
    bound = max_fpr if max_fpr is not None else min_tpr
    if not isinstance(bound, numbers.Real) or not 0 <= bound <= 1:
        raise ValueError(f"max_fpr / min_tpr must be a rate in [0, 1], got {bound!r}.")
    y_true = _binary(y_true, "threshold_for")
    y_score = np.asarray(y_score, dtype=float)
    if y_score.shape != y_true.shape:
        raise ValueError(
            f"y_true has shape {y_true.shape} but y_score has shape {y_score.shape}."
        )
    if np.unique(y_true).size != 2:
        raise ValueError("y_true must contain both classes to define FPR and TPR.")
    fpr, tpr, thresholds = roc_curve(y_true, y_score, drop_intermediate=False)
    if max_fpr is not None:
        ok = np.flatnonzero(fpr <= max_fpr)  # never empty: the first point has fpr 0
        best = ok[np.lexsort((fpr[ok], -tpr[ok]))[0]]
    else:
        ok = np.flatnonzero(tpr >= min_tpr)  # never empty: the last point has tpr 1
        best = ok[np.lexsort((-tpr[ok], fpr[ok]))[0]]
    return float(thresholds[best])
