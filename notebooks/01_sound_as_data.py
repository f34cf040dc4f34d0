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
# # 01 · Sound as data
#
# **Time:** about 75 minutes (the notebook runs in about 40 s).
#
# **By the end you can:**
#
# - compute how long a sampled signal lasts, how much noise its bit depth adds, and
#   where a frequency above the Nyquist frequency lands;
# - load a clip at an explicit sample rate, and a folder of your own recordings as a
#   table with sentence-grouped train/val/test splits;
# - read a magnitude spectrum, tell bin spacing from frequency resolution, and trace a
#   steep edge in it to the filter that made it;
# - trim, filter, normalise and pad a clip, checking each step against its formula;
# - find a bias in the data (clip duration) that a careless model would learn.
#
# **Where this sits:** the first chapter, the raw material for the course's question:
# can a program tell two speakers apart when they read the same sentences? Next,
# {doc}`02_features` turns these arrays into features.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
import contextlib
import shutil
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path

import librosa
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.signal
import seaborn as sns
import soundfile as sf

from voicelab import audio, data, viz
from voicelab.glue import glue

# %% [markdown]
# ## A sound is a list of numbers
#
# A microphone turns air pressure into a continuously varying voltage. A computer
# cannot store a continuous curve, so an analogue-to-digital converter measures the
# voltage at regular instants. Each measurement is a **sample**. The
# number of samples per second is the **sample rate** $f_s$, in hertz (Hz); in code,
# `sr`.
#
# If $x_c(t)$ is the continuous signal, the stored signal is
#
# $$
# x[n] = x_c\!\left(\frac{n}{f_s}\right), \qquad n = 0, 1, \dots, N - 1 .
# $$ (eq-01-sampling)
#
# A signal of $N$ samples therefore lasts
#
# $$
# T = \frac{N}{f_s} \ \text{seconds.}
# $$ (eq-01-duration)
#
# Here is a 440 Hz tone sampled 8000 times per second for 5 ms.

# %%
sr = 8_000
n = np.arange(int(0.005 * sr))
y = np.sin(2 * np.pi * 440 * n / sr)
t_fine = np.linspace(0, 0.005, 2_000, endpoint=False)

fig, ax = plt.subplots(figsize=(8, 2.5))
ax.plot(1e3 * t_fine, np.sin(2 * np.pi * 440 * t_fine), color="0.6",
        label="continuous tone")
ax.stem(1e3 * n / sr, y, basefmt=" ", label=f"samples at {sr} Hz")
ax.set(xlabel="Time (ms)", ylabel="Amplitude", title="Sampling a 440 Hz tone at 8 kHz")
ax.legend(loc="upper right")
plt.show()
glue("tone_samples", y.size)
print(f"{y.size} samples at {sr} Hz last {1e3 * y.size / sr:.1f} ms")

# %% [markdown]
# The tone has {glue:text}`tone_samples` samples: the cell stored the number with
# `glue("tone_samples", y.size)`, and this sentence shows it with
# ``{glue:text}`tone_samples` ``. The course glues every result number this way.
#
# ### Bit depth
#
# Each sample is stored as an integer of $b$ bits, the **bit depth**: $2^b$ levels.
# Libraries divide the integer by $2^{b-1}$, so you get floats between $-1$ and $1$
# (full scale).
#
# Storing a sample rounds it to the nearest level, $\Delta = 2 / 2^b$ apart. If the
# error behaves like uniform noise, its power is $\Delta^2 / 12$. A full-scale sine has
# power $1/2$. Their ratio, in decibels, is the signal-to-quantisation-noise ratio:
#
# $$
# \mathrm{SNR} = 10 \log_{10} \frac{1/2}{\Delta^2 / 12}
# = b \cdot 20 \log_{10} 2 + 10 \log_{10} \tfrac{3}{2} \ \text{dB.}
# $$ (eq-01-snr)
#
# Check it by rounding a tone to 8 and to 16 bits.

# %%
sr = 16_000
tone = np.sin(2 * np.pi * 997 * np.arange(sr) / sr)
db_per_bit, snr_offset = 20 * np.log10(2), 10 * np.log10(3 / 2)
for bits in (8, 16):
    step = 2.0 / 2**bits
    error = step * np.round(tone / step) - tone
    measured = 10 * np.log10(np.mean(tone**2) / np.mean(error**2))
    formula = db_per_bit * bits + snr_offset
    assert abs(measured - formula) < 0.5
    print(f"{bits:2d} bits: {2**bits:6d} levels, SNR measured {measured:5.1f} dB, "
          f"formula {formula:5.1f} dB")
glue("db_per_bit", round(db_per_bit, 2))
glue("snr_offset", round(snr_offset, 2))
glue("snr_16", round(formula))

# %% [markdown]
# Every extra bit buys {glue:text}`db_per_bit` dB, on top of
# {glue:text}`snr_offset` dB. A 16-bit file, like the course's corpus, has about
# {glue:text}`snr_16` dB between a full-scale tone and the rounding noise: plenty for
# speech.
#
# ### The Nyquist frequency and aliasing
#
# Add a whole multiple $m$ of the sample rate to a cosine's frequency $f$. At the
# sample instants $t = n / f_s$ nothing changes, as $2\pi m n$ is a whole number of
# turns:
#
# $$
# \cos\!\left(2\pi (f + m f_s) \frac{n}{f_s}\right)
# = \cos\!\left(2\pi f \frac{n}{f_s} + 2\pi m n\right)
# = \cos\!\left(2\pi f \frac{n}{f_s}\right).
# $$ (eq-01-alias)
#
# Cosine is even, so $-f$ and $f_s - f$ give the same samples too: they are
# **aliases**. Every frequency folds onto one between 0 and $f_s / 2$, the **Nyquist
# frequency**. Conversely, a signal with no content at or above $f_s / 2$ is fully
# determined by its samples {cite}`oppenheim2010discrete`. So recorders low-pass filter
# the sound before sampling it, and resamplers before lowering the rate.
#
# Here a 7 kHz tone and a 1 kHz tone, both sampled at 8 kHz, give identical samples.

# %%
sr = 8_000
n = np.arange(17)
low = np.cos(2 * np.pi * 1_000 * n / sr)
high = np.cos(2 * np.pi * 7_000 * n / sr)
np.testing.assert_allclose(high, low, atol=1e-9)

t_fine = np.linspace(0, n[-1] / sr, 2_000)
fig, ax = plt.subplots(figsize=(8, 2.5))
ax.plot(1e3 * t_fine, np.cos(2 * np.pi * 7_000 * t_fine), color="C1", linewidth=0.8,
        label="7 kHz tone")
ax.plot(1e3 * t_fine, np.cos(2 * np.pi * 1_000 * t_fine), color="C0",
        label="1 kHz tone")
ax.plot(1e3 * n / sr, low, "ko", label="samples of both (8 kHz)")
ax.set(xlabel="Time (ms)", ylabel="Amplitude",
       title="Sampled at 8 kHz, a 7 kHz tone is indistinguishable from 1 kHz")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %% [markdown]
# The course's recordings use $f_s = 16$ kHz, usual for speech models: they hold
# frequencies up to 8 kHz.
#
# ## The corpus
#
# The report this course follows used private recordings of a daughter and her mother;
# the course ships its own corpus: two female voices, `clb` and `slt`, of the
# RHVoice speech synthesiser {cite}`rhvoice`, each a statistical model of one real
# woman's recordings (`slt`'s are from CMU ARCTIC {cite}`kominek2004arctic`). Both
# voices read the same sentences, twice each. `voicelab.data.load_corpus` returns the
# corpus as a table, one row per clip.

# %%
df = data.load_corpus()
df[["speaker", "sentence_id", "take", "duration_s", "text"]].head()

# %%
glue("n_clips", len(df))
glue("n_sentences", df["sentence_id"].nunique())
print(f"{len(df)} clips, {df['sentence_id'].nunique()} sentences, "
      f"takes {sorted(df['take'].unique().tolist())}")
df.pivot_table(index="speaker", columns="take", values="file", aggfunc="count")

# %% [markdown]
# Every sentence is read by both speakers, in every take: {glue:text}`n_clips` clips of
# {glue:text}`n_sentences` sentences. `soundfile.info` reads a file's format from its
# header.

# %%
assert (df.groupby("sentence_id").size() == 2 * df["take"].nunique()).all()
formats = {(i.samplerate, i.channels, i.subtype) for i in map(sf.info, df["path"])}
print("sample rate, channels, encoding:", formats)

# %% [markdown]
# ### Splits grouped by sentence
#
# Later chapters train a model on some clips and test it on others. If one sentence
# appeared in both, a model could score by recognising *what* is said instead of *who*
# says it. So all four clips of a sentence (two speakers, two takes) land in the same
# split. The `split` column comes from `splits.csv`, made once with
# `voicelab.data.make_splits`:

# %%
def make_splits(
    df: pd.DataFrame, *, seed: int = 0, fractions: Sequence[float] = (0.8, 0.1, 0.1),
    group: str = "sentence_id",
) -> pd.Series:
    """Assign every row to train, val or test, keeping each group in one split.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    df : pd.DataFrame
        One row per clip, with a ``group`` column.
    seed : int
        Seed of the shuffle of the groups.
    fractions : sequence of 3 floats
        Shares of the groups for train, val and test; each non-zero share gets at
        least one group, and train takes what rounding leaves.
    group : str
        Column whose values never straddle two splits.
    """
    groups = np.sort(df[group].unique())
    shares = np.asarray(fractions, dtype=float)
    counts = np.maximum(np.round(shares * len(groups)), shares > 0).astype(int)
    counts[0] = len(groups) - counts[1:].sum()
    assert np.isclose(shares.sum(), 1) and counts.min() >= 0, (fractions, counts)
    shuffled = np.random.default_rng(seed).permutation(groups)
    names = np.repeat(["train", "val", "test"], counts)
    return df[group].map(dict(zip(shuffled, names))).rename("split")


# %% [markdown]
# Redo the splits, write them as `splits.csv` was written, and compare byte for byte.

# %%
split = make_splits(df, seed=0)
pd.testing.assert_series_equal(split, df["split"])
assert split.groupby(df["sentence_id"]).nunique().eq(1).all()
table = df[["sentence_id"]].assign(split=split).drop_duplicates()
with tempfile.TemporaryDirectory() as tmp:
    table.to_csv(Path(tmp) / "splits.csv", index=False)
    assert (Path(tmp) / "splits.csv").read_bytes() == (
        data.CORPUS_DIR / "splits.csv").read_bytes()
sentences_per_split = table["split"].value_counts()
for name in ("train", "val", "test"):
    glue(f"n_{name}", int(sentences_per_split[name]))
sentences_per_split

# %% [markdown]
# The sentences divide {glue:text}`n_train`, {glue:text}`n_val` and {glue:text}`n_test`
# between train, val and test.
#
# ## Loading a clip
#
# `voicelab.audio.load` reads and checks a file, and returns float32 samples and the
# sample rate: mono at 16 kHz by default. Load the first sentence read by `clb`.

# %%
row = df.query("speaker == 'clb' and sentence_id == 's001' and take == 1").iloc[0]
print(row["text"])
y, sr = audio.load(row["path"])
print(f"dtype {y.dtype}, shape {y.shape}, sr {sr} Hz, {y.size / sr:.3f} s, "
      f"min {y.min():.3f}, max {y.max():.3f}")

# %% [markdown]
# The floats are the stored 16-bit integers divided by $2^{15} = 32768$. Read the file
# as integers to see it.

# %%
ints, file_sr = sf.read(row["path"], dtype="int16")
np.testing.assert_allclose(y, ints / 2**15, rtol=0, atol=0)
loudest = np.argmax(np.abs(ints))
print(f"loudest sample: {ints[loudest]} / 32768 = {y[loudest]:.5f}")

# %% [markdown]
# Before it returns anything, `load` checks the file: a missing path, a file that is
# not audio or is damaged, no samples, NaN or infinite samples, a clip shorter than
# `min_duration` (0.1 s), a peak below `silence_peak` (−80 dBFS). Each problem raises
# its own subclass of `voicelab.audio.AudioError`, whose message says what is wrong and
# what to do. Folders of recordings often hold a stray text file; try to load one.

# %%
with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
    Path("notes.txt").write_text("Sentence 1, take 2: cough at the end.\n")
    try:
        audio.load("notes.txt")
    except audio.AudioError as err:
        print(textwrap.fill(f"{type(err).__name__}: {err}", 88))

# %% [markdown]
# ### Your own recordings
#
# Put each speaker's clips in a folder of their own, named `<sentence>_t<take>.wav`
# (FLAC, OGG and MP3 work too), and pass the parent folder to
# `voicelab.data.load_folder`. It returns the same table as `load_corpus`, splits
# included, and refuses any file that is not audio rather than skip it. Try it on a copy
# of three corpus sentences.

# %%
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "recordings"
    for clip in df.query("sentence_id <= 's003'").itertuples():
        target = root / clip.speaker / Path(clip.file).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(clip.path, target)
    mine = data.load_folder(root)
    print(mine[["file", "label", "sentence_id", "take", "split"]].to_string())
    (root / "slt" / "notes.txt").write_text("s003, take 2: cough at the end.\n")
    try:
        data.load_folder(root)
    except audio.AudioError as err:
        message = str(err).replace(str(root.resolve()), "recordings")  # no tmp name
        print("\n" + textwrap.fill(f"{type(err).__name__}: {message}", 88))
assert len(mine) == 12 and mine.groupby("sentence_id")["split"].nunique().eq(1).all()

# %% [markdown]
# ```{warning}
# `librosa.load(path)` resamples to **22 050 Hz** unless you pass `sr`. The report
# loaded every file this way, so its sample counts were at 22 050 Hz, not the files'
# rate. Pass `sr=None` to keep the file's rate, or the rate you want.
# ```
#
# ## Sample rate and resampling
#
# Resampling computes the samples a signal would have had at another rate. The duration
# stays the same, so by {eq}`eq-01-duration` the number of samples scales with the rate:
#
# $$
# N' = \left\lceil N \frac{f_s'}{f_s} \right\rceil .
# $$ (eq-01-resample)
#
# `voicelab.audio.resample` is one line of librosa. Compare it with loading the clip
# the way the report did, at librosa's default rate.

# %%
def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Change the sample rate of ``y`` (last axis) with soxr's high-quality filter.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    orig_sr, target_sr : int
        The rates in Hz.
    """
    return librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type="soxr_hq")


y_22k, sr_22k = librosa.load(row["path"])
np.testing.assert_allclose(resample(y, sr, 22_050), y_22k, atol=1e-6)
assert y_22k.size == np.ceil(y.size * sr_22k / sr)
for name, signal, rate in [("voicelab.audio.load", y, sr),
                           ("librosa.load", y_22k, sr_22k)]:
    print(f"{name:>20}: {rate:6d} Hz, {signal.size:6d} samples, "
          f"{signal.size / rate:.3f} s")
glue("more_samples_pct", round(100 * (y_22k.size / y.size - 1)))

# %% [markdown]
# Same duration, {glue:text}`more_samples_pct` % more samples, but no more detail: the
# 16 kHz file holds nothing above 8 kHz, and the resampler cannot invent it.

# %%
power = np.abs(np.fft.rfft(y_22k)) ** 2
freqs = np.fft.rfftfreq(y_22k.size, d=1 / sr_22k)
share = power[freqs > 8_000].sum() / power.sum()
print(f"share of the energy above 8 kHz is below one in a billion: {share < 1e-9}")

# %% [markdown]
# ```{note}
# Resample every clip to one rate before you compare clips or compute features. A frame
# of 1024 samples lasts 64 ms at 16 kHz but {glue:text}`frame_22k_ms:.0f` ms at
# 22 050 Hz, and its spectrum has bins {glue:text}`bin_16k:.1f` Hz apart at one rate
# and {glue:text}`bin_22k:.1f` Hz at the other.
# ```

# %%
glue("frame_22k_ms", 1_000 * 1_024 / 22_050)
glue("bin_16k", 16_000 / 1_024)
glue("bin_22k", 22_050 / 1_024)

# %% [markdown]
# ## Mono
#
# A stereo file holds two **channels**. `voicelab` stores them as an array of shape
# `(channels, n)`, like librosa. Mixing to mono averages the channels:
#
# $$
# x_{\text{mono}}[n] = \frac{1}{C} \sum_{c=1}^{C} x_c[n] .
# $$ (eq-01-mono)
#
# That is `voicelab.audio.to_mono`:

# %%
def to_mono(y: np.ndarray) -> np.ndarray:
    """Average the channels of a ``(channels, n)`` signal; pass ``(n,)`` through.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    """
    y = np.asarray(y)
    assert y.ndim in (1, 2), f"expected shape (n,) or (channels, n), got {y.shape}"
    return y if y.ndim == 1 else y.mean(axis=0)


# %% [markdown]
# The corpus is mono, so make a stereo clip: the clip on the left, a quieter, slightly
# noisy copy on the right.

# %%
rng = np.random.default_rng(0)
right = 0.5 * y + 0.01 * rng.standard_normal(y.size).astype(np.float32)
stereo = np.stack([y, right])
mono = to_mono(stereo)
np.testing.assert_allclose(mono, (y + right) / 2, rtol=1e-6)
print(f"{stereo.shape} -> {mono.shape}")
print(f"peak of the mix of y and -y: {np.abs(to_mono(np.stack([y, -y]))).max()}")

# %% [markdown]
# ```{warning}
# `soundfile.read` returns `(n, channels)`, the transpose of librosa's convention:
# averaging over the wrong axis turns a stereo clip into two samples. Channels in
# opposite polarity cancel, as the last line shows: listen to a mono mix.
# ```
#
# ## Waveform and listening
#
# The **waveform** plots the samples against time, $t = n / f_s$. Plot the same
# sentence read by each speaker, on shared axes, and listen.

# %%
clips = {}
for speaker in data.SPEAKERS:
    path = df.query(f"speaker == '{speaker}' and sentence_id == 's001' and take == 1")
    clips[speaker] = audio.load(path["path"].iloc[0])[0]

fig, axes = plt.subplots(2, 1, figsize=(8, 4.5), sharex=True, sharey=True)
for ax, (speaker, signal) in zip(axes, clips.items()):
    title = f"{speaker}, sentence s001, take 1 ({signal.size / sr:.2f} s)"
    viz.plot_waveform(signal, sr, ax=ax, title=title)
axes[0].set_xlabel("")
axes[0].set_xlim(0, max(signal.size for signal in clips.values()) / sr)
fig.tight_layout()
plt.show()

# %% [markdown]
# The cell checks what the players hold: two clips, each over a second long.

# %%
players = viz.audio_table({f"{speaker}, s001": (s, sr) for speaker, s in clips.items()})
assert players.data.count("<audio") == 2 and all(s.size > sr for s in clips.values())
players

# %% [markdown]
# The waveforms differ in loudness and timing, both drawn at random per take in this
# corpus. A waveform mixes what is said, how fast, how loud and by whom; to see
# the voice itself you need frequencies.
#
# ## The magnitude spectrum
#
# The **discrete Fourier transform** (DFT) writes a signal of $N$ samples as a sum of
# $N$ complex sinusoids. Coefficient $k$ measures how much of frequency $k f_s / N$ the
# signal holds:
#
# $$
# X[k] = \sum_{n=0}^{N-1} x[n]\, e^{-2\pi i k n / N}, \qquad k = 0, \dots, N - 1 .
# $$ (eq-01-dft)
#
# The **magnitude spectrum** is $|X[k]|$. Compute the DFT of a short random signal as a
# matrix product and compare it with `np.fft.fft`, the fast Fourier transform (FFT) of
# the same sum.

# %%
rng = np.random.default_rng(0)
x = rng.standard_normal(8)
k = np.arange(8)
dft_matrix = np.exp(-2j * np.pi * np.outer(k, k) / 8)
X = dft_matrix @ x
np.testing.assert_allclose(X, np.fft.fft(x), atol=1e-12)
print("|X[k]|:", np.round(np.abs(X), 3))

# %% [markdown]
# After $k = 4$ the magnitudes repeat in reverse order. The report blamed the Nyquist
# theorem; the reason is that $x$ is **real**. Put $N - k$ into
# {eq}`eq-01-dft` and use $e^{-2\pi i n} = 1$:
#
# $$
# X[N - k] = \sum_{n} x[n]\, e^{-2\pi i n}\, e^{+2\pi i k n / N}
# = \overline{\sum_{n} x[n]\, e^{-2\pi i k n / N}} = \overline{X[k]} .
# $$ (eq-01-symmetry)
#
# The bar is complex conjugation; the middle step needs $\overline{x[n]} = x[n]$, true
# only for real samples.
#
# Nyquist explains what the upper bins *mean*: by {eq}`eq-01-alias`, bin $N - k$ is
# the **negative** frequency $-k f_s / N$, as `np.fft.fftfreq` labels it. A real signal
# holds $+f$ and $-f$ equally, since
# $\cos(2\pi f t) = (e^{2\pi i f t} + e^{-2\pi i f t}) / 2$.

# %%
print("bin frequencies (Hz) at 8 kHz, N = 8:")
print(np.fft.fftfreq(8, d=1 / 8_000).tolist())
n = np.arange(64)
for name, signal in [("real cosine", np.cos(2 * np.pi * 1_000 * n / 8_000)),
                     ("complex exponential", np.exp(2j * np.pi * 1_000 * n / 8_000))]:
    peaks = np.flatnonzero(np.abs(np.fft.fft(signal)) > 1)
    print(f"{name:>19}: peaks in bins {peaks.tolist()}")

# %% [markdown]
# The complex signal has one peak; the real cosine's mirror sits in bin
# $64 - 8 = 56$, at $-1$ kHz. Check the symmetry on the recording, and that
# `np.fft.rfft` returns the non-redundant half, bins $0$ to $\lfloor N/2 \rfloor$.

# %%
x = clips["clb"].astype(np.float64)
N = x.size
X = np.fft.fft(x)
k = np.arange(1, N)
tolerance = 1e-9 * np.abs(X).max()
np.testing.assert_allclose(X[N - k], np.conj(X[k]), rtol=0, atol=tolerance)
X_half = np.fft.rfft(x)
np.testing.assert_allclose(X_half, X[: N // 2 + 1], rtol=0, atol=tolerance)
print(f"N = {N} samples: fft gives {X.size} bins, rfft gives {X_half.size}")

# %% [markdown]
# `voicelab.viz.plot_spectrum` plots $|X[k]|$ from `rfft`, 0 Hz to $f_s / 2$, here in
# decibels ($20 \log_{10} |X[k]|$), for each speaker's sentence.

# %%
fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True, sharey=True)
for ax, (speaker, signal) in zip(axes, clips.items()):
    viz.plot_spectrum(signal, sr, ax=ax, db=True,
                      title=f"Magnitude spectrum, {speaker}, sentence s001")
axes[0].set_xlabel("")
fig.tight_layout()
plt.show()
for speaker, signal in clips.items():
    magnitude = np.abs(np.fft.rfft(signal))
    peak_hz = np.fft.rfftfreq(signal.size, d=1 / sr)[np.argmax(magnitude)]
    print(f"{speaker}: strongest frequency {peak_hz:.0f} Hz")

# %% [markdown]
# Both spectra peak below 200 Hz, near each voice's pitch, with harmonics above. Both
# fall off a cliff just below 8 kHz. Is that the voice?
#
# ### Where the edge comes from
#
# Each take went through a simulated recording chain (listed in the corpus
# `README.md`). Two of its filters could make the edge:
#
# 1. a **low-pass** (`sox lowpass`) with a cutoff drawn per take between 3.8 and
#    7.8 kHz: a two-pole Butterworth filter, falling by only 12 dB per octave;
# 2. the final **resampling** from 24 kHz to 16 kHz (`sox rate -v`). A resampler must
#    first remove everything above the new Nyquist frequency, or it would fold down by
#    {eq}`eq-01-alias`. Its **anti-alias filter** is flat almost up to 8 kHz, then
#    falls by tens of dB within a few hundred hertz.
#
# Tell them apart by the edge's shape: the level between 7 and 7.5 kHz minus the level
# above 7850 Hz, in every clip (Welch's average power spectrum), in the low-pass at
# its extreme cutoffs, and in white noise resampled with librosa's `soxr_vhq`. First
# load every clip with `voicelab.data.load_clips`:

# %%
def load_clips(df: pd.DataFrame, *, sr: int = audio.SR) -> list[np.ndarray]:
    """Load the file of every row with ``voicelab.audio.load``, in row order.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    df : pd.DataFrame
        A table with a ``path`` column, from ``load_corpus`` or ``load_folder``.
    sr : int
        The sample rate every clip is resampled to.
    """
    return [audio.load(path, sr=sr)[0] for path in df["path"]]


# %%
corpus_clips = load_clips(df)
below, above = (7_000, 7_500), (7_850, 8_000)


def band_db(f, power, lo, hi):
    """Mean power between lo and hi Hz, in dB."""
    return 10 * np.log10(power[..., (f >= lo) & (f < hi)].mean(axis=-1))


def edge_drop(f, power):
    """Level between 7 and 7.5 kHz minus level above 7.85 kHz, in dB."""
    return band_db(f, power, *below) - band_db(f, power, *above)


f = np.fft.rfftfreq(1024, d=1 / sr)  # the frequencies of welch's bins
power = np.array([scipy.signal.welch(c, fs=sr, nperseg=1024)[1] for c in corpus_clips])
noise = np.random.default_rng(0).standard_normal(10 * 24_000)
resampled = librosa.resample(noise, orig_sr=24_000, target_sr=16_000,
                             res_type="soxr_vhq")
resampler_power = scipy.signal.welch(resampled, fs=sr, nperseg=1024)[1]
lowpass_power = {}
for cutoff in (3_800, 7_800):  # sox runs the low-pass at the synthesiser's 24 kHz
    sos = scipy.signal.butter(2, cutoff, output="sos", fs=24_000)
    _, response = scipy.signal.sosfreqz(sos, worN=f, fs=24_000)
    lowpass_power[cutoff] = np.abs(response) ** 2
clip_drops = edge_drop(f, power)
lowpass_drop = max(edge_drop(f, p) for p in lowpass_power.values())
resampler_drop = edge_drop(f, resampler_power)
print(f"drop across the edge: every clip at least {clip_drops.min():.0f} dB "
      f"(median {np.median(clip_drops):.0f} dB)")
print(f"two-pole low-pass, any cutoff drawn: at most {lowpass_drop:.1f} dB")
print(f"resampler 24 kHz -> 16 kHz: {resampler_drop:.0f} dB")
assert clip_drops.min() > 3 * lowpass_drop and resampler_drop > clip_drops.min()
rounding_floor = (2 / 2**16) ** 2 / 12 * 2 / sr  # power per Hz of 16-bit rounding
at_floor = np.median(power[:, f >= above[0]].mean(axis=1) / rounding_floor)
print(f"above {above[0]} Hz the clips sit at the 16-bit rounding noise floor "
      f"(median ratio {at_floor:.1f})")
assert 0.5 < at_floor < 2
glue("edge_clip_min", round(clip_drops.min()))
glue("edge_clip_median", round(np.median(clip_drops)))
glue("edge_lowpass", round(lowpass_drop, 1))
glue("edge_resampler", round(resampler_drop))

# %% [markdown]
# Every clip falls by at least {glue:text}`edge_clip_min` dB across the edge (median
# {glue:text}`edge_clip_median` dB); a two-pole low-pass, at any cutoff drawn, by at
# most {glue:text}`edge_lowpass` dB; the resampler by {glue:text}`edge_resampler` dB.
# The cliff is the resampler's anti-alias filter; the low-pass only tilts each
# spectrum. The clips fall less than the resampler because above the edge they reach
# the 16-bit rounding floor, as the last line checks.
#
# Yet the fall starts before the resampler's. Find in each clip the first frequency
# above 7 kHz that is 10 dB below its 6–7 kHz level.

# %%
def fade_hz(f, power):
    """First frequency above 7 kHz that is 10 dB below the 6-7 kHz level."""
    level = 10 * np.log10(power) - band_db(f, power, 6_000, 7_000)[..., None]
    faded = (f > 7_000) & (level < -10)
    return f[np.argmax(faded, axis=-1)]


df["fade_hz"] = fade_hz(f, power)
fades = df.groupby("speaker")["fade_hz"].median()
resampler_fade = fade_hz(f, resampler_power)
print("median 10 dB fade:", ", ".join(f"{s} {hz:.0f} Hz" for s, hz in fades.items()),
      f"(resampler alone: {resampler_fade:.0f} Hz)")
assert fades["clb"] < fades["slt"] - 150 and fades.max() <= resampler_fade
glue("fade_clb", round(fades["clb"]))
glue("fade_slt", round(fades["slt"]))
glue("fade_resampler", round(resampler_fade))

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 3.5))
speakers = df["speaker"].to_numpy()
by_speaker = {s: power[speakers == s].mean(axis=0) for s in data.SPEAKERS}
curves = [(f"{s}, mean of its clips", p, "k" if s == "clb" else "0.6", 2.0)
          for s, p in by_speaker.items()]
curves += [("resampler 24 -> 16 kHz (white noise)", resampler_power, "C3", 1.0)]
curves += [(f"two-pole low-pass at {c} Hz", p, f"C{i}", 1.0)
           for i, (c, p) in enumerate(lowpass_power.items())]
for label, p, color, width in curves:
    level = 10 * np.log10(p) - band_db(f, p, 6_000, 7_000)
    ax.plot(f, level, color=color, linewidth=width, label=label)
ax.set(xlim=(5_000, 8_000), ylim=(-80, 10), xlabel="Frequency (Hz)",
       ylabel="Power re 6-7 kHz (dB)",
       title="Above 7 kHz the voices fade, clb first; then the resampler cuts")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# Half of the `clb` clips are 10 dB down by {glue:text}`fade_clb` Hz, half of the
# `slt` clips only by {glue:text}`fade_slt` Hz; the resampler alone gets there at
# {glue:text}`fade_resampler` Hz. Both recording chains were drawn from the same
# ranges, so the difference comes with the voices: `clb`'s holds less above 7 kHz.
# Like a microphone only one speaker used, it says nothing about the woman behind the
# voice: recall it when a later model finds the top of the spectrum useful.
#
# ### Bin spacing is not resolution
#
# The DFT of $N$ samples has bins $f_s / N$ apart: the **bin spacing**. The frequency
# resolution is the smallest distance at which two tones show as two peaks. A tone
# gives not one bin but a bump, the **main lobe**: $2 f_s / N$ wide from null to null
# with no window (a rectangular one), $4 f_s / N$ with the Hann window of
# short-time spectra {cite}`muller2015fundamentals`. **Zero padding** (appending zeros
# before the FFT) brings the bins closer but samples the same bump; only more signal
# narrows it. Check on two tones 20 Hz apart.

# %%
sr = 16_000
t = np.arange(16_384) / sr
two_tones = np.sin(2 * np.pi * 1_000 * t) + np.sin(2 * np.pi * 1_020 * t)


def hann_spectrum(signal, n_fft):
    """dB magnitude of the Hann-windowed signal, zero-padded to n_fft samples."""
    windowed = signal * np.hanning(signal.size)
    return 20 * np.log10(np.abs(np.fft.rfft(windowed, n=n_fft)) + 1e-12)


def count_peaks(spectrum_db):
    """Peaks within 6 dB of the highest that stand at least 3 dB above their dip."""
    height = spectrum_db.max() - 6
    return len(scipy.signal.find_peaks(spectrum_db, height=height, prominence=3)[0])


cases = [("1024 samples", 1_024, 1_024), ("1024 samples, zero-padded", 1_024, 16_384),
         ("4096 samples", 4_096, 4_096)]
fig, ax = plt.subplots(figsize=(8, 3))
for label, length, n_fft in cases:
    spectrum_db = hann_spectrum(two_tones[:length], n_fft)
    f_bins = np.fft.rfftfreq(n_fft, d=1 / sr)
    n_peaks = count_peaks(spectrum_db)
    ax.plot(f_bins, spectrum_db - spectrum_db.max(), ".-" if n_fft < 8_192 else "-",
            markersize=4, linewidth=1, label=f"{label}: {n_peaks} peak(s)")
    print(f"{label:>26}: bins {sr / n_fft:5.2f} Hz apart, Hann main lobe "
          f"{4 * sr / length:5.1f} Hz wide, {n_peaks} peak(s)")
ax.set(xlim=(900, 1_200), ylim=(-40, 3), xlabel="Frequency (Hz)",
       ylabel="Magnitude re peak (dB)",
       title="Tones at 1000 and 1020 Hz: closer bins do not separate them")
ax.legend(loc="lower right", fontsize=8)
plt.show()
peak_counts = [count_peaks(hann_spectrum(two_tones[:m], n)) for _, m, n in cases]
assert peak_counts == [1, 1, 2]
glue("bins_1024", sr / 1_024)
glue("bins_padded", sr / 16_384)
glue("lobe_1024", 4 * sr / 1_024)
glue("lobe_4096", 4 * sr / 4_096)

# %% [markdown]
# With 1024 samples the bins are {glue:text}`bins_1024:.1f` Hz apart, closer than the
# tones, yet the main lobe is {glue:text}`lobe_1024:.1f` Hz wide: one peak. Zero
# padding brings the bins to {glue:text}`bins_padded:.2f` Hz apart and draws the bump
# smoothly: still one peak. With 4096 samples the lobe shrinks to
# {glue:text}`lobe_4096:.1f` Hz and two peaks appear. Measure the main lobe from the
# first zeros on each side of a single tone's peak.

# %%
for window_name, window, lobe_bins in [("rectangular", np.ones(1_024), 2),
                                       ("Hann", np.hanning(1_024), 4)]:
    tone = np.cos(2 * np.pi * 1_000 * np.arange(1_024) / sr) * window
    magnitude = np.abs(np.fft.rfft(tone, n=2**18))
    f_fine = np.fft.rfftfreq(2**18, d=1 / sr)
    peak = np.argmax(magnitude)
    minima = scipy.signal.argrelmin(magnitude)[0]
    width = f_fine[minima[minima > peak][0]] - f_fine[minima[minima < peak][-1]]
    np.testing.assert_allclose(width, lobe_bins * sr / 1_024, atol=0.5)
    print(f"{window_name:>11} window, N = 1024: main lobe {width:.1f} Hz "
          f"= {lobe_bins} x sr / N")

# %% [markdown]
# ```{note}
# The report noticed that a longer file shows "more" of each frequency: an
# unnormalised spectrum grows with length, as {eq}`eq-01-dft` sums over all $N$
# samples. Repeat a clip and every magnitude doubles. Divide by $N$ before comparing
# clips of different lengths.
# ```

# %%
doubled = np.abs(np.fft.rfft(np.tile(x, 2)))[::2]
np.testing.assert_allclose(doubled, 2 * np.abs(X_half), rtol=1e-6, atol=tolerance)
print("repeating the clip doubles every magnitude:",
      np.allclose(doubled, 2 * np.abs(X_half), rtol=1e-6, atol=tolerance))

# %% [markdown]
# ## Trimming silence
#
# Every corpus clip starts and ends with 0.1 to 0.3 s of silence: duration without a
# voice. `voicelab.audio.trim_silence` removes it with librosa, in three steps:
#
# 1. Compute the root-mean-square (RMS) amplitude $r_j$ of frames of 2048 samples,
#    frame $j$ centred on sample $512 j$.
# 2. Express each relative to the loudest: $L_j = 20 \log_{10} (r_j / \max_i r_i)$ dB.
# 3. Keep samples $512 j_1$ up to $512 (j_2 + 1)$, where $j_1$ and $j_2$ are the first
#    and last frames with $L_j > -\text{top\_db}$.

# %%
def trim_silence(
    y: np.ndarray, *, top_db: float = 30.0
) -> tuple[np.ndarray, tuple[int, int]]:
    """Cut the leading and trailing frames quieter than ``top_db`` below the loudest.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    top_db : float
        Threshold in dB below the loudest frame (frames of 2048 samples, hop 512).
    """
    y_trimmed, (start, end) = librosa.effects.trim(y, top_db=top_db)
    return y_trimmed, (int(start), int(end))


# %% [markdown]
# Do the three steps by hand with `top_db = 30` and compare.

# %%
y = clips["clb"]
hop = 512
rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=hop)[0]
level_db = 20 * np.log10(np.maximum(rms, 1e-10) / rms.max())
loud = np.flatnonzero(level_db > -30)
by_hand = (int(loud[0] * hop), int(min(y.size, (loud[-1] + 1) * hop)))

y_trim, interval = trim_silence(y, top_db=30)
assert interval == by_hand
np.testing.assert_array_equal(y_trim, y[by_hand[0] : by_hand[1]])
print(f"kept samples {interval[0]} to {interval[1]}: "
      f"{y.size / sr:.2f} s -> {y_trim.size / sr:.2f} s")

# %%
fig, ax = plt.subplots(figsize=(8, 2.5))
viz.plot_waveform(y, sr, ax=ax, title="clb, s001: the shaded parts are trimmed")
ax.axvspan(0, interval[0] / sr, color="C3", alpha=0.2, label="removed")
ax.axvspan(interval[1] / sr, y.size / sr, color="C3", alpha=0.2)
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# Listen before and after (the cell checks that only near-silence was cut).

# %%
removed = np.concatenate([y[: interval[0]], y[interval[1] :]])
assert np.abs(removed).max() < 0.05 * np.abs(y).max()
viz.audio_table({"before trimming": (y, sr), "after trimming": (y_trim, sr)})

# %% [markdown]
# ```{warning}
# `top_db` is measured from the loudest frame, not from absolute silence. In a noisy
# recording the background may sit less than 30 dB below the speech, and nothing gets
# trimmed. Check the kept interval on a few clips.
# ```
#
# ## A low-pass Butterworth filter
#
# A **low-pass filter** keeps frequencies below a **cutoff** $f_c$ and attenuates those
# above. The Butterworth filter {cite}`butterworth1930theory`, as flat as possible
# below the cutoff, has the squared magnitude response, of order $n$,
#
# $$
# |H(f)|^2 = \frac{1}{1 + (f / f_c)^{2n}} .
# $$ (eq-01-butter)
#
# At $f = f_c$ this is $1/2$, about −3 dB: the cutoff is the **−3 dB point**. Far
# above it the response falls by about $6 n$ dB per octave (12 dB for the corpus's
# two-pole low-pass).
#
# That is the analogue filter, whose frequency axis runs to infinity; a digital one's
# ends at the Nyquist frequency. `scipy.signal.butter` maps one onto the other with the
# bilinear transform {cite}`oppenheim2010discrete`, keeping $f_c$, and $f / f_c$ becomes
# a ratio of tangents:
#
# $$
# |H(f)|^2 = \frac{1}{1 + \left(\tan(\pi f / f_s) / \tan(\pi f_c / f_s)\right)^{2n}} .
# $$ (eq-01-butter-digital)
#
# Well below Nyquist, $\tan u \approx u$ and the two formulas agree. Check a
# 5th-order filter at 1 kHz against the formula.

# %%
cutoff, order = 1_000, 5
sos = scipy.signal.butter(order, cutoff, output="sos", fs=sr)
freqs, h = scipy.signal.sosfreqz(sos, worN=4096, fs=sr)
ratio = np.tan(np.pi * freqs / sr) / np.tan(np.pi * cutoff / sr)
np.testing.assert_allclose(np.abs(h) ** 2, 1 / (1 + ratio ** (2 * order)), atol=1e-9)
analog = 1 / (1 + (freqs / cutoff) ** (2 * order))
for f0 in (cutoff, 2 * cutoff, 4 * cutoff):
    i = np.flatnonzero(freqs == f0)[0]
    print(f"{f0:5d} Hz: digital {10 * np.log10(np.abs(h[i]) ** 2):6.1f} dB, "
          f"analogue formula {10 * np.log10(analog[i]):6.1f} dB")

# %% [markdown]
# Both give −3 dB at the cutoff; above it the digital filter falls faster, to zero
# gain at the Nyquist frequency, where $\tan$ is infinite.
#
# `voicelab.audio.butter_filter` runs the filter forwards, then backwards
# (`scipy.signal.sosfiltfilt`). The backward pass undoes the forward pass's delay, so
# the result is **zero-phase**: nothing shifts in time. The price: the magnitude
# response is squared, so every attenuation in dB doubles (−6 dB at the cutoff).

# %%
def butter_filter(
    y: np.ndarray, sr: int, cutoff: float | tuple[float, float], *,
    kind: str = "lowpass", order: int = 5,
) -> np.ndarray:
    """Filter ``y`` (last axis) with a zero-phase Butterworth filter.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    sr : int
        Sample rate in Hz.
    cutoff : float or (float, float)
        Cutoff in Hz, strictly between 0 and ``sr / 2``; ``(low, high)`` for a band.
    kind : {"lowpass", "highpass", "bandpass"}
        The filter type.
    order : int
        Order of the filter, which runs forwards and then backwards.
    """
    sos = scipy.signal.butter(order, cutoff, btype=kind, output="sos", fs=sr)
    return scipy.signal.sosfiltfilt(sos, y, axis=-1).astype(np.float32)


# %% [markdown]
# Check both claims on an impulse: its response is symmetric in time, and its
# spectrum's magnitude is $|H(f)|^2$.

# %%
impulse = np.zeros(4096)
impulse[2048] = 1.0
response = butter_filter(impulse, sr, cutoff, order=order)
np.testing.assert_allclose(response[2048:2300], response[2048:1796:-1], atol=1e-6)
fft_freqs = np.fft.rfftfreq(impulse.size, d=1 / sr)
_, h_grid = scipy.signal.sosfreqz(sos, worN=fft_freqs, fs=sr)
zero_phase_gain = np.abs(np.fft.rfft(response))
np.testing.assert_allclose(zero_phase_gain, np.abs(h_grid) ** 2, atol=1e-5)
at_cutoff = np.abs(h_grid[fft_freqs == cutoff][0]) ** 2
print(f"zero-phase gain at the cutoff: {20 * np.log10(at_cutoff):.2f} dB")

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
gain_db = 20 * np.log10(np.maximum(np.abs(h), 1e-12))
ax.semilogx(freqs[1:], gain_db[1:], label="one pass (sosfreqz)")
ax.semilogx(freqs[1:], 10 * np.log10(analog[1:]), "k--", linewidth=0.8,
            label="analogue formula")
ax.semilogx(freqs[1:], 2 * gain_db[1:], label="zero-phase (forward + backward)")
ax.axhline(-3.01, color="0.5", linewidth=0.5)
ax.plot(cutoff, -3.01, "o", color="C0")
ax.annotate(f"−3 dB at $f_c$ = {cutoff} Hz", (cutoff, -3.01), xytext=(60, -25),
            arrowprops={"arrowstyle": "->"})
ax.set(xlim=(50, sr / 2), ylim=(-120, 5), xlabel="Frequency (Hz)",
       ylabel="Gain (dB)",
       title=f"Butterworth low-pass, order {order}, cutoff {cutoff} Hz, at {sr} Hz")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# Filter the sentence and compare the spectra.

# %%
y_low = butter_filter(y, sr, cutoff, order=order)
ax = viz.plot_spectrum(y, sr, db=True, color="0.6", label="original",
                       title=f"clb, s001, before and after a {cutoff} Hz low-pass")
viz.plot_spectrum(y_low, sr, ax=ax, db=True, color="C0", label="low-passed")
ax.axvline(cutoff, color="C3", linewidth=0.8, label="cutoff")
ax.legend(loc="upper right")
plt.show()
spectrum_freqs = np.fft.rfftfreq(y.size, d=1 / sr)
above_2k = spectrum_freqs > 2 * cutoff
energy = [np.sum(np.abs(np.fft.rfft(s))[above_2k] ** 2) for s in (y, y_low)]
glue("lowpass_cut_db", round(10 * np.log10(energy[0] / energy[1])))

# %% [markdown]
# Listen; the cell checks that the energy above 2 kHz fell by
# {glue:text}`lowpass_cut_db` dB.

# %%
assert 10 * np.log10(energy[0] / energy[1]) > 40
viz.audio_table({"original": (y, sr), f"low-pass {cutoff} Hz, zero-phase": (y_low, sr)})

# %% [markdown]
# The hiss of *s*, the bursts of *t* and *k*, and the resonances above 1 kHz that
# shape a voice's timbre are gone: it sounds muffled. The report's notes suggest a
# 4 kHz low-pass "to remove noise", but clean speech holds only voice up there. Filter
# only what you know is there, such as hum.
#
# ```{warning}
# The cutoff must lie strictly between 0 and $f_s / 2$: no digital filter can act on
# frequencies the signal cannot hold. `scipy.signal.butter` refuses anything else.
# ```

# %%
try:
    butter_filter(y, sr, 9_000)
except ValueError as err:
    print(err)

# %% [markdown]
# ## Normalisation
#
# Recording level depends on the microphone and its gain, not on the voice, so
# **normalisation** scales each clip to a common level.
#
# **Peak normalisation** makes the largest absolute sample equal a target $p$:
#
# $$
# y_{\text{peak}}[n] = p \, \frac{y[n]}{\max_m |y[m]|} .
# $$ (eq-01-peak)
#
# **RMS normalisation** sets the root-mean-square level to a target $L$ in dBFS
# (decibels relative to full scale):
#
# $$
# r = \sqrt{\frac{1}{N} \sum_{n} y[n]^2}, \qquad
# y_{\text{rms}}[n] = \frac{10^{L / 20}}{r} \, y[n] .
# $$ (eq-01-rms)
#
# Peak level hangs on one sample, such as a click. RMS level follows loudness better but
# can push peaks above full scale. The last two functions below are
# `voicelab.audio.rms_dbfs` and `voicelab.audio.rms_normalize`.

# %%
def peak_normalize(y, *, peak=0.99):
    """Scale ``y`` so that its largest absolute sample equals ``peak``."""
    return y * (peak / np.abs(y).max())


def rms_dbfs(y: np.ndarray) -> float:
    """The root-mean-square level of ``y`` in dB relative to full scale (1.0).
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Samples of any shape; digital silence measures ``-inf``.
    """
    rms = np.sqrt(np.mean(np.square(y, dtype=np.float64)))
    with np.errstate(divide="ignore"):
        return float(20 * np.log10(rms))


def rms_normalize(y: np.ndarray, *, target_dbfs: float = -20.0) -> np.ndarray:
    """Scale ``y`` so that its RMS level is ``target_dbfs`` (peaks may exceed 1).
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Samples of any shape, not digital silence.
    target_dbfs : float
        The RMS level to reach, in dBFS.
    """
    level = rms_dbfs(y)
    assert np.isfinite(level), "rms_normalize cannot scale digital silence"
    return (y * 10 ** ((target_dbfs - level) / 20)).astype(y.dtype, copy=False)


# %%
y_peak = peak_normalize(y, peak=0.99)
y_rms = rms_normalize(y, target_dbfs=-20.0)
r = np.sqrt(np.mean(y.astype(np.float64) ** 2))
np.testing.assert_allclose(y_rms, 10 ** (-20 / 20) / r * y, rtol=1e-6)
np.testing.assert_allclose(np.abs(y_peak).max(), 0.99, rtol=1e-6)

for name, signal in [("original", y), ("peak 0.99", y_peak), ("RMS -20 dBFS", y_rms)]:
    level = rms_dbfs(signal)
    peak = 20 * np.log10(np.abs(signal).max())
    print(f"{name:>13}: peak {peak:6.1f} dBFS, RMS {level:6.1f} dBFS, "
          f"peak - RMS {peak - level:5.1f} dB")
loud_peak = 20 * np.log10(np.abs(rms_normalize(y, target_dbfs=-10.0)).max())
print(f"RMS -10 dBFS would put the peak at {loud_peak:+.1f} dBFS: it would clip")

# %% [markdown]
# Both are a single gain, so the gap between peak and RMS (the **crest factor**) does
# not change. Listen at the stored levels (`normalize=False`; the cell checks that no
# player clips).

# %%
assert max(np.abs(s).max() for s in (y, y_peak, y_rms)) <= 1.0
viz.audio_table({"original": (y, sr), "peak 0.99": (y_peak, sr),
                 "RMS −20 dBFS": (y_rms, sr)}, normalize=False)

# %% [markdown]
# Level is a tempting shortcut for a classifier. In the report, the mother's clip of one
# sentence had almost twice her daughter's RMS: her voice, or where she held the
# phone? Look across the corpus.

# %%
df["rms_dbfs"] = [rms_dbfs(c) for c in corpus_clips]
levels = df.groupby("speaker")["rms_dbfs"].agg(["mean", "std", "min", "max"]).round(1)
glue("level_min", round(df["rms_dbfs"].min()))
glue("level_max", round(df["rms_dbfs"].max()))
glue("level_gap", round(abs(levels.loc["clb", "mean"] - levels.loc["slt", "mean"]), 1))
levels

# %% [markdown]
# Both speakers span the range from {glue:text}`level_min` to
# {glue:text}`level_max` dBFS, and their means differ by {glue:text}`level_gap` dB:
# this corpus draws the level at random for every take. In your own recordings, a
# level difference between classes usually comes from the microphone.
#
# ## Duration: a bias in plain sight
#
# The report found the mother's clips longer on average. Check here, after making sure
# `duration_s` agrees with the loaded clips by {eq}`eq-01-duration`.

# %%
np.testing.assert_allclose(df["duration_s"], [c.size / sr for c in corpus_clips],
                           atol=1e-3)
df.groupby("speaker")["duration_s"].agg(["mean", "std", "min", "max"]).round(2)

# %% [markdown]
# Compare the speakers sentence by sentence: one point per sentence, mean of two
# takes, `slt`'s duration across, `clb`'s up. Above the diagonal, `clb` is slower.

# %%
per_sentence = df.pivot_table(index="sentence_id", columns="speaker",
                              values="duration_s", aggfunc="mean")
longer = (per_sentence["clb"] > per_sentence["slt"]).sum()
print(f"clb takes longer in {longer} of {len(per_sentence)} sentences; mean ratio "
      f"clb/slt = {(per_sentence['clb'] / per_sentence['slt']).mean():.2f}")
glue("clb_longer", int(longer))

fig, ax = plt.subplots(figsize=(4.5, 4.5))
sns.scatterplot(data=per_sentence, x="slt", y="clb", ax=ax)
ax.plot([1.5, 6], [1.5, 6], "k--", linewidth=0.8, label="same duration")
ax.set(xlim=(1.5, 6), ylim=(1.5, 6), xlabel="slt, mean of 2 takes (s)",
       ylabel="clb, mean of 2 takes (s)",
       title="Duration per sentence: mostly above the diagonal")
ax.legend(loc="upper left")
plt.show()

# %%
fig, ax = plt.subplots(figsize=(8, 3))
sns.histplot(data=df, x="duration_s", hue="speaker", kde=True, stat="density",
             common_norm=False, bins=20, ax=ax)
ax.set(xlabel="Duration (s)", ylabel="Density",
       title="Duration per speaker: shifted, but overlapping")
plt.show()

# %% [markdown]
# `clb` is the slower reader in {glue:text}`clb_longer` of the
# {glue:text}`n_sentences` sentences. How far could duration alone get? Try every
# threshold $t$ with the rule "longer than $t$ means `clb`", on the stored clips and on
# the trimmed ones, to see whether the bias sits in the silence or in the speech.

# %%
df["speech_s"] = [trim_silence(c)[0].size / sr for c in corpus_clips]
is_clb = df["speaker"].eq("clb").to_numpy()
best_accuracy = {}
for column in ["duration_s", "speech_s"]:
    values = df[column].to_numpy()
    thresholds = np.sort(values)
    accuracy = [np.mean((values > t) == is_clb) for t in thresholds]
    best = int(np.argmax(accuracy))
    best_accuracy[column] = accuracy[best]
    means = df.groupby("speaker")[column].mean()
    print(f"{column:>10}: mean clb {means['clb']:.2f} s, slt {means['slt']:.2f} s; "
          f"best threshold {thresholds[best]:.2f} s, accuracy {accuracy[best]:.2f}")
trimmed = (df["duration_s"] - df["speech_s"]).groupby(df["speaker"]).mean()
glue("acc_duration", round(best_accuracy["duration_s"], 2))
glue("acc_speech", round(best_accuracy["speech_s"], 2))
glue("trim_gap_s", round(trimmed["slt"] - trimmed["clb"], 2))
assert best_accuracy["speech_s"] > best_accuracy["duration_s"] > 0.6

# %% [markdown]
# The rule reaches {glue:text}`acc_duration:.2f` on the stored clips and
# {glue:text}`acc_speech:.2f` on the trimmed ones; chance is one half. Both are
# optimistic, as the threshold was chosen on the same clips, but a number unrelated to
# the sound of a voice beats chance. Trimming sharpens the bias: `clb` speaks more
# slowly, and the random silence blurred that (trimming takes on average
# {glue:text}`trim_gap_s:.2f` s more from `slt`'s clips).
#
# For a classifier this means:
#
# - An input whose size grows with the clip lets a model learn "long clip means `clb`",
#   a rule that may fail on other recordings of the same people.
# - The features of {doc}`02_features` are means and standard deviations over frames:
#   a sentence read twice in a row gives almost the same summary.
# - Later chapters feed networks fixed-size arrays, padding short clips with zeros and
#   cropping long ones with `voicelab.audio.pad_or_crop`:

# %%
def pad_or_crop(y: np.ndarray, size: int, *, align: str = "start") -> np.ndarray:
    """Make the last axis of ``y`` exactly ``size`` samples: crop, or pad with zeros.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    size : int
        Length in samples.
    align : {"start", "center"}
        Keep the start (pad at the end), or keep the middle (pad both sides).
    """
    assert align in ("start", "center"), f"align must be start or center, not {align}"
    n = y.shape[-1]
    offset = abs(n - size) // 2 if align == "center" else 0
    if n >= size:
        return y[..., offset : offset + size]
    widths = [(0, 0)] * (y.ndim - 1) + [(offset, size - n - offset)]
    return np.pad(y, widths)


# %%
x = clips["clb"]
frame_rms = librosa.feature.rms(y=x)[0]
frame_rms_twice = librosa.feature.rms(y=np.tile(x, 2))[0]
print(f"{frame_rms.size} frames: mean RMS {frame_rms.mean():.4f}; "
      f"{frame_rms_twice.size} frames: mean RMS {frame_rms_twice.mean():.4f}")

size = int(3.3 * sr)
for speaker, signal in clips.items():
    fixed = pad_or_crop(signal, size, align="start")
    print(f"{speaker}: {signal.size} -> {fixed.size} samples, "
          f"{max(size - signal.size, 0)} zeros added, "
          f"{max(signal.size - size, 0)} samples cropped")

# %% [markdown]
# ```{warning}
# Padding hides the length less than it seems: a network can learn the width of the
# silent block instead of the voice (exercise 3). Cropping throws away the end of long
# clips. Check what your model sees that a listener would ignore.
# ```
#
# ## Summary
#
# - A digital signal is $N$ samples taken $f_s$ times per second, each rounded to one of
#   $2^b$ levels; it lasts $N / f_s$ seconds and holds frequencies up to $f_s / 2$.
# - Load audio at an explicit rate (`librosa.load` silently uses 22 050 Hz):
#   `voicelab.audio.load` uses 16 kHz and refuses bad files clearly. Load your own
#   folder with `voicelab.data.load_folder`; split by sentence, never by clip.
# - A real signal's DFT mirrors its lower half, as $X[N-k] = \overline{X[k]}$. Bins
#   are $f_s / N$ apart, but two tones separate only beyond the window's main lobe.
# - The cliff near 8 kHz is the resampler's anti-alias filter, but `clb`'s voice fades
#   a little below it: a speaker cue that is an artefact of the data.
# - Trimming, zero-phase filtering and normalisation each follow a short formula; check
#   the library against it.
# - Duration alone separates the speakers well above chance: use inputs that do not
#   depend on length.
#
# ## Exercises
#
# Each solution is collapsed; the hidden cell after it runs its code.
#
# **1. Aliasing.** A 5 kHz tone is sampled at 8 kHz. At which frequency does it appear?
# Predict it with {eq}`eq-01-alias`, then find the peak of its magnitude spectrum.
#
# ````{admonition} Solution
# :class: dropdown
# By {eq}`eq-01-alias`, 5 kHz gives the same samples as $8 - 5 = 3$ kHz, below
# $f_s / 2 = 4$ kHz. The spectrum's peak is at
# {glue:text}`alias_peak_hz` Hz.
# ````

# %% tags=["hide-cell"]
tone = np.sin(2 * np.pi * 5_000 * np.arange(8_000) / 8_000)
bin_freqs = np.fft.rfftfreq(tone.size, d=1 / 8_000)
alias_peak = bin_freqs[np.argmax(np.abs(np.fft.rfft(tone)))]
assert alias_peak == 3_000
glue("alias_peak_hz", int(alias_peak))
print(f"peak at {alias_peak:.0f} Hz")

# %% [markdown]
# **2. Filter order.** Compute with {eq}`eq-01-butter` the attenuation one octave
# above the cutoff ($f = 2 f_c$) for orders 2, 5 and 8, and check it with
# `scipy.signal.sosfreqz`. How much does `butter_filter` (zero phase) attenuate there?
#
# ````{admonition} Solution
# :class: dropdown
# The attenuation is $10 \log_{10}(1 + 2^{2n})$ dB, about $6n$ dB: for order 5,
# {glue:text}`order5_formula:.1f` dB. At 16 kHz with $f_c$ = 1 kHz the digital filter
# attenuates a little more, {glue:text}`order5_digital:.1f` dB, and zero phase doubles
# that to {glue:text}`order5_zero_phase:.1f` dB. The hidden cell prints all orders.
# ````

# %% tags=["hide-cell"]
for n_order in (2, 5, 8):
    formula = 10 * np.log10(1 + 2 ** (2 * n_order))
    sos_n = scipy.signal.butter(n_order, 1_000, output="sos", fs=16_000)
    _, h2 = scipy.signal.sosfreqz(sos_n, worN=[2_000], fs=16_000)
    one_pass = -20 * np.log10(np.abs(h2[0]))
    assert one_pass > formula and abs(formula - 6.02 * n_order) < 0.3
    print(f"order {n_order}: formula {formula:.1f} dB, one pass {one_pass:.1f} dB, "
          f"zero-phase {2 * one_pass:.1f} dB")
    if n_order == 5:
        glue("order5_formula", round(formula, 1))
        glue("order5_digital", round(one_pass, 1))
        glue("order5_zero_phase", round(2 * one_pass, 1))

# %% [markdown]
# **3. Padding leaks duration.** Pad every clip to the longest one's length with
# `pad_or_crop`, count the zeros in each, and find the best threshold rule on that
# count. Compare with the duration rule.
#
# ````{admonition} Solution
# :class: dropdown
# The count of zeros is the padding plus the clip's own digital silence: almost the
# duration upside down. The rule "many zeros means `slt`" reaches
# {glue:text}`acc_zeros:.2f`, about as good as the duration rule
# ({glue:text}`acc_duration:.2f`).
# ````

# %% tags=["hide-cell"]
size = max(c.size for c in corpus_clips)
zeros = np.array([np.sum(pad_or_crop(c, size) == 0) for c in corpus_clips])
is_slt = df["speaker"].eq("slt").to_numpy()
accuracy = max(np.mean((zeros > t) == is_slt) for t in np.sort(zeros))
assert abs(accuracy - best_accuracy["duration_s"]) < 0.05
glue("acc_zeros", round(accuracy, 2))
print(f"best accuracy from the zero count: {accuracy:.2f}")

# %% [markdown]
# ## Further reading
#
# - Sampling, quantisation, the DFT and its symmetries, and the bilinear transform:
#   {cite}`oppenheim2010discrete`; with music and audio examples, windows and the
#   short-time Fourier transform, {cite}`muller2015fundamentals`.
# - The original description of the maximally flat filter:
#   {cite}`butterworth1930theory`.
# - The libraries used here: librosa {cite}`mcfee2015librosa`, NumPy
#   {cite}`harris2020array` and SciPy {cite}`virtanen2020scipy`.
