"""Tests for voicelab.evaluate on small synthetic data shaped like the corpus: 60 sentences
(groups) x 2 speakers (classes) x 2 takes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import metrics as skm
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from voicelab.evaluate import (
    METRICS,
    bootstrap_ci,
    grouped_cv,
    out_of_fold_proba,
    seed_mean_interval,
    summarize,
    threshold_for,
)

N_GROUPS = 60


def corpus_like(
    n_groups: int = N_GROUPS,
    *,
    signal: float = 0.5,
    sentence: float = 0.0,
    noise: float = 1.0,
    n_features: int = 5,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, y, groups with 4 rows per group (2 classes x 2 takes), classes in feature 0.

    X = class signal + ``sentence`` * (a component shared by the two takes of one class in
    one group: how this speaker said this sentence) + ``noise`` * independent noise. With a
    large ``sentence`` and small ``noise`` the other take is a clip's nearest neighbour, so
    a random split leaks the answer while a grouped split does not."""
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), 4)
    y = np.tile([0, 0, 1, 1], n_groups)
    shared = np.repeat(rng.standard_normal((2 * n_groups, n_features)), 2, axis=0)
    X = sentence * shared + noise * rng.standard_normal((len(y), n_features))
    X[:, 0] += signal * y
    return X, y, groups


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """LogisticRegression that remembers the rows it was fitted on (via a feature 0 index)."""

    seen: list[np.ndarray] = []

    def fit(self, X, y):
        RecordingClassifier.seen.append(np.asarray(X)[:, 0].astype(int))
        self._lr = LogisticRegression().fit(np.asarray(X)[:, 1:], y)
        self.classes_ = self._lr.classes_
        return self

    def predict_proba(self, X):
        return self._lr.predict_proba(np.asarray(X)[:, 1:])


@pytest.fixture(scope="module")
def data():
    return corpus_like()


def test_metrics_equal_sklearn():
    rng = np.random.default_rng(1)
    for trial in range(20):
        n = int(rng.integers(5, 80))
        y = rng.integers(0, 2, n)
        if y.min() == y.max():
            y[0] = 1 - y[0]
        p = np.round(rng.random(n), 1)  # ties, and exact 0, 0.5 and 1
        labels = (p > 0.5).astype(int)
        expected = {
            "accuracy": skm.accuracy_score(y, labels),
            "balanced_accuracy": skm.balanced_accuracy_score(y, labels),
            "f1": skm.f1_score(y, labels, zero_division=0.0),
            "roc_auc": skm.roc_auc_score(y, p),
            "log_loss": skm.log_loss(y, p, labels=[0, 1]),
            "brier": skm.brier_score_loss(y, p),
        }
        assert set(expected) == set(METRICS)
        for name, value in expected.items():
            assert METRICS[name](y, p) == pytest.approx(value, rel=1e-12, abs=1e-12), name
    assert np.isnan(METRICS["roc_auc"](np.ones(4, int), np.linspace(0, 1, 4)))
    assert METRICS["f1"](np.zeros(4, int), np.zeros(4)) == 0.0


def test_grouped_cv_shape_and_sklearn_reference(data):
    X, y, groups = data
    model = LogisticRegression()
    scores = grouped_cv(model, X, y, groups, n_splits=5, n_repeats=3, seed=7)
    assert list(scores.columns) == [
        "repeat", "fold", "n_test",
        "accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss", "brier",
    ]
    assert len(scores) == 15
    assert_array_equal(scores["repeat"], np.repeat([0, 1, 2], 5))
    assert_array_equal(scores["fold"], np.tile(range(5), 3))
    assert (scores.groupby("repeat")["n_test"].sum() == len(y)).all()
    assert not hasattr(model, "coef_"), "the model passed in must stay unfitted"
    for r in range(3):
        cv = GroupKFold(n_splits=5, shuffle=True, random_state=7 + r)
        mine = scores[scores["repeat"] == r]
        for scoring, column in (("accuracy", "accuracy"), ("roc_auc", "roc_auc"),
                                ("neg_log_loss", "log_loss"),
                                ("neg_brier_score", "brier")):
            ref = cross_val_score(model, X, y, groups=groups, cv=cv, scoring=scoring)
            assert_allclose(np.abs(ref), mine[column], rtol=1e-9, err_msg=scoring)
        for fold, (train, test) in enumerate(cv.split(X, y, groups)):
            p = clone(model).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
            row = mine[mine["fold"] == fold].iloc[0]
            assert row["n_test"] == len(test)
            assert row["log_loss"] == pytest.approx(skm.log_loss(y[test], p))
            assert row["brier"] == pytest.approx(skm.brier_score_loss(y[test], p))
            assert row["f1"] == pytest.approx(skm.f1_score(y[test], p > 0.5))


def test_grouped_folds_never_share_a_group(data):
    X, y, groups = data
    rows = np.arange(len(y))
    RecordingClassifier.seen = []
    scores = grouped_cv(
        RecordingClassifier(), np.column_stack([rows, X]), y, groups, n_repeats=2,
        metrics=("accuracy",),
    )
    assert len(RecordingClassifier.seen) == len(scores) == 10
    for train in RecordingClassifier.seen:
        test = np.setdiff1d(rows, train)
        assert not set(groups[train]) & set(groups[test])
        assert len(np.unique(groups[test])) == N_GROUPS // 5
    # The random split, by contrast, puts takes of one sentence on both sides.
    RecordingClassifier.seen = []
    grouped_cv(RecordingClassifier(), np.column_stack([rows, X]), y, None, n_repeats=1,
               metrics=("accuracy",))
    train = RecordingClassifier.seen[0]
    assert set(groups[train]) & set(groups[np.setdiff1d(rows, train)])


def test_deterministic_and_seed_matters(data):
    X, y, groups = data
    model = LogisticRegression()
    a = grouped_cv(model, X, y, groups, n_repeats=2, seed=3)
    b = grouped_cv(model, X, y, groups, n_repeats=2, seed=3)
    c = grouped_cv(model, X, y, groups, n_repeats=2, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    # Repeat r of seed s is repeat r - 1 of seed s + 1.
    pd.testing.assert_frame_equal(
        a[a["repeat"] == 1].drop(columns="repeat").reset_index(drop=True),
        c[c["repeat"] == 0].drop(columns="repeat").reset_index(drop=True),
    )


def test_random_split_is_optimistic_when_groups_leak():
    X, y, groups = corpus_like(40, signal=0.3, sentence=2.0, noise=0.2)
    model = KNeighborsClassifier(n_neighbors=1)
    grouped = grouped_cv(model, X, y, groups, n_repeats=3, metrics=("accuracy",))
    random = grouped_cv(model, X, y, None, n_repeats=3, metrics=("accuracy",))
    assert grouped["accuracy"].mean() < 0.7
    assert random["accuracy"].mean() > grouped["accuracy"].mean() + 0.2


def test_accepts_dataframe_list_and_string_labels(data):
    X, y, groups = data
    speakers = np.where(y == 1, "slt", "clb")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    ref = grouped_cv(LogisticRegression(), X, y, groups, n_repeats=1)
    for X_in, y_in, g_in in (
        # Sentence ids sort like the integers, so the folds are the same.
        (frame, pd.Series(speakers), pd.Series([f"s{g:03d}" for g in groups])),
        (list(X), list(speakers), list(groups)),
    ):
        got = grouped_cv(LogisticRegression(), X_in, y_in, g_in, n_repeats=1)
        assert_allclose(got["accuracy"], ref["accuracy"])
        assert_allclose(got["log_loss"], ref["log_loss"])


def test_summarize(data):
    X, y, groups = data
    scores = grouped_cv(LogisticRegression(), X, y, groups, n_repeats=4)
    summary = summarize(scores)
    assert list(summary.index) == list(METRICS)
    assert list(summary.columns) == ["mean", "std", "low", "high", "n"]
    acc = scores["accuracy"]
    assert summary.loc["accuracy", "mean"] == pytest.approx(acc.mean())
    assert summary.loc["accuracy", "std"] == pytest.approx(np.std(acc, ddof=1))
    repeat_means = acc.groupby(scores["repeat"]).mean()
    assert summary.loc["accuracy", "low"] == pytest.approx(np.percentile(repeat_means, 2.5))
    assert summary.loc["accuracy", "high"] == pytest.approx(np.percentile(repeat_means, 97.5))
    assert (summary["low"] <= summary["mean"] + 1e-12).all()
    assert (summary["n"] == 20).all()
    one = summarize(scores[scores["repeat"] == 0])
    assert one.loc["accuracy", "low"] == pytest.approx(one.loc["accuracy", "high"])
    with_nan = scores.assign(roc_auc=[np.nan] + list(scores["roc_auc"][1:]))
    assert summarize(with_nan).loc["roc_auc", "n"] == 19


def test_out_of_fold_proba_matches_first_repeat(data):
    X, y, groups = data
    model = LogisticRegression()
    proba = out_of_fold_proba(model, X, y, groups, seed=5)
    assert proba.shape == (len(y),) and np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    scores = grouped_cv(model, X, y, groups, n_repeats=1, seed=5)
    cv = GroupKFold(n_splits=5, shuffle=True, random_state=5)
    for fold, (train, test) in enumerate(cv.split(X, y, groups)):
        ref = clone(model).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        assert_allclose(proba[test], ref)
        assert scores.loc[fold, "accuracy"] == pytest.approx(
            METRICS["accuracy"](y[test], proba[test])
        )
    assert_array_equal(out_of_fold_proba(model, X, y, groups, seed=5), proba)


def test_input_errors(data):
    X, y, groups = data
    model = LogisticRegression()
    with pytest.raises(ValueError, match="n_splits"):
        grouped_cv(model, X, y, groups, n_splits=1)
    with pytest.raises(AssertionError, match="two classes"):
        grouped_cv(model, X, y % 1, groups)
    with pytest.raises(KeyError):
        grouped_cv(model, X, y, groups, metrics=("accuracy", "precision"))
    with pytest.raises(AssertionError, match="repeat"):
        summarize(pd.DataFrame({"accuracy": [0.5]}))


def _scores(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.tile([0, 1], n // 2)
    p = np.clip(0.5 + (y - 0.5) * 0.4 + 0.3 * rng.standard_normal(n), 0, 1)
    return y, p, np.arange(n) // 4


def test_bootstrap_ci_basics():
    y, p, groups = _scores(240)
    for name in METRICS:
        point, low, high = bootstrap_ci(y, p, name, n_boot=300)
        assert point == pytest.approx(METRICS[name](y, p))
        assert low < point < high, name
    assert bootstrap_ci(y, p, "roc_auc", n_boot=300) == bootstrap_ci(
        y, p, "roc_auc", n_boot=300
    )
    point, low, high = bootstrap_ci(y, p, skm.roc_auc_score, n_boot=100)
    assert point == pytest.approx(skm.roc_auc_score(y, p))
    _, low90, high90 = bootstrap_ci(y, p, "accuracy", n_boot=300, level=0.9)
    _, low95, high95 = bootstrap_ci(y, p, "accuracy", n_boot=300, level=0.95)
    assert low95 <= low90 and high90 <= high95


def test_bootstrap_ci_narrower_with_more_data():
    small = bootstrap_ci(*_scores(80)[:2], "accuracy", n_boot=500)
    large = bootstrap_ci(*_scores(2000)[:2], "accuracy", n_boot=500)
    assert large[2] - large[1] < 0.5 * (small[2] - small[1])


def test_bootstrap_ci_keeps_groups_whole():
    n = 120
    y, _, groups = _scores(n)
    rng = np.random.default_rng(0)
    groups = rng.permutation(groups)  # members of a group need not be adjacent
    seen = []

    def record(y_true, y_score):
        seen.append(y_score.astype(int))
        return float(np.mean(y_true))

    bootstrap_ci(y, np.arange(n, dtype=float), record, groups=groups, n_boot=50)
    assert len(seen) == 51  # the point estimate, then the resamples
    assert_array_equal(seen[0], np.arange(n))
    assert all(len(rows) == n for rows in seen)  # 30 groups of 4 drawn each time
    for rows in seen[1:]:
        counts = np.bincount(rows, minlength=n)
        for g in np.unique(groups):
            assert len(set(counts[groups == g])) == 1  # all members drawn equally often
    seen.clear()
    bootstrap_ci(y, np.arange(n, dtype=float), record, n_boot=50)
    whole = [
        all(len(set(np.bincount(rows, minlength=n)[groups == g])) == 1
            for g in np.unique(groups))
        for rows in seen[1:]
    ]
    assert not any(whole), "row resampling should split groups"


def test_bootstrap_cluster_interval_wider_when_groups_are_correlated():
    # All 4 clips of a group share one outcome: the clips are not independent evidence.
    rng = np.random.default_rng(0)
    right = np.repeat(rng.random(60) < 0.8, 4)
    y = np.tile([0, 1], 120)
    p = np.where(right, y, 1 - y).astype(float)
    groups = np.arange(240) // 4
    _, lo_rows, hi_rows = bootstrap_ci(y, p, "accuracy", n_boot=500)
    _, lo_groups, hi_groups = bootstrap_ci(y, p, "accuracy", groups=groups, n_boot=500)
    assert hi_groups - lo_groups > 1.5 * (hi_rows - lo_rows)


def test_bootstrap_ci_matches_a_plain_loop():
    y, p, groups = _scores(60, seed=2)
    point, low, high = bootstrap_ci(y, p, "roc_auc", groups=groups, n_boot=200, seed=4)
    rng = np.random.default_rng(4)
    ids = np.unique(groups)
    draws = rng.integers(0, len(ids), size=(200, len(ids)))
    values = [skm.roc_auc_score(y[rows], p[rows]) if len(set(y[rows])) == 2 else np.nan
              for rows in (np.concatenate([np.flatnonzero(groups == ids[g]) for g in d])
                           for d in draws)]
    assert point == pytest.approx(skm.roc_auc_score(y, p))
    assert_allclose([low, high], np.nanpercentile(values, [2.5, 97.5]), rtol=1e-12)


def test_threshold_for_meets_its_constraint():
    y, p, _ = _scores(400, seed=3)
    for max_fpr in (0.0, 0.01, 0.05, 0.2, 1.0):
        t = threshold_for(y, p, max_fpr=max_fpr)
        accept = p >= t
        fpr, tpr = accept[y == 0].mean(), accept[y == 1].mean()
        assert fpr <= max_fpr
        # No threshold with an allowed FPR has a higher TPR.
        for other in np.unique(p):
            a = p >= other
            if a[y == 0].mean() <= max_fpr:
                assert a[y == 1].mean() <= tpr
    for min_tpr in (0.0, 0.5, 0.9, 0.99, 1.0):
        t = threshold_for(y, p, min_tpr=min_tpr)
        accept = p >= t
        fpr, tpr = accept[y == 0].mean(), accept[y == 1].mean()
        assert tpr >= min_tpr
        for other in np.unique(p):
            a = p >= other
            if a[y == 1].mean() >= min_tpr:
                assert a[y == 0].mean() >= fpr
    with pytest.raises(ValueError, match="exactly one"):
        threshold_for(y, p)
    with pytest.raises(ValueError, match="exactly one"):
        threshold_for(y, p, max_fpr=0.1, min_tpr=0.9)


def test_seed_mean_interval_is_the_bootstrap_of_the_mean_over_runs():
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1])
    groups = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    probas = [np.array([0.2, 0.6, 0.7, 0.9, 0.1, 0.8, 0.4, 0.3]),
              np.array([0.1, 0.4, 0.8, 0.6, 0.3, 0.9, 0.2, 0.7])]
    point, low, high = seed_mean_interval(y, probas, "accuracy", groups=groups,
                                         n_boot=500, seed=1)
    assert point == pytest.approx(np.mean([0.75, 1.0]))
    assert low <= point <= high
    single = bootstrap_ci(y, probas[1], "accuracy", groups=groups, n_boot=500, seed=1)
    assert seed_mean_interval(y, probas[1:], "accuracy", groups=groups,
                              n_boot=500, seed=1) == pytest.approx(single)
