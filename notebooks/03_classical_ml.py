# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Telling two voices apart with classical ML
#
# **Time:** about 90 minutes (the notebook runs in about 2 minutes).
#
# **By the end you can:**
#
# - fit a logistic regression in a scikit-learn pipeline, and recompute its probabilities,
#   log loss and gradient by hand;
# - measure a model with sentence-grouped cross-validation, and show where a random split
#   of clips overstates the accuracy;
# - tune hyperparameters and choose features on training sentences only (nested
#   cross-validation), then test once;
# - say what a random forest's probability is, and check it against its trees;
# - read a confusion matrix, ROC, precision-recall and reliability curves, and pick a
#   threshold for a use;
# - put a cluster-bootstrap interval over sentences around a test score.
#
# **Where this sits:** after {doc}`02_features`, before {doc}`04_micrograd`. It starts the
# course's results table, which later chapters extend.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %% [markdown]
# ## From features to a decision
#
# In {doc}`02_features` you turned every clip into a fixed-length vector. A *classifier*
# maps it to the speaker who read the clip. You fit it on *training* clips, and judge it
# on *test* clips it has never seen.
#
# The student report behind this course fitted a logistic regression to four numbers per
# clip, tuned it, tested it on one random split, and compared a random forest. This
# chapter keeps the models and fixes the measuring: scikit-learn *pipelines*
# {cite}`pedregosa2011scikit`, so that nothing learned from test clips reaches training;
# splits by **sentence**; choices on training sentences; every score with its spread.
#
# `slt` is the *positive* class (label 1) and `clb` the negative class (label 0), as in
# `voicelab.data.SPEAKERS`.

# %%
from collections.abc import Callable

import librosa
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.signal
from sklearn.base import clone
from sklearn.calibration import calibration_curve
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score, classification_report, log_loss, pairwise_distances,
    precision_recall_curve, roc_curve,
)
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm import tqdm  # on stderr: the book drops it

from voicelab import audio, data, evaluate, features, results, viz
from voicelab.evaluate import METRICS
from voicelab.glue import glue

threadpool_limits(1)  # one thread: faster for problems this small, and repeatable
corpus = data.load_corpus()
labels = corpus["label"].to_numpy()
groups = corpus["sentence_id"].to_numpy()
print(f"{len(corpus)} clips, {corpus['sentence_id'].nunique()} sentences, "
      f"speakers {data.SPEAKERS} = labels (0, 1)")

# %% [markdown]
# The features come from the cache of {doc}`02_features` (a fresh machine computes them
# here).

# %% tags=["nbval-ignore-output"]
X_all = features.extract(corpus, "all")

# %%
sets = {name: features.columns(name) for name in ("report4", "spectral", "mfcc", "all")}
print("X_all:", X_all.shape, "(clips, features)")
for name, names in sets.items():
    print(f"{name:9s} {len(names):4d} numbers")
print("the report's four:", sets["report4"])

# %% [markdown]
# ## Logistic regression
#
# Logistic regression squashes a weighted sum of a clip's features into a probability. For
# a feature vector $\mathbf{x}$ with weights $\mathbf{w}$ and a bias $b$,
#
# $$
# p(\text{slt} \mid \mathbf{x}) = \sigma(\mathbf{w} \cdot \mathbf{x} + b),
# \qquad \sigma(z) = \frac{1}{1 + e^{-z}} .
# $$ (eq-03-logistic)
#
# The *sigmoid* $\sigma$ maps any real number into $(0, 1)$, with $\sigma(0) = 1/2$, so
# the model predicts `slt` when $\mathbf{w} \cdot \mathbf{x} + b > 0$: the decision
# boundary is a flat plane (a *hyperplane*).
#
# Fitting means choosing $\mathbf{w}$ and $b$. For $n$ training clips with labels
# $y_i \in \{0, 1\}$ and predicted probabilities $p_i$, the *log loss* (binary
# cross-entropy) is
#
# $$
# L = -\frac{1}{n} \sum_{i=1}^{n}
#     \big[ y_i \log p_i + (1 - y_i) \log (1 - p_i) \big] .
# $$ (eq-03-log-loss)
#
# Each clip costs $-\log$ of the probability the model gave its true speaker: nothing if
# it was certain and right, a lot if it was certain and wrong. Always saying one half
# costs $\log 2$, about {glue:text}`log2:.3f`. scikit-learn minimises the summed loss plus
# a *penalty* on large weights, its strength set by $C$ and its mix by $\rho$
# (`l1_ratio`):
#
# $$
# \min_{\mathbf{w}, b} \; C \sum_{i=1}^{n} \ell_i
#   + \frac{1 - \rho}{2} \lVert \mathbf{w} \rVert_2^2
#   + \rho \lVert \mathbf{w} \rVert_1 ,
# $$ (eq-03-objective)
#
# where $\ell_i$ is clip $i$'s term of {eq}`eq-03-log-loss`. A small $C$ means a strong
# penalty. $\rho = 0$ is the L2 (ridge) penalty, $\rho = 1$ the L1 (lasso) penalty, and
# values in between the *elastic net*.
#
# ### By hand, then the library
#
# A penalty on $\lVert \mathbf{w} \rVert$ only makes sense on a shared scale, so the
# pipeline first *standardises* each feature to mean 0 and standard deviation 1, with
# statistics of the **training clips only**. Fit it on the report's four numbers of the
# training sentences (`corpus["split"]`), then recompute its probabilities with
# {eq}`eq-03-logistic` and its loss with {eq}`eq-03-log-loss`.

# %%
is_test = (corpus["split"] == "test").to_numpy()
X_train = X_all.loc[~is_test, sets["report4"]]
y_train = labels[~is_test]
model = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-8))
model.fit(X_train, y_train)

scaler, logreg = model[0], model[-1]
Z = (X_train.to_numpy() - scaler.mean_) / scaler.scale_
w, b = logreg.coef_[0], logreg.intercept_[0]
p_hand = 1 / (1 + np.exp(-(Z @ w + b)))
np.testing.assert_allclose(p_hand, model.predict_proba(X_train)[:, 1], rtol=1e-12)

loss_hand = -np.mean(y_train * np.log(p_hand) + (1 - y_train) * np.log(1 - p_hand))
np.testing.assert_allclose(loss_hand, log_loss(y_train, p_hand), rtol=1e-12)
print(f"{len(y_train)} training clips; log loss by hand = sklearn = {loss_hand:.3f} "
      f"(always one half: {np.log(2):.3f})")
glue("log2", round(np.log(2), 3))

# %% [markdown]
# Does the fit minimise {eq}`eq-03-objective`? At a minimum the gradient is zero. With
# $\rho = 0$ it is $C \sum_i (p_i - y_i)\,\mathbf{z}_i + \mathbf{w}$ for the weights, with
# $\mathbf{z}_i$ the standardised features, and $C \sum_i (p_i - y_i)$ for the
# unpenalised bias.

# %%
grad_w = logreg.C * Z.T @ (p_hand - y_train) + w
grad_b = logreg.C * np.sum(p_hand - y_train)
np.testing.assert_allclose(grad_w, 0, atol=1e-5)
np.testing.assert_allclose(grad_b, 0, atol=1e-5)
print("gradient of the penalised loss at the fitted weights is zero:",
      np.abs(np.append(grad_w, grad_b)).max() < 1e-5)

# %% [markdown]
# ### What the four weights say
#
# With standardised features, each weight is the change in the *log-odds* $\log
# \frac{p}{1-p}$ of `slt` when its feature rises by one standard deviation, the others
# fixed; positive weights push towards `slt`.

# %%
print(pd.Series(w, index=sets["report4"], name="weight").round(2).to_string())
correlations = X_train.corr()
print("correlations between the four features (training clips):")
print(correlations.round(2).to_string())
glue("rms_corr", round(correlations.loc["rms_mean", "rms_std"], 2))
glue("zcr_corr", round(correlations.loc["zcr_mean", "zcr_std"], 2))

# %% [markdown]
# The weights come in pairs of opposite sign. The RMS mean and standard deviation are
# almost the same number (correlation {glue:text}`rms_corr:.2f`): both scale with the
# recording level, random per take. Weighing one against the other cancels the level and
# keeps the loudness variation *relative to* its mean. So does the ZCR pair (correlation
# {glue:text}`zcr_corr:.2f`). Read correlated weights as a pair.

# %% [markdown]
# ## Split by sentence, not by clip
#
# The report split the clips at random. Every sentence exists four times (two speakers,
# two takes), so a random split usually puts the same speaker's *other take* of a test
# sentence into training. A model may then recognise "this sentence, as this person read
# it" instead of the voice. That is *leakage*: test information reaching training
# {cite}`kaufman2012leakage`.
#
# The cure is a *grouped* split: all clips of a sentence go to one side. `GroupKFold`
# deals the sentences into 5 folds; each fold is tested by a fresh copy of the model
# (`clone`) fitted on the other four {cite}`kohavi1995study`. One round, by hand:

# %%
logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
X = X_all[sets["report4"]]
folds = GroupKFold(n_splits=5, shuffle=True, random_state=0)
by_hand = []
for train, test in folds.split(X, labels, groups):
    assert not set(groups[train]) & set(groups[test])  # no sentence on both sides
    fitted = clone(logistic).fit(X.iloc[train], labels[train])
    by_hand.append(np.mean(fitted.predict(X.iloc[test]) == labels[test]))
one_round = evaluate.grouped_cv(logistic, X, labels, groups, n_repeats=1)
np.testing.assert_allclose(one_round["accuracy"], by_hand)
print("accuracy per fold:", np.round(by_hand, 3))

# %% [markdown]
# `voicelab.evaluate.grouped_cv` repeats this with differently shuffled sentences (5 × 5
# by default) and returns one row of scores per test fold; `evaluate.summarize` reduces
# them to a mean and a spread. With `groups=None` it makes the leaky random split instead.
# Compare both on the report's four numbers and the 40 MFCC summaries.

# %%
cv_scores = {}
rows = []
for name in ("report4", "mfcc"):
    for protocol, protocol_groups in [("random clips", None), ("by sentence", groups)]:
        scores = evaluate.grouped_cv(logistic, X_all[sets[name]], labels,
                                     protocol_groups)
        if protocol_groups is not None:
            cv_scores["logistic regression", name] = scores
        accuracy = evaluate.summarize(scores).loc["accuracy"]
        rows.append({"features": name, "split": protocol,
                     "accuracy": round(accuracy["mean"], 3),
                     "std": round(accuracy["std"], 3)})
protocols = pd.DataFrame(rows)
print(protocols.to_string(index=False))
report4_grouped = protocols["accuracy"].iloc[1]
glue("report4_grouped", report4_grouped)
glue("protocol_gap", round(abs(protocols["accuracy"].iloc[0] - report4_grouped), 3))

# %% [markdown]
# For the four numbers the protocols differ by {glue:text}`protocol_gap:.3f`, and the MFCC
# model is perfect either way. A leak needs a clip to resemble the other take of *its
# sentence* more than other clips, and whole-clip means and deviations average the
# sentence away. Check: does each clip's nearest neighbour (standardised report4 vectors)
# read the same sentence?

# %%
Z_report4 = StandardScaler().fit_transform(X_all[sets["report4"]])
distances = pairwise_distances(Z_report4)
np.fill_diagonal(distances, np.inf)
same_sentence = groups[distances.argmin(axis=1)] == groups
print(f"nearest neighbour reads the same sentence for {same_sentence.mean():.3f} "
      f"of the clips (chance: {3 / 239:.3f})")

# %% [markdown]
# ### A representation that remembers the sentence
#
# To see the leak, keep the *time course*: the frames' RMS in decibels relative to the
# clip's loudest frame, so the recording level drops out. **Cropped**: the first 1.5 s
# after the leading silence, 94 frames (`voicelab.audio.pad_or_crop`). **Stretched**: the
# whole clip resampled to 100 points, so that position 50 is mid-sentence whatever the
# speaking rate. Each curve is an *energy envelope*.

# %%
N_CROP, N_STRETCH = 94, 100
clips = [np.trim_zeros(y) for y in data.load_clips(corpus)]  # drop digital silence
cropped, stretched = [], []
for y in clips:
    rms = librosa.feature.rms(
        y=y, frame_length=features.FRAME_LENGTH, hop_length=features.HOP_LENGTH
    )[0]
    rms_db = 20 * np.log10(np.maximum(rms / rms.max(), 1e-4))  # floor at -80 dB
    cropped.append(audio.pad_or_crop(rms_db, N_CROP))
    position = np.linspace(0, len(rms_db) - 1, N_STRETCH)
    stretched.append(np.interp(position, np.arange(len(rms_db)), rms_db))
envelopes = {"cropped": np.array(cropped), "stretched": np.array(stretched)}
print({name: X.shape for name, X in envelopes.items()})

# %%
sentence = corpus["sentence_id"].iloc[0]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for ax, (name, X) in zip(axes, envelopes.items()):
    for i in np.flatnonzero(groups == sentence):
        speaker, take = corpus["speaker"].iloc[i], corpus["take"].iloc[i]
        ax.plot(X[i], color="C0" if speaker == "clb" else "C1",
                linestyle="-" if take == 1 else "--", label=f"{speaker} take {take}")
    ax.set(ylabel="Frame RMS (dB re loudest frame)", ylim=(-60, 3))
axes[0].set(title=f"Cropped: {sentence}, first 1.5 s", xlabel="Frame (16 ms hop)")
axes[1].set(title=f"Stretched: {sentence}, whole clip",
            xlabel="Position in the clip (% of its duration)")
axes[1].legend(fontsize=8, loc="lower center")
fig.tight_layout()
plt.show()

# %% [markdown]
# Cropped, the two takes drift apart as the speaking rate changes. Stretched, one
# speaker's two takes nearly coincide. Ask the nearest-neighbour question again.

# %%
representations = {"report4": Z_report4, **envelopes}
neighbours = {}
for name, X in representations.items():
    distances = pairwise_distances(X)
    np.fill_diagonal(distances, np.inf)
    nearest = distances.argmin(axis=1)
    same_sentence = groups[nearest] == groups
    same_speaker = labels[nearest] == labels
    neighbours[name] = {
        "other take, same speaker": np.mean(same_sentence & same_speaker),
        "same sentence, other speaker": np.mean(same_sentence & ~same_speaker),
        "another sentence": np.mean(~same_sentence),
    }
neighbours = pd.DataFrame(neighbours).round(3)
print("Who is each clip's nearest neighbour? (fraction of the 240 clips)")
print(neighbours.to_string())
for name in ("cropped", "stretched"):
    same, other = neighbours.loc[["other take, same speaker",
                                  "same sentence, other speaker"], name]
    glue(f"{name}_same_speaker", same)
    glue(f"{name}_other_speaker", other)
    glue(f"{name}_right_share", round(same / (same + other), 2))

# %% [markdown]
# For the stretched envelope, the nearest neighbour is nearly always the same speaker's
# other take. A *1-nearest-neighbour* classifier (1-NN), which gives each test clip its
# closest training clip's label, exploits that whenever the other take sits in training.

# %%
nearest_neighbour = KNeighborsClassifier(n_neighbors=1)
rows = []
for name in ("cropped", "stretched"):
    for protocol, protocol_groups in [("random clips", None), ("by sentence", groups)]:
        scores = evaluate.grouped_cv(nearest_neighbour, envelopes[name], labels,
                                     protocol_groups, metrics=("accuracy",))
        accuracy = evaluate.summarize(scores).loc["accuracy"]
        rows.append({"envelope": name, "split": protocol,
                     "accuracy": round(accuracy["mean"], 3),
                     "std": round(accuracy["std"], 3)})
leak = pd.DataFrame(rows)
print(leak.to_string(index=False))
gap = round(leak["accuracy"].iloc[2] - leak["accuracy"].iloc[3], 3)
print(f"optimism of the random split, stretched envelope: {gap:.3f}")
glue("leak_gap", gap)
glue("cropped_gap", round(leak["accuracy"].iloc[0] - leak["accuracy"].iloc[1], 3))

# %% [markdown]
# With the stretched envelope the random split reports an accuracy
# {glue:text}`leak_gap:.3f` higher than the grouped one: the model recognises heard
# sentences, not voices. The cropped envelope shows almost no gap
# ({glue:text}`cropped_gap:.3f`): its same-sentence neighbour is the right speaker in only
# {glue:text}`cropped_right_share:.2f` of cases (stretched:
# {glue:text}`stretched_right_share:.2f`). A random split inflates the score only when the
# leaked neighbour is *more* reliable than what the model has learned.
#
# ```{warning}
# A random split of clips is not an honest test when clips come in related groups: takes
# of one sentence, clips of one session, windows of one file. Whether the leak *shows*
# depends on the representation, which you cannot know in advance: split by group every
# time. Fitting anything (a scaler, a feature selection, a hyperparameter) on all clips
# before splitting leaks too; a pipeline inside the cross-validation prevents it.
# ```

# %% [markdown]
# ## Tuning without peeking: nested cross-validation
#
# $C$, $\rho$ and the solver are *hyperparameters*: you choose them, the fit does not. The
# report gave the score of its grid search's best combination. Picked for its score on the
# test folds, a combination makes that score optimistic: a second leak, through your
# choices {cite}`varma2006bias,cawley2010over`.
#
# ### Which combinations exist?
#
# `lbfgs` and `newton-cg` need a smooth objective, so they support only L2 (the L1 norm
# has a kink at zero); `liblinear` does L1 or L2; `saga`, a stochastic gradient method
# with a *proximal* step for the kink, does all three. A one-dictionary grid tries every
# pair, and the invalid ones fail:

# %%
for solver, l1_ratio in [("lbfgs", 1.0), ("newton-cg", 0.5), ("liblinear", 0.5)]:
    try:
        LogisticRegression(solver=solver, l1_ratio=l1_ratio).fit(X_train, y_train)
    except ValueError as err:
        print(f"{solver} with l1_ratio={l1_ratio}:\n    {err}")

# %% [markdown]
# So write the grid as a **list of dictionaries**, one per solver family with its valid
# penalties, and four values of $C$ each.

# %%
C_VALUES = [0.01, 0.1, 1.0, 10.0]
valid = [
    {"solver": ["lbfgs", "newton-cg"], "l1_ratio": [0.0]},  # L2 only
    {"solver": ["liblinear"], "l1_ratio": [0.0, 1.0]},  # L2 or L1
    {"solver": ["saga"], "l1_ratio": [0.0, 0.5, 1.0]},  # L2, elastic net, L1
]
param_grid = []
for grid in valid:
    grid = grid | {"C": C_VALUES}
    param_grid.append({f"logisticregression__{k}": v for k, v in grid.items()})
n_candidates = sum(len(g["solver"]) * len(g["l1_ratio"]) * len(C_VALUES) for g in valid)
print(f"{n_candidates} valid candidates")
glue("n_candidates", n_candidates)

# %% [markdown]
# ### Nested cross-validation
#
# *Nested* cross-validation keeps the choice inside the training data. An **outer**
# sentence-grouped split holds out one fold of sentences. On the other four, an **inner**
# 3-fold grouped search picks the hyperparameters; the chosen model is scored once on the
# held-out fold. The inner search ranks by log loss, since accuracy on about 64 clips ties
# often. The winning solver can change with the CPU, so the cell asserts the claims.

# %% tags=["nbval-ignore-output"]
X = X_all[sets["report4"]]
outer = GroupKFold(n_splits=5, shuffle=True, random_state=0)
inner = GroupKFold(n_splits=3, shuffle=True, random_state=0)
search = GridSearchCV(logistic, param_grid, cv=inner, scoring="neg_log_loss")
rows = []
for train, test in outer.split(X, labels, groups):
    search.fit(X.iloc[train], labels[train], groups=groups[train])
    default = clone(logistic).fit(X.iloc[train], labels[train])
    best = {k.split("__")[1]: v for k, v in search.best_params_.items()}
    rows.append(best | {
        "nested": np.mean(search.predict(X.iloc[test]) == labels[test]),
        "default C=1": np.mean(default.predict(X.iloc[test]) == labels[test]),
    })
nested = pd.DataFrame(rows)
print(nested.round(3).to_string())
peek = GridSearchCV(logistic, param_grid, cv=outer, scoring="accuracy")
peek.fit(X, labels, groups=groups)
print(f"nested CV (search inside training folds): {nested['nested'].mean():.3f}")
print(f"default C=1, same outer folds:            {nested['default C=1'].mean():.3f}")
print(f"best grid score on the outer test folds:  {peek.best_score_:.3f}")
assert (nested["C"] >= 1).all() and (nested["l1_ratio"] == 0).all()  # weak L2 penalty
assert abs(nested["nested"].mean() - nested["default C=1"].mean()) < 0.03
assert peek.best_score_ > nested["nested"].mean()
glue("nested_acc", round(nested["nested"].mean(), 3))
glue("default_acc", round(nested["default C=1"].mean(), 3))
glue("peek_acc", round(peek.best_score_, 3))

# %% [markdown]
# Three lessons:
#
# - The inner searches agree on a weak L2 penalty; only the solver changes, and solvers
#   are algorithms, not models.
# - Tuning barely helps here: nested {glue:text}`nested_acc:.3f` against
#   {glue:text}`default_acc:.3f` for the defaults.
# - The best candidate's score on the test folds, {glue:text}`peek_acc:.3f`, beats the
#   nested estimate. With {glue:text}`n_candidates` candidates the optimism is small; it
#   grows with larger grids, more flexible models and smaller test sets.
#
# (One repeat; the five-repeat mean was {glue:text}`report4_grouped:.3f`.) From here on
# the logistic regression keeps its defaults ($C = 1$, L2, `lbfgs`).

# %% [markdown]
# ## A random forest for comparison
#
# A *decision tree* asks yes/no questions about single features (is `zcr_std > 0.08`?)
# until each clip ends in a *leaf*; its probability of `slt` is the leaf's fraction of
# `slt` training clips. One deep tree memorises its training clips. A *random forest*
# {cite}`breiman2001random` grows many trees, each on a bootstrap resample of the clips,
# with a random subset of features at every split, and **averages the trees' leaf
# fractions**:
#
# $$
# p_\text{forest}(\text{slt} \mid \mathbf{x}) = \frac{1}{T} \sum_{t=1}^{T}
# \frac{n_{t,\text{slt}}(\mathbf{x})}{n_t(\mathbf{x})} ,
# $$ (eq-03-forest)
#
# where $n_t(\mathbf{x})$ counts the training clips in the leaf of tree $t$ that
# $\mathbf{x}$ reaches, and $n_{t,\text{slt}}(\mathbf{x})$ those that are `slt`. That is
# not the share of trees that *vote* `slt`. Check both on the test clips, for fully grown
# trees and for leaves of at least 10 clips.

# %%
X_test = X_all.loc[is_test, sets["report4"]]
for min_leaf in (1, 10):
    forest = make_pipeline(StandardScaler(), RandomForestClassifier(
        n_estimators=200, min_samples_leaf=min_leaf, random_state=0, n_jobs=1))
    forest.fit(X_train, y_train)
    Z_test = forest[0].transform(X_test)
    trees = forest[-1].estimators_
    leaf_mean = np.mean([tree.predict_proba(Z_test)[:, 1] for tree in trees], axis=0)
    vote_share = np.mean([tree.predict(Z_test) for tree in trees], axis=0)
    np.testing.assert_allclose(leaf_mean, forest.predict_proba(X_test)[:, 1],
                               rtol=1e-12)
    largest = np.abs(vote_share - leaf_mean).max()
    print(f"min_samples_leaf={min_leaf:2d}: forest = mean of leaf fractions; "
          f"largest gap to the vote share {largest:.2f}")
glue("vote_gap", round(largest, 2))

# %% [markdown]
# Pure leaves (fraction 0 or 1) make the two coincide; mixed leaves do not, here by up to
# {glue:text}`vote_gap:.2f`. Scaling does not change trees: the `StandardScaler` only
# keeps the pipelines alike. From here on the forest has 200 fully grown trees.
#
# ### Which features does the forest use?
#
# *Impurity importance* (`feature_importances_`) sums how much each feature's splits
# purified the leaves *on the training clips*. *Permutation importance* is the drop in
# accuracy on *held-out* clips when one feature's values are shuffled among them. Compute
# both in each grouped fold (those of `evaluate.out_of_fold_proba`), keeping the held-out
# probabilities.

# %%
forest = make_pipeline(
    StandardScaler(),
    RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=1),
)
X = X_all[sets["report4"]]
proba_forest = np.full(len(X), np.nan)
impurity, permutation = [], []
for train, test in outer.split(X, labels, groups):
    forest.fit(X.iloc[train], labels[train])
    proba_forest[test] = forest.predict_proba(X.iloc[test])[:, 1]
    impurity.append(forest[-1].feature_importances_)
    held_out = permutation_importance(forest, X.iloc[test], labels[test],
                                      n_repeats=5, random_state=0)
    permutation.append(held_out.importances_mean)
importances = pd.DataFrame({
    "impurity (training)": np.mean(impurity, axis=0),
    "permutation (held out)": np.mean(permutation, axis=0),
    "std over folds": np.std(permutation, axis=0, ddof=1),
}, index=sets["report4"])
print(importances.round(3).to_string())

# %% [markdown]
# The rankings disagree. By impurity, all four matter about equally; on held-out clips
# only the ZCR spread clearly helps, and shuffling `rms_mean` costs nothing. Impurity
# rewards every training split, including those that fit noise {cite}`strobl2007bias`, and
# the level of each take is random, so `rms_mean` splits transfer nothing. Permutation
# importance has its own blind spot: shuffling one of two redundant features costs little.

# %% [markdown]
# ## Reading a classifier's results
#
# Collect *out-of-fold* probabilities: each clip's comes from a model that never heard its
# sentence. Take both models on the report's four numbers, and, as a stronger reference,
# the logistic regression on the 20 spectral-shape numbers.

# %%
proba = {
    "LR, report4": evaluate.out_of_fold_proba(logistic, X_all[sets["report4"]],
                                              labels, groups),
    "RF, report4": proba_forest,
    "LR, spectral": evaluate.out_of_fold_proba(logistic, X_all[sets["spectral"]],
                                               labels, groups),
}
for name, p in proba.items():
    accuracy = np.mean((p > 0.5) == labels)
    print(f"{name:13s} out-of-fold accuracy {accuracy:.3f}")
    glue(f"oof_{name.replace(', ', '_')}", round(accuracy, 3))

# %% [markdown]
# ### Confusion matrix
#
# A *confusion matrix* counts, for each true speaker, how the clips were classified at the
# threshold one half. Normalised by rows, its diagonal is each speaker's *recall*, the
# fraction of their clips recognised.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, name in zip(axes, ["LR, report4", "RF, report4"]):
    viz.plot_confusion(labels, (proba[name] > 0.5).astype(int), labels=data.SPEAKERS,
                       ax=ax, normalize="true", title=f"{name}, out of fold")
fig.tight_layout()
plt.show()

# %% [markdown]
# With a speaker as the positive class, *precision* is the fraction of the clips
# *predicted* as theirs that are theirs, *recall* that of *their* clips found, and the *F1
# score* their harmonic mean:
#
# $$
# \text{precision} = \frac{TP}{TP + FP}, \qquad
# \text{recall} = \frac{TP}{TP + FN}, \qquad
# F_1 = \frac{2 \cdot \text{precision} \cdot \text{recall}}
#            {\text{precision} + \text{recall}} ,
# $$ (eq-03-prf)
#
# with $TP$, $FP$ and $FN$ the true positives, false positives and false negatives.

# %%
predicted = (proba["LR, report4"] > 0.5).astype(int)
print(classification_report(labels, predicted, target_names=data.SPEAKERS, digits=3))
recall = {s: np.mean(predicted[labels == k] == k) for k, s in enumerate(data.SPEAKERS)}
for speaker, value in recall.items():
    glue(f"recall_{speaker}", round(value, 3))

# %% [markdown]
# Both models err both ways. The logistic regression recognises
# {glue:text}`recall_clb:.3f` of the `clb` clips and {glue:text}`recall_slt:.3f` of the
# `slt` clips: at one half it leans a little towards `clb`.
#
# ### Reliability: are the probabilities honest?
#
# Of the clips given a probability of 0.8, about four in five should be `slt`. To check,
# bin the clips by predicted probability (10 equal-width bins), and compare each bin's
# mean prediction with its fraction of `slt`. A *calibrated* model has the two equal
# {cite}`niculescu2005predicting`.

# %%
def reliability_bins(y_true, y_score, n_bins=10):
    """Per bin of predicted probability: mean prediction, fraction of class 1, clips."""
    edges = np.linspace(0, 1, n_bins + 1)
    bin_of = np.searchsorted(edges[1:-1], y_score)  # bin k holds (edge k, edge k+1]
    table = pd.DataFrame({"predicted": y_score, "observed": y_true, "bin": bin_of})
    return table.groupby("bin").agg(predicted=("predicted", "mean"),
                                    observed=("observed", "mean"),
                                    clips=("observed", "size"))


bins = reliability_bins(labels, proba["RF, report4"])
observed, predicted_mean = calibration_curve(labels, proba["RF, report4"], n_bins=10)
np.testing.assert_allclose(bins["observed"], observed)
np.testing.assert_allclose(bins["predicted"], predicted_mean)
print("random forest, report4, out of fold:")
print(bins.round(3).to_string())
confident = bins[bins["predicted"] >= 0.8]
high_predicted = np.average(confident["predicted"], weights=confident["clips"])
high_observed = np.average(confident["observed"], weights=confident["clips"])
glue("rf_high_predicted", round(high_predicted, 2))
glue("rf_high_observed", round(high_observed, 2))

# %% [markdown]
# The forest is over-confident: the clips it gives {glue:text}`rf_high_predicted:.2f` on
# average (the bins from 0.8 up) are `slt` in a share of only
# {glue:text}`rf_high_observed:.2f`. Its fully grown trees fit noise, and their pure
# leaves are surer than they are right. The *Brier score* {cite}`brier1950verification`,
# the mean squared difference between probability and outcome $\frac{1}{n} \sum_i (p_i -
# y_i)^2$, penalises that: 0 is perfect, and always saying one half scores $1/4$.
#
# ### ROC, precision-recall and reliability curves
#
# These curves show all thresholds at once (plotting code folded away).

# %% tags=["hide-input"]
def plot_classifier_curves(y_true, scores, n_bins=10):
    """ROC, precision-recall and reliability diagram side by side, a line per model."""
    fig, (roc, pr, rel) = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained")
    counts = rel.twinx()
    for i, (name, p) in enumerate(scores.items()):
        fpr, tpr, _ = roc_curve(y_true, p)
        roc.plot(fpr, tpr, color=f"C{i}",
                 label=f"{name}: AUC = {METRICS['roc_auc'](y_true, p):.3f}")
        precision, recall_, _ = precision_recall_curve(y_true, p)
        pr.plot(recall_, precision, color=f"C{i}", drawstyle="steps-post",
                label=f"{name}: AP = {average_precision_score(y_true, p):.3f}")
        bins = reliability_bins(y_true, p, n_bins)
        brier = METRICS["brier"](y_true, p)
        rel.plot(bins["predicted"], bins["observed"], "o-", color=f"C{i}",
                 markersize=4, label=f"{name}: Brier = {brier:.3f}")
        counts.hist(p, bins=np.linspace(0, 1, n_bins + 1), histtype="step",
                    color=f"C{i}", alpha=0.6)
    for ax in (roc, rel):
        ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1)
    pr.axhline(np.mean(y_true), color="0.5", linestyle="--", linewidth=1)
    roc.set(title="Out of fold: ROC curve", xlabel="False positive rate (clb accepted)",
            ylabel="True positive rate (slt accepted)")
    pr.set(title="Out of fold: precision-recall curve", xlabel="Recall (slt found)",
           ylabel="Precision (accepts that are slt)")
    rel.set(title=f"Out of fold: reliability diagram ({n_bins} bins)",
            xlabel="Predicted probability of slt", ylabel="Observed fraction of slt")
    counts.set_ylim(0, 4 * counts.get_ylim()[1])  # histogram in the bottom quarter
    counts.set_ylabel("Clips per bin (histogram)", color="0.4")
    for ax, where in ((roc, "lower right"), (pr, "lower left"), (rel, "upper left")):
        ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
        ax.legend(loc=where, fontsize=8)
    return fig


plot_classifier_curves(labels, proba)
plt.show()

# %% [markdown]
# **ROC curve** (left): for every threshold, the fraction of `slt` clips accepted (true
# positive rate) against the fraction of `clb` clips accepted (false positive rate)
# {cite}`fawcett2006introduction`; the diagonal is guessing. The *area under the curve*
# (AUC) is the probability that a random `slt` clip scores above a random `clb` clip.
# **Precision-recall** (middle): its summary is the *average precision* (AP). It matters
# when positives are rare: a ROC curve can then look good while most accepts are wrong
# {cite}`davis2006relationship`. **Reliability** (right): `reliability_bins` per model,
# over a histogram of its predictions. The spectral model puts almost every clip in an end
# bin, and is right.

# %% [markdown]
# ### Choosing a threshold for a use
#
# Take `slt` as a device's owner, and two uses with opposite costs. **Voice unlock**:
# accepting `clb` opens someone else's account, so cap the false positive rate
# (`max_fpr=0.05`). **Assistant**: ignoring the owner is the annoying error, so require a
# true positive rate (`min_tpr=0.95`). `evaluate.threshold_for` reads both thresholds off
# the out-of-fold ROC curve.

# %%
p = proba["LR, report4"]
operating = {}
for use, constraint in [("voice unlock", {"max_fpr": 0.05}),
                        ("assistant", {"min_tpr": 0.95})]:
    threshold = evaluate.threshold_for(labels, p, **constraint)
    accept = p >= threshold
    operating[use] = {"threshold": threshold, "TPR": accept[labels == 1].mean(),
                      "FPR": accept[labels == 0].mean()}
operating = pd.DataFrame(operating).T.round(3)
print(operating.to_string())
glue("unlock_tpr", operating.loc["voice unlock", "TPR"])
glue("assistant_fpr", operating.loc["assistant", "FPR"])

# %%
fpr, tpr, _ = roc_curve(labels, p)
fig, ax = plt.subplots(figsize=(5.5, 5))
ax.plot(fpr, tpr, color="C0", label="LR, report4 (out of fold)")
ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="chance")
for (use, point), marker in zip(operating.iterrows(), ["o", "s"]):
    ax.plot(point["FPR"], point["TPR"], marker, color="C3", markersize=8,
            label=f"{use}: threshold {point['threshold']:.2f}")
ax.set(title="Two operating points on one ROC curve",
       xlabel="False positive rate (clb accepted)",
       ylabel="True positive rate (slt accepted)")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %% [markdown]
# To keep false accepts that rare, this model accepts only a share of
# {glue:text}`unlock_tpr:.3f` of its owner's attempts; to hear its owner that reliably, it
# also answers the other speaker in a share of {glue:text}`assistant_fpr:.3f`. Either use
# needs a curve that hugs the top-left corner, like the spectral model's. Pick thresholds
# on out-of-fold scores, never on the test clips.

# %% [markdown]
# ## Listening to the mistakes
#
# Which clips does the four-number model get wrong, and why? Measure for every clip its
# level (dBFS), duration, take, and *brightness*, the share of its energy above 4 kHz in
# dB (the corpus filters every take differently).

# %%
sr = audio.SR
brightness = []
for y in clips:
    f, psd = scipy.signal.welch(y, fs=sr, nperseg=features.FRAME_LENGTH)
    brightness.append(10 * np.log10(float(psd[f >= 4000].sum() / psd.sum())))
clip_facts = pd.DataFrame({
    "speaker": corpus["speaker"],
    "wrong": predicted != labels,
    "level_dbfs": [audio.rms_dbfs(y) for y in clips],
    "duration_s": corpus["duration_s"],
    "take": corpus["take"],
    "above_4khz_db": brightness,
    "zcr_mean": X_all["zcr_mean"],
})
print(f"{clip_facts['wrong'].sum()} of {len(clip_facts)} clips wrong out of fold")
print("medians per speaker, right and wrong clips (take: share of take 1):")
medians = clip_facts.groupby(["speaker", "wrong"]).agg(
    clips=("wrong", "size"),
    level_dbfs=("level_dbfs", "median"),
    duration_s=("duration_s", "median"),
    take=("take", lambda take: np.mean(take == 1)),
    above_4khz_db=("above_4khz_db", "median"),
    zcr_mean=("zcr_mean", "median"),
).round(3)
print(medians.to_string())
for speaker in data.SPEAKERS:
    right, wrong = medians.loc[(speaker, False)], medians.loc[(speaker, True)]
    glue(f"bright_{speaker}", round(right["above_4khz_db"], 1))
    glue(f"bright_shift_{speaker}",
         round(abs(wrong["above_4khz_db"] - right["above_4khz_db"]), 1))
    glue(f"zcr_{speaker}", right["zcr_mean"])
    glue(f"zcr_wrong_{speaker}", wrong["zcr_mean"])
    correlation = clip_facts[clip_facts["speaker"] == speaker][
        ["above_4khz_db", "zcr_mean"]].corr().iloc[0, 1]
    glue(f"bright_zcr_corr_{speaker}", round(correlation, 2))
glue("n_wrong", int(clip_facts["wrong"].sum()))
right, wrong = medians.xs(False, level="wrong"), medians.xs(True, level="wrong")
assert abs(right.loc["clb", "above_4khz_db"] - right.loc["slt", "above_4khz_db"]) < 1
assert wrong.loc["clb", "above_4khz_db"] < right.loc["clb", "above_4khz_db"]
assert wrong.loc["slt", "above_4khz_db"] > right.loc["slt", "above_4khz_db"]
assert right.loc["clb", "zcr_mean"] > right.loc["slt", "zcr_mean"]

# %% [markdown]
# Take and duration barely matter; brightness and ZCR do:
#
# - Right clips are equally bright for both speakers (median {glue:text}`bright_clb:.1f`
#   dB for `clb`, {glue:text}`bright_slt:.1f` dB for `slt`), yet their ZCR differs
#   ({glue:text}`zcr_clb:.3f` against {glue:text}`zcr_slt:.3f`): that is the voice.
# - The `clb` clips heard as `slt` are *duller* than her right ones, by
#   {glue:text}`bright_shift_clb:.1f` dB, with a low ZCR ({glue:text}`zcr_wrong_clb:.3f`);
#   the `slt` clips heard as `clb` are *brighter*, by {glue:text}`bright_shift_slt:.1f`
#   dB, with a high ZCR ({glue:text}`zcr_wrong_slt:.3f`).
#
# Within a speaker, brightness and ZCR correlate (correlation
# {glue:text}`bright_zcr_corr_clb:.2f` for `clb`, {glue:text}`bright_zcr_corr_slt:.2f` for
# `slt`). The model learned "high ZCR means `clb`", so an unusually bright or dull
# recording fools it: four numbers cannot tell voice from recording chain. Brightness also
# depends on the words, so count wrong takes per sentence.

# %%
per_sentence = clip_facts.assign(sentence=groups).pivot_table(
    index="sentence", columns="speaker", values="wrong", aggfunc="sum")
print("sentences by wrong takes (rows: clb, columns: slt)")
print(pd.crosstab(per_sentence["clb"], per_sentence["slt"]).to_string())
sentence_zcr = clip_facts.assign(sentence=groups).groupby("sentence")["zcr_mean"].mean()
for speaker in data.SPEAKERS:
    rate = clip_facts.loc[clip_facts["speaker"] == speaker, "wrong"].mean()
    both = per_sentence[speaker] == 2
    print(f"{speaker}: both takes wrong in {both.mean():.3f} of sentences "
          f"(if errors were independent: {rate**2:.3f})")
    print(f"     median ZCR of those sentences {sentence_zcr[both].median():.3f}, "
          f"of the others {sentence_zcr[~both].median():.3f}")
    glue(f"both_wrong_{speaker}", round(both.mean(), 3))
    glue(f"independent_{speaker}", round(rate**2, 3))
assert not ((per_sentence["clb"] == 2) & (per_sentence["slt"] == 2)).any()

# %% [markdown]
# Mistakes come in sentences. Both takes are wrong in a share of
# {glue:text}`both_wrong_clb:.3f` of the sentences for `clb` and
# {glue:text}`both_wrong_slt:.3f` for `slt`, about twice what independent errors would
# give ({glue:text}`independent_clb:.3f` and {glue:text}`independent_slt:.3f`), yet no
# sentence has all four clips wrong.
#
# Listen to the three most confident mistakes per speaker. The players normalise the
# volume, so you hear colour, not level: the `clb` clips heard as `slt` sound muffled.

# %%
confidence = np.abs(p - 0.5)
shown, shown_rows = {}, []
for label, speaker in enumerate(data.SPEAKERS):
    mistakes = np.flatnonzero((labels == label) & (predicted != labels))
    for i in mistakes[np.argsort(-confidence[mistakes], kind="stable")][:3]:
        heard = data.SPEAKERS[predicted[i]]
        zcr = X_all["zcr_mean"].iloc[i]
        shown[f"{corpus['file'].iloc[i]} heard as {heard} "
              f"(p = {p[i]:.2f}, zcr_mean = {zcr:.3f})"] = (clips[i], sr)
        shown_rows.append(i)
# What the players demonstrate: wrong clips whose ZCR sits on the other speaker's side.
for i in shown_rows:
    assert predicted[i] != labels[i]
    assert (X_all["zcr_mean"].iloc[i] < medians.loc[("clb", False), "zcr_mean"]
            if labels[i] == 0 else
            X_all["zcr_mean"].iloc[i] > medians.loc[("slt", False), "zcr_mean"])
viz.audio_table(shown, columns=2)

# %% [markdown]
# ## Numbers with spread
#
# Every model and feature set now gets 5 × 5 sentence-grouped cross-validation (25 test
# folds). `evaluate.summarize` reports their mean and standard deviation, and the interval
# (2.5th to 97.5th percentile) of the 5 repeat means: how much the estimate depends on the
# split, not a confidence interval for new speakers. Each result enters the course's
# results table (`results.results_path()`).

# %% tags=["nbval-ignore-output"]
models = {"logistic regression": logistic, "random forest": forest}
combinations = [(m, s) for m in models for s in sets]
for model_name, name in tqdm(combinations, desc="5x5 grouped CV"):
    key = (model_name, name)
    if key not in cv_scores:
        cv_scores[key] = evaluate.grouped_cv(models[model_name], X_all[sets[name]],
                                             labels, groups)
    results.record("03", model_name, name, evaluate.summarize(cv_scores[key]),
                   evaluation="5x5 sentence-grouped CV")
print(f"{len(combinations)} models recorded in {results.results_path().name}")

# %%
table = results.load_results()
chapter_03 = table[(table["chapter"] == "03")
                   & (table["evaluation"] == "5x5 sentence-grouped CV")]
results.results_table(chapter_03).droplevel(["chapter", "evaluation"])

# %%
results.results_table(chapter_03, metric="roc_auc").droplevel(["chapter", "evaluation"])

# %% [markdown]
# With more than four features both models are (nearly) perfect, and the corpus cannot
# rank them. On the four numbers the forest scores lower, by less than the fold-to-fold
# standard deviation. Both were scored on the same 25 folds, so compare them fold by fold.

# %%
difference = (cv_scores["logistic regression", "report4"]["accuracy"]
              - cv_scores["random forest", "report4"]["accuracy"])
repeats = cv_scores["logistic regression", "report4"]["repeat"]
print(f"LR minus RF on report4, per fold: {difference.mean():.3f} "
      f"± {difference.std(ddof=1):.3f}")
print(f"LR ahead in {(difference > 0).sum()} folds, "
      f"behind in {(difference < 0).sum()}, tied in {(difference == 0).sum()}")
per_repeat = difference.groupby(repeats).mean()
print("per repeat:", per_repeat.round(3).tolist())
assert (per_repeat > 0).all()
glue("lr_minus_rf", round(difference.mean(), 3))
glue("lr_ahead", int((difference > 0).sum()))
glue("lr_behind", int((difference < 0).sum()))

# %% [markdown]
# The logistic regression is ahead in {glue:text}`lr_ahead` folds and behind in
# {glue:text}`lr_behind`, by {glue:text}`lr_minus_rf:.3f` on average, and ahead in every
# repeat. The folds share training clips, so no simple test applies, but on four
# overlapping numbers the simpler model consistently generalises better.

# %% [markdown]
# ## Choose on training sentences, then test once
#
# The corpus ships a fixed split (`corpus["split"]`): a few test sentences whose clips no
# choice may see. The table above used all 60 sentences: fine for comparing models, but
# choosing the feature set from it would be peeking again.
#
# So fix the model (the logistic regression with its defaults) and a rule (the highest
# mean accuracy, then the fewest numbers) before looking, and choose the feature set by 5
# × 5 grouped cross-validation on the training sentences only.

# %% tags=["nbval-ignore-output"]
train_groups = groups[~is_test]
choice = {}
for name in tqdm(sets, desc="choosing on training sentences"):
    scores = evaluate.grouped_cv(logistic, X_all.loc[~is_test, sets[name]], y_train,
                                 train_groups)
    choice[name] = evaluate.summarize(scores)["mean"]

# %%
choice = pd.DataFrame(choice).T.assign(numbers=[len(sets[name]) for name in choice])
print(choice[["numbers", "accuracy", "log_loss"]].round(3).to_string())
ranked = choice.sort_values(["accuracy", "numbers"], ascending=[False, True])
chosen = ranked.index[0]
print("chosen feature set:", chosen)
assert chosen == "mfcc"
glue("chosen", chosen)
glue("chosen_numbers", int(choice.loc[chosen, "numbers"]))
glue("n_train_sentences", len(np.unique(train_groups)))
glue("n_test_clips", int(is_test.sum()))
glue("n_test_sentences", len(np.unique(groups[is_test])))

# %% [markdown]
# On the {glue:text}`n_train_sentences` training sentences, the
# {glue:text}`chosen_numbers` `mfcc` numbers are the smallest set with the best accuracy.
# Fit it once on all training clips and score it on the test clips, beside the report's
# four numbers.
#
# ### A cluster bootstrap over sentences
#
# The test split holds {glue:text}`n_test_clips` clips from only
# {glue:text}`n_test_sentences` sentences, and a sentence's clips succeed or fail
# together. The *bootstrap* {cite}`efron1993introduction` asks how much the score would
# move with other sentences: draw as many test sentences **with replacement**, recompute
# the metric on their clips, and repeat 2000 times; the 2.5th and 97.5th percentiles bound
# a 95-percent interval. Drawing whole sentences is a *cluster bootstrap*
# {cite}`field2007bootstrapping`; drawing single clips would treat a sentence's four clips
# as independent, and give too narrow an interval.
#
# Later chapters use this function as `voicelab.evaluate.bootstrap_ci`, the same code:

# %%
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


# %%
y_test, test_groups = labels[is_test], groups[is_test]
rows = []
for name in (chosen, "report4"):
    model = clone(logistic).fit(X_all.loc[~is_test, sets[name]], y_train)
    p_test = model.predict_proba(X_all.loc[is_test, sets[name]])[:, 1]
    boot = {}
    for metric in ("accuracy", "roc_auc"):
        point, low, high = bootstrap_ci(y_test, p_test, metric, groups=test_groups)
        assert (point, low, high) == evaluate.bootstrap_ci(
            y_test, p_test, metric, groups=test_groups)
        boot[metric] = {"mean": point, "std": np.nan, "low": low, "high": high,
                        "n": 2000}
        rows.append({"features": name, "metric": metric, "test": point, "low": low,
                     "high": high})
        glue(f"test_{name}_{metric}", round(point, 3))
        glue(f"test_{name}_{metric}_low", round(low, 3))
        glue(f"test_{name}_{metric}_high", round(high, 3))
    results.record("03", "logistic regression", name, pd.DataFrame(boot).T,
                   evaluation="fixed test split, sentence bootstrap")
print(f"{len(y_test)} test clips from {len(np.unique(test_groups))} sentences")
print(pd.DataFrame(rows).round(3).to_string(index=False))
glue("rule3_clips", round(3 / len(y_test), 3))
glue("rule3_sentences", round(3 / len(np.unique(test_groups)), 3))

# %% [markdown]
# The chosen model classifies every test clip correctly
# ({glue:text}`test_mfcc_accuracy:.3f`), so every resample is perfect and the interval
# collapses to a point. The error rate is not zero: the bootstrap cannot show an error the
# sample lacks. The *rule of three* gives the scale: with no error in $n$ independent
# trials, the error rate is below about $3/n$ with 95-percent confidence, here
# {glue:text}`rule3_clips:.3f` if the test clips were independent, and
# {glue:text}`rule3_sentences:.3f` if only the sentences are.
#
# The four-number model scores {glue:text}`test_report4_accuracy:.3f`, with an interval
# from {glue:text}`test_report4_accuracy_low:.3f` to
# {glue:text}`test_report4_accuracy_high:.3f`, and an AUC interval from
# {glue:text}`test_report4_roc_auc_low:.3f` to {glue:text}`test_report4_roc_auc_high:.3f`.
# A test set this small tells a good model from a useless one, little more; the 25
# cross-validation folds say more.

# %% [markdown]
# ## Summary
#
# - Logistic regression squashes a weighted sum of standardised features into a
#   probability, fitted by minimising a penalised log loss; `l1_ratio` picks L2, L1 or
#   elastic net, and not every solver supports every penalty.
# - Split by sentence: a random split of clips let a 1-NN on stretched envelopes recognise
#   a sentence's other take. For mean/std summaries the leak happened not to show; you
#   cannot know that in advance.
# - Make every choice inside the training data (nested cross-validation, or on training
#   sentences), then test once.
# - A random forest averages its trees' leaf fractions. Impurity importance describes the
#   training fit; permutation importance on held-out clips, what generalises.
# - Out-of-fold probabilities give confusion matrices, ROC, precision-recall and
#   reliability curves, thresholds for a use, and the mistakes to listen to.
# - Report every number with its spread: 5 × 5 grouped cross-validation to compare, a
#   cluster bootstrap over sentences for a small test set.

# %% [markdown]
# ## Exercises
#
# Each solution is collapsed; the hidden cell after it runs its code.
#
# **1. A second leaky representation.** Build the stretched envelope of the zero-crossing
# rate (100 points per clip, no decibels), and compare 1-NN accuracy under the random and
# the sentence-grouped split. What does the grouped number say about it as a speaker
# feature?
#
# ````{admonition} Solution
# :class: dropdown
# The random split reports {glue:text}`ex1_random:.3f`, the grouped split
# {glue:text}`ex1_grouped:.3f`, about guessing. The ZCR envelope identifies the sentence
# and its reading, not the voice; a random split hides that.
# ````

# %% tags=["hide-cell"]
zcr_envelopes = []
for y in clips:
    zcr = librosa.feature.zero_crossing_rate(
        y, frame_length=features.FRAME_LENGTH, hop_length=features.HOP_LENGTH)[0]
    position = np.linspace(0, len(zcr) - 1, N_STRETCH)
    zcr_envelopes.append(np.interp(position, np.arange(len(zcr)), zcr))
zcr_envelopes = np.array(zcr_envelopes)
ex1 = {}
for protocol, protocol_groups in [("random", None), ("grouped", groups)]:
    scores = evaluate.grouped_cv(nearest_neighbour, zcr_envelopes, labels,
                                 protocol_groups, metrics=("accuracy",))
    ex1[protocol] = round(scores["accuracy"].mean(), 3)
    glue(f"ex1_{protocol}", ex1[protocol])
print(f"1-NN on the ZCR envelope: random split {ex1['random']:.3f}, "
      f"sentence-grouped {ex1['grouped']:.3f}")
assert ex1["random"] > ex1["grouped"] + 0.1 and ex1["grouped"] < 0.65

# %% [markdown]
# **2. Sparse weights.** Fit the L1-penalised logistic regression (`solver="liblinear"`,
# `l1_ratio=1.0`) on the training clips' report4 vectors for `C` in `(0.01, 0.03, 0.1,
# 0.3, 1)`. In which order do the features enter as the penalty weakens? Compare with the
# forest's permutation importances.
#
# ````{admonition} Solution
# :class: dropdown
# At the smallest $C$ every weight is zero. `zcr_std` enters first, then `zcr_mean`; the
# RMS numbers come last, and matter only as a pair of opposite signs. The L1 path agrees
# with the held-out permutation ranking.
# ````

# %% tags=["hide-cell"]
path = {}
for C in (0.01, 0.03, 0.1, 0.3, 1.0):
    sparse = make_pipeline(StandardScaler(), LogisticRegression(
        solver="liblinear", l1_ratio=1.0, C=C, random_state=0))
    path[C] = sparse.fit(X_train, y_train)[-1].coef_[0]
path = pd.DataFrame(path, index=sets["report4"]).T
print(path.round(2).to_string())
entry = (path != 0).idxmax()  # the first C at which each weight is non-zero
assert (path.iloc[0] == 0).all()
assert entry["zcr_std"] < entry["zcr_mean"] <= entry["rms_std"]
assert entry["rms_mean"] == entry.max()

# %% [markdown]
# **3. Equal error rate.** Speaker verification quotes the *equal error rate* (EER): the
# error rate where false accepts and misses are equally frequent, FPR $= 1 -$ TPR. Read it
# off the out-of-fold ROC curve of the four-number logistic regression.
#
# ````{admonition} Solution
# :class: dropdown
# The ROC curve crosses the anti-diagonal $\text{TPR} = 1 - \text{FPR}$ between the two
# operating points above: an EER of about {glue:text}`ex3_eer:.2f`, at a threshold of
# {glue:text}`ex3_threshold:.2f`.
# ````

# %% tags=["hide-cell"]
fpr, tpr, thresholds = roc_curve(labels, proba["LR, report4"])
i = np.argmin(np.abs(fpr - (1 - tpr)))
eer = (fpr[i] + 1 - tpr[i]) / 2
print(f"EER ≈ {eer:.3f} at threshold {thresholds[i]:.3f}")
glue("ex3_eer", round(eer, 2))
glue("ex3_threshold", round(thresholds[i], 2))

# %% [markdown]
# **4. The boundary in two dimensions.** Fit a logistic regression on the report's two ZCR
# numbers (all clips: a picture, not an estimate), shade the plane by the predicted
# probability of `slt`, and draw the boundary $\mathbf{w} \cdot \mathbf{x} + b = 0$ with
# the clips. What separates the speakers? How well do two numbers score in grouped
# cross-validation?
#
# ````{admonition} Solution
# :class: dropdown
# Both clouds stretch along a diagonal (a higher mean ZCR also varies more), and the
# boundary runs along them: the speakers differ in the ZCR's spread *relative to* its
# mean, as the opposite-sign weights said. The two numbers score
# {glue:text}`pair_acc:.3f`, about as well as all four ({glue:text}`report4_grouped:.3f`).
# ````

# %% tags=["hide-cell"]
pair = ["zcr_mean", "zcr_std"]
pair_scores = evaluate.grouped_cv(logistic, X_all[pair], labels, groups,
                                  metrics=("accuracy",))
pair_accuracy = evaluate.summarize(pair_scores).loc["accuracy"]
print(f"two ZCR numbers, sentence-grouped CV accuracy: "
      f"{pair_accuracy['mean']:.3f} ± {pair_accuracy['std']:.3f}")
assert abs(pair_accuracy["mean"] - report4_grouped) < 0.03  # about as good as four
glue("pair_acc", round(pair_accuracy["mean"], 3))
model = clone(logistic).fit(X_all[pair], labels)
lo, hi = X_all[pair].min(), X_all[pair].max()
margin = 0.05 * (hi - lo)
xx, yy = np.meshgrid(np.linspace(lo.iloc[0] - margin.iloc[0],
                                 hi.iloc[0] + margin.iloc[0], 200),
                     np.linspace(lo.iloc[1] - margin.iloc[1],
                                 hi.iloc[1] + margin.iloc[1], 200))
plane = pd.DataFrame({pair[0]: xx.ravel(), pair[1]: yy.ravel()})
p_plane = model.predict_proba(plane)[:, 1].reshape(xx.shape)
fig, ax = plt.subplots(figsize=(7, 5))
shading = ax.contourf(xx, yy, p_plane, levels=np.linspace(0, 1, 11), cmap="RdBu_r",
                      alpha=0.5)
ax.contour(xx, yy, p_plane, levels=[0.5], colors="k", linewidths=1.5)
for label, speaker in enumerate(data.SPEAKERS):
    ax.scatter(X_all.loc[labels == label, pair[0]], X_all.loc[labels == label, pair[1]],
               s=14, color=["C0", "C3"][label], edgecolor="w", linewidth=0.4,
               marker=["o", "^"][label], label=speaker)
fig.colorbar(shading, ax=ax).set_label("Predicted probability of slt")
ax.set(title="Logistic regression on two ZCR numbers: boundary p = 0.5 (black)",
       xlabel="zcr_mean (crossings per sample)",
       ylabel="zcr_std (crossings per sample)")
ax.legend(title="speaker", fontsize=8)
plt.show()

# %% [markdown]
# ## Further reading
#
# - {cite}`hastie2009elements` (chapters 4, 7, 10 and 15): logistic regression,
#   cross-validation and random forests.
# - {cite}`kohavi1995study` compares cross-validation and the bootstrap;
#   {cite}`varma2006bias` and {cite}`cawley2010over` show how tuning on the test folds
#   biases the estimate, and why nesting fixes it.
# - {cite}`kaufman2012leakage` catalogues leakage.
# - {cite}`breiman2001random` introduced random forests; {cite}`strobl2007bias` explains
#   the bias of impurity importance.
# - {cite}`fawcett2006introduction` introduces ROC analysis; {cite}`davis2006relationship`
#   relates ROC and precision-recall curves.
# - {cite}`niculescu2005predicting` compares classifiers' calibration;
#   {cite}`brier1950verification` defined the Brier score.
# - {cite}`efron1993introduction` introduces the bootstrap; {cite}`field2007bootstrapping`
#   resamples clustered data by cluster.
# - The scikit-learn user guide {cite}`pedregosa2011scikit` documents the solvers,
#   penalties and grouped splitters.

