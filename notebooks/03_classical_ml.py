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
# **What you will learn:** how logistic regression and a random forest turn summary
# vectors into a speaker decision, and how to measure that decision honestly.
#
# **Where this sits:** after {doc}`02_features`, before {doc}`04_micrograd`. You will
# end with the course's first results table, which every later chapter extends.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %% [markdown]
# ## From features to a decision
#
# In {doc}`02_features` you turned every clip into a fixed-length vector of numbers. Now
# you want a *classifier*: a function that takes one vector and says which speaker read
# the clip. You fit it on *training* clips, whose speaker you know, and judge it on
# *test* clips it has never seen.
#
# The student report behind this course did exactly that. It fitted a logistic
# regression to four numbers per clip, tuned it with a grid search, and tested it on one
# random split of the clips. It then compared a random forest. This chapter keeps the
# models and the questions, and changes how the answers are measured:
#
# - every model is a scikit-learn *pipeline* {cite}`pedregosa2011scikit`, so that
#   nothing learned from test clips reaches training;
# - clips are split by **sentence**, and you will see when a random split of clips lies
#   and when it happens not to;
# - every score comes with its spread over many splits, not from a single split.
#
# Throughout, `slt` is the *positive* class (label 1) and `clb` the negative class
# (label 0), as in `voicelab.data.SPEAKERS`. The setup cell limits the numerical
# libraries to one thread: for problems this small, extra threads cost more time than
# they save.

# %%
import librosa
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.signal
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    classification_report, log_loss, pairwise_distances, roc_curve,
)
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from voicelab import audio, data, evaluate, features, results, viz

threadpool_limits(1)  # one thread: faster for problems this small, and repeatable
corpus = data.load_corpus()
labels = corpus["label"].to_numpy()
groups = corpus["sentence_id"].to_numpy()
print(f"{len(corpus)} clips, {corpus['sentence_id'].nunique()} sentences, "
      f"speakers {data.SPEAKERS} = labels (0, 1)")

# %% [markdown]
# The features come from the cache that {doc}`02_features` filled. On a fresh machine
# this cell computes them, which takes about a minute; the progress bar is not compared
# by the tests.

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
# ### The model
#
# Logistic regression scores a clip with a weighted sum of its features and squashes the
# score into a probability. For a feature vector $\mathbf{x}$ with weights $\mathbf{w}$
# and a bias $b$,
#
# $$
# p(\text{slt} \mid \mathbf{x}) = \sigma(\mathbf{w} \cdot \mathbf{x} + b),
# \qquad \sigma(z) = \frac{1}{1 + e^{-z}} .
# $$ (eq-03-logistic)
#
# The *sigmoid* $\sigma$ maps any real number to $(0, 1)$, and $\sigma(0) = 0.5$. So
# the model predicts `slt` when $\mathbf{w} \cdot \mathbf{x} + b > 0$: the decision
# boundary is a flat plane (a *hyperplane*) in feature space.
#
# ### The loss
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
# Each clip costs $-\log$ of the probability the model gave its true speaker: nothing
# if it was certain and right, a lot if it was certain and wrong. A model that always
# says 0.5 scores $\log 2 \approx 0.693$.
#
# scikit-learn minimises the summed loss plus a *penalty* on large weights, with a
# strength set by $C$ and a mix set by $\rho$ (`l1_ratio`):
#
# $$
# \min_{\mathbf{w}, b} \; C \sum_{i=1}^{n} \ell_i
#   + \frac{1 - \rho}{2} \lVert \mathbf{w} \rVert_2^2
#   + \rho \lVert \mathbf{w} \rVert_1 ,
# $$ (eq-03-objective)
#
# where $\ell_i$ is clip $i$'s term of {eq}`eq-03-log-loss`. A small $C$ means a strong
# penalty, small weights and a cautious model. $\rho = 0$ is the L2 (ridge) penalty,
# $\rho = 1$ the L1 (lasso) penalty, and values in between the *elastic net*.
#
# ### By hand, then the library
#
# Features have different units: RMS is an amplitude, ZCR a rate. A penalty on
# $\lVert \mathbf{w} \rVert$ only makes sense if the features share a scale, so the
# pipeline first *standardises* each feature to mean 0 and standard deviation 1, using
# means and deviations learned **from the training clips only**.
#
# Fit the pipeline on the report's four numbers for the clips outside the fixed test
# split, then recompute its probabilities with {eq}`eq-03-logistic` and its loss with
# {eq}`eq-03-log-loss`.

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
      f"(always 0.5 would give {np.log(2):.3f})")

# %% [markdown]
# Does the fit really minimise {eq}`eq-03-objective`? At a minimum the gradient is zero.
# With $\rho = 0$ the gradient with respect to $\mathbf{w}$ is
# $C \sum_i (p_i - y_i)\,\mathbf{z}_i + \mathbf{w}$, where $\mathbf{z}_i$ is the
# standardised feature vector, and with respect to $b$ it is $C \sum_i (p_i - y_i)$
# (the bias is not penalised).

# %%
grad_w = logreg.C * Z.T @ (p_hand - y_train) + w
grad_b = logreg.C * np.sum(p_hand - y_train)
np.testing.assert_allclose(grad_w, 0, atol=1e-5)
np.testing.assert_allclose(grad_b, 0, atol=1e-5)
print("gradient of the penalised loss at the fitted weights is zero:",
      np.abs(np.append(grad_w, grad_b)).max() < 1e-5)

# %% [markdown]
# ## Split by sentence, not by clip
#
# The report split each speaker's clips at random into training and test clips. Every
# sentence in this corpus exists four times: two speakers, two takes. A random split of
# clips therefore usually puts the *other take* of a test sentence, by the same speaker,
# into training, and often the same sentence read by the other speaker too. A model may
# then recognise "this sentence, as this person read it last time" instead of the
# voice. That is *leakage*: information about the test clips reaching training
# {cite}`kaufman2012leakage`.
#
# The cure is a *grouped* split: all clips of a sentence go to the same side.
# `voicelab.evaluate.grouped_cv` does 5-fold cross-validation
# {cite}`kohavi1995study` with sentences as groups, repeated 5 times with different
# shuffles, and returns one row of scores per test fold. With `groups=None` it makes
# the leaky random split of clips instead, so you can measure the difference.
#
# Start with the default logistic regression ($C = 1$, L2) on the report's four numbers
# and on the 40 MFCC summaries.

# %%
logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
cv_scores = {}
rows = []
for name in ("report4", "mfcc"):
    for protocol, protocol_groups in [("random clips", None), ("by sentence", groups)]:
        scores = evaluate.grouped_cv(logistic, X_all[sets[name]], labels,
                                     protocol_groups)
        if protocol_groups is not None:
            cv_scores["logistic regression", name] = scores
        accuracy = evaluate.summarize(scores).loc["accuracy"]
        rows.append({"features": name, "split": protocol, "accuracy": accuracy["mean"],
                     "std": accuracy["std"]})
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %% [markdown]
# The two protocols agree within 0.001. This is a real result, not a bug:
# the leak needs a representation in which a clip resembles the other take of *its
# sentence* more than it resembles other clips. A mean and a standard deviation over a
# whole clip average most of the sentence away. What is left is mostly the voice and
# the recording, and the recording changes from take to take.
#
# You can check this directly. For every clip, find its nearest neighbour among the
# other 239 clips, with the Euclidean distance between standardised report4 vectors,
# and ask who that neighbour is.

# %%
Z_report4 = StandardScaler().fit_transform(X_all[sets["report4"]])
distances = pairwise_distances(Z_report4)
np.fill_diagonal(distances, np.inf)
nearest = distances.argmin(axis=1)
same_sentence = groups[nearest] == groups
print(f"nearest neighbour reads the same sentence for {same_sentence.mean():.3f} "
      f"of the clips (chance: {3 / 239:.3f})")

# %% [markdown]
# ### A representation that remembers the sentence
#
# To see the leak, use a representation that keeps the *time course* of the clip. Take
# the RMS of each frame ({doc}`02_features`) in decibels relative to the clip's loudest
# frame, so the level of the recording drops out. Do it in two ways:
#
# - **cropped**: the first 1.5 s after the leading silence, made exactly 94 frames long
#   with `voicelab.audio.pad_or_crop`;
# - **stretched**: the whole clip resampled to 100 points, so that position 50 is the
#   middle of the sentence whatever the speaking rate.
#
# Each clip becomes a curve, its *energy envelope*, of syllables rising and falling.

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
# In the cropped view the two takes drift apart, because the speaking rate changes
# from take to take. Stretched, the two takes of one speaker lie almost on top of each
# other; the other speaker's curves differ more. Now repeat the nearest-neighbour
# question for all three representations.

# %%
representations = {
    "report4": Z_report4,
    "cropped": envelopes["cropped"],
    "stretched": envelopes["stretched"],
}
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
print("Who is each clip's nearest neighbour? (fraction of the 240 clips)")
print(pd.DataFrame(neighbours).round(3).to_string())

# %% [markdown]
# For the stretched envelope, the nearest neighbour is nearly always the other take of
# the same sentence by the same speaker. A *1-nearest-neighbour* classifier, which
# gives each test clip the label of its closest training clip, will exploit exactly
# that whenever the other take sits in training. Measure it with both protocols.

# %%
nearest_neighbour = KNeighborsClassifier(n_neighbors=1)
rows = []
for name in ("cropped", "stretched"):
    for protocol, protocol_groups in [("random clips", None), ("by sentence", groups)]:
        scores = evaluate.grouped_cv(nearest_neighbour, envelopes[name], labels,
                                     protocol_groups, metrics=("accuracy",))
        accuracy = evaluate.summarize(scores).loc["accuracy"]
        rows.append({"envelope": name, "split": protocol, "accuracy": accuracy["mean"],
                     "std": accuracy["std"]})
leak = pd.DataFrame(rows)
print(leak.round(3).to_string(index=False))
gap = leak["accuracy"].iloc[2] - leak["accuracy"].iloc[3]
print(f"optimism of the random split, stretched envelope: {gap:.3f}")

# %% [markdown]
# With the stretched envelope the random split reports a much better classifier than
# the sentence-grouped one. The difference is the model recognising sentences it has
# heard, not voices.
#
# The cropped envelope shows no gap, although its nearest neighbour is often a clip of
# the same sentence. The neighbour table explains it: when the cropped envelope finds
# the same sentence, it finds the right speaker in about three cases out of four
# (0.396 against 0.133), no more often than the honest model is right anyway. The
# stretched envelope finds the right speaker in 95 % of those cases. A random split
# inflates the score only when the leaked neighbour is *more* reliable than what the
# model has really learned.
#
# The envelopes need no `StandardScaler`: all their numbers share one unit, decibels,
# and 1-NN only compares distances between them.
#
# ```{warning}
# A random split of clips is not an honest test when clips come in related groups: two
# takes of one sentence, several clips of one recording session, overlapping windows of
# one file. Whether it *shows* as optimism depends on the representation: here it
# vanished for mean/std summaries and reached 0.18 accuracy for time-stretched
# envelopes. You cannot know in advance which case you are in, so split by group
# (`GroupKFold`, `evaluate.grouped_cv`) every time. A related leak is fitting anything
# (a scaler, a feature selection, a hyperparameter) on all clips before splitting;
# a pipeline inside the cross-validation prevents it.
# ```

# %% [markdown]
# ## Tuning without peeking: nested cross-validation
#
# $C$, the penalty mix $\rho$ and the solver are *hyperparameters*: you choose them,
# the fit does not. The report chose them with a grid search and then reported the
# score of the best combination. If you pick the combination that scores best on the
# test folds, that score is optimistic: you have selected on the test data. It is a
# second leak, through your choices rather than through the clips
# {cite}`varma2006bias,cawley2010over`.
#
# ### Which combinations exist?
#
# Since scikit-learn 1.8 the penalty is set by `l1_ratio` alone ($\rho$ in
# {eq}`eq-03-objective`): 0 for L2, 1 for L1, in between for the elastic net, and
# `C=np.inf` for no penalty. The older `penalty=` argument is deprecated and will be
# removed in 1.10. Not every solver handles every penalty:
#
# - `lbfgs` and `newton-cg` use gradients (and curvature) of a smooth objective. The L1
#   norm has a kink at zero, so they support only L2 (or no penalty).
# - `liblinear` has separate algorithms for L1 and for L2, but none for their mix.
# - `saga`, a stochastic gradient method with a *proximal* step for the kink, handles
#   L2, L1 and the elastic net.
#
# A grid as a single dictionary would try every solver with every penalty, and the
# invalid pairs fail:

# %%
for solver, l1_ratio in [("lbfgs", 1.0), ("newton-cg", 0.5), ("liblinear", 0.5)]:
    try:
        LogisticRegression(solver=solver, l1_ratio=l1_ratio).fit(X_train, y_train)
    except ValueError as err:
        print(f"{solver:9s} l1_ratio={l1_ratio}: {err}")

# %% [markdown]
# So write the grid as a **list of dictionaries**, one per solver family, each with
# only its valid penalties, and add four values of $C$ to each.

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

# %% [markdown]
# ### Nested cross-validation
#
# *Nested* cross-validation keeps the choice inside the training data. An **outer**
# sentence-grouped split holds out one fold of sentences for testing. On the other
# four folds, an **inner** 3-fold sentence-grouped search picks the hyperparameters;
# the chosen model is refitted on those four folds and scored once on the held-out
# fold. The outer scores estimate the whole procedure, search included.
#
# The inner search ranks candidates by log loss, not accuracy. On inner test folds of
# about 64 clips, accuracy moves in steps of 1/64 and many candidates tie; the log loss
# separates them.

# %%
X = X_all[sets["report4"]]
outer = GroupKFold(n_splits=5, shuffle=True, random_state=0)
inner = GroupKFold(n_splits=3, shuffle=True, random_state=0)
search = GridSearchCV(logistic, param_grid, cv=inner, scoring="neg_log_loss")
rows = []
for fold, (train, test) in enumerate(outer.split(X, labels, groups)):
    search.fit(X.iloc[train], labels[train], groups=groups[train])
    default = logistic.fit(X.iloc[train], labels[train])
    best = {k.split("__")[1]: v for k, v in search.best_params_.items()}
    rows.append(best | {
        "nested": np.mean(search.predict(X.iloc[test]) == labels[test]),
        "default C=1": np.mean(default.predict(X.iloc[test]) == labels[test]),
    })
nested = pd.DataFrame(rows)
print(nested.round(3).to_string())

# %%
peek = GridSearchCV(logistic, param_grid, cv=outer, scoring="accuracy")
peek.fit(X, labels, groups=groups)
print(f"nested CV (search inside training folds): {nested['nested'].mean():.3f}")
print(f"default C=1, same outer folds:            {nested['default C=1'].mean():.3f}")
print(f"best grid score on the outer test folds:  {peek.best_score_:.3f}")

# %% [markdown]
# Three lessons:
#
# - The inner searches agree on an L2 penalty with a weak strength ($C = 10$); only the
#   solver changes. Solvers are algorithms, not models: with the same penalty they
#   reach the same optimum, and the choice between them falls on rounding differences.
#   (`liblinear` also penalises the bias, so it differs slightly.)
# - Tuning barely helps here. Four features and a linear boundary leave little to tune.
# - The score of the best candidate, picked on the test folds, is a little higher than
#   the nested estimate. With 28 candidates and four features the optimism is small; it
#   grows with larger grids, more flexible models and smaller test sets.
#
# These numbers come from one repeat of the outer split (the first of the 5 × 5 scheme
# below), so they differ from the five-repeat mean of 0.694 by the luck of one split.
#
# For the rest of the chapter the logistic regression keeps its defaults ($C = 1$, L2,
# `lbfgs`).
#
# ### What the four weights say
#
# Fit the search once more on all clips outside the fixed test split, and read the
# weights of the chosen model. Because the features are standardised, each weight is
# the change in the *log-odds* $\log \frac{p}{1-p}$ of `slt` when that feature rises by
# one standard deviation, the others fixed. Positive weights push towards `slt`.

# %%
search.fit(X_train, y_train, groups=groups[~is_test])
chosen = search.best_estimator_[-1]
print("chosen:", {k.split("__")[1]: v for k, v in search.best_params_.items()})
weights = pd.Series(chosen.coef_[0], index=sets["report4"], name="weight")
print(weights.round(3).to_string())
print(f"bias: {chosen.intercept_[0]:.3f}")
print("correlations between the four features:")
print(X_all[sets["report4"]].corr().round(2).to_string())

# %% [markdown]
# The weights come in pairs of opposite sign, and the correlation table says why. The
# mean and the standard deviation of the RMS are almost the same number (correlation
# 0.97): both scale with the recording level, which is random per take. The model
# cancels the level by weighing one against the other, and keeps what remains: how much
# the loudness varies *relative to* its mean. The ZCR pair works the same way and
# carries more weight. Read correlated weights as a pair; one of them alone means
# little.

# %% [markdown]
# ## A random forest for comparison
#
# A *decision tree* asks a sequence of yes/no questions about single features
# ("is `zcr_std` above 0.08?") and ends in a leaf that votes for a speaker. One deep
# tree memorises its training clips. A *random forest* {cite}`breiman2001random`
# averages many trees, each grown on a bootstrap resample of the clips and allowed to
# look at a random subset of the features at every split. The averaging cancels much of
# the memorising, and the forest's probability is the fraction of trees that vote for
# `slt`.
#
# Trees compare one feature with a threshold, so scaling does not change them; the
# `StandardScaler` stays only so that every model has the same pipeline. Fix
# `random_state` for repeatable trees, and use one process (`n_jobs=1`).
#
# ### Which features does the forest use?
#
# Two common answers:
#
# - **Impurity importance** (`feature_importances_`): how much each feature's splits
#   purified the leaves, summed over all trees, *on the training clips*.
# - **Permutation importance**: how much the accuracy on *held-out* clips drops when
#   one feature's values are shuffled among them, breaking its link with the speaker.
#
# Compute both in each fold of a sentence-grouped split, and keep the held-out
# probabilities for later (these are the folds `evaluate.out_of_fold_proba` uses).

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
# The two rankings disagree. By impurity, all four features matter about equally. On
# held-out clips, only the ZCR spread helps clearly, and shuffling `rms_mean` costs
# nothing. Impurity importance rewards any feature that the trees used to split the
# training clips, including splits that only fit noise; continuous features with many
# possible thresholds offer many such splits {cite}`strobl2007bias`. The level of each
# take is random, so the trees' `rms_mean` splits learned nothing that transfers.
# Permutation importance on held-out clips measures what transfers. It has its own
# blind spot: when two features carry the same information, shuffling one costs
# little, because the other still carries it.

# %% [markdown]
# ## Reading a classifier's results
#
# Collect *out-of-fold* probabilities: every clip's probability of `slt` comes from a
# model that never heard its sentence. Take the logistic regression and the forest on
# the report's four numbers, and the logistic regression on the 20 spectral-shape
# numbers as a stronger reference.

# %%
proba = {
    "LR, report4": evaluate.out_of_fold_proba(logistic, X_all[sets["report4"]],
                                              labels, groups),
    "RF, report4": proba_forest,
    "LR, spectral": evaluate.out_of_fold_proba(logistic, X_all[sets["spectral"]],
                                               labels, groups),
}
for name, p in proba.items():
    print(f"{name:13s} out-of-fold accuracy {np.mean((p > 0.5) == labels):.3f}")

# %% [markdown]
# ### Confusion matrix
#
# A *confusion matrix* counts, for each true speaker, how the clips were classified at
# the threshold 0.5. The diagonal holds the right answers. Normalised by rows, the
# diagonal shows each speaker's *recall*: the fraction of their clips recognised.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, name in zip(axes, ["LR, report4", "RF, report4"]):
    viz.plot_confusion(labels, (proba[name] > 0.5).astype(int), labels=data.SPEAKERS,
                       ax=ax, normalize="true", title=f"{name}, out of fold")
fig.tight_layout()
plt.show()

# %% [markdown]
# Both models make errors in both directions, and both miss `slt` clips more often
# than `clb` clips: at the threshold 0.5 they lean a little towards `clb`.
#
# *Precision* for a speaker is the fraction of clips *predicted* as that speaker that
# really are theirs; *recall* is the fraction of *their* clips predicted as theirs; the
# *F1 score* is the harmonic mean of the two:
#
# $$
# \text{precision} = \frac{TP}{TP + FP}, \qquad
# \text{recall} = \frac{TP}{TP + FN}, \qquad
# F_1 = \frac{2 \cdot \text{precision} \cdot \text{recall}}
#            {\text{precision} + \text{recall}} ,
# $$ (eq-03-prf)
#
# with true positives $TP$, false positives $FP$ and false negatives $FN$ counted for
# that speaker as the positive class.

# %%
predicted = (proba["LR, report4"] > 0.5).astype(int)
print(classification_report(labels, predicted, target_names=data.SPEAKERS, digits=3))

# %% [markdown]
# ### ROC, precision-recall and reliability
#
# A threshold of 0.5 is one choice among many. The three curves below look at all
# thresholds at once. They are drawn for the report's four numbers, where the models
# make mistakes; the MFCC and full models are right on every clip, and their curves
# would sit in the corners. The spectral model shows what a nearly perfect curve looks
# like.

# %%
axes = viz.plot_classifier_curves(labels, proba, pos_label_name="slt",
                                  title_prefix="Out of fold: ")
plt.show()

# %% [markdown]
# **ROC curve** (left). Each point is one threshold: the fraction of `slt` clips
# accepted (true positive rate) against the fraction of `clb` clips wrongly accepted
# (false positive rate) {cite}`fawcett2006introduction`. Lowering the threshold moves
# the point up and to the right. The diagonal is guessing. The *area under the curve*
# (AUC) is the probability that a random `slt` clip gets a higher score than a random
# `clb` clip; it ignores the threshold altogether.
#
# **Precision-recall curve** (middle). Precision against recall for every threshold;
# the dashed line is the precision of guessing, the fraction of `slt` clips (0.5).
# Its summary, the *average precision* (AP), weighs precision at each recall level. PR
# curves matter most when the positive class is rare, where a ROC curve can look good
# while most accepts are wrong {cite}`davis2006relationship`. Here the classes are
# balanced and the two curves tell a similar story.
#
# **Reliability diagram** (right). Clips are binned by their predicted probability; each
# point shows the fraction of clips in the bin that really are `slt`. A *calibrated*
# model lies on the diagonal: of the clips it gives 0.8, about 80 % are `slt`
# {cite}`niculescu2005predicting`. The *Brier score* {cite}`brier1950verification` is
# the mean squared difference between probability and outcome,
# $\frac{1}{n} \sum_i (p_i - y_i)^2$: 0 is perfect, 0.25 is what always saying 0.5
# gets. The histogram at the bottom shows how many clips each bin holds; bins with few
# clips jump around. The logistic regression follows the diagonal roughly. The
# forest's curve is flatter than the diagonal: when it says 0.85, only about 70 % of
# those clips are `slt`. Its fully grown trees fit noise in the training clips, and
# their votes are more confident than their accuracy. The spectral model puts almost
# every clip in the first or the last bin, and is right.

# %% [markdown]
# ### Choosing a threshold for a use
#
# The report imagined two uses with opposite costs. Take `slt` as the owner of a device.
#
# - **Voice unlock**: accepting `clb` (a false accept) opens someone else's account. Cap
#   the false positive rate at 5 % and accept as many owner clips as that allows.
# - **Assistant**: ignoring the owner (a miss) is the annoying error. Require a true
#   positive rate of 95 % and accept whatever false accepts that costs.
#
# `evaluate.threshold_for` reads both thresholds off the ROC curve of the out-of-fold
# probabilities.

# %%
p = proba["LR, report4"]
operating = {}
for use, constraint in [("voice unlock", {"max_fpr": 0.05}),
                        ("assistant", {"min_tpr": 0.95})]:
    threshold = evaluate.threshold_for(labels, p, **constraint)
    accept = p >= threshold
    operating[use] = {"threshold": threshold, "TPR": accept[labels == 1].mean(),
                      "FPR": accept[labels == 0].mean()}
print(pd.DataFrame(operating).T.round(3).to_string())

# %%
fpr, tpr, _ = roc_curve(labels, p)
fig, ax = plt.subplots(figsize=(5.5, 5))
ax.plot(fpr, tpr, color="C0", label="LR, report4 (out of fold)")
ax.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1, label="chance")
for (use, point), marker in zip(operating.items(), ["o", "s"]):
    ax.plot(point["FPR"], point["TPR"], marker, color="C3", markersize=8,
            label=f"{use}: threshold {point['threshold']:.2f}")
ax.set(title="Two operating points on one ROC curve",
       xlabel="False positive rate (clb accepted)",
       ylabel="True positive rate (slt accepted)")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %% [markdown]
# The curve shows the price of each choice. To keep false accepts under 5 %, this model
# must reject most of its owner's attempts. To hear its owner 95 % of the time, it must
# also answer most of the other speaker's. A model worth deploying for either use needs
# a curve that hugs the top-left corner, like the spectral model's. Pick thresholds on
# out-of-fold scores, as here, never on the final test clips, and expect the rates on
# new data to differ somewhat.

# %% [markdown]
# ## Listening to the mistakes
#
# Which clips does the four-number model get wrong, and what do they have in common?
# Measure a few candidate causes for every clip: its level (RMS of the speech, in
# dBFS), its duration, its take, and its *brightness*: the share of its energy above
# 4 kHz, in dB. The corpus low-passes every take at a random frequency between 3.8 and
# 7.8 kHz and adds a random treble, so recordings differ in brightness.

# %%
sr = features.SR
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
summary = clip_facts.groupby(["speaker", "wrong"]).agg(
    clips=("wrong", "size"),
    level_dbfs=("level_dbfs", "median"),
    duration_s=("duration_s", "median"),
    take=("take", lambda take: np.mean(take == 1)),
    above_4khz_db=("above_4khz_db", "median"),
    zcr_mean=("zcr_mean", "median"),
)
print(summary.round(3).to_string())

# %% [markdown]
# The take does not matter: mistakes are spread evenly over takes 1 and 2. Duration
# moves a quarter of a second towards the other speaker's typical value, small next to
# its spread of about 0.6 s. The `slt` mistakes are about 4 dB quieter than the right
# `slt` clips, while the `clb` mistakes hardly differ in level. The clearest difference
# is brightness, in opposite directions for the two speakers:
#
# - most `clb` clips are bright and have a high ZCR; the `clb` clips heard as `slt` are
#   duller recordings, with about 6 dB less energy above 4 kHz and a lower ZCR;
# - most `slt` clips are duller; the `slt` clips heard as `clb` are the brighter ones.
#
# The model has learned "bright means `clb`". That is partly the voice and partly the
# recording chain, and the four numbers cannot tell the two apart.
#
# Brightness also depends on what is said: hissing consonants put energy above 4 kHz.
# Do the mistakes cluster by sentence? Count, for every sentence, how many of each
# speaker's two takes are wrong.

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

# %% [markdown]
# Mistakes come in sentences. Both takes of a speaker are wrong about twice as often as
# independent errors would be, and no sentence has all four clips wrong. A sentence
# moves the score of all its clips the same way. One with few hissing consonants has a
# low ZCR for everyone, so everyone sounds like `slt`, and the `clb` takes fail; one
# with many hissing consonants makes everyone sound like `clb`, and the `slt` takes
# fail. The summaries did not average the sentence away completely. What is left
# cannot leak the speaker, because it is the same for both speakers, but it is noise
# the four numbers cannot remove.
#
# So the clips that fail share two things: a sentence whose sounds push the ZCR
# against their speaker's habit, and often a recording whose brightness does the same.
# Listen to the three most confident mistakes for each speaker. (The players normalise
# the volume, so you hear the colour, not the level.)

# %%
confidence = np.abs(p - 0.5)
shown = {}
for label, speaker in enumerate(data.SPEAKERS):
    mistakes = np.flatnonzero((labels == label) & (predicted != labels))
    for i in mistakes[np.argsort(-confidence[mistakes], kind="stable")][:3]:
        heard = data.SPEAKERS[predicted[i]]
        zcr = X_all["zcr_mean"].iloc[i]
        shown[f"{corpus['file'].iloc[i]} heard as {heard} "
              f"(p = {p[i]:.2f}, zcr_mean = {zcr:.3f})"] = (clips[i], sr)
viz.audio_table(shown, columns=2)

# %% [markdown]
# Both takes of `s052` by `clb`, and both takes of `s023` by `slt`, are among the six:
# the sentence at work again. Compare their ZCR with the medians in the table above:
# the `clb` clips heard as `slt` sound muffled, with less than half the usual `clb`
# ZCR; the `slt` clips heard as `clb` have more crossings than a typical `slt` clip.

# %% [markdown]
# ## The feature space in two dimensions
#
# A logistic regression on two features can be drawn. Take the report's two ZCR
# numbers, fit the model on all clips (this is a picture, not an estimate), and shade
# each point of the plane by its predicted probability of `slt`. The line $p = 0.5$ is
# the decision boundary, where $\mathbf{w} \cdot \mathbf{x} + b = 0$.

# %%
pair = ["zcr_mean", "zcr_std"]
pair_scores = evaluate.grouped_cv(logistic, X_all[pair], labels, groups,
                                  metrics=("accuracy",))
pair_accuracy = evaluate.summarize(pair_scores).loc["accuracy"]
print(f"two ZCR numbers, sentence-grouped CV accuracy: "
      f"{pair_accuracy['mean']:.3f} ± {pair_accuracy['std']:.3f}")
model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_all[pair], labels)
lo, hi = X_all[pair].min(), X_all[pair].max()
margin = 0.05 * (hi - lo)
xx, yy = np.meshgrid(np.linspace(lo.iloc[0] - margin.iloc[0],
                                 hi.iloc[0] + margin.iloc[0], 200),
                     np.linspace(lo.iloc[1] - margin.iloc[1],
                                 hi.iloc[1] + margin.iloc[1], 200))
plane = pd.DataFrame({pair[0]: xx.ravel(), pair[1]: yy.ravel()})
p_plane = model.predict_proba(plane)[:, 1].reshape(xx.shape)

# %%
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
# Both clouds stretch along a diagonal: clips with a higher mean ZCR also vary more.
# The boundary runs along the clouds, so what separates the speakers is the spread of
# the ZCR *relative to* its mean, higher for `clb`, as the opposite signs of the
# weights said. Near the boundary the clouds overlap, and any line leaves many clips on
# the wrong side. The two ZCR numbers alone score almost as well as all four.
#
# The report also drew three of its numbers in 3D. The view shows the same overlap
# from another angle: the two RMS numbers spread the clips out by recording level, and
# along that direction the speakers stay mixed.

# %%
fig = plt.figure(figsize=(6.5, 5.5))
ax = fig.add_subplot(projection="3d")
for label, speaker in enumerate(data.SPEAKERS):
    rows = labels == label
    ax.scatter(X_all.loc[rows, "rms_mean"], X_all.loc[rows, "rms_std"],
               X_all.loc[rows, "zcr_mean"], s=10, color=["C0", "C3"][label],
               marker=["o", "^"][label], label=speaker)
ax.set(title="Three of the report's numbers", xlabel="rms_mean", ylabel="rms_std",
       zlabel="zcr_mean")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Numbers with spread
#
# One split gives one number, and a different split would give another. Every model
# and feature set now gets 5 × 5 sentence-grouped cross-validation: 25 test folds.
# `evaluate.summarize` reports the mean and standard deviation over the 25 folds and
# the range (2.5th to 97.5th percentile) of the 5 repeat means. That range shows how
# much the estimate depends on the luck of the split; it is not a confidence interval
# for new speakers. Each result goes into the course's table, `voicelab/results.csv`,
# which later chapters extend. The forests take most of the time here.

# %%
models = {"logistic regression": logistic, "random forest": forest}
for (model_name, model), name in [(m, s) for m in models.items() for s in sets]:
    key = (model_name, name)
    if key not in cv_scores:
        cv_scores[key] = evaluate.grouped_cv(model, X_all[sets[name]], labels, groups)
    results.record("03", model_name, name, evaluate.summarize(cv_scores[key]),
                   evaluation="5x5 sentence-grouped CV")
table = results.load_results()
chapter_03 = table[(table["chapter"] == "03")
                   & (table["evaluation"] == "5x5 sentence-grouped CV")]
results.results_table(chapter_03).droplevel(["chapter", "evaluation"])

# %%
results.results_table(chapter_03, metric="roc_auc").droplevel(["chapter", "evaluation"])

# %% [markdown]
# With more than four features, both models are perfect or nearly so, and the corpus
# cannot rank them. On the four numbers the forest scores lower, by less than the
# fold-to-fold standard deviation. Is that noise? Both models were scored on the same
# 25 folds (the same seeds give the same splits), so compare them fold by fold.

# %%
difference = (cv_scores["logistic regression", "report4"]["accuracy"]
              - cv_scores["random forest", "report4"]["accuracy"])
repeats = cv_scores["logistic regression", "report4"]["repeat"]
print(f"LR minus RF on report4, per fold: {difference.mean():.3f} "
      f"± {difference.std(ddof=1):.3f}")
print(f"LR ahead in {(difference > 0).sum()} folds, "
      f"behind in {(difference < 0).sum()}, tied in {(difference == 0).sum()}")
print("per repeat:", difference.groupby(repeats).mean().round(3).tolist())

# %% [markdown]
# The logistic regression is ahead in most folds and in every repeat. The folds share
# training clips, so they are not independent and no simple test applies, but the
# direction is consistent: on four overlapping numbers, the simpler model generalises
# better.
#
# ### The fixed test split
#
# The corpus also ships a fixed split (`corpus["split"]`): 24 test clips from 6
# sentences that no model here was tuned on. Score the chosen model, the logistic
# regression on the 40 MFCC numbers (the smallest set that is perfect in
# cross-validation), and for contrast the one on the report's four numbers. Both are
# fitted on the other 216 clips. The interval comes from a *cluster bootstrap*:
# resample the 6 test sentences with replacement, 2000 times, and take the 2.5th and
# 97.5th percentiles of the metric.

# %%
rows = []
for name in ("mfcc", "report4"):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_all.loc[~is_test, sets[name]], y_train)
    p_test = model.predict_proba(X_all.loc[is_test, sets[name]])[:, 1]
    boot = {}
    for metric in ("accuracy", "roc_auc"):
        point, low, high = evaluate.bootstrap_ci(labels[is_test], p_test, metric,
                                                 groups=groups[is_test], n_boot=2000)
        boot[metric] = {"mean": point, "std": np.nan, "low": low, "high": high,
                        "n": 2000}
        rows.append({"features": name, "metric": metric, "test split": point,
                     "low": low, "high": high})
    results.record("03", "logistic regression", name, pd.DataFrame(boot).T,
                   evaluation="fixed test split, sentence bootstrap")
print(pd.DataFrame(rows).round(3).to_string(index=False))

# %% [markdown]
# The MFCC model classifies all 24 test clips correctly, and every bootstrap resample
# gives 1.0, so the interval collapses to a point. That does not mean the error rate is
# zero. By the "rule of three", no errors in $n$ independent trials bound the error rate
# below about $3/n$ with 95 % confidence: $3/24 = 0.125$ if the clips were independent,
# and up to $3/6 = 0.5$ if only the sentences are. The four-number model's accuracy
# interval spans a quarter of the scale, and its AUC interval reaches from 0.74 to 1.
# A test set of 24 clips can tell a good model from a useless one, and little more;
# the 25 folds of the cross-validation say more.

# %% [markdown]
# ## Summary
#
# - Logistic regression turns a weighted sum of standardised features into a
#   probability with the sigmoid, and is fitted by minimising the log loss plus a
#   penalty; `l1_ratio` selects L2, L1 or elastic net, and not every solver supports
#   every penalty.
# - Split by sentence. A random split of clips let a 1-NN on time-stretched envelopes
#   recognise the other take of a sentence and overstate its accuracy by 0.18; for
#   mean/std summaries the leak happened not to show.
# - Tune hyperparameters inside the training folds (nested cross-validation); the
#   best score on the test folds is an optimistic estimate.
# - Impurity importance describes the training fit; permutation importance on held-out
#   clips describes what generalises. They disagree when features fit noise or share
#   information.
# - Out-of-fold probabilities give confusion matrices, ROC, precision-recall and
#   reliability curves, thresholds for a use (few false accepts or few misses), and
#   the mistakes to listen to: here, clips whose sentence and recording colour push
#   the ZCR against their speaker's habit.
# - Report every number with its spread: 5 × 5 grouped cross-validation for
#   comparisons, and a cluster bootstrap for a small fixed test set.

# %% [markdown]
# ## Exercises
#
# **1. A second leaky representation.** Build the stretched envelope of the
# zero-crossing rate instead of the RMS (100 points per clip, no decibels), and compare
# 1-NN accuracy under the random and the sentence-grouped split. What does the grouped
# number tell you about the ZCR envelope as a speaker feature?
#
# ````{admonition} Solution
# :class: dropdown
# The ZCR envelope identifies the sentence (and its reading) but says almost nothing
# general about the voice: grouped by sentence, 1-NN is at chance, while the random
# split reports about 0.7.
#
# ```python
# zcr_envelopes = []
# for y in clips:
#     zcr = librosa.feature.zero_crossing_rate(
#         y, frame_length=features.FRAME_LENGTH, hop_length=features.HOP_LENGTH)[0]
#     position = np.linspace(0, len(zcr) - 1, N_STRETCH)
#     zcr_envelopes.append(np.interp(position, np.arange(len(zcr)), zcr))
# zcr_envelopes = np.array(zcr_envelopes)
# for protocol_groups in (None, groups):
#     scores = evaluate.grouped_cv(nearest_neighbour, zcr_envelopes, labels,
#                                  protocol_groups, metrics=("accuracy",))
#     print(evaluate.summarize(scores).loc["accuracy", ["mean", "std"]].round(3))
# ```
# ````
#
# **2. Sparse weights.** Fit the L1-penalised logistic regression
# (`solver="liblinear"`, `l1_ratio=1.0`) on the standardised report4 vector for
# $C \in \{0.01, 0.03, 0.1, 0.3, 1\}$ and print the weights. In which order do the
# features enter the model as the penalty weakens? Compare with the permutation
# importances of the forest.
#
# ````{admonition} Solution
# :class: dropdown
# At $C = 0.01$ every weight is exactly zero. `zcr_std` enters first, then `zcr_mean`;
# the two RMS numbers come in last, together and with opposite signs. The L1 path
# agrees with the held-out permutation ranking: the ZCR spread is the most useful
# single number.
#
# ```python
# for C in (0.01, 0.03, 0.1, 0.3, 1.0):
#     sparse = make_pipeline(StandardScaler(), LogisticRegression(
#         solver="liblinear", l1_ratio=1.0, C=C))
#     sparse.fit(X_all[sets["report4"]], labels)
#     print(C, sparse[-1].coef_[0].round(2))
# ```
# ````
#
# **3. Equal error rate.** Speaker verification often quotes the *equal error rate*
# (EER): the error rate at the threshold where false accepts and misses are equally
# frequent, FPR $= 1 -$ TPR. Read it off the ROC curve of the out-of-fold
# probabilities of the four-number logistic regression. Where does that point lie on
# the ROC plot?
#
# ````{admonition} Solution
# :class: dropdown
# It is where the ROC curve crosses the anti-diagonal $\text{TPR} = 1 - \text{FPR}$,
# between the two operating points above. For this model the EER is about 0.3: at that
# threshold, three clips in ten of either speaker are misjudged.
#
# ```python
# fpr, tpr, thresholds = roc_curve(labels, proba["LR, report4"])
# i = np.argmin(np.abs(fpr - (1 - tpr)))
# print(f"EER ≈ {(fpr[i] + 1 - tpr[i]) / 2:.3f} at threshold {thresholds[i]:.3f}")
# ```
# ````

# %% [markdown]
# ## Further reading
#
# - {cite}`hastie2009elements` (chapters 4, 7, 10 and 15) covers logistic regression,
#   cross-validation and its pitfalls, and random forests.
# - {cite}`kohavi1995study` compares cross-validation and the bootstrap for estimating
#   accuracy; {cite}`varma2006bias` and {cite}`cawley2010over` show how selecting
#   hyperparameters on the test folds biases the estimate, and why nesting fixes it.
# - {cite}`kaufman2012leakage` catalogues the ways information leaks into training.
# - {cite}`breiman2001random` introduced random forests; {cite}`strobl2007bias`
#   explains why impurity importance favours some features.
# - {cite}`fawcett2006introduction` is a readable introduction to ROC analysis;
#   {cite}`davis2006relationship` relates ROC and precision-recall curves.
# - {cite}`niculescu2005predicting` compares how well different classifiers'
#   probabilities are calibrated; {cite}`brier1950verification` defined the Brier score
#   for weather forecasts.
# - The scikit-learn user guide {cite}`pedregosa2011scikit` documents the solvers and
#   penalties of `LogisticRegression` and the grouped splitters.
