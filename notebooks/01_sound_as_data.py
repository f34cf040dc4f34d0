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
# **What you will learn:** how a recording becomes an array of numbers, and how to load,
# resample, trim, filter and normalise it, checking each step against its formula.
#
# **Where this sits:** the first chapter. Next, {doc}`02_features` turns these arrays
# into features a classifier can use.
#
# The course follows one question through every chapter: can a program tell two speakers
# apart when they read the same sentences? This chapter looks at the raw material. By
# the end you will also have found a bias in the data that a careless model would learn.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
import contextlib
import tempfile
from pathlib import Path

import librosa
import matplotlib.pyplot as plt
import numpy as np
import scipy.signal
import seaborn as sns
import soundfile as sf

from voicelab import audio, data, viz

# %% [markdown]
# ## A sound is a list of numbers
#
# A microphone turns changes in air pressure into a voltage. The voltage varies
# continuously in time, and a computer cannot store a continuous curve. It stores
# measurements instead.
#
# An analogue-to-digital converter measures the voltage at regular instants. Each
# measurement is a **sample**. The number of samples per second is the **sample rate**
# $f_s$, in hertz (Hz). In code this course always calls it `sr`.
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
print(f"{y.size} samples at {sr} Hz last {1e3 * y.size / sr:.1f} ms")

# %% [markdown]
# ### Bit depth
#
# Each sample is stored as an integer with a fixed number of bits, the **bit depth**
# $b$. With $b$ bits there are $2^b$ levels. Libraries divide the integer by $2^{b-1}$,
# so the samples you get are floats between $-1$ and $1$. Full scale is 1.0.
#
# Storing a sample rounds it to the nearest level. The levels are $\Delta = 2 / 2^b$
# apart, so the rounding error is at most $\Delta / 2$. If the error behaves like
# uniform noise, its power is $\Delta^2 / 12$. A full-scale sine has power $1/2$. Their
# ratio, in decibels, is the signal-to-quantisation-noise ratio:
#
# $$
# \mathrm{SNR} = 10 \log_{10} \frac{1/2}{\Delta^2 / 12} \approx 6.02\, b + 1.76
# \ \text{dB.}
# $$ (eq-01-snr)
#
# Every extra bit buys about 6 dB. Check it by rounding a tone to 8 and to 16 bits.

# %%
sr = 16_000
tone = np.sin(2 * np.pi * 997 * np.arange(sr) / sr)
for bits in (8, 16):
    step = 2.0 / 2**bits
    error = step * np.round(tone / step) - tone
    measured = 10 * np.log10(np.mean(tone**2) / np.mean(error**2))
    formula = 6.02 * bits + 1.76
    assert abs(measured - formula) < 0.5
    print(f"{bits:2d} bits: {2**bits:6d} levels, SNR measured {measured:5.1f} dB, "
          f"formula {formula:5.1f} dB")

# %% [markdown]
# A 16-bit file has about 98 dB between a full-scale tone and the rounding noise. That
# is more than enough for speech, and it is what the course's corpus uses.
#
# ### The Nyquist frequency and aliasing
#
# Sampling loses information unless the signal is slow enough. Take a cosine of
# frequency $f$ and add a whole multiple $m$ of the sample rate to it. At the sample
# instants $t = n / f_s$ nothing changes, because $2\pi m n$ is a whole number of turns:
#
# $$
# \cos\!\left(2\pi (f + m f_s) \frac{n}{f_s}\right)
# = \cos\!\left(2\pi f \frac{n}{f_s} + 2\pi m n\right)
# = \cos\!\left(2\pi f \frac{n}{f_s}\right).
# $$ (eq-01-alias)
#
# Cosine is even, so $-f$ gives the same samples too, and so does $f_s - f$. Two
# frequencies that give the same samples are **aliases** of each other. Every frequency
# folds onto one between 0 and $f_s / 2$. That limit is the **Nyquist frequency**.
#
# The sampling theorem says the converse: a signal with no content at or above $f_s / 2$
# is fully determined by its samples {cite}`oppenheim2010discrete`. This is why
# recorders low-pass filter the sound before they sample it.
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
# The course's recordings use $f_s = 16$ kHz, so they hold frequencies up to 8 kHz. That
# is the usual rate for speech models. A classic landline telephone passes only about
# 300 to 3400 Hz. The report's author was often mistaken for her mother on the phone;
# losing everything above 3.4 kHz is one plausible reason.
#
# ## The corpus
#
# The report this course follows used private recordings of a daughter and her mother.
# The course ships its own corpus instead: two female voices, `clb` and `slt`, of the
# RHVoice speech synthesiser {cite}`rhvoice`. Each voice is a statistical model trained
# on recordings of one real woman; `slt` comes from the CMU ARCTIC databases
# {cite}`kominek2004arctic`. So this is synthetic speech, not recordings of people. Both
# voices read the same sentences, twice each. `voicelab.data.load_corpus` returns the
# corpus as a table with one row per clip.

# %%
df = data.load_corpus()
df[["speaker", "sentence_id", "take", "duration_s", "text"]].head()

# %%
print(f"{len(df)} clips, {df['sentence_id'].nunique()} sentences, "
      f"takes {sorted(df['take'].unique().tolist())}")
df.pivot_table(index="speaker", columns="take", values="file", aggfunc="count")

# %% [markdown]
# Every sentence is read by both speakers, in every take. A file's header tells you how
# it was stored without decoding it; `soundfile.info` reads it.

# %%
assert (df.groupby("sentence_id").size() == 2 * df["take"].nunique()).all()
formats = {(i.samplerate, i.channels, i.subtype) for i in map(sf.info, df["path"])}
print("sample rate, channels, encoding:", formats)

# %% [markdown]
# ## Loading a clip
#
# `voicelab.audio.load` reads a file, checks it, and returns the samples as float32 with
# the sample rate. By default it returns mono at 16 kHz, resampling if the file has
# another rate. Load the first sentence read by `clb`.

# %%
row = df.query("speaker == 'clb' and sentence_id == 's001' and take == 1").iloc[0]
print(row["text"])
y, sr = audio.load(row["path"])
print(f"dtype {y.dtype}, shape {y.shape}, sr {sr} Hz, {y.size / sr:.3f} s, "
      f"min {y.min():.3f}, max {y.max():.3f}")

# %% [markdown]
# The floats are the stored 16-bit integers divided by $2^{15} = 32768$. Read the same
# file as integers to see it.

# %%
ints, file_sr = sf.read(row["path"], dtype="int16")
np.testing.assert_allclose(y, ints / 2**15, rtol=0, atol=0)
loudest = np.argmax(np.abs(ints))
print(f"loudest sample: {ints[loudest]} / 32768 = {y[loudest]:.5f}")

# %% [markdown]
# Before it returns anything, `load` checks the file. Each problem raises its own
# exception, all subclasses of `voicelab.audio.AudioError`, and each message says what
# is wrong and what to do:
#
# | exception | raised when |
# | --- | --- |
# | `AudioFileNotFoundError` | the path does not exist or is a folder |
# | `NotAudioError` | the file is empty or not in a format soundfile decodes |
# | `CorruptAudioError` | the file is damaged or truncated |
# | `EmptyAudioError` | the file decodes to zero samples |
# | `InvalidSamplesError` | some samples are NaN or infinite |
# | `TooShortError` | the clip is shorter than `min_duration` (0.1 s) |
# | `SilentAudioError` | the peak is below `silence_peak` (−80 dBFS) |
#
# A folder of recordings often holds a stray text file. Make one in a temporary folder
# and try to load it. (A hidden cell asks Jupyter to show only the message, not the
# traceback.)

# %% tags=["remove-cell"]
# %xmode Minimal

# %% tags=["raises-exception"]
with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
    Path("notes.txt").write_text("Sentence 1, take 2: cough at the end.\n")
    audio.load("notes.txt")

# %% tags=["remove-cell"]
# %xmode Context

# %% [markdown]
# The error names the file, says why it is refused, and suggests a fix. A loop over a
# folder can catch `AudioError` and report every bad file at once, instead of crashing
# on the first one or, worse, silently skipping it.
#
# ```{warning}
# `librosa.load(path)` resamples to **22 050 Hz** unless you pass `sr`. The report
# loaded every file this way, so its "number of samples" were counts at 22.05 kHz, not
# at the files' own rate. Pass `sr=None` to keep the file's rate, or the rate you want,
# e.g. `librosa.load(path, sr=16_000)`.
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
# Load the same clip the way the report did, with librosa's default rate, and compare.

# %%
y_22k, sr_22k = librosa.load(row["path"])
y_res = audio.resample(y, sr, 22_050)
np.testing.assert_allclose(y_res, y_22k, atol=1e-6)
assert y_22k.size == np.ceil(y.size * sr_22k / sr)
for name, signal, rate in [("voicelab.audio.load", y, sr),
                           ("librosa.load", y_22k, sr_22k)]:
    print(f"{name:>20}: {rate:6d} Hz, {signal.size:6d} samples, "
          f"{signal.size / rate:.3f} s")

# %% [markdown]
# Same duration, 38 % more samples. Did the extra samples add detail? No. The 16 kHz
# file holds nothing above 8 kHz, and the resampler cannot invent it. Measure the share
# of energy above 8 kHz in the 22.05 kHz version.

# %%
power = np.abs(np.fft.rfft(y_22k)) ** 2
freqs = np.fft.rfftfreq(y_22k.size, d=1 / sr_22k)
share = power[freqs > 8_000].sum() / power.sum()
print(f"share of the energy above 8 kHz is below one in a billion: {share < 1e-9}")

# %% [markdown]
# ```{note}
# Resample every clip to one rate before you compare clips or compute features. A frame
# of 1024 samples lasts 64 ms at 16 kHz but 46 ms at 22.05 kHz, and an FFT bin is 15.6
# Hz wide at one rate and 21.5 Hz at the other. Numbers computed at different rates are
# not comparable.
# ```
#
# ## Mono
#
# A stereo file holds two **channels**, one per loudspeaker. `voicelab` stores a
# multichannel signal as an array of shape `(channels, n)`, like librosa. Mixing to mono
# averages the channels:
#
# $$
# x_{\text{mono}}[n] = \frac{1}{C} \sum_{c=1}^{C} x_c[n] .
# $$ (eq-01-mono)
#
# The corpus is already mono (one channel, as the header showed). Make a stereo signal
# from the clip: the left channel is the clip, the right one is quieter and slightly
# noisy.

# %%
rng = np.random.default_rng(0)
right = 0.5 * y + 0.01 * rng.standard_normal(y.size).astype(np.float32)
stereo = np.stack([y, right])
mono = audio.to_mono(stereo)
np.testing.assert_allclose(mono, (y + right) / 2, rtol=1e-6)
print(f"{stereo.shape} -> {mono.shape}")
print(f"peak of the mix of y and -y: {np.abs(audio.to_mono(np.stack([y, -y]))).max()}")

# %% [markdown]
# ```{warning}
# `soundfile.read` returns multichannel audio as `(n, channels)`, the transpose of the
# librosa convention. Averaging over the wrong axis silently turns a 3 s stereo clip
# into a "signal" of two samples. Also, channels in opposite polarity cancel when
# averaged, as the last line above shows. Listen to a mono mix before trusting it.
# ```
#
# ## Waveform and listening
#
# The **waveform** plots the samples against time, $t = n / f_s$. Load the same sentence
# read by each speaker, plot both on the same axes scales, and listen.

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

# %%
viz.audio_table({f"{speaker}, s001": (signal, sr) for speaker, signal in clips.items()})

# %% [markdown]
# The waveforms differ in loudness and in the timing of the words. In this corpus both
# change from take to take: the level and the speaking rate were drawn at random for
# every take. So neither is a reliable sign of the speaker. The waveform mixes what is
# said, how fast, how loud and who says it. To look at the voice itself you need
# frequencies.
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
# The **magnitude spectrum** is $|X[k]|$. Compute the DFT of a short random signal by
# hand, as a matrix product, and compare it with `np.fft.fft`. The fast Fourier
# transform (FFT) is just a fast algorithm for the same sum.

# %%
rng = np.random.default_rng(0)
x = rng.standard_normal(8)
k = np.arange(8)
dft_matrix = np.exp(-2j * np.pi * np.outer(k, k) / 8)
X = dft_matrix @ x
np.testing.assert_allclose(X, np.fft.fft(x), atol=1e-12)
print("|X[k]|:", np.round(np.abs(X), 3))

# %% [markdown]
# Look at the magnitudes: after $k = 4$ they repeat in reverse order. The report
# attributed this mirror to the Nyquist theorem. The real reason is that $x$ is
# **real**. Put $N - k$ into {eq}`eq-01-dft` and use $e^{-2\pi i n} = 1$:
#
# $$
# X[N - k] = \sum_{n} x[n]\, e^{-2\pi i n}\, e^{+2\pi i k n / N}
# = \overline{\sum_{n} x[n]\, e^{-2\pi i k n / N}} = \overline{X[k]} .
# $$ (eq-01-symmetry)
#
# The bar is complex conjugation. The middle step needs $\overline{x[n]} = x[n]$, which
# holds only for real samples. So $|X[N - k]| = |X[k]|$: the upper half of the spectrum
# repeats the lower half and carries no new information.
#
# Nyquist explains something different: what the upper bins *mean*. Bin $N - k$ is
# frequency $(N - k) f_s / N$, which aliases to $-k f_s / N$ by {eq}`eq-01-alias`. The
# upper half holds the **negative** frequencies. A real signal needs equal amounts of
# $+f$ and $-f$, because $\cos(2\pi f t) = (e^{2\pi i f t} + e^{-2\pi i f t}) / 2$.
# `np.fft.fftfreq` labels the bins this way.

# %%
print("bin frequencies at 8 kHz, N = 8:", np.fft.fftfreq(8, d=1 / 8_000))
n = np.arange(64)
for name, signal in [("real cosine", np.cos(2 * np.pi * 1_000 * n / 8_000)),
                     ("complex exponential", np.exp(2j * np.pi * 1_000 * n / 8_000))]:
    peaks = np.flatnonzero(np.abs(np.fft.fft(signal)) > 1)
    print(f"{name:>19}: peaks in bins {peaks.tolist()}")

# %% [markdown]
# The complex signal has one peak and no mirror. The real cosine has its mirror image at
# bin $64 - 8 = 56$, the frequency $-1$ kHz. Now check the symmetry on the recording,
# and check that `np.fft.rfft` returns exactly the non-redundant half, bins $0$ to
# $\lfloor N/2 \rfloor$.

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
# `voicelab.viz.plot_spectrum` plots $|X[k]|$ from `rfft`, from 0 Hz to $f_s / 2$. Here
# it is in decibels, $20 \log_{10} |X[k]|$, for the sentence from each speaker.

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
# Both spectra peak below 200 Hz, in the range of each voice's pitch, and show its
# harmonics above. Both also fall steeply near 7.5 kHz. That edge is not the voice. Each
# take of the corpus went through its own simulated recording chain: a random equaliser,
# a low-pass filter somewhere between 3.8 and 7.8 kHz, a little room echo and a random
# level (the corpus `README.md` lists every step). A whole-clip spectrum mixes the
# voice, the sentence and the recording. {doc}`02_features` looks at short frames
# instead.
#
# ```{note}
# An unnormalised spectrum grows with the clip's length: {eq}`eq-01-dft` is a sum over
# all $N$ samples. The report noticed that a longer file shows "more" of each frequency.
# Repeat the clip twice and the magnitudes exactly double. Divide by $N$ before
# comparing spectra of clips of different lengths.
# ```

# %%
doubled = np.abs(np.fft.rfft(np.tile(x, 2)))[::2]
np.testing.assert_allclose(doubled, 2 * np.abs(X_half), rtol=1e-6, atol=tolerance)
print(f"peak magnitude: {np.abs(X_half).max():.1f} once, {doubled.max():.1f} twice")

# %% [markdown]
# ## Trimming silence
#
# Recordings start and end with silence of varying length; every clip of the corpus got
# 0.1 to 0.3 s at each end. That silence says nothing about the speaker, yet it adds to
# the duration. `voicelab.audio.trim_silence` removes it in three steps:
#
# 1. Cut the signal into frames of 2048 samples, frame $j$ centred on sample $512 j$,
#    and compute each frame's root-mean-square (RMS) amplitude $r_j$.
# 2. Express each frame relative to the loudest one:
#    $L_j = 20 \log_{10} (r_j / \max_i r_i)$ dB.
# 3. Find the first and last frames with $L_j > -\text{top\_db}$, $j_1$ and $j_2$, and
#    keep samples $512 j_1$ up to $512 (j_2 + 1)$.
#
# Do it by hand with `top_db = 30` and compare with the library.

# %%
y = clips["clb"]
hop = 512
rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=hop)[0]
level_db = 20 * np.log10(np.maximum(rms, 1e-10) / rms.max())
loud = np.flatnonzero(level_db > -30)
by_hand = (int(loud[0] * hop), int(min(y.size, (loud[-1] + 1) * hop)))

y_trim, interval = audio.trim_silence(y, top_db=30)
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

# %%
viz.audio_table({"before trimming": (y, sr), "after trimming": (y_trim, sr)})

# %% [markdown]
# ```{warning}
# `top_db` is measured from the loudest frame, not from absolute silence. In a noisy
# recording the background may sit less than 30 dB below the speech, and nothing gets
# trimmed. Check the kept interval on a few clips before trusting it.
# ```
#
# ## A low-pass Butterworth filter
#
# A **low-pass filter** keeps frequencies below a **cutoff** $f_c$ and attenuates those
# above. The Butterworth filter {cite}`butterworth1930theory` is the one whose response
# is as flat as possible below the cutoff. Its squared magnitude response, of order $n$,
# is
#
# $$
# |H(f)|^2 = \frac{1}{1 + (f / f_c)^{2n}} .
# $$ (eq-01-butter)
#
# At $f = f_c$ this is $1/2$, which is $10 \log_{10}(1/2) = -3.01$ dB: the cutoff is the
# **−3 dB point**. Far above it the response falls by $20 n$ dB per decade.
#
# Formula {eq}`eq-01-butter` describes the analogue filter, whose frequency axis runs to
# infinity. A digital filter's axis ends at the Nyquist frequency. `scipy.signal.butter`
# squeezes the analogue axis onto $[0, f_s/2)$ with the bilinear transform, set up so
# that the cutoff stays at $f_c$ {cite}`oppenheim2010discrete`. The digital response
# replaces $f / f_c$ by a ratio of tangents:
#
# $$
# |H(f)|^2 = \frac{1}{1 + \left(\tan(\pi f / f_s) / \tan(\pi f_c / f_s)\right)^{2n}} .
# $$ (eq-01-butter-digital)
#
# Well below Nyquist, $\tan u \approx u$ and the two formulas agree. Design a 5th-order
# filter at 1 kHz with `voicelab.audio.butter_sos` and check it against the formula.

# %%
cutoff, order = 1_000, 5
sos = audio.butter_sos(sr, cutoff, order=order)
freqs, h = scipy.signal.sosfreqz(sos, worN=4096, fs=sr)
ratio = np.tan(np.pi * freqs / sr) / np.tan(np.pi * cutoff / sr)
np.testing.assert_allclose(np.abs(h) ** 2, 1 / (1 + ratio ** (2 * order)), atol=1e-9)
analog = 1 / (1 + (freqs / cutoff) ** (2 * order))
for f in (cutoff, 2 * cutoff, 4 * cutoff):
    i = np.flatnonzero(freqs == f)[0]
    print(f"{f:5d} Hz: digital {10 * np.log10(np.abs(h[i]) ** 2):6.1f} dB, "
          f"analogue formula {10 * np.log10(analog[i]):6.1f} dB")

# %% [markdown]
# Both give −3.0 dB at the cutoff. Above it the digital filter falls faster than the
# analogue formula, down to zero gain at the Nyquist frequency, where $\tan$ is
# infinite.
#
# `voicelab.audio.butter_filter` runs the filter forwards, then backwards over the
# reversed signal (`scipy.signal.sosfiltfilt`). The backward pass undoes the delay of
# the forward one, so the result is **zero-phase**: nothing shifts in time. The price is
# that the signal goes through the filter twice. The magnitude response is squared,
# $|H(f)|^2$ instead of $|H(f)|$, and every attenuation in dB doubles: −6 dB at the
# cutoff instead of −3 dB.
#
# Check both claims on an impulse. Its zero-phase response is symmetric in time, and the
# magnitude of its spectrum is $|H(f)|^2$.

# %%
impulse = np.zeros(4096)
impulse[2048] = 1.0
response = audio.butter_filter(impulse, sr, cutoff, order=order)
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
# Now filter the sentence and compare the spectra and the sound.

# %%
y_low = audio.butter_filter(y, sr, cutoff, order=order)
ax = viz.plot_spectrum(y, sr, db=True, color="0.6", label="original",
                       title=f"clb, s001, before and after a {cutoff} Hz low-pass")
viz.plot_spectrum(y_low, sr, ax=ax, db=True, color="C0", label="low-passed")
ax.axvline(cutoff, color="C3", linewidth=0.8, label="cutoff")
ax.legend(loc="upper right")
plt.show()

# %%
viz.audio_table({"original": (y, sr), f"low-pass {cutoff} Hz, zero-phase": (y_low, sr)})

# %% [markdown]
# Everything above about 2 kHz is gone, and with it the hiss of *s* and the bursts of
# *t* and *k*: the voice sounds muffled. For telling speakers apart that is a loss,
# since the resonances that shape a voice's timbre reach well above 1 kHz. The
# preprocessing notes that came with the report suggest a 4 kHz low-pass "to remove
# noise". In clean speech there is no noise up there, only voice. Filter only to remove
# something you know is there, such as hum or hiss in a known band.
#
# ```{warning}
# The cutoff must lie strictly between 0 and $f_s / 2$: no digital filter can act on
# frequencies the signal cannot hold. `butter_sos` refuses anything else with a clear
# message.
# ```

# %%
try:
    audio.butter_sos(sr, 9_000)
except ValueError as err:
    print(err)

# %% [markdown]
# ## Normalisation
#
# Recording level depends on the microphone, its distance and the gain, not on the
# voice. **Normalisation** scales each clip to a common level. Two definitions are
# common.
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
# Peak level depends on a single sample, such as a click or a plosive. RMS level follows
# the overall loudness better, but it can push peaks above full scale. Compute both by
# hand and compare with `voicelab.audio`, which also measures the level
# (`audio.rms_dbfs`).

# %%
peak_by_hand = 0.99 * y / np.abs(y).max()
y_peak = audio.peak_normalize(y, peak=0.99)
np.testing.assert_allclose(y_peak, peak_by_hand, rtol=1e-6)

r = np.sqrt(np.mean(y.astype(np.float64) ** 2))
y_rms = audio.rms_normalize(y, target_dbfs=-20.0)
np.testing.assert_allclose(y_rms, 10 ** (-20 / 20) / r * y, rtol=1e-6)

for name, signal in [("original", y), ("peak 0.99", y_peak), ("RMS -20 dBFS", y_rms)]:
    level = audio.rms_dbfs(signal)
    peak = 20 * np.log10(np.abs(signal).max())
    print(f"{name:>13}: peak {peak:6.1f} dBFS, RMS {level:6.1f} dBFS, "
          f"peak - RMS {peak - level:5.1f} dB")
loud_peak = 20 * np.log10(np.abs(audio.rms_normalize(y, target_dbfs=-10.0)).max())
print(f"RMS -10 dBFS would put the peak at {loud_peak:+.1f} dBFS: it would clip")

# %% [markdown]
# Both are a single gain, so the gap between peak and RMS (the **crest factor**) does
# not change. Listen at the stored levels: the table below does not rescale the players.

# %%
viz.audio_table({"original": (y, sr), "peak 0.99": (y_peak, sr),
                 "RMS −20 dBFS": (y_rms, sr)}, normalize=False)

# %% [markdown]
# Level is a tempting shortcut for a classifier. In the report, the mother's clip of one
# sentence had almost twice the average RMS of her daughter's. That may come from her
# voice, or from where she held the phone. Look at the levels across the whole corpus.

# %%
corpus_clips = data.load_clips(df)
df["rms_dbfs"] = [audio.rms_dbfs(c) for c in corpus_clips]
df.groupby("speaker")["rms_dbfs"].agg(["mean", "std", "min", "max"]).round(1)

# %% [markdown]
# Both speakers span the same range, about −32 to −18 dBFS, and their means differ by
# less than half a decibel. In this corpus the level was drawn at random for every take,
# so it says nothing about the speaker. In your own recordings, check: a level
# difference between classes usually comes from the microphone, not from the voice.
#
# ## Duration: a bias in plain sight
#
# The report noticed that the mother's clips were longer on average. Check the same
# thing here. First make sure the `duration_s` column agrees with the loaded clips,
# using {eq}`eq-01-duration`.

# %%
np.testing.assert_allclose(df["duration_s"], [c.size / sr for c in corpus_clips],
                           atol=1e-3)
df.groupby("speaker")["duration_s"].agg(["mean", "std", "min", "max"]).round(2)

# %% [markdown]
# Both speakers read the same sentences, so compare them sentence by sentence. Average
# the two takes, then plot one point per sentence: `slt`'s duration across, `clb`'s up.
# Points above the diagonal are sentences that `clb` reads more slowly.

# %%
per_sentence = df.pivot_table(index="sentence_id", columns="speaker",
                              values="duration_s", aggfunc="mean")
longer = (per_sentence["clb"] > per_sentence["slt"]).sum()
print(f"clb takes longer in {longer} of {len(per_sentence)} sentences; mean ratio "
      f"clb/slt = {(per_sentence['clb'] / per_sentence['slt']).mean():.2f}")

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
# How far could a model get with duration alone? Try every threshold $t$ and the rule
# "longer than $t$ means `clb`". Do it twice: on the clips as stored, and on the clips
# with their leading and trailing silence trimmed. That tells you whether the bias sits
# in the silence or in the speech.

# %%
df["speech_s"] = [audio.trim_silence(c)[0].size / sr for c in corpus_clips]
is_clb = df["speaker"].eq("clb").to_numpy()
for column in ["duration_s", "speech_s"]:
    values = df[column].to_numpy()
    thresholds = np.sort(values)
    accuracy = [np.mean((values > t) == is_clb) for t in thresholds]
    best = int(np.argmax(accuracy))
    means = df.groupby("speaker")[column].mean()
    print(f"{column:>10}: mean clb {means['clb']:.2f} s, slt {means['slt']:.2f} s; "
          f"best threshold {thresholds[best]:.2f} s, accuracy {accuracy[best]:.2f}")

# %% [markdown]
# These accuracies are measured on the same clips that chose the threshold, so they are
# optimistic. Chance is 0.50. One number that has nothing to do with the sound of a
# voice already does clearly better.
#
# Trimming does not remove the bias; it sharpens it. `clb` speaks more slowly, and the
# random silence around each clip was only blurring that. Trimming even removes about
# 0.1 s more from `slt`'s clips than from `clb`'s, on average.
#
# What this means for a classifier:
#
# - Any input whose size grows with the clip lets a model learn "long clip means `clb`".
#   On other recordings of the same two people that rule may fail.
# - The features of {doc}`02_features` are per-clip summary statistics: the mean and
#   standard deviation of frame-level measurements. The number of frames does not enter
#   them, so a sentence read twice in a row gives almost the same summary.
# - Later chapters feed fixed-size arrays to neural networks. Those pad short clips with
#   zeros and crop long ones, with `voicelab.audio.pad_or_crop`.

# %%
x = clips["clb"]
frame_rms = librosa.feature.rms(y=x)[0]
frame_rms_twice = librosa.feature.rms(y=np.tile(x, 2))[0]
print(f"{frame_rms.size} frames: mean RMS {frame_rms.mean():.4f}; "
      f"{frame_rms_twice.size} frames: mean RMS {frame_rms_twice.mean():.4f}")

size = int(3.3 * sr)
for speaker, signal in clips.items():
    fixed = audio.pad_or_crop(signal, size, align="start")
    print(f"{speaker}: {signal.size} -> {fixed.size} samples, "
          f"{max(size - signal.size, 0)} zeros added, "
          f"{max(signal.size - size, 0)} samples cropped")

# %% [markdown]
# ```{warning}
# Padding hides the length less than it seems. A clip padded with zeros still shows
# where it ended, so a network can learn the width of the silent block instead of the
# voice. Cropping throws away the end of long clips. Either way, check what your model
# can see that a human listener would ignore.
# ```
#
# ## Summary
#
# - A digital signal is $N$ samples taken $f_s$ times per second, each rounded to one of
#   $2^b$ levels; it lasts $N / f_s$ seconds and holds frequencies up to $f_s / 2$.
# - Load audio at an explicit rate (`voicelab.audio.load` uses 16 kHz and refuses bad
#   files with a clear message); `librosa.load` silently resamples to 22.05 kHz.
# - The upper half of a real signal's DFT mirrors the lower half because
#   $X[N-k] = \overline{X[k]}$; `np.fft.rfft` keeps only the non-redundant half.
# - Trimming, zero-phase Butterworth filtering and normalisation each follow a short
#   formula; check the library against it before you rely on it.
# - In the corpus, duration alone separates the speakers well above chance: use inputs
#   that do not depend on length, and keep this bias in mind in every later chapter.
#
# ## Exercises
#
# **1. Aliasing.** A 5 kHz tone is sampled at 8 kHz. At which frequency does it appear?
# Predict it with {eq}`eq-01-alias`, then find the peak of its magnitude spectrum.
#
# ````{admonition} Solution
# :class: dropdown
# By {eq}`eq-01-alias`, 5 kHz gives the same samples as $8 - 5 = 3$ kHz, the alias
# between 0 and $f_s / 2 = 4$ kHz.
#
# ```python
# sr = 8_000
# tone = np.sin(2 * np.pi * 5_000 * np.arange(sr) / sr)
# magnitude = np.abs(np.fft.rfft(tone))
# freqs = np.fft.rfftfreq(tone.size, d=1 / sr)
# print(freqs[np.argmax(magnitude)])  # 3000.0
# ```
# ````
#
# **2. Filter order.** Use {eq}`eq-01-butter` to compute the attenuation one octave
# above the cutoff ($f = 2 f_c$) for orders 2, 5 and 8. How much does `butter_filter`
# (zero phase) attenuate there? Check with `scipy.signal.sosfreqz`.
#
# ````{admonition} Solution
# :class: dropdown
# The attenuation is $10 \log_{10}(1 + 2^{2n})$ dB, about $6n$ dB: 12.3, 30.1 and 48.2
# dB. At 16 kHz with $f_c$ = 1 kHz the digital filter attenuates a little more: 13.0,
# 31.9 and 51.0 dB. Zero-phase filtering doubles that: 25.9, 63.7 and 101.9 dB.
#
# ```python
# sr, cutoff = 16_000, 1_000
# for order in (2, 5, 8):
#     formula = 10 * np.log10(1 + 2 ** (2 * order))
#     sos = audio.butter_sos(sr, cutoff, order=order)
#     _, h = scipy.signal.sosfreqz(sos, worN=[2 * cutoff], fs=sr)
#     one_pass = -20 * np.log10(np.abs(h[0]))
#     print(f"order {order}: formula {formula:.1f} dB, one pass {one_pass:.1f} dB, "
#           f"zero-phase {2 * one_pass:.1f} dB")
# ```
# ````
#
# **3. Padding leaks duration.** Pad every clip of the corpus to the length of the
# longest one with `pad_or_crop`. Count the zero samples in each padded clip and find
# the best threshold rule on that count, as above. Compare with the duration rule.
#
# ````{admonition} Solution
# :class: dropdown
# The count of zeros is the padding plus the clip's own digital silence, so it is almost
# the duration turned upside down. The rule "many zeros means `slt`" reaches 0.69, as
# good as the duration rule (0.67).
#
# ```python
# size = max(c.size for c in corpus_clips)
# zeros = np.array([np.sum(audio.pad_or_crop(c, size) == 0) for c in corpus_clips])
# is_slt = df["speaker"].eq("slt").to_numpy()
# accuracy = [np.mean((zeros > t) == is_slt) for t in np.sort(zeros)]
# print(f"best accuracy from the zero count: {max(accuracy):.2f}")
# ```
# ````
#
# ## Further reading
#
# - Sampling, quantisation, the DFT and its symmetries, and the bilinear transform:
#   {cite}`oppenheim2010discrete`; with music and audio examples,
#   {cite}`muller2015fundamentals`.
# - The original description of the maximally flat filter:
#   {cite}`butterworth1930theory`.
# - The libraries used here: librosa {cite}`mcfee2015librosa`, NumPy
#   {cite}`harris2020array` and SciPy {cite}`virtanen2020scipy`.
