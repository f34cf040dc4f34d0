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
# # 06 · A CNN that listens
#
# **What you will learn:** how a convolutional network turns a log-mel spectrogram into
# a speaker, how to check its shapes and sizes by hand, and how to test it honestly.
#
# **Where this sits:** after {doc}`05_mel`, which built the input array. Next,
# {doc}`07_augmentation` makes more training data from the same voices.
#
# The report this course retells trained a convolutional network on pictures of mel
# spectrograms. Its validation accuracy climbed to 1.0, and so did its test accuracy.
# But its validation images were the training images, and its test set held 20 images.
# In this chapter you train a compact network on the arrays themselves, check every
# shape and parameter count against a formula, measure what the report's validation
# would have told you, test once on held-out sentences, and look at what the network
# listens to.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
import graphviz
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from voicelab import data, evaluate, melspec, nn, results, viz

LOGMEL = melspec.LOGMEL
sr, hop = LOGMEL.sr, LOGMEL.hop_length

# %% [markdown]
# ## Arrays, not pictures
#
# A convolutional network reads a grid of numbers. The report gave it pictures: each
# mel spectrogram was drawn as a figure with axes, a title and a colour bar, saved as a
# PNG, and resized to 128 × 256 pixels with three colour channels. {doc}`05_mel` showed
# what that costs:
#
# - the pixels include ticks, labels and titles, which the network can learn from;
# - the colour map turns one number into three, rounded to 256 colours;
# - each figure stretches its own clip to the full width, so one pixel column lasts
#   longer in a long clip than in a short one;
# - each figure picks its own colour limits, so one colour means different levels.
#
# Here the network receives the log-mel array of {doc}`05_mel` instead:
# `voicelab.melspec.log_mel_dataset` loads every clip at 16 kHz, pads or crops it to
# 4 s, and returns one 64 × 251 grid of decibels per clip. A column is always 16 ms,
# and a row is always the same mel band. The arrays are cached on disk: if
# {doc}`05_mel` ran before, this reads them in well under a second; on a fresh machine
# it computes them in about 15 s.

# %%
corpus = data.load_corpus()
X_all = melspec.log_mel_dataset(corpus, progress=False)
y_all = corpus["label"].to_numpy()
print(f"X_all: {X_all.shape} (clips, mel bands, frames), {X_all.dtype}")
print(f"labels: {dict(enumerate(data.SPEAKERS))}")
print(corpus.groupby(["split", "speaker"]).size().unstack().to_string())

# %% [markdown]
# ## One length for every clip
#
# A network with a fixed input shape needs every clip to have the same length. The
# course's policy: keep the start, pad short clips with zeros at the end, and crop long
# ones, to `melspec.CLIP_SECONDS` = 4 s. With a hop of $H = 256$ samples and centred
# frames, $n$ samples give $1 + \lfloor n / H \rfloor$ frames ({doc}`02_features`), so
# 4 s at 16 kHz give $1 + \lfloor 64000 / 256 \rfloor = 251$ frames.
#
# {doc}`01_sound_as_data` found a bias in this corpus: `clb` reads about 10 % more
# slowly, so her clips are longer. A fixed length turns that into a visible pattern.
# Count how many frames of each clip are padding.

# %%
assert melspec.n_frames(LOGMEL.clip_seconds) == 1 + 64_000 // hop == X_all.shape[2]
own_frames = np.array([melspec.n_frames(d) for d in corpus["duration_s"]])
corpus["padded_s"] = np.maximum(X_all.shape[2] - own_frames, 0) * hop / sr
corpus["cropped"] = corpus["duration_s"] > LOGMEL.clip_seconds
corpus.groupby("speaker").agg(
    mean_duration_s=("duration_s", "mean"),
    share_cropped=("cropped", "mean"),
    mean_padding_s=("padded_s", "mean"),
).round(2)

# %% [markdown]
# On average `slt`'s clips carry more padding than `clb`'s. The padded frames all hold
# the same value, the `top_db` floor of {doc}`05_mel`, so the network can see where a
# clip ends. A network could therefore learn "a wide block of padding means `slt`":
# a rule about speaking rate, not about the voice. Look at the same sentence read by
# both speakers.

# %%
pair = corpus.query("split == 'train' and sentence_id == 's002' and take == 1")
limits = {"vmin": X_all[pair.index].min(), "vmax": X_all[pair.index].max()}
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2), sharey=True)
for ax, (i, row) in zip(axes, pair.iterrows()):
    viz.plot_spectrogram(X_all[i], sr, hop_length=hop, ax=ax, y_axis="mel",
                         fmin=LOGMEL.fmin, fmax=LOGMEL.fmax, colorbar=ax is axes[1],
                         title=f"{row['speaker']}, s002, padded to 4 s",
                         cmap="magma", **limits)
    ax.axvline(row["duration_s"], color="w", linestyle="--", linewidth=1)
axes[1].set_ylabel("")
fig.tight_layout()
plt.show()

# %% [markdown]
# The dashed line marks the end of each recording; the flat dark block after it is
# padding. Two ways out exist. You can remove the length from the input, for instance
# by cropping every clip to a length shorter than the shortest one. Or you can use a
# network that accepts any length. The network of this chapter can do both, thanks to
# its last convolutional stage, and you will check later whether it learned the
# padding.
#
# ## Convolution arithmetic
#
# A **convolutional layer** slides small filters over its input. A filter of
# $K \times K$ weights, times $C_\text{in}$ input channels, is multiplied with every
# $K \times K$ patch of the input; the sum plus a bias is one output value. Each filter
# makes one output **channel**, so $C_\text{out}$ filters make $C_\text{out}$ maps. A
# **max-pooling** layer keeps the largest value of each $K \times K$ window and has no
# weights.
#
# Along one axis of length $W$, with $P$ zeros added at each end and a step (**stride**)
# of $S$, the window fits at
#
# $$
# W_\text{out} = \left\lfloor \frac{W - K + 2P}{S} \right\rfloor + 1
# $$ (eq-06-conv-size)
#
# positions {cite}`dumoulin2016guide`. Keras' `padding="same"` with $S = 1$ and an odd
# $K$ uses $P = (K - 1) / 2$, which keeps $W_\text{out} = W$. Pooling with a window of
# $p$ is the same formula with $K = S = p$ and $P = 0$.
#
# ```{note}
# The report wrote this formula as $(W - K + 2P) / (S + 1)$. The brackets matter: for
# the 251 frames and a pooling window of 4 (below), that gives 49.4 instead of 62.
# ```
#
# Every filter has $K \cdot K \cdot C_\text{in}$ weights and one bias, and a dense layer
# has one weight per input and one bias per output unit:
#
# $$
# N_\text{conv} = (K \cdot K \cdot C_\text{in} + 1)\, C_\text{out}, \qquad
# N_\text{dense} = (n_\text{in} + 1)\, n_\text{out} .
# $$ (eq-06-params)
#
# `voicelab.nn.build_cnn` builds the network of this chapter. Three convolutional
# layers of 16, 32 and 64 filters of 3 × 3 are separated by two max-poolings. Then
# **global average pooling** averages each of the 64 maps over all its positions, so
# the rest of the network sees 64 numbers whatever the input's size. A dropout layer,
# a dense layer of 32 units and a single output unit with a sigmoid follow. The first
# layer, a `Normalization`, scales every mel band to mean 0 and variance 1 with
# statistics of the **training** clips only: statistics that include validation or
# test clips let them shape the model.
#
# Two settings differ from `build_cnn`'s defaults: pooling windows of 4 instead of 2,
# and a learning rate of 0.003 instead of 0.001. They were chosen on the validation
# split while this chapter was written (exercise 3 shows the defaults). The first call
# to `voicelab.nn` imports TensorFlow, which takes a few seconds.

# %%
is_train = corpus["split"].eq("train").to_numpy()
is_val = corpus["split"].eq("val").to_numpy()
is_test = corpus["split"].eq("test").to_numpy()
X_train, y_train = X_all[is_train], y_all[is_train]
X_val, y_val = X_all[is_val], y_all[is_val]
X_test, y_test = X_all[is_test], y_all[is_test]

POOL, LEARNING_RATE = 4, 3e-3
stats = nn.normalization_stats(X_train)
nn.set_seed(0)
model = nn.build_cnn(pool=POOL, learning_rate=LEARNING_RATE, normalize=stats)
print(f"train {X_train.shape}, val {X_val.shape}, test {X_test.shape}")
print(f"normalisation: {stats[0].shape[0]} band means from "
      f"{stats[0].min():.1f} to {stats[0].max():.1f} dB")

# %% [markdown]
# Now follow an input through the network by hand. Start from the shape of one clip,
# apply {eq}`eq-06-conv-size` and {eq}`eq-06-params` layer by layer, and compare with
# the output shape and parameter count that Keras reports for each layer.

# %%
def out_size(w, k, p, s):
    return (w - k + 2 * p) // s + 1


shape, rows = (*X_train.shape[1:], 1), []
for layer in model.layers:
    kind, before, params = type(layer).__name__, shape, 0
    if kind == "Conv2D":
        k, c_in = layer.kernel_size[0], shape[2]
        assert layer.padding == "same" and layer.strides == (1, 1) and k % 2 == 1
        shape = (*(out_size(w, k, (k - 1) // 2, 1) for w in shape[:2]), layer.filters)
        params = (k * k * c_in + 1) * layer.filters
    elif kind == "MaxPooling2D":
        p = layer.pool_size[0]
        shape = (*(out_size(w, p, 0, p) for w in shape[:2]), shape[2])
        assert shape[:2] == tuple(nn.conv_output_size(w, p, stride=p)
                                  for w in before[:2])
    elif kind == "GlobalAveragePooling2D":
        shape = (shape[2],)
    elif kind == "Dense":
        params = (shape[0] + 1) * layer.units
        shape = (layer.units,)
    assert tuple(layer.output.shape[1:]) == shape, layer.name
    assert layer.count_params() == params, layer.name
    rows.append({"layer": layer.name, "type": kind, "by hand": shape,
                 "Keras": tuple(layer.output.shape[1:]), "params": params})
arithmetic = pd.DataFrame(rows).set_index("layer")
print(arithmetic.to_string())
print(f"total: {arithmetic['params'].sum():,} by hand, {model.count_params():,} Keras")

# %% [markdown]
# Every shape and every count agrees. Read the pooling rows: 64 bands become
# $\lfloor (64 - 4) / 4 \rfloor + 1 = 16$, and 251 frames become
# $\lfloor 247 / 4 \rfloor + 1 = 62$; the last three frames do not fill a window and
# are dropped. The `Normalization` layer holds 64 means and 64 variances, but they are
# constants, not weights, so Keras counts 0 parameters for it. The model has 25,409
# weights in all, and 23,296 of them sit in the convolutions.
#
# ### The report's network, for comparison
#
# The report's network used `padding="valid"` ($P = 0$) on 128 × 256 × 3 pictures,
# pooling windows of 2, and no global pooling: it flattened the last maps into one long
# vector and connected every number of it to 128 dense units. Build it (untrained) and
# check its shapes and size with the same formulas.

# %%
import keras  # noqa: E402  (after voicelab.nn, which imported it quietly)

layers = keras.layers
report_model = keras.Sequential([
    keras.Input((128, 256, 3)),
    layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Conv2D(128, 3, activation="relu"), layers.MaxPooling2D(2),
    layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dropout(0.5),
    layers.Dense(1, activation="sigmoid"),
], name="report_cnn")

h, w, c = 128, 256, 3
for filters in (32, 64, 128):
    h, w = out_size(h, 3, 0, 1), out_size(w, 3, 0, 1)
    h, w, c = out_size(h, 2, 0, 2), out_size(w, 2, 0, 2), filters
flat = h * w * c
assert report_model.get_layer(index=6).output.shape[1:] == (flat,)
dense_params = (flat + 1) * 128
total = ((3 * 3 * 3 + 1) * 32 + (3 * 3 * 32 + 1) * 64 + (3 * 3 * 64 + 1) * 128
         + dense_params + (128 + 1) * 1)
assert report_model.count_params() == total
print(f"last maps {h} x {w} x {c} -> flattened to {flat:,} numbers")
print(f"report's network: {total:,} parameters, {dense_params / total:.1%} of them "
      f"in the first dense layer")
print(f"this chapter's:   {model.count_params():,} parameters")

# %% [markdown]
# The report's network has about 275 times more parameters than this one, and 99 % of
# them connect every position of the last maps to the dense layer. Such a layer can
# tie a decision to *where* a pattern appears: at a given time in the clip, or to a
# tick label at a given place in the picture. Trained on 80 pictures, it had about
# 87,000 weights per training example. Global average pooling replaces those weights
# by an average {cite}`lin2014network`: a filter that fires on a voice pattern counts
# the same wherever the pattern occurs.
#
# ### How much of the spectrogram does a filter see?
#
# A value deep in the network depends on a patch of the input, its **receptive field**.
# Let $j_\ell$ be the distance, in input cells, between neighbouring values of layer
# $\ell$, and $r_\ell$ the width of the receptive field. Start from $r_0 = j_0 = 1$. A
# layer with window $K_\ell$ and stride $S_\ell$ gives
#
# $$
# r_\ell = r_{\ell - 1} + (K_\ell - 1)\, j_{\ell - 1}, \qquad
# j_\ell = j_{\ell - 1}\, S_\ell .
# $$ (eq-06-receptive)
#
# Compute it for pooling windows of 2 (the default) and 4. Then check it: build the
# same stack with all weights equal to 1 and *average* pooling, and count which input
# cells have a non-zero gradient for one value of the last convolution. (Max pooling
# passes the gradient to one cell per window only, so it would hide most of the field;
# the field itself depends on the geometry alone.) Every new network compiles its own
# functions, and TensorFlow warns when that happens often; in this chapter it is
# expected, so the cell also turns TensorFlow's warnings off.

# %%
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")


def receptive_field(pool):
    r, j = 1, 1
    for k, s in [(3, 1), (pool, pool), (3, 1), (pool, pool), (3, 1)]:
        r, j = r + (k - 1) * j, j * s
    return r


def measured_field(pool, size=160):
    conv = dict(padding="same", use_bias=False, kernel_initializer="ones")
    probe = keras.Sequential([
        keras.Input((size, size, 1)),
        layers.Conv2D(1, 3, **conv), layers.AveragePooling2D(pool),
        layers.Conv2D(1, 3, **conv), layers.AveragePooling2D(pool),
        layers.Conv2D(1, 3, **conv),
    ])
    x = tf.zeros((1, size, size, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = probe(x)
        centre = out[0, out.shape[1] // 2, out.shape[2] // 2, 0]
    touched = tape.gradient(centre, x).numpy()[0, :, :, 0] != 0
    return int(touched.any(axis=1).sum()), int(touched.any(axis=0).sum())


for pool in (2, 4):
    r = receptive_field(pool)
    assert measured_field(pool) == (r, r)
    print(f"pool {pool}: conv3 sees {r} x {r} cells: {r} of 64 mel bands "
          f"({r / LOGMEL.n_mels:.0%}), {r * hop / sr:.2f} s")

# %% [markdown]
# With pooling windows of 2, a filter of the last convolution sees 18 of the 64 mel
# bands at once. With windows of 4 it sees 58, nearly the whole spectrum. A voice
# differs from another in how its energy is spread over the whole frequency range, the
# spectral envelope that the MFCCs of {doc}`02_features` summarise. The wider field
# lets one filter compare low and high bands directly, and in the trials behind this
# chapter it learned several times faster.
#
# ### The architecture, drawn
#
# `keras.utils.plot_model(model, show_shapes=True)` draws a model, but it needs the
# `pydot` package. The same drawing takes a few lines with `graphviz`: one box per
# layer, with its name, type, output shape and parameter count, read from
# `model.layers`.

# %%
graph = graphviz.Digraph(
    "voice_cnn", graph_attr={"rankdir": "TB", "ranksep": "0.15"},
    node_attr={"shape": "record", "fontname": "Helvetica", "fontsize": "10",
               "height": "0.3"},
)
for layer in model.layers:
    shape = " × ".join(str(s) for s in layer.output.shape[1:])
    graph.node(layer.name, f"{layer.name}|{type(layer).__name__}|{shape}|"
               f"{layer.count_params():,} params")
for before, after in zip(model.layers[:-1], model.layers[1:]):
    graph.edge(before.name, after.name)
graph

# %% [markdown]
# ## Training on sentences the network has not seen
#
# The corpus comes with a fixed split by sentence ({doc}`03_classical_ml`): 48
# sentences for training, 6 for validation and 6 for testing. No sentence has clips on
# two sides, so a score cannot come from recognising a sentence or its other take.
#
# `voicelab.nn.fit` trains with the Adam optimiser {cite}`kingma2015adam` on the binary
# cross-entropy, in batches of 16 clips shuffled anew every epoch. Dropout
# {cite}`srivastava2014dropout` zeroes 30 % of the 64 pooled values at random during
# training. After each epoch `fit` measures the loss on the validation clips; it stops
# when that loss has not improved for 4 epochs (**early stopping**), and keeps the
# weights of the best epoch. The validation clips thus choose the epoch: they are part
# of the training procedure. The log prints every fifth epoch; its last digits can vary
# between machines, so the tests ignore it.

# %% tags=["nbval-ignore-output"]
EPOCHS, PATIENCE = 20, 4
history = nn.fit(model, X_train, y_train, X_val, y_val, epochs=EPOCHS,
                 patience=PATIENCE, seed=0)

# %%
logs = history.history
best = int(np.argmin(logs["val_loss"]))
print(f"trained {len(history.epoch)} epochs, kept epoch {best + 1}: "
      f"val_loss {logs['val_loss'][best]:.3f}, "
      f"val_accuracy {logs['val_accuracy'][best]:.3f}")
nn.plot_history(history, title="Training on 48 sentences, validating on 6 others")
plt.show()

# %% [markdown]
# For the first six epochs both losses stay near $\ln 2 \approx 0.69$, the loss of a
# network that answers 0.5 for every clip. Then the network finds the voices: the
# validation loss falls towards zero, and a few epochs later every validation clip is
# classified correctly. Early stopping never fired: the validation loss was still
# falling at epoch 20, so the limit of 20 epochs ended the training. The training loss
# stays above the validation loss. That is not a leak: the training loss is measured
# with dropout switched on, and averaged over an epoch in which the weights still
# change.
#
# ## What a leaky validation set would have told you
#
# The report validated on its training images: the folder it passed as validation data
# was the training folder. A validation score measured on clips that the network
# trained on measures memory, not generalisation. How misleading is it?
#
# Measure it at the report's size: 80 training clips, the clips of the first 20
# training sentences. Train the same network twice with the same seed. Once it is
# validated on the 24 clips of the validation sentences, as above; once on its own 80
# training clips, as in the report. Validation does not change the weights, so both
# runs produce exactly the same network epoch after epoch; only the measuring stick
# differs. Both runs go the full 20 epochs (`patience=None`), so that the curves can be
# compared.

# %% tags=["nbval-ignore-output"]
first_20 = sorted(corpus.loc[is_train, "sentence_id"].unique())[:20]
is_small = is_train & corpus["sentence_id"].isin(first_20).to_numpy()
X_small, y_small = X_all[is_small], y_all[is_small]
checks = {"honest: 6 other sentences": (X_val, y_val),
          "leaky: the training clips": (X_small, y_small)}
leak_runs = {}
for name, (X_check, y_check) in checks.items():
    nn.set_seed(0)
    small_model = nn.build_cnn(pool=POOL, learning_rate=LEARNING_RATE,
                               normalize=nn.normalization_stats(X_small))
    leak_runs[name] = nn.fit(small_model, X_small, y_small, X_check, y_check,
                             epochs=EPOCHS, patience=None, seed=0, verbose_every=0)

# %%
honest, leaky = (run.history for run in leak_runs.values())
assert honest["loss"] == leaky["loss"]
print(f"{len(X_small)} training clips; identical training losses in both runs")
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
epochs = np.arange(1, EPOCHS + 1)
for (name, run), color in zip(leak_runs.items(), ["C1", "C3"]):
    axes[0].plot(epochs, run.history["val_loss"], color=color, marker=".", label=name)
    axes[1].plot(epochs, run.history["val_accuracy"], color=color, marker=".",
                 label=name)
axes[0].set(xlabel="Epoch", ylabel="Validation loss (cross-entropy)",
            title="Same network, two validation sets: loss")
axes[1].set(xlabel="Epoch", ylabel="Validation accuracy", ylim=(0.4, 1.02),
            title="Same network, two validation sets: accuracy")
axes[1].legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()
for name, run in leak_runs.items():
    pick = int(np.argmin(run.history["val_loss"]))
    print(f"{name:>26}: picks epoch {pick + 1:2d}, where it reports accuracy "
          f"{run.history['val_accuracy'][pick]:.2f}, loss "
          f"{run.history['val_loss'][pick]:.2f}")
leaky_pick = int(np.argmin(leaky["val_loss"]))
print(f"at epoch {leaky_pick + 1}, the honest validation set says accuracy "
      f"{honest['val_accuracy'][leaky_pick]:.2f}, "
      f"loss {honest['val_loss'][leaky_pick]:.2f}")

# %% [markdown]
# From the third epoch on, the leaky curve lies above the honest one, and it climbs
# smoothly, as if the network kept improving. At epoch 20 it reports an accuracy of
# 0.85 where the honest set reports 0.62. It also steers the training: its loss falls
# until the last epoch, so early stopping would keep epoch 20, which the honest set
# rates worse than epoch 19. The honest curve is jumpy because it rests on 24 clips,
# and one clip is 4 % of accuracy; but it is the only one of the two that measures
# what you want to know. The report's curve, which reached 1.0, was the red one: a
# statement about memory.
#
# With all 48 training sentences, the network of this chapter generalises so well that
# the two curves nearly coincide (exercise 2). A leak does not always inflate a number.
# But without an honest set you cannot tell whether it did.
#
# ```{warning}
# Validation data is part of training: it picks the epoch, the architecture and the
# learning rate. It must not overlap the training data, and the test data must stay
# out of both. A partial overlap leaks too: a random split of clips puts the other take
# of a training sentence into validation ({doc}`03_classical_ml`). See
# {cite}`kaufman2012leakage` for the many shapes of leakage.
# ```
#
# ## The test, once
#
# The recipe is now fixed: architecture, learning rate, epochs, patience. Only now do
# you score the 24 test clips, once. The confusion matrix counts the clips at the
# threshold 0.5.

# %%
p_test = nn.predict_proba(model, X_test)
test_scores = {name: evaluate.METRICS[name](y_test, p_test)
               for name in ("accuracy", "roc_auc", "log_loss", "brier")}
print("test split:", {name: round(v, 3) for name, v in test_scores.items()})
viz.plot_confusion(y_test, (p_test > 0.5).astype(int), labels=data.SPEAKERS,
                   title="CNN on the 24 test clips (threshold 0.5)")
plt.show()

# %% [markdown]
# Every test clip is classified correctly, as the MFCC models of
# {doc}`03_classical_ml` did. Accuracy cannot say more, so look at the confidence. The
# **log loss** is the mean of $-\ln p_\text{true}$, where $p_\text{true}$ is the
# probability the network gives to the right speaker; the **Brier score** is the mean
# of $(p - y)^2$. A log loss of 0.005 means that the right speaker gets, on average (a
# geometric mean), a probability of $e^{-0.005} \approx 0.995$.
#
# Twenty-four clips from six sentences are a small sample. A **cluster bootstrap**
# ({doc}`03_classical_ml`) resamples the six test sentences with replacement, 2000
# times, and recomputes the metric on each resample; the 2.5th and 97.5th percentiles
# give a 95 % interval. It shows how much the number would move with other test
# sentences, for this one trained network.

# %%
test_groups = corpus.loc[is_test, "sentence_id"].to_numpy()
boot = {}
for metric in ("accuracy", "roc_auc", "log_loss", "brier"):
    point, low, high = evaluate.bootstrap_ci(y_test, p_test, metric,
                                             groups=test_groups, n_boot=2000)
    boot[metric] = {"mean": point, "std": np.nan, "low": low, "high": high,
                    "n": 2000}
    print(f"{metric:>9}: {point:.3f}, 95 % interval [{low:.3f}, {high:.3f}], "
          f"width {high - low:.3f}")

# %% [markdown]
# The accuracy interval has width 0: every resample of six perfect sentences is
# perfect. The bootstrap cannot show an error that the sample does not contain. The
# "rule of three" of {doc}`03_classical_ml` gives a better sense of scale: with no
# error in $n$ independent trials, the error rate is below about $3/n$ with 95 %
# confidence. That is $3/24 = 0.125$ if the 24 clips were independent, and $3/6 = 0.5$
# if only the six sentences are. The log-loss interval, from 0.001 to 0.011, spans a
# factor of about ten: how confident the network looks depends on which sentences you
# happen to test.
#
# ### Spread over seeds
#
# One training run is one draw: the initial weights, the dropout masks and the order of
# the batches all come from the seed. `voicelab.nn.repeat_training` repeats the whole
# recipe for three seeds, on the same split, and scores each network on the test clips.
# Seed 0 is the network above, trained again: it must give the same numbers. Each
# training takes 10 to 20 s on two cores.

# %% tags=["nbval-ignore-output"]
seed_scores = nn.repeat_training(
    lambda X: nn.build_cnn(pool=POOL, learning_rate=LEARNING_RATE,
                           normalize=nn.normalization_stats(X)),
    lambda seed: (X_train, y_train, X_val, y_val, X_test, y_test),
    seeds=[0, 1, 2], epochs=EPOCHS, patience=PATIENCE,
)

# %%
assert seed_scores.loc[0, "accuracy"] == test_scores["accuracy"]
np.testing.assert_allclose(seed_scores.loc[0, "log_loss"], test_scores["log_loss"],
                           rtol=1e-6)
print(seed_scores.drop(columns=["repeat", "fold"]).round(3).to_string())
seed_summary = evaluate.summarize(seed_scores.drop(columns="epochs_trained"))
seed_summary.round(3)

# %% [markdown]
# All three networks classify every test clip correctly, with a log loss of
# 0.004 ± 0.001 (mean ± standard deviation over the seeds). The seed moves the
# confidence a little and the decisions not at all, and seed 0 reproduces the first
# network exactly. This spread covers the randomness of training only: all three
# networks were tested on the same six sentences.
#
# Record both views in the course's results table: the mean and spread over the three
# seeds, and the bootstrap interval of the seed-0 network, labelled as in
# {doc}`03_classical_ml`. Then compare with the earlier chapters: the rows for the
# report's four numbers, for the 40 MFCC numbers, and for the log-mel CNN.

# %%
results.record("06", "CNN", "log-mel", seed_summary,
               evaluation="3 seeds, fixed test split")
table = results.record("06", "CNN", "log-mel", pd.DataFrame(boot).T,
                       evaluation="fixed test split, sentence bootstrap")
comparable = table[(table["chapter"] <= "06")
                   & table["features"].isin(["report4", "mfcc", "log-mel"])]
results.results_table(comparable)

# %%
results.results_table(comparable, metric="log_loss")

# %% [markdown]
# On accuracy the CNN ties with the MFCC models of {doc}`03_classical_ml`: all score
# 1.0, where the report's four numbers reach about 0.7. The log loss separates them a
# little. The CNN's 0.004 matches the logistic regression on 40 MFCC numbers (0.004
# over 25 folds) and is well below the random forest on the same numbers (0.039). The
# protocols differ: chapter 03 cross-validated over all 60 sentences, while the CNN
# was tested on six. So the honest conclusion is modest. This corpus is too clean to
# rank these models, and on it the CNN buys nothing over a linear model on MFCCs, for
# 10 to 20 s of training per seed instead of milliseconds.
#
# ## Did it learn the padding?
#
# Return to the question from the start. If the network used the width of the padding,
# its answers would change when every clip gets the *same* padding. Make three new
# versions of the test clips:
#
# - **uniform padding**: keep the first 1.75 s of every clip (the shortest clip in the
#   corpus lasts 1.78 s, so every clip is cut), then pad to 4 s. Every clip now ends
#   with exactly the same 2.25 s of zeros.
# - **no padding at all**: keep the same 1.75 s and nothing else, 110 frames. The
#   trained network expects 251 frames, but its weights do not depend on the length:
#   global average pooling takes the mean over however many positions there are. Build
#   the same network for inputs of any length (`input_shape=(64, None, 1)`) and copy
#   the trained weights into it.
# - **padding only**: 251 frames that all hold a clip's padding value, with no speech
#   at all. Whatever the network answers here is the vote of the padding alone.

# %%
def scores(p):
    return {"accuracy": evaluate.METRICS["accuracy"](y_test, p),
            "log loss": evaluate.METRICS["log_loss"](y_test, p),
            "mean P(slt), clb clips": p[y_test == 0].mean(),
            "mean P(slt), slt clips": p[y_test == 1].mean()}


test_clips = corpus[is_test].reset_index(drop=True)
X_short = melspec.log_mel_dataset(test_clips, seconds=1.75, progress=False)
X_uniform = np.stack([
    melspec.log_mel(melspec.fixed_length(melspec.fixed_length(clip, 1.75), 4.0))
    for clip in data.load_clips(test_clips)
])
X_padding_only = np.repeat(X_uniform[:, :, -1:], X_all.shape[2], axis=2)
any_length = nn.build_cnn((LOGMEL.n_mels, None, 1), pool=POOL, normalize=stats)
any_length.set_weights(model.get_weights())
np.testing.assert_allclose(nn.predict_proba(any_length, X_test), p_test, atol=1e-5)

variants = {
    "as trained (4 s, own padding)": p_test,
    "first 1.75 s + 2.25 s padding": nn.predict_proba(model, X_uniform),
    "first 1.75 s, no padding": nn.predict_proba(any_length, X_short),
    "padding only, no speech": nn.predict_proba(model, X_padding_only),
}
pd.DataFrame({name: scores(p) for name, p in variants.items()}).T.round(3)

# %% [markdown]
# In the first three rows no answer flips. On the first 1.75 s alone, without any
# padding, the network is as confident as on the whole clip: it needs neither the
# padding nor the end of the sentence. But the padding is not neutral. On its own it
# votes for `slt`, with a probability between 0.6 and 0.7. Uniform padding of 2.25 s,
# far more than the 0.39 s that a `clb` clip carries on average, pulls the `clb` clips
# from 0.002 to about 0.03. The network did learn a little of "much padding means
# `slt`".
# Here the voice outweighs it; in a clip with weaker evidence the same bias could tip
# the answer. Reading clips at their own length, without padding, avoids the question.
#
# ## A look inside
#
# A trained network is a function of 25,409 numbers; reading them tells you little.
# Two cheap tools ask instead which parts of one input the answer depends on.
#
# A **saliency map** {cite}`simonyan2014deep` is the size of the gradient of the output
# probability $p$ with respect to every input cell,
#
# $$
# M_{b,t} = \left| \frac{\partial p}{\partial x_{b,t}} \right| ,
# $$ (eq-06-saliency)
#
# for mel band $b$ and frame $t$: a large value means that a small change of that cell
# would move the answer. **Grad-CAM** {cite}`selvaraju2017gradcam` works one level up,
# on the $K$ maps $A^k$ of the last convolution. It weights each map by the mean
# gradient of the score $z$ (the logit, before the sigmoid) over the map's $Z$
# positions, and keeps the positive part of the weighted sum:
#
# $$
# \alpha_k = \frac{1}{Z} \sum_{i,j} \frac{\partial z}{\partial A^k_{ij}}, \qquad
# L = \operatorname{ReLU}\Bigl(\sum_k \alpha_k A^k\Bigr) .
# $$ (eq-06-gradcam)
#
# For `clb` the score is $-z$, the evidence for class 0. The map has the size of the
# last convolution, here 4 × 15, and is stretched to 64 × 251 for display: it is coarse
# by construction. Saliency maps are speckled from cell to cell, so the figure smooths
# them a little.
#
# Take the first take of one test sentence, read by each speaker. In the lower rows the
# log-mel is drawn in grey, and the map in colour, more opaque where it is larger.

# %%
from scipy.ndimage import gaussian_filter  # noqa: E402

first_test = test_clips["sentence_id"].min()
examples = test_clips.query("sentence_id == @first_test and take == 1")
fig, axes = plt.subplots(3, 2, figsize=(11, 8), sharex=True, sharey=True)
extent = [0, X_all.shape[2] * hop / sr, 0, LOGMEL.n_mels]
for column, (i, row) in enumerate(examples.iterrows()):
    x, p = X_test[i], p_test[i]
    maps = {"saliency |dp/dx|, smoothed": gaussian_filter(nn.saliency(model, x), 1.5),
            "Grad-CAM": nn.grad_cam(model, x, target=int(row["label"]))}
    axes[0, column].imshow(x, origin="lower", aspect="auto", cmap="magma",
                           extent=extent)
    axes[0, column].set_title(f"{row['speaker']}, {row['sentence_id']}: log-mel "
                              f"(P(slt) = {p:.3f})")
    for ax, (name, m) in zip(axes[1:, column], maps.items()):
        m = m / m.max()
        ax.imshow(x, origin="lower", aspect="auto", cmap="gray", extent=extent)
        ax.imshow(m, origin="lower", aspect="auto", cmap="plasma", alpha=m,
                  extent=extent, vmin=0, vmax=1)
        ax.set_title(f"{row['speaker']}: {name} (evidence for {row['speaker']})"
                     if name == "Grad-CAM" else f"{row['speaker']}: {name}")
    for ax in axes[:, column]:
        ax.axvline(row["duration_s"], color="w", linestyle="--", linewidth=1)
for ax in axes[-1]:
    ax.set_xlabel("Time (s)")
for ax in axes[:, 0]:
    ax.set_ylabel("Mel band")
fig.tight_layout()
plt.show()

# %% [markdown]
# One map for one clip can mislead. Measure over all 24 test clips where the saliency
# goes: into the padding or the speech; into the loud cells, within 20 dB of the clip's
# maximum, where the voiced harmonics are; and into three frequency ranges. Below
# 1 kHz lie the fundamental (about 180 Hz), the low harmonics and the first formant.
# Above 4 kHz lie the hiss of consonants and the top edge of each recording: the
# corpus low-passes every take at a cutoff drawn at random between 3.8 and 7.8 kHz.
# Compare each share of saliency with the share of cells in that region.

# %%
centres = melspec.mel_to_hz(np.linspace(melspec.hz_to_mel(LOGMEL.fmin),
                                        melspec.hz_to_mel(LOGMEL.fmax),
                                        LOGMEL.n_mels + 2))[1:-1]
bands = {"below 1 kHz": centres < 1_000,
         "1-4 kHz": (centres >= 1_000) & (centres < 4_000),
         "above 4 kHz": centres >= 4_000}
padding = np.arange(X_all.shape[2]) >= own_frames[is_test][:, np.newaxis]
saliency_maps = np.stack([nn.saliency(model, x) for x in X_test])
saliency_maps /= saliency_maps.sum(axis=(1, 2), keepdims=True)
share_saliency, share_cells = [], []
for m, x, pad in zip(saliency_maps, X_test, padding):
    regions = {"padding": np.broadcast_to(pad, x.shape),
               "loud cells": x > x.max() - 20,
               **{name: np.broadcast_to(band[:, np.newaxis], x.shape)
                  for name, band in bands.items()}}
    share_saliency.append({name: m[cells].sum() for name, cells in regions.items()})
    share_cells.append({name: cells.mean() for name, cells in regions.items()})
pd.DataFrame({"share of saliency": pd.DataFrame(share_saliency).mean(),
              "share of cells": pd.DataFrame(share_cells).mean()}).round(3)

# %% [markdown]
# The padding holds a fifth of the cells and gets about 5 % of the saliency, and the
# loud cells get less than their share. The bands above 4 kHz, a fifth of the cells,
# get more than half of it. Plot the share of each mel band.

# %%
fig, ax = plt.subplots(figsize=(8, 3))
ax.axvspan(3_800, 7_800, color="0.9", label="range of the takes' low-pass cutoffs")
ax.plot(centres, saliency_maps.sum(axis=2).mean(axis=0), marker=".",
        label="mean share of saliency")
ax.axhline(1 / LOGMEL.n_mels, color="k", linestyle="--", linewidth=0.8,
           label="equal share (1/64)")
ax.set_xscale("log")
ax.set(xlabel="Mel band centre frequency (Hz)", ylabel="Share of saliency",
       title="Where the saliency goes, averaged over the 24 test clips")
ax.legend(loc="upper left", fontsize=8)
plt.show()

# %% [markdown]
# A gradient only says where a *small* change would matter. To test whether the
# network *needs* a region, remove it: set its mel bands to the clip's lowest value,
# as if the recording held nothing there, and score the test clips again.

# %%
floor = X_test.min(axis=(1, 2), keepdims=True)
masks = {"nothing": np.zeros(LOGMEL.n_mels, dtype=bool), **bands,
         "everything below 4 kHz": centres < 4_000}
occluded = {}
for name, band in masks.items():
    X_masked = X_test.copy()
    X_masked[:, band, :] = floor
    occluded[f"bands removed: {name}"] = scores(nn.predict_proba(model, X_masked))
pd.DataFrame(occluded).T.round(3)

# %% [markdown]
# Removing the bands above 4 kHz sends every `slt` clip to `clb`: accuracy 0.5.
# Removing everything *below* 4 kHz changes no answer. The network decides from the
# top of the spectrum, and the maps agreed: the saliency rises steeply above about
# 4.5 kHz, and Grad-CAM lights up the upper half of the mel bands, in the middle of the
# sentence, not in the padding.
#
# Is that the low-pass edge of the recording chain? Not by itself: the corpus draws the
# cutoff at random for every take, from the same range for both speakers, so its
# position says nothing about who speaks. What the network uses is how each voice
# fills the bands above 4 kHz, as far as each take's filter lets them through: the
# hiss of *s* and *f*, breath, the synthesiser's own high-frequency character. It
# hardly uses the voiced harmonics: the loud cells and the bands below 1 kHz get less
# than their share of the saliency, and removing the bands below 1 kHz costs one clip
# and some confidence.
#
# A listener might have expected pitch to decide. The network found another cue,
# sufficient on this corpus. Whether it is "the voice" is a question about the data,
# not about the network. In real recordings made with two different phones, the top
# octave would carry the phone as much as the voice, and the same network would learn
# the phone.
#
# ```{note}
# Saliency and Grad-CAM describe the network near one input, not what it
# "understood". A saliency map can look plausible even for a network with random
# weights {cite}`adebayo2018sanity`. Use them to raise questions, such as "does it
# look at the padding?" or "does it need the high bands?", and answer those with a
# controlled test, as you did here.
# ```
#
# ## Scaling up on a GPU
#
# Everything here runs on two CPU cores in about two minutes. On a GPU the same code
# runs unchanged and each epoch takes a fraction of a second, which buys room for a
# bigger experiment:
#
# - In Colab, choose *Runtime → Change runtime type → GPU*, then check that TensorFlow
#   sees it with `tf.config.list_physical_devices("GPU")`.
# - Use more filters, e.g. `filters=(32, 64, 128)`, or a fourth block; more epochs,
#   e.g. 100 with `patience=10`; and larger batches, e.g. `batch_size=64`, with a
#   somewhat larger learning rate.
# - Spend the time on honest spread rather than on one big run: more seeds, or a new
#   sentence-grouped split for every seed in `repeat_training`'s `data_fn`
#   (`voicelab.data.make_splits(corpus, seed=seed)`).
# - `nn.set_seed` switches on TensorFlow's op determinism. On a GPU it makes some
#   operations slower, and the numbers still differ from the CPU's in the last digits.
#
# ## Summary
#
# - Give a network the log-mel array, not a picture of it. Fix the length (pad or crop
#   to 4 s), and remember that padding shows how long a clip was.
# - An output length is $\lfloor (W - K + 2P)/S \rfloor + 1$; a convolution has
#   $(K K C_\text{in} + 1) C_\text{out}$ parameters and a dense layer
#   $(n_\text{in} + 1) n_\text{out}$. Check both against the model, layer by layer.
# - Global average pooling keeps the network small (25,409 parameters instead of the
#   report's 7 million) and lets it read clips of any length; wider pooling widens the
#   receptive field.
# - Validation clips choose the epoch, so they must not overlap the training clips.
#   Score the test clips once, with a cluster-bootstrap interval and a spread over
#   seeds.
# - On this clean corpus the CNN gets all 24 test clips right for three seeds (log
#   loss 0.004 ± 0.001), like the MFCC models of chapter 03. Its evidence lies above
#   4 kHz, not in the harmonics and not in the padding.
#
# ## Exercises
#
# **1. Arithmetic.** A layer `Conv2D(8, 5, strides=2, padding="valid")` reads the
# 64 × 251 × 1 input. Predict its output shape and number of parameters with
# {eq}`eq-06-conv-size` and {eq}`eq-06-params`, then check with Keras.
#
# ````{admonition} Solution
# :class: dropdown
# $\lfloor (64 - 5)/2 \rfloor + 1 = 30$ and $\lfloor (251 - 5)/2 \rfloor + 1 = 124$,
# so the output is 30 × 124 × 8, with $(5 \cdot 5 \cdot 1 + 1) \cdot 8 = 208$
# parameters.
#
# ```python
# layer = keras.layers.Conv2D(8, 5, strides=2, padding="valid")
# out = layer(np.zeros((1, 64, 251, 1), dtype="float32"))
# print(out.shape[1:], layer.count_params())  # (30, 124, 8) 208
# ```
# ````
#
# **2. The leak with all 48 sentences.** Repeat the leaky-validation experiment with
# all 192 training clips instead of 80. How far apart are the two curves now? What does
# that tell you about the report's leak?
#
# ````{admonition} Solution
# :class: dropdown
# The curves nearly coincide. The honest validation accuracy reaches 1.0 at epoch 13,
# the leaky one at epoch 14, and at epoch 20 the honest validation loss (below 0.001)
# is even lower than the leaky one (0.002). With 48 sentences the network generalises
# as well as it fits, so validating on training clips happens to give the right
# answer. You can only know that because you also measured honestly; with the report's
# 80 clips the leaky curve was far too optimistic.
#
# ```python
# leak_full = {}
# for name, (X_check, y_check) in {"honest": (X_val, y_val),
#                                  "leaky": (X_train, y_train)}.items():
#     nn.set_seed(0)
#     net = nn.build_cnn(pool=POOL, learning_rate=LEARNING_RATE, normalize=stats)
#     leak_full[name] = nn.fit(net, X_train, y_train, X_check, y_check,
#                              epochs=EPOCHS, patience=None, seed=0,
#                              verbose_every=0).history
#     print(name, np.round(leak_full[name]["val_accuracy"], 2))
# ```
# ````
#
# **3. The default pooling.** Train `nn.build_cnn(normalize=stats)` with its defaults
# (pooling windows of 2, learning rate 0.001) for 20 epochs with patience 4. Compare its
# best validation loss with the network of this chapter, and explain the difference
# with {eq}`eq-06-receptive`.
#
# ````{admonition} Solution
# :class: dropdown
# Its best validation loss is about 0.43 (epoch 18, validation accuracy 0.75), against
# below 0.001 for the network with pooling windows of 4. By {eq}`eq-06-receptive`, a
# filter of its last convolution sees 18 mel bands, not 58. The evidence that
# separates these voices sits in the top bands, and judging it needs a view of how
# they compare with the rest of the spectrum; with the narrow field the network needs
# many more epochs to build that comparison from small pieces.
#
# ```python
# nn.set_seed(0)
# default_model = nn.build_cnn(normalize=stats)
# default_history = nn.fit(default_model, X_train, y_train, X_val, y_val,
#                          epochs=20, patience=4, seed=0)
# print(min(default_history.history["val_loss"]))
# ```
# ````
#
# ## Further reading
#
# - Convolutional networks trained with gradient descent: {cite}`lecun1998gradient`;
#   every shape formula of this chapter, with drawings: {cite}`dumoulin2016guide`.
# - Global average pooling in place of large dense layers: {cite}`lin2014network`;
#   image networks applied to log-mel spectrograms of a large audio collection:
#   {cite}`hershey2017cnn`.
# - The optimiser and the regulariser used here: {cite}`kingma2015adam`,
#   {cite}`srivastava2014dropout`.
# - Saliency maps {cite}`simonyan2014deep`, Grad-CAM {cite}`selvaraju2017gradcam`, and
#   a warning about both {cite}`adebayo2018sanity`.
