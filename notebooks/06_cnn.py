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
# **Time:** about 75 minutes (the notebook runs in about 2 minutes on two CPU cores).
#
# **By the end you can:**
#
# - compute the output shape and the parameter count of every layer of a convolutional
#   network by hand, and check both against Keras;
# - write a compact CNN for log-mel spectrograms in Keras, train it with early stopping
#   on a validation split, and score it once on held-out sentences, with a spread over
#   seeds;
# - show with a controlled experiment what a leaky validation set tells you;
# - compute a saliency map and a Grad-CAM map, and test what they suggest by removing
#   frequency bands.
#
# **Where this sits:** after {doc}`05_mel`, which built the input array. Next,
# {doc}`07_augmentation` makes more training data from the same voices.
#
# The report this course retells trained a convolutional network on pictures of mel
# spectrograms and reached an accuracy of 1.0 in validation and in test. But it
# validated on its training images, and tested on 20 images. Here you do it honestly, on
# the arrays themselves, and then look at what the network listens to.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
from collections.abc import Mapping, Sequence

import graphviz
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from voicelab import data, evaluate, melspec, results, viz
from voicelab.glue import glue

LOGMEL = melspec.LOGMEL
sr, hop = LOGMEL.sr, LOGMEL.hop_length

# %% [markdown]
# ## Arrays, not pictures
#
# The report gave its network pictures: each mel spectrogram drawn with axes and colour
# bar, saved as a PNG, and resized to 128 mel bands × 256 frames in three colour
# channels. {doc}`05_mel` showed the cost: tick labels to learn from, rounded colours,
# and a time axis and colour limits that change with every clip.
#
# Here the network reads the log-mel array instead. `voicelab.melspec.log_mel_dataset`
# pads or crops every 16 kHz clip to 4 s and returns 64 mel bands × 251 frames of
# decibels. A column is always 16 ms; a row is always the same band. The arrays are
# cached from {doc}`05_mel`.

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
# A fixed input shape needs clips of one length. The course keeps the start, pads short
# clips with zeros at the end and crops long ones, to `melspec.CLIP_SECONDS` = 4 s. With
# a hop of $H = 256$ samples and centred frames, $n$ samples give
# $1 + \lfloor n / H \rfloor$ frames ({doc}`02_features`): here
# $1 + \lfloor 64000 / 256 \rfloor = 251$.
#
# {doc}`01_sound_as_data` found that one speaker reads more slowly. A fixed length turns
# that into a visible pattern. Count the padding per speaker.

# %%
assert melspec.n_frames(LOGMEL.clip_seconds) == 1 + 64_000 // hop == X_all.shape[2]
own_frames = np.array([melspec.n_frames(d) for d in corpus["duration_s"]])
corpus["padded_s"] = np.maximum(X_all.shape[2] - own_frames, 0) * hop / sr
corpus["cropped"] = corpus["duration_s"] > LOGMEL.clip_seconds
by_speaker = corpus.groupby("speaker").agg(
    mean_duration_s=("duration_s", "mean"),
    share_cropped=("cropped", "mean"),
    mean_padding_s=("padded_s", "mean"),
).round(2)
slower = by_speaker["mean_duration_s"].idxmax()
glue("slower_speaker", slower)
glue("slower_longer_pct", round(100 * (by_speaker["mean_duration_s"].max()
                                       / by_speaker["mean_duration_s"].min() - 1)))
glue("clb_padding_s", by_speaker.loc["clb", "mean_padding_s"])
by_speaker

# %% [markdown]
# {glue:text}`slower_speaker` reads about {glue:text}`slower_longer_pct:d` % more
# slowly, and `slt`'s clips carry more padding than `clb`'s on average. Padded frames
# all hold the `top_db` floor of {doc}`05_mel`, so the network can see where a clip
# ends. It could learn "a wide block of padding means `slt`": a rule about speaking
# rate, not about the voice. Look at one sentence read by both speakers.

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
# padding. You could crop every clip shorter than the shortest one, or use a network
# that accepts any length. This chapter's network can do both; later you check whether
# it learned the padding.
#
# ## Convolution arithmetic
#
# A **convolutional layer** slides small filters over its input. A filter of
# $K \times K$ weights, times $C_\text{in}$ input channels, is multiplied with every
# $K \times K$ patch of the input; the sum plus a bias is one output value. Each filter
# makes one output **channel**. A **max-pooling** layer keeps the largest value of each
# $K \times K$ window and has no weights.
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
# the 251 frames and a pooling window of 4 (below), that gives
# {glue:text}`report_formula:.1f` instead of {glue:text}`pooled_frames:d`.
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
# ## The network
#
# Import TensorFlow and Keras (their start-up messages vary by machine, so the tests
# ignore this cell). `voicelab.nn` holds the code below that later chapters reuse.

# %% tags=["nbval-ignore-output"]
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from voicelab import nn  # noqa: E402

tf.get_logger().setLevel("ERROR")  # new networks retrace often here: expected

# %% [markdown]
# Two helpers come first. `set_seed` makes every random draw of Keras repeatable.
# `normalization_stats` measures the mean and variance of every mel band over the
# **training** clips, which the first layer uses to scale each band to mean 0 and
# variance 1. Validation or test clips must not shape the model this way.

# %%
INPUT_SHAPE = (LOGMEL.n_mels, melspec.n_frames(LOGMEL.clip_seconds))
assert INPUT_SHAPE == nn.INPUT_SHAPE == X_all.shape[1:]


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's kernels deterministic.
    Taught in chapter 06 (A CNN that listens).
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def normalization_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each mel band over clips and frames, shape (n_mels,) each.
    Taught in chapter 06 (A CNN that listens).

    Compute them on the training clips only.
    """
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=(0, 2)), X.var(axis=(0, 2))


# %% [markdown]
# Now the network. A `Reshape` gives the array one channel, like a grey image. Three
# convolutional layers of 16, 32 and 64 filters of 3 × 3 are separated by two
# max-poolings. **Global average pooling** then averages each of the 64 maps over all
# its positions, so the rest sees 64 numbers whatever the input's size
# {cite}`lin2014network`. Dropout, a dense layer of 32 units and one output unit follow.
# That unit's value is the **logit** $z$; the sigmoid $1 / (1 + e^{-z})$ turns it into
# P(`slt`). Pooling windows of 4 and a learning rate of `3e-3` were chosen on the
# validation split; exercise 3 tries windows of 2.

# %%
def build_cnn(
    input_shape: tuple[int, int | None] = INPUT_SHAPE,
    *,
    filters: Sequence[int] = (16, 32, 64),
    kernel: int = 3,
    pool: int = 4,
    dropout: float = 0.3,
    dense: int = 32,
    normalize: tuple[np.ndarray, np.ndarray] | None = None,
    learning_rate: float = 3e-3,
) -> keras.Model:
    """The compact CNN: a log-mel spectrogram in, P(class 1) out, compiled with Adam.
    Taught in chapter 06 (A CNN that listens).

    ``input_shape`` is (mel bands, frames); frames may be None for clips of any length.
    ``normalize`` is (mean, variance) per mel band of the training clips.
    """
    layers = keras.layers
    inputs = keras.Input(input_shape, name="log_mel")
    x = inputs
    if normalize is not None:
        mean, variance = normalize
        x = layers.Normalization(axis=1, mean=mean, variance=variance,
                                 name="normalize")(x)
    x = layers.Reshape((input_shape[0], -1, 1), name="channel")(x)  # one grey channel
    for i, n_filters in enumerate(filters, start=1):
        x = layers.Conv2D(n_filters, kernel, padding="same", activation="relu",
                          name=f"conv{i}")(x)
        if i < len(filters):
            x = layers.MaxPooling2D(pool, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense, activation="relu", name="dense")(x)
    x = layers.Dense(1, name="logit")(x)
    outputs = layers.Activation("sigmoid", name="probability")(x)
    model = keras.Model(inputs, outputs, name="voice_cnn")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


# %% [markdown]
# Split the clips by the corpus's fixed sentence split, compute the statistics on the
# training clips, and build the network.

# %%
is_train = corpus["split"].eq("train").to_numpy()
is_val = corpus["split"].eq("val").to_numpy()
is_test = corpus["split"].eq("test").to_numpy()
X_train, y_train = X_all[is_train], y_all[is_train]
X_val, y_val = X_all[is_val], y_all[is_val]
X_test, y_test = X_all[is_test], y_all[is_test]

stats = normalization_stats(X_train)
set_seed(0)
model = build_cnn(normalize=stats)
print(f"train {X_train.shape}, val {X_val.shape}, test {X_test.shape}")
print(f"normalisation: {stats[0].shape[0]} band means from "
      f"{stats[0].min():.0f} to {stats[0].max():.0f} dB")


# %% [markdown]
# Now follow an input through the network by hand: apply {eq}`eq-06-conv-size` and
# {eq}`eq-06-params` layer by layer, and compare with what Keras reports.

# %%
def out_size(w, k, p, s):
    return (w - k + 2 * p) // s + 1


shape, rows = INPUT_SHAPE, []
for layer in model.layers:
    kind, params = type(layer).__name__, 0
    if kind == "Reshape":
        shape = (*shape, 1)
    elif kind == "Conv2D":
        k, c_in = layer.kernel_size[0], shape[2]
        assert layer.padding == "same" and layer.strides == (1, 1) and k % 2 == 1
        shape = (*(out_size(w, k, (k - 1) // 2, 1) for w in shape[:2]), layer.filters)
        params = (k * k * c_in + 1) * layer.filters
    elif kind == "MaxPooling2D":
        p = layer.pool_size[0]
        shape = (*(out_size(w, p, 0, p) for w in shape[:2]), shape[2])
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
assert not model.get_layer("normalize").weights  # constants, not weights
n_params = int(arithmetic["params"].sum())
n_conv = int(arithmetic.loc[arithmetic["type"] == "Conv2D", "params"].sum())
assert n_params == model.count_params()
glue("n_params", n_params)
glue("n_conv_params", n_conv)
glue("pooled_frames", out_size(251, 4, 0, 4))
glue("report_formula", round((251 - 4) / (4 + 1), 1))
print(arithmetic.to_string())
print(f"total: {n_params:,} by hand, {model.count_params():,} Keras")

# %% [markdown]
# Every shape and count agrees. Pooling turns 64 bands into
# $\lfloor (64 - 4) / 4 \rfloor + 1 = 16$ and 251 frames into
# $\lfloor 247 / 4 \rfloor + 1 = 62$, dropping the last three frames. `Normalization`
# stores its means and variances as constants, so Keras counts 0 parameters for it. Of
# the {glue:text}`n_params:,d` weights, {glue:text}`n_conv_params:,d` sit in the
# convolutions.
#
# ### The report's network, for comparison
#
# The report's network used `padding="valid"` ($P = 0$) on 128 × 256 × 3 pictures,
# pooling windows of 2, and no global pooling: it flattened the last maps into 128 dense
# units. Build it, untrained, and check it with the same formulas.

# %%
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
glue("report_params", total)
glue("report_ratio", round(total / n_params))
glue("report_dense_share", round(dense_params / total, 3))
glue("report_params_per_clip", round(total / 80, -3))
print(f"last maps {h} x {w} x {c} -> flattened to {flat:,} numbers")
print(f"report's network: {total:,} parameters, {dense_params / total:.1%} of them "
      f"in the first dense layer")
print(f"this chapter's:   {n_params:,} parameters")

# %% [markdown]
# The report's network has about {glue:text}`report_ratio:d` times more parameters, and
# {glue:text}`report_dense_share:.0%` of them tie every position of the last maps to the
# dense layer: a decision can hang on *where* a pattern appears, even on a tick label.
# On 80 pictures that is about {glue:text}`report_params_per_clip:,.0f` weights per
# example. Global average pooling replaces those weights by an average: a pattern counts
# the same wherever it occurs.
#
# ### How much of the spectrogram does a filter see?
#
# A value deep in the network depends on a patch of the input, its **receptive field**.
# Let $j_\ell$ be the distance, in input cells, between neighbouring values of layer
# $\ell$, and $r_\ell$ the field's width, with $r_0 = j_0 = 1$. A layer with window
# $K_\ell$ and stride $S_\ell$ gives
#
# $$
# r_\ell = r_{\ell - 1} + (K_\ell - 1)\, j_{\ell - 1}, \qquad
# j_\ell = j_{\ell - 1}\, S_\ell .
# $$ (eq-06-receptive)
#
# Compute it for pooling windows of 2 and 4. Check it on the same stack with all weights
# 1 and *average* pooling (max pooling would hide most of the field): count the input
# cells with a non-zero gradient for one value of the last convolution.

# %%
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
    glue(f"field_pool{pool}", r)
    print(f"pool {pool}: conv3 sees {r} x {r} cells: {r} of 64 mel bands "
          f"({r / LOGMEL.n_mels:.0%}), {r * hop / sr:.2f} s")

# %% [markdown]
# With pooling windows of 2, a filter of the last convolution sees
# {glue:text}`field_pool2:d` of the 64 mel bands; with windows of 4 it sees
# {glue:text}`field_pool4:d`, nearly the whole spectrum. Voices differ in their spectral
# envelope ({doc}`02_features`), so a wide field lets one filter compare low and high
# bands directly.
#
# ### The architecture, drawn
#
# `keras.utils.plot_model` needs `pydot`; a few lines of `graphviz` draw one box per
# layer instead.

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
assert graph.source.count("->") == len(model.layers) - 1
graph

# %% [markdown]
# ## Training on sentences the network has not seen
#
# The corpus's fixed split by sentence ({doc}`03_classical_ml`) holds 48 sentences for
# training, 6 for validation and 6 for testing, so a score cannot come from recognising
# a sentence.
#
# Training minimises the binary cross-entropy with Adam {cite}`kingma2015adam`, in
# shuffled batches of 16 clips. Dropout {cite}`srivastava2014dropout` zeroes each pooled
# value with probability `dropout=0.3` during training. **Early stopping** ends training
# when the validation loss has not improved for `patience=4` epochs, and restores the
# best epoch's weights. The validation clips thus choose the epoch: an honest score
# needs a third set that nothing was chosen on.
#
# `fit` writes that recipe with Keras' own parts; `train_cnn` puts seed, statistics,
# network and training in one call, which later chapters reuse.

# %%
def fit(
    model: keras.Model,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    epochs: int = 20,
    batch_size: int = 16,
    patience: int | None = 4,
    seed: int = 0,
    verbose_every: int = 0,
) -> keras.callbacks.History:
    """Train until the validation loss stops falling; keep the best epoch's weights.
    Taught in chapter 06 (A CNN that listens).

    ``patience=None`` trains all ``epochs``; ``verbose_every=5`` prints every 5th epoch.
    """
    assert len(X_train) == len(y_train) and len(X_val) == len(y_val)
    set_seed(seed)  # the order of the batches and the dropout masks
    train = (tf.data.Dataset.from_tensor_slices((X_train, np.float32(y_train)))
             .shuffle(len(X_train), seed=seed).batch(batch_size))
    val = tf.data.Dataset.from_tensor_slices((X_val, np.float32(y_val))).batch(64)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=epochs if patience is None else patience,
        restore_best_weights=True)

    def log(epoch: int, logs: Mapping[str, float]) -> None:
        if verbose_every and (epoch + 1) % verbose_every == 0:
            print(f"epoch {epoch + 1:3d}: " + ", ".join(
                f"{key} {value:.3f}" for key, value in sorted(logs.items())))

    return model.fit(train, validation_data=val, epochs=epochs, verbose=0,
                     shuffle=False,  # the pipeline shuffles, anew in every epoch
                     callbacks=[stop, keras.callbacks.LambdaCallback(on_epoch_end=log)])


def train_cnn(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    seed: int = 0,
    epochs: int = 20,
    patience: int | None = 4,
    verbose_every: int = 0,
) -> keras.Model:
    """Chapter 06's recipe: seed, normalise on the training clips, build, fit.
    Taught in chapter 06 (A CNN that listens).

    The training history is ``model.history.history``.
    """
    set_seed(seed)
    model = build_cnn(X_train.shape[1:], normalize=normalization_stats(X_train))
    fit(model, X_train, y_train, X_val, y_val, epochs=epochs, patience=patience,
        seed=seed, verbose_every=verbose_every)
    return model


# %% [markdown]
# Train it, for at most `EPOCHS = 20` epochs. The digits vary between CPUs, so the
# tests check the text's claims inside the cell.

# %% tags=["nbval-ignore-output"]
EPOCHS, PATIENCE = 20, 4
model = train_cnn(X_train, y_train, X_val, y_val, seed=0, verbose_every=5)
logs = model.history.history
n_epochs = len(logs["loss"])
best = int(np.argmin(logs["val_loss"]))
above = np.array(logs["loss"]) > np.array(logs["val_loss"])
# What the text says: the losses start near ln 2, the validation loss then falls far
# below it, and the training loss lies above the validation loss in most epochs (in 13
# to 17 of the 20 epochs over seeds 0 to 5).
assert abs(logs["val_loss"][0] - np.log(2)) < 0.1 and min(logs["val_loss"]) < 0.05
assert above.sum() >= n_epochs / 2
glue("epochs_trained", n_epochs)
glue("best_epoch", best + 1)
glue("best_val_loss", logs["val_loss"][best])
glue("best_val_accuracy", logs["val_accuracy"][best])
glue("epochs_train_above_val", int(above.sum()))

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.5))
epochs = np.arange(1, n_epochs + 1)
ax_loss.plot(epochs, logs["loss"], "o-", markersize=3, label="training")
ax_loss.plot(epochs, logs["val_loss"], "o-", markersize=3, label="validation")
ax_loss.axhline(np.log(2), color="0.6", linewidth=0.8, label="ln 2: always 0.5")
ax_acc.plot(epochs, logs["accuracy"], "o-", markersize=3, label="training")
ax_acc.plot(epochs, logs["val_accuracy"], "o-", markersize=3, label="validation")
for ax in (ax_loss, ax_acc):
    ax.axvline(best + 1, color="0.4", linestyle="--", linewidth=1,
               label=f"best epoch ({best + 1}): weights kept")
    ax.set_xlabel("Epoch")
    ax.legend(fontsize=8)
ax_loss.set(ylabel="Loss (binary cross-entropy)", title="Loss per epoch")
ax_acc.set(ylabel="Accuracy", ylim=(0.4, 1.02), title="Accuracy per epoch")
fig.suptitle("Training on 48 sentences, validating on 6 others")
fig.tight_layout()
plt.show()

# %% [markdown]
# At first both losses stay near $\ln 2$, the loss of a network that answers 0.5 for
# every clip. Then the validation loss falls towards zero, and every validation clip
# ends up on the right side of 0.5. Training kept the weights of epoch
# {glue:text}`best_epoch:d` of {glue:text}`epochs_trained:d`, with a validation loss of
# {glue:text}`best_val_loss:.4f`.
#
# The training loss lies *above* the validation loss in
# {glue:text}`epochs_train_above_val:d` of the {glue:text}`epochs_trained:d` epochs.
# That is not a leak: the training loss is measured with dropout on, and averaged over
# an epoch in which the weights still change.
#
# ## What a leaky validation set would have told you
#
# The report validated on its training images: a measure of memory, not of
# generalisation. How misleading is it? Take the report's size, the 80 clips of the
# first 20 training sentences. Train the same network twice with the same seed for the
# full 20 epochs (`patience=None`), validated once on the 24 validation clips and once
# on its own training clips. Validation does not change the weights, so only the
# measuring stick differs.

# %% tags=["nbval-ignore-output"]
first_20 = sorted(corpus.loc[is_train, "sentence_id"].unique())[:20]
is_small = is_train & corpus["sentence_id"].isin(first_20).to_numpy()
X_small, y_small = X_all[is_small], y_all[is_small]
checks = {"honest: 6 other sentences": (X_val, y_val),
          "leaky: the training clips": (X_small, y_small)}
leak_runs = {}
for name, (X_check, y_check) in checks.items():
    set_seed(0)
    small_model = build_cnn(normalize=normalization_stats(X_small))
    leak_runs[name] = fit(small_model, X_small, y_small, X_check, y_check,
                          epochs=EPOCHS, patience=None, seed=0).history
honest, leaky = leak_runs.values()
late = slice(EPOCHS // 2, EPOCHS)  # the second half of the training
gap = np.mean(leaky["val_accuracy"][late]) - np.mean(honest["val_accuracy"][late])
assert honest["loss"] == leaky["loss"]  # the same network in both runs
assert gap >= 0.05  # the text: higher when leaky (seeds 0 to 3: by 0.10 to 0.17)
glue("leak_honest_late", np.mean(honest["val_accuracy"][late]))
glue("leak_leaky_late", np.mean(leaky["val_accuracy"][late]))
glue("leak_honest_last", honest["val_accuracy"][-1])
glue("leak_leaky_last", leaky["val_accuracy"][-1])

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
epochs = np.arange(1, EPOCHS + 1)
for (name, run), color in zip(leak_runs.items(), ["C1", "C3"]):
    axes[0].plot(epochs, run["val_loss"], color=color, marker=".", label=name)
    axes[1].plot(epochs, run["val_accuracy"], color=color, marker=".", label=name)
axes[0].set(xlabel="Epoch", ylabel="Validation loss (cross-entropy)",
            title="Same network, two validation sets: loss")
axes[1].set(xlabel="Epoch", ylabel="Validation accuracy", ylim=(0.4, 1.02),
            title="Same network, two validation sets: accuracy")
axes[1].legend(loc="lower right", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# The training losses are identical: one network, measured twice. Over the last ten
# epochs the leaky set reports a mean accuracy of {glue:text}`leak_leaky_late:.2f`, the
# honest set {glue:text}`leak_honest_late:.2f`; at epoch 20,
# {glue:text}`leak_leaky_last:.2f` and {glue:text}`leak_honest_last:.2f`. The leaky
# curve climbs smoothly because it measures memory. The honest curve is jumpy (one clip
# is 1/24 of it), but only it measures what you want to know. The report's curve was the
# red one: a statement about memory.
#
# With all 48 training sentences the picture can change (exercise 2). A leak does not
# always inflate a number, but without an honest set you cannot tell.
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
# With the recipe fixed, score the 24 test clips, once. The **log loss** is the mean of
# $-\ln p_\text{true}$, where $p_\text{true}$ is the probability given to the right
# speaker; the **Brier score** is the mean of $(p - y)^2$. A **cluster bootstrap**
# ({doc}`03_classical_ml`) resamples the six test sentences 2000 times; the 2.5th and
# 97.5th percentiles give a 95 percent interval. `predict_proba` runs without dropout.

# %%
def predict_proba(model: keras.Model, X: np.ndarray) -> np.ndarray:
    """P(class 1) of every clip, float64 of shape (n,). Inference mode: no dropout.
    Taught in chapter 06 (A CNN that listens).
    """
    batches = tf.data.Dataset.from_tensor_slices(np.float32(X)).batch(64)
    return model.predict(batches, verbose=0)[:, 0].astype(np.float64)


# %% tags=["nbval-ignore-output"]
METRICS = ("accuracy", "roc_auc", "log_loss", "brier")
p_test = predict_proba(model, X_test)
test_groups = corpus.loc[is_test, "sentence_id"].to_numpy()
boot = {}
for metric in METRICS:
    point, low, high = evaluate.bootstrap_ci(y_test, p_test, metric,
                                             groups=test_groups, n_boot=2000)
    boot[metric] = {"mean": point, "std": np.nan, "low": low, "high": high, "n": 2000}
    print(f"{metric:>9}: {point:.3f}, 95 % interval [{low:.3f}, {high:.3f}]")
boot = pd.DataFrame(boot).T
n_right = int(np.sum((p_test > 0.5) == y_test))
assert n_right >= 22  # the text: (nearly) every test clip is right
glue("test_n_right", n_right)
glue("test_log_loss", boot.loc["log_loss", "mean"])
glue("test_p_true", np.exp(-boot.loc["log_loss", "mean"]))
glue("test_log_loss_low", boot.loc["log_loss", "low"])
glue("test_log_loss_high", boot.loc["log_loss", "high"])
glue("test_acc_low", boot.loc["accuracy", "low"])
viz.plot_confusion(y_test, (p_test > 0.5).astype(int), labels=data.SPEAKERS,
                   title="CNN on the 24 test clips (threshold 0.5)")
plt.show()

# %% [markdown]
# The network classifies {glue:text}`test_n_right:d` of the 24 test clips correctly. Its
# log loss, {glue:text}`test_log_loss:.3f`, means the right speaker gets on average (a
# geometric mean) a probability of {glue:text}`test_p_true:.3f`. The log loss's
# interval, {glue:text}`test_log_loss_low:.3f` to {glue:text}`test_log_loss_high:.3f`,
# shows how much that confidence depends on the sentences tested.
#
# When every test clip is right, so is every resample: the accuracy interval has width
# 0. The "rule of three" ({doc}`03_classical_ml`) gives the scale: with no error in $n$
# independent trials, the error rate is below about $3/n$ with 95 percent confidence,
# $3/24$ for independent clips and $3/6$ for independent sentences.
#
# ### Spread over seeds
#
# One training run is one draw: initial weights, dropout masks and batch order come from
# the seed. Repeat the recipe for seeds 1 and 2, and score each network on the test
# clips. `nn.load_or_train` saves each network under a hash of what its weights depend
# on (`nn.cnn_spec`), so later chapters and reruns read it back instead of training
# again (10 to 20 s per seed).

# %% tags=["nbval-ignore-output"]
SEEDS = (0, 1, 2)
recipe = {"epochs": EPOCHS, "patience": PATIENCE}
seed_models = {
    seed: nn.load_or_train(
        "cnn", nn.cnn_spec(corpus, seed, **recipe),
        lambda: model if seed == 0 else train_cnn(
            X_train, y_train, X_val, y_val, seed=seed, **recipe))
    for seed in SEEDS
}
seed_scores = pd.DataFrame([
    {"seed": seed, "repeat": i, "fold": 0, "n_test": len(y_test),
     **{m: evaluate.METRICS[m](y_test, predict_proba(seed_models[seed], X_test))
        for m in METRICS}}
    for i, seed in enumerate(SEEDS)
]).set_index("seed")
seed_summary = evaluate.summarize(seed_scores)
print(seed_scores[list(METRICS)].round(3).to_string())
# The text: every seed is (nearly) perfect and confident (seeds 0 to 5: accuracy 1.0,
# log loss 0.002 to 0.035).
assert seed_summary.loc["accuracy", "mean"] >= 0.95
assert seed_summary.loc["log_loss", "mean"] <= 0.1
glue("seeds_acc_mean", seed_summary.loc["accuracy", "mean"])
glue("seeds_acc_min", seed_scores["accuracy"].min())
glue("seeds_ll_mean", seed_summary.loc["log_loss", "mean"])
glue("seeds_ll_std", seed_summary.loc["log_loss", "std"])
seed_summary.round(3)

# %% [markdown]
# Over the three seeds the test accuracy is {glue:text}`seeds_acc_mean:.3f` on average
# (worst seed {glue:text}`seeds_acc_min:.3f`), with a log loss of
# {glue:text}`seeds_ll_mean:.3f` ± {glue:text}`seeds_ll_std:.3f` (mean ± standard
# deviation). This spread covers training only: all three networks saw the same six
# test sentences.
#
# Record the seed spread and the bootstrap interval in the results table, and compare
# with the earlier chapters' rows.

# %% tags=["nbval-ignore-output"]
results.record("06", "CNN", "log-mel", seed_summary,
               evaluation="3 seeds, fixed test split")
table = results.record("06", "CNN", "log-mel", boot,
                       evaluation="fixed test split, sentence bootstrap")
comparable = table[(table["chapter"] <= "06")
                   & table["features"].isin(["report4", "mfcc", "log-mel"])]
cv_rows = table[(table["chapter"] == "03") & (table["metric"] == "log_loss")
                & table["evaluation"].str.contains("CV")].set_index(
                    ["model", "features"])["mean"]
glue("ch03_logreg_mfcc_ll", cv_rows["logistic regression", "mfcc"])
glue("ch03_forest_mfcc_ll", cv_rows["random forest", "mfcc"])
glue("ch03_report4_acc", table.query(
    "chapter == '03' and model == 'logistic regression' and features == 'report4' "
    "and metric == 'accuracy' and evaluation.str.contains('CV')")["mean"].iloc[0])
display(results.results_table(comparable))
results.results_table(comparable, metric="log_loss")

# %% [markdown]
# On accuracy the CNN is level with the MFCC models of {doc}`03_classical_ml` (the
# report's four numbers reach about {glue:text}`ch03_report4_acc:.2f`). Its log loss,
# {glue:text}`seeds_ll_mean:.3f`, compares with {glue:text}`ch03_logreg_mfcc_ll:.3f` for
# logistic regression on MFCCs and {glue:text}`ch03_forest_mfcc_ll:.3f` for the random
# forest. The protocols differ (chapter 03 cross-validated over all 60 sentences), so
# the conclusion is modest: this corpus is too clean to rank these models, and the CNN
# buys little over a linear model on MFCCs.
#
# ## Did it learn the padding?
#
# If a network used the width of the padding, its answers would change when every clip
# gets the *same* padding. Make three versions of the test clips:
#
# - **uniform padding**: keep the first `CUT_S = 1.75` s of every clip (the shortest
#   clip lasts {glue:text}`shortest_s:.2f` s), then pad to 4 s. Every clip now ends with
#   the same `4 - CUT_S` s of zeros.
# - **no padding**: the same `CUT_S` s only, 110 frames. Global average pooling makes
#   the weights independent of the length: copy them into a network built with
#   `input_shape=(64, None)`.
# - **padding only**: 251 frames of a clip's padding value: the padding's own vote.

# %%
CUT_S = 1.75
assert corpus["duration_s"].min() > CUT_S
glue("shortest_s", round(corpus["duration_s"].min(), 2))
test_clips = corpus[is_test].reset_index(drop=True)
X_short = melspec.log_mel_dataset(test_clips, seconds=CUT_S, progress=False)
X_uniform = np.stack([
    melspec.log_mel(melspec.fixed_length(melspec.fixed_length(clip, CUT_S), 4.0))
    for clip in data.load_clips(test_clips)
])
X_padding_only = np.repeat(X_uniform[:, :, -1:], X_all.shape[2], axis=2)
assert X_short.shape[2] == melspec.n_frames(CUT_S) == 110
print(f"uniform padding {X_uniform.shape}, no padding {X_short.shape}, "
      f"padding only {X_padding_only.shape}")

# %% [markdown]
# Whether a network picked up a shortcut may depend on its seed, so ask all three
# networks.

# %% tags=["nbval-ignore-output"]
rows = []
for seed, net in seed_models.items():
    any_length = build_cnn((LOGMEL.n_mels, None), normalize=stats)
    any_length.set_weights(net.get_weights())
    p = predict_proba(net, X_test)
    np.testing.assert_allclose(predict_proba(any_length, X_test), p, atol=1e-5)
    variants = {"as trained (4 s, own padding)": p,
                "first 1.75 s + uniform padding": predict_proba(net, X_uniform),
                "first 1.75 s, no padding": predict_proba(any_length, X_short),
                "padding only, no speech": predict_proba(net, X_padding_only)}
    rows += [{"seed": seed, "input": name,
              "accuracy": evaluate.METRICS["accuracy"](y_test, pv),
              "P(slt), clb clips": pv[y_test == 0].mean(),
              "P(slt), all clips": pv.mean()} for name, pv in variants.items()]
padding_runs = pd.DataFrame(rows).set_index(["input", "seed"])
by_input = padding_runs.groupby("input", sort=False).mean()
clb_p = padding_runs["P(slt), clb clips"].unstack()
short_acc = padding_runs.loc["first 1.75 s, no padding", "accuracy"]
# The text (seeds 0 to 5 behind it): without padding every network keeps (nearly) all
# its answers (all 1.0); uniform padding raises P(slt) of the clb clips in every
# network; the padding alone votes slt on average (0.46 to 0.99 per seed).
assert short_acc.min() >= 0.9
assert (clb_p.loc["first 1.75 s + uniform padding"]
        > clb_p.loc["as trained (4 s, own padding)"]).all()
assert by_input.loc["padding only, no speech", "P(slt), all clips"] > 0.5
glue("short_acc_min", short_acc.min())
glue("padding_vote", by_input.loc["padding only, no speech", "P(slt), all clips"])
glue("clb_p_trained", by_input.loc["as trained (4 s, own padding)",
                                   "P(slt), clb clips"])
glue("clb_p_uniform", by_input.loc["first 1.75 s + uniform padding",
                                   "P(slt), clb clips"])
uniform_acc = padding_runs.loc["first 1.75 s + uniform padding", "accuracy"]
glue("uniform_acc_min", uniform_acc.min())
glue("uniform_acc_max", uniform_acc.max())
padding_runs.unstack("seed").round(3)

# %% [markdown]
# Without padding, every network still gets at least {glue:text}`short_acc_min:.3f` of
# the clips right: it needs neither the padding nor the end of the sentence. But the
# padding is not neutral. Alone, it votes for `slt`, with a probability of
# {glue:text}`padding_vote:.2f` on average. Uniform padding of `4 - CUT_S` s, far more
# than the {glue:text}`clb_padding_s:.2f` s of a typical `clb` clip, pulls the `clb`
# clips towards `slt` in every network: their mean P(slt) rises from
# {glue:text}`clb_p_trained:.3f` to {glue:text}`clb_p_uniform:.3f`, and accuracies range
# from {glue:text}`uniform_acc_min:.3f` to {glue:text}`uniform_acc_max:.3f`.
#
# So the networks learned a little of "much padding means `slt`", how much by chance of
# the seed. Here the voice mostly outweighs it; with weaker evidence it could tip the
# answer. Reading clips at their own length avoids the question.
#
# ## A look inside
#
# Reading {glue:text}`n_params:,d` weights tells you little. Two cheap tools ask
# instead which parts of one input the answer depends on.
#
# A **saliency map** {cite}`simonyan2014deep` is the size of the gradient of the output
# probability $p$ with respect to every input cell,
#
# $$
# M_{b,t} = \left| \frac{\partial p}{\partial x_{b,t}} \right| ,
# $$ (eq-06-saliency)
#
# for mel band $b$ and frame $t$: a large value means that a small change of that cell
# would move the answer. **Grad-CAM** {cite}`selvaraju2017gradcam` works on the $K$ maps
# $A^k$ of the last convolution. It weights each map by the mean gradient of the score
# over the map's $Z$ positions, and keeps the positive part of the weighted sum:
#
# $$
# \alpha_k = \frac{1}{Z} \sum_{i,j} \frac{\partial z}{\partial A^k_{ij}}, \qquad
# L = \operatorname{ReLU}\Bigl(\sum_k \alpha_k A^k\Bigr) .
# $$ (eq-06-gradcam)
#
# The score is the logit $z$ for `slt` and $-z$ for `clb`; unlike the probability, it
# does not flatten when the network is sure. `tf.GradientTape` gives both gradients.

# %%
def saliency(model, x):
    """|dp/dx| for one clip x of shape (mel bands, frames)."""
    x = tf.convert_to_tensor(x[np.newaxis])
    with tf.GradientTape() as tape:
        tape.watch(x)
        p = model(x, training=False)
    return np.abs(tape.gradient(p, x).numpy()[0])


def grad_cam(model, x, target):
    """Grad-CAM of one clip for class `target` (0 or 1), on conv3's grid."""
    explainer = keras.Model(model.input, [model.get_layer("conv3").output,
                                          model.get_layer("logit").output])
    with tf.GradientTape() as tape:
        maps, z = explainer(x[np.newaxis], training=False)
        score = z[0, 0] if target == 1 else -z[0, 0]
    alpha = tf.reduce_mean(tape.gradient(score, maps), axis=(1, 2))  # one per map
    return tf.nn.relu(tf.reduce_sum(maps * alpha[:, None, None, :], axis=-1))[0].numpy()


cam = grad_cam(model, X_test[0], target=int(y_test[0]))
print(f"saliency: {saliency(model, X_test[0]).shape}, Grad-CAM: {cam.shape}")

# %% [markdown]
# The Grad-CAM map has the size of the last convolution, 4 × 15, stretched to the clip:
# coarse by construction. The saliency map, one value per cell, is smoothed a little.
# The figure shows one test sentence read by each speaker, scored by the seed-0 network:
# the log-mel in grey, the map in colour, more opaque where larger.

# %%
from scipy.ndimage import gaussian_filter  # noqa: E402

first_test = test_clips["sentence_id"].min()
examples = test_clips.query("sentence_id == @first_test and take == 1")
fig, axes = plt.subplots(3, 2, figsize=(11, 8), sharex=True, sharey=True)
extent = [0, X_all.shape[2] * hop / sr, 0, LOGMEL.n_mels]
for column, (i, row) in enumerate(examples.iterrows()):
    x, p = X_test[i], p_test[i]
    maps = {"saliency |dp/dx|, smoothed": gaussian_filter(saliency(model, x), 1.5),
            "Grad-CAM": grad_cam(model, x, target=int(row["label"]))}
    axes[0, column].imshow(x, origin="lower", aspect="auto", cmap="magma",
                           extent=extent)
    axes[0, column].set_title(f"{row['speaker']}, {row['sentence_id']}: log-mel "
                              f"(P(slt) = {p:.3f})")
    for ax, (name, m) in zip(axes[1:, column], maps.items()):
        m = m / m.max() if m.max() > 0 else m
        ax.imshow(x, origin="lower", aspect="auto", cmap="gray", extent=extent)
        ax.imshow(m, origin="lower", aspect="auto", cmap="plasma", alpha=m,
                  extent=extent, vmin=0, vmax=1, interpolation="bilinear")
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
# One map for one clip can mislead. Measure, over all test clips and networks, where
# the saliency goes: padding or speech; the loud cells, within 20 dB of the clip's
# maximum, where the voiced harmonics are; and three frequency ranges. Below 1 kHz lie
# the fundamental and the first formant. Above 4 kHz lie the hiss of consonants and each
# take's top edge (the corpus low-passes every take at a random cutoff between 3.8 and
# 7.8 kHz). Divide each region's share of saliency by its share of cells: above 1 means
# more attention than its size.

# %% tags=["nbval-ignore-output"]
centres = melspec.mel_to_hz(np.linspace(melspec.hz_to_mel(LOGMEL.fmin),
                                        melspec.hz_to_mel(LOGMEL.fmax),
                                        LOGMEL.n_mels + 2))[1:-1]
bands = {"below 1 kHz": centres < 1_000,
         "1-4 kHz": (centres >= 1_000) & (centres < 4_000),
         "above 4 kHz": centres >= 4_000}
padding = np.arange(X_all.shape[2]) >= own_frames[is_test][:, np.newaxis]
regions = [{"padding": np.broadcast_to(pad, x.shape), "loud cells": x > x.max() - 20,
            **{name: np.broadcast_to(band[:, np.newaxis], x.shape)
               for name, band in bands.items()}}
           for x, pad in zip(X_test, padding)]
ratios, band_shares = {}, []
for seed, net in seed_models.items():
    maps = np.stack([saliency(net, x) for x in X_test])
    maps /= maps.sum(axis=(1, 2), keepdims=True)
    band_shares.append(maps.sum(axis=2).mean(axis=0))
    ratios[seed] = pd.DataFrame([{name: m[cells].sum() / cells.mean()
                                  for name, cells in clip.items()}
                                 for m, clip in zip(maps, regions)]).mean()
ratios = pd.DataFrame(ratios).rename_axis(columns="seed")
# The text (seeds 0 to 5 behind it): in every network the padding gets less than its
# share (ratios 0.16 to 0.29) and the bands above 4 kHz more than twice theirs (2.4 to
# 3.3); on average the bands below 1 kHz get less than theirs (0.24 to 0.90 per seed).
assert (ratios.loc["padding"] < 1).all() and (ratios.loc["above 4 kHz"] > 2).all()
assert ratios.loc["below 1 kHz"].mean() < 1
for name, key in [("padding", "pad"), ("above 4 kHz", "high"), ("below 1 kHz", "low"),
                  ("loud cells", "loud")]:
    glue(f"ratio_{key}_min", ratios.loc[name].min())
    glue(f"ratio_{key}_max", ratios.loc[name].max())
ratios.round(2)

# %% [markdown]
# In every network the padding gets a fraction of its share of the saliency (ratios
# from {glue:text}`ratio_pad_min:.2f` to {glue:text}`ratio_pad_max:.2f`), and the bands
# above 4 kHz more than twice theirs ({glue:text}`ratio_high_min:.1f` to
# {glue:text}`ratio_high_max:.1f`). The bands below 1 kHz get less than theirs
# ({glue:text}`ratio_low_min:.2f` to {glue:text}`ratio_low_max:.2f`); the loud cells
# vary with the seed ({glue:text}`ratio_loud_min:.2f` to
# {glue:text}`ratio_loud_max:.2f`). Plot each mel band's share, averaged over the
# networks.

# %%
fig, ax = plt.subplots(figsize=(8, 3))
ax.axvspan(3_800, 7_800, color="0.9", label="range of the takes' low-pass cutoffs")
ax.plot(centres, np.mean(band_shares, axis=0), marker=".",
        label="mean share of saliency")
ax.axhline(1 / LOGMEL.n_mels, color="k", linestyle="--", linewidth=0.8,
           label="equal share (1/64)")
ax.set_xscale("log")
ax.set(xlabel="Mel band centre frequency (Hz)", ylabel="Share of saliency",
       title="Where the saliency goes: 24 test clips, 3 networks")
ax.legend(loc="upper left", fontsize=8)
plt.show()

# %% [markdown]
# A gradient only says where a *small* change would matter. To test whether a network
# *needs* a region, remove it: set its bands to the clip's lowest value and score the
# test clips again.

# %% tags=["nbval-ignore-output"]
floor = X_test.min(axis=(1, 2), keepdims=True)
masks = {"nothing": np.zeros(LOGMEL.n_mels, dtype=bool), **bands,
         "everything below 4 kHz": centres < 4_000}
rows = []
for name, band in masks.items():
    X_masked = X_test.copy()
    X_masked[:, band, :] = floor
    for seed, net in seed_models.items():
        p = predict_proba(net, X_masked)
        rows.append({"bands removed": name, "seed": seed,
                     "accuracy": evaluate.METRICS["accuracy"](y_test, p),
                     "log loss": evaluate.METRICS["log_loss"](y_test, p)})
occluded = pd.DataFrame(rows).set_index(["bands removed", "seed"])
no_high = occluded.loc["above 4 kHz"]
no_low = occluded.loc["below 1 kHz"]
# The text (seeds 0 to 5 behind it): in every network, removing the bands above 4 kHz
# raises the log loss more than removing those below 1 kHz.
assert (no_high["log loss"] > no_low["log loss"]).all()
glue("no_high_ll", no_high["log loss"].mean())
glue("no_low_ll", no_low["log loss"].mean())
glue("no_high_acc_min", no_high["accuracy"].min())
glue("no_high_acc_max", no_high["accuracy"].max())
only_high = occluded.loc["everything below 4 kHz", "accuracy"]
glue("only_high_acc_min", only_high.min())
glue("only_high_acc_max", only_high.max())
occluded.unstack("seed").loc[list(masks)].round(3)

# %% [markdown]
# In every network, removing the bands above 4 kHz hurts more than removing those below
# 1 kHz: the log loss rises to {glue:text}`no_high_ll:.2f` on average, against
# {glue:text}`no_low_ll:.2f`. Yet the networks differ. Without the top bands their
# accuracy ranges from {glue:text}`no_high_acc_min:.3f` to
# {glue:text}`no_high_acc_max:.3f`, and with the top bands alone from
# {glue:text}`only_high_acc_min:.3f` to {glue:text}`only_high_acc_max:.3f`: some lean on
# the top of the spectrum for nearly everything, others fall back on the bands between
# 1 and 4 kHz.
#
# Is that the low-pass edge? Not by itself: the cutoff is drawn at random per take,
# from the same range for both speakers. The networks use how each voice fills the bands
# above 4 kHz: the hiss of *s* and *f*, breath, the synthesiser's high-frequency
# character. They hardly use the voiced harmonics below 1 kHz.
#
# Whether such cues are "the voice" is a question about the data. With two phones as
# recorders, the top octave would carry the phone, and the network would learn it.
#
# ```{note}
# Saliency and Grad-CAM describe a network near one input, not what it "understood".
# A saliency map can look plausible even for a network with random weights
# {cite}`adebayo2018sanity`. Use them to raise questions, and answer those with
# controlled tests on more than one network.
# ```
#
# ```{note}
# On a GPU (in Colab: *Runtime → Change runtime type → GPU*) the code runs unchanged and
# faster. Spend the time on honest spread: more seeds, or a new split per seed
# (`voicelab.data.make_splits(corpus, seed=seed)`). The last digits will differ.
# ```
#
# ## Summary
#
# - Give a network the log-mel array, not a picture of it. Fix the length (pad or crop
#   to 4 s), and remember that padding shows how long a clip was.
# - An output length is $\lfloor (W - K + 2P)/S \rfloor + 1$; a convolution has
#   $(K K C_\text{in} + 1) C_\text{out}$ parameters and a dense layer
#   $(n_\text{in} + 1) n_\text{out}$. Check both against the model, layer by layer.
# - Global average pooling keeps the network small ({glue:text}`n_params:,d`
#   parameters instead of the report's {glue:text}`report_params:,d`) and lets it read
#   clips of any length; wider pooling widens the receptive field.
# - Validation clips choose the epoch, so they must not overlap the training clips.
#   Score the test clips once, with a cluster-bootstrap interval and a spread over
#   seeds.
# - On this clean corpus the CNN reaches a mean test accuracy of
#   {glue:text}`seeds_acc_mean:.3f` over three seeds, like the MFCC models of chapter
#   03. Its evidence lies mostly above 4 kHz, little in the harmonics or the padding;
#   how much it leans on each cue depends on the seed.
#
# ## Exercises
#
# **1. Arithmetic.** A layer `Conv2D(8, 5, strides=2, padding="valid")` reads an input
# of 64 mel bands × 251 frames × 1 channel. Predict its output shape and parameter count
# with {eq}`eq-06-conv-size` and {eq}`eq-06-params`, then check with Keras.

# %% tags=["hide-cell"]
predicted = (out_size(64, 5, 0, 2), out_size(251, 5, 0, 2), 8)
conv = keras.layers.Conv2D(8, 5, strides=2, padding="valid")
out = conv(np.zeros((1, 64, 251, 1), dtype="float32"))
assert tuple(out.shape[1:]) == predicted and conv.count_params() == (5 * 5 * 1 + 1) * 8
glue("ex1_shape", " × ".join(map(str, predicted)))
glue("ex1_params", conv.count_params())
print(predicted, conv.count_params())

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# $\lfloor (64 - 5)/2 \rfloor + 1 = 30$ and $\lfloor (251 - 5)/2 \rfloor + 1 = 124$,
# so the output is {glue:text}`ex1_shape`, with $(5 \cdot 5 \cdot 1 + 1) \cdot 8 =$
# {glue:text}`ex1_params:d` parameters, as the hidden cell checks.
# ````
#
# **2. The leak with all 48 sentences.** Repeat the leaky run with all 192 training
# clips (the honest run is this chapter's training). How far apart are the curves now,
# and what does that say about the report's leak?

# %% tags=["hide-cell", "nbval-ignore-output"]
# The honest run is the training above; train the same network again, validated on
# its own training clips, for as many epochs.
set_seed(0)
leaky_full = fit(build_cnn(normalize=stats), X_train, y_train, X_train, y_train,
                 epochs=n_epochs, patience=None, seed=0).history
assert leaky_full["loss"] == logs["loss"]  # the same network, epoch by epoch
last_ten = slice(max(0, n_epochs - 10), n_epochs)
full_gap = (np.mean(leaky_full["val_accuracy"][last_ten])
            - np.mean(logs["val_accuracy"][last_ten]))
print("honest", np.round(logs["val_accuracy"], 2))
print("leaky ", np.round(leaky_full["val_accuracy"], 2))
assert full_gap < gap  # the text: the curves lie closer with more data
glue("ex2_gap", full_gap)
glue("ex2_small_gap", gap);

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# Over the last ten epochs, leaky minus honest accuracy is now {glue:text}`ex2_gap:.3f`
# on average, against {glue:text}`ex2_small_gap:.3f` with 80 clips. With 48 sentences
# the network generalises nearly as well as it fits, so the leaky curve happens to be
# nearly right. You know that only because you also measured honestly; with 80 clips it
# was too optimistic.
# ````
#
# **3. Narrower pooling.** Train `build_cnn(pool=2, normalize=stats)` with the same
# recipe. Compare its best validation loss with this chapter's network, and explain the
# difference with {eq}`eq-06-receptive`.

# %% tags=["hide-cell", "nbval-ignore-output"]
set_seed(0)
narrow = build_cnn(pool=2, normalize=stats)
narrow_history = fit(narrow, X_train, y_train, X_val, y_val, epochs=EPOCHS,
                     patience=PATIENCE, seed=0).history
narrow_best = min(narrow_history["val_loss"])
assert narrow_best > logs["val_loss"][best]  # the text: narrow pooling learns slower
glue("ex3_best", narrow_best)
glue("ex3_epochs", len(narrow_history["val_loss"]))
print(f"best val_loss: pool 2 {narrow_best:.3f}, pool 4 {logs['val_loss'][best]:.4f}")

# %% [markdown]
# ````{admonition} Solution
# :class: dropdown
# With pooling windows of 2 the best validation loss is {glue:text}`ex3_best:.3f`
# after {glue:text}`ex3_epochs:d` epochs, against {glue:text}`best_val_loss:.4f` with
# windows of 4. By {eq}`eq-06-receptive`, a filter of the last convolution then sees
# {glue:text}`field_pool2:d` mel bands, not {glue:text}`field_pool4:d`. The network must
# then compare the top bands with the rest of the spectrum from small pieces, which
# takes many more epochs.
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
