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
# # 02 · Hand-made features
#
# **What you will learn:** how to cut a clip into frames, describe each frame with a few
# numbers (RMS, ZCR, spectral shape, chroma, MFCC), and summarise a clip as one vector.
#
# **Where this sits:** after {doc}`01_sound_as_data`. You will end with the first honest
# measure of how well simple features tell the two speakers apart.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %% [markdown]
# ## Why features?
#
# A clip is a long list of samples, and every clip has a different length. Most
# classifiers want the same short list of numbers for every example. A *feature* is a
# number computed from the signal that you hope carries the information you need.
#
# The student report this course retells started with two features, RMS and the
# zero-crossing rate. It summarised each clip by four numbers: their mean and standard
# deviation. This chapter rebuilds those four numbers, checks every formula against
# librosa {cite}`mcfee2015librosa`, and then adds the richer features that speech and
# music research use.
#
# You will work on the course corpus from {doc}`01_sound_as_data`: two synthetic voices,
# `clb` and `slt`, read the same 60 sentences, twice each.

# %%
import librosa
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.fft
import seaborn as sns
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from voicelab import audio, data, features, viz

FRAME_LENGTH = features.FRAME_LENGTH
HOP_LENGTH = features.HOP_LENGTH

corpus = data.load_corpus()
row = corpus[(corpus["speaker"] == "clb") & (corpus["take"] == 1)].iloc[0]
y, sr = audio.load(row["path"])
print(f"{len(corpus)} clips; example: {row['file']}, {len(y)} samples at {sr} Hz")
print(f"text: {row['text']}")

# %% [markdown]
# ## Frames: the unit of analysis
#
# Speech changes fast. A vowel lasts about 100 ms, and a consonant can be shorter. So
# you do not describe the whole clip at once. You cut it into short, overlapping pieces
# called *frames* and describe each frame.
#
# Two numbers define the cut:
#
# - the **frame length** $L$: how many samples each frame holds;
# - the **hop length** $H$: how many samples the next frame starts later.
#
# This course uses $L = 1024$ and $H = 256$ at 16 kHz, that is 64 ms frames every 16 ms.
# Consecutive frames overlap by $L - H = 768$ samples.

# %%
print(f"frame length: {FRAME_LENGTH} samples = {1000 * FRAME_LENGTH / sr:.0f} ms")
print(f"hop length:   {HOP_LENGTH} samples = {1000 * HOP_LENGTH / sr:.0f} ms")
print(f"overlap:      {FRAME_LENGTH - HOP_LENGTH} samples")

# %%
fig, ax = plt.subplots(figsize=(9, 3.5))
viz.plot_frames(
    y, sr, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH, n_frames=4,
    start_frame=60, center=True, ax=ax,
)
plt.show()

# %% [markdown]
# ### How many frames does a clip have?
#
# librosa *centres* its frames by default: frame $k$ is centred on sample $kH$, not
# started there. To make that possible it pads $L/2$ samples on each side of the signal.
# For a clip of $n$ samples the padded length is $n + L$, and the number of frames is
#
# $$
# N_\text{frames} = 1 + \left\lfloor \frac{(n + L) - L}{H} \right\rfloor
#                 = 1 + \left\lfloor \frac{n}{H} \right\rfloor .
# $$ (eq-02-n-frames)
#
# The frame length cancels out. Check {eq}`eq-02-n-frames` against librosa for a few
# lengths, including the example clip.

# %%
lengths = [1, 255, 256, 257, 1000, sr, len(y)]
for n in lengths:
    n_librosa = librosa.feature.rms(
        y=np.ones(n), frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH
    ).shape[-1]
    n_formula = 1 + n // HOP_LENGTH
    assert n_librosa == n_formula
    print(f"n = {n:6d} samples -> {n_formula:4d} frames")
n_stft = librosa.stft(y, n_fft=FRAME_LENGTH, hop_length=HOP_LENGTH).shape[-1]
assert n_stft == 1 + len(y) // HOP_LENGTH

# %% [markdown]
# ```{note}
# librosa's frames are **centred** (`center=True`). Frame 0 is centred on the first
# sample, so half of it lies in padding before the clip starts. The padding is zeros for
# RMS and the STFT, and copies of the edge sample for the zero-crossing rate. The first
# and last frames therefore describe half a frame of real signal. With `center=False`
# you get $1 + \lfloor (n - L) / H \rfloor$ frames instead, and frame $k$ *starts* at
# $kH$.
# ```
#
# ```{note}
# Frame length and hop answer different questions. The **frame length** sets the
# resolution: a long frame resolves frequency finely (bins $sr / L = 15.6$ Hz apart
# here) but smears fast changes in time. The **hop** only sets how often you look; a
# smaller hop gives more frames, not sharper ones. Always quote both in milliseconds:
# the report used 1024 samples at 22 050 Hz, which is 46 ms, not 64 ms.
# ```

# %% [markdown]
# ## RMS: how loud is each frame?
#
# The *root mean square* of a frame is the square root of its mean power. For frame $k$
# with samples $x_k[0], \dots, x_k[L-1]$,
#
# $$
# \mathrm{RMS}_k = \sqrt{\frac{1}{L} \sum_{m=0}^{L-1} x_k[m]^2 } .
# $$ (eq-02-rms)
#
# By hand: pad $L/2$ zeros on each side, take every $H$-th window of $L$ samples, and
# apply {eq}`eq-02-rms` to each row.

# %%
y_pad = np.pad(y, FRAME_LENGTH // 2, mode="constant")
frames = np.lib.stride_tricks.sliding_window_view(y_pad, FRAME_LENGTH)[::HOP_LENGTH]
rms_hand = np.sqrt(np.mean(frames**2, axis=1))
rms_librosa = librosa.feature.rms(
    y=y, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH
)[0]
np.testing.assert_allclose(rms_hand, rms_librosa, rtol=1e-5, atol=1e-7)
print("framed signal:", frames.shape, "(frames, samples per frame)")
print("RMS by hand equals librosa.feature.rms for all", len(rms_hand), "frames")

# %% [markdown]
# ## ZCR: how often does the signal change sign?
#
# The *zero-crossing rate* counts how often consecutive samples have opposite signs,
# divided by the frame length:
#
# $$
# \mathrm{ZCR}_k = \frac{1}{L} \sum_{m=1}^{L-1}
#   \mathbb{1}\big[\operatorname{sign} x_k[m] \neq \operatorname{sign} x_k[m-1]\big] .
# $$ (eq-02-zcr)
#
# librosa adds three details. It divides by $L$, not by the $L - 1$ pairs. It pads with
# copies of the edge samples. And it treats samples with $|x| \le 10^{-10}$ as zero, and
# zero as positive. Reproduce all three by hand.

# %%
y_edge = np.pad(y, FRAME_LENGTH // 2, mode="edge")
frames = np.lib.stride_tricks.sliding_window_view(y_edge, FRAME_LENGTH)[::HOP_LENGTH]
negative = np.signbit(np.where(np.abs(frames) <= 1e-10, 0.0, frames))
zcr_hand = np.sum(negative[:, 1:] != negative[:, :-1], axis=1) / FRAME_LENGTH
zcr_librosa = librosa.feature.zero_crossing_rate(
    y, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH
)[0]
np.testing.assert_allclose(zcr_hand, zcr_librosa)
print("ZCR by hand equals librosa.feature.zero_crossing_rate for all", len(zcr_hand),
      "frames")

# %% [markdown]
# What does the ZCR measure? A sine wave of frequency $f$ crosses zero twice per period,
# so it crosses $2f$ times per second, or $2f / sr$ times per sample. The ZCR is a crude
# estimate of the *dominant frequency*: $f \approx \mathrm{ZCR} \cdot sr / 2$.

# %%
t = np.arange(sr) / sr
print("  f (Hz)   ZCR   2f/sr")
for f in (110, 440, 1760, 3520):
    tone = np.sin(2 * np.pi * f * t + 0.1)
    zcr = librosa.feature.zero_crossing_rate(
        tone, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH
    )[0, 1:-1].mean()
    print(f"{f:8d}  {zcr:.3f}  {2 * f / sr:.3f}")

# %% [markdown]
# In speech, vowels are dominated by low harmonics and give a low ZCR. Hissing
# consonants such as *s* and *f* are noise spread up to high frequencies and give a high
# ZCR. The figure shows both features over the example clip.

# %%
times = librosa.times_like(rms_librosa, sr=sr, hop_length=HOP_LENGTH)
fig, axes = plt.subplots(3, 1, figsize=(9, 6), sharex=True)
viz.plot_waveform(y, sr, ax=axes[0], title=f"Waveform of {row['file']}")
axes[1].plot(times, rms_librosa, color="C1")
axes[1].set(title="RMS per frame: loud syllables stand out", ylabel="RMS")
axes[2].plot(times, zcr_librosa, color="C2")
axes[2].set(
    title="ZCR per frame: peaks sit on hissing consonants",
    xlabel="Time (s)", ylabel="Crossings per sample",
)
for ax in axes[:2]:
    ax.set_xlabel("")
fig.tight_layout()
plt.show()

# %% [markdown]
# Listen to the frame with the highest ZCR and the one with the lowest, among frames
# that are not near-silent. Each excerpt is 0.25 s around the frame centre.

# %%
loud = rms_librosa > 0.1 * rms_librosa.max()
k_high = int(np.argmax(np.where(loud, zcr_librosa, -np.inf)))
k_low = int(np.argmin(np.where(loud, zcr_librosa, np.inf)))
half = sr // 8
c_high, c_low = k_high * HOP_LENGTH, k_low * HOP_LENGTH
viz.audio_table({
    f"high ZCR = {zcr_librosa[k_high]:.3f} at {times[k_high]:.2f} s":
        (y[max(c_high - half, 0) : c_high + half], sr),
    f"low ZCR = {zcr_librosa[k_low]:.3f} at {times[k_low]:.2f} s":
        (y[max(c_low - half, 0) : c_low + half], sr),
})

# %% [markdown]
# ## Frame features across the whole corpus
#
# The report compared histograms of one clip per speaker. One clip says little about a
# speaker: the sentence decides how many vowels and hisses it has. Here you pool every
# frame of every clip. You compute RMS, ZCR and the spectral centroid (defined below)
# with `voicelab.features.frame_features`, which wraps the librosa calls you just
# checked. The corpus pads every clip with 0.1–0.3 s of exact zeros at each end; those
# frames have an RMS of 0 ($-\infty$ dB) and no crossings, so you leave them out here.

# %%
clips = data.load_clips(corpus)
tables = []
for clip_id, (speaker, y_clip) in enumerate(zip(corpus["speaker"], clips)):
    ff = features.frame_features(y_clip, sr, names=("rms", "zcr", "centroid"))
    tables.append(pd.DataFrame({
        "clip": clip_id,
        "speaker": speaker,
        "rms": ff["rms"][0].astype(float),
        "zcr": ff["zcr"][0].astype(float),
        "centroid": ff["centroid"][0].astype(float),
    }))
frame_table = pd.concat(tables, ignore_index=True)
silent = frame_table["rms"] == 0
frame_table = frame_table[~silent].reset_index(drop=True)
frame_table["rms_db"] = 20 * np.log10(frame_table["rms"])
print(f"{silent.sum()} frames of digital silence dropped, {len(frame_table)} kept")
print(frame_table.groupby("speaker")[["rms_db", "zcr"]].median().round(3).to_string())

# %% [markdown]
# Plot the two distributions with **common bins** and `stat="density"`, so that each
# speaker's histogram has area 1 whatever their number of frames. Both features span
# orders of magnitude, so both get a logarithmic axis: RMS in decibels,
# $20 \log_{10} \mathrm{RMS}$, and ZCR on a log scale. With `log_scale=True`, seaborn
# expects bin edges in $\log_{10}$ units.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
rms_edges = np.linspace(frame_table["rms_db"].min(), frame_table["rms_db"].max(), 61)
crossing = frame_table[frame_table["zcr"] > 0]
log_zcr = np.log10(crossing["zcr"])
zcr_edges = np.linspace(log_zcr.min(), log_zcr.max(), 61)
sns.histplot(
    data=frame_table, x="rms_db", hue="speaker", bins=rms_edges, stat="density",
    common_norm=False, element="step", ax=axes[0],
)
sns.histplot(
    data=crossing, x="zcr", hue="speaker", bins=zcr_edges, stat="density",
    common_norm=False, element="step", log_scale=True, ax=axes[1],
)
axes[0].set(title="Frame RMS per speaker", xlabel="RMS level (dB re full scale)",
            ylabel="Density")
axes[1].set(title="Frame ZCR per speaker", xlabel="ZCR (crossings per sample, log)",
            ylabel="Density")
fig.tight_layout()
plt.show()

# %% [markdown]
# What the histograms show:
#
# - **RMS**: the two curves nearly coincide. The corpus sets every take to a random
#   level between −32 and −18 dBFS, so loudness tells you about the recording, not the
#   voice. The report's finding that one reader was louder on one sentence is the same
#   kind of fact: it measures microphone distance and gain as much as the person.
# - **ZCR**: both speakers have a long tail of hissing consonants above 0.1, and a peak
#   of voiced frames at low ZCR. The peaks differ. Turn a ZCR into a dominant frequency,
#   $f \approx \mathrm{ZCR} \cdot sr / 2$: `clb`'s voiced frames pile up near 0.025,
#   about 200 Hz, close to the fundamental of both voices (about 170–180 Hz). Many of
#   `slt`'s sit near 0.045, about 360 Hz, where the second harmonic lies. In those
#   frames `slt`'s second harmonic outweighs the fundamental: a difference in the
#   *sound* of the voice.
# - Both pairs of curves overlap heavily. Means and standard deviations of these frames
#   can only separate the speakers in part.

# %% [markdown]
# ### Is the ZCR about the pace of speech?
#
# The report explained a ZCR difference between the two readers by the *pace* of their
# speech. The formula {eq}`eq-02-zcr` says otherwise: it counts sign changes *within* a
# frame, so it depends on which frequencies the frame contains, not on how fast the
# syllables follow each other. Test it. Change the pace of the example clip without
# changing its spectrum (`librosa.effects.time_stretch`), then change its spectrum
# without changing its pace (a 2 kHz low-pass filter from chapter 01).

# %%
versions = {
    "original": y,
    "25 % slower": librosa.effects.time_stretch(y, rate=0.8, n_fft=512),
    "25 % faster": librosa.effects.time_stretch(y, rate=1.25, n_fft=512),
    "low-passed at 2 kHz": audio.butter_filter(y, sr, 2000, kind="lowpass"),
}
print(f"{'version':20s} {'duration (s)':>12s} {'mean ZCR':>9s} "
      f"{'mean centroid (Hz)':>19s}")
for name, y_version in versions.items():
    ff = features.frame_features(y_version, sr, names=("zcr", "centroid"))
    print(f"{name:20s} {len(y_version) / sr:12.2f} {ff['zcr'].mean():9.3f} "
          f"{ff['centroid'].mean():19.0f}")

# %% [markdown]
# Pace moves the duration by a quarter and the mean ZCR barely at all; the filter leaves
# the duration alone and cuts the ZCR to a quarter.
#
# ```{note}
# `time_stretch` is a phase vocoder: it re-spaces STFT frames. With its default
# `n_fft=2048` (128 ms at 16 kHz) it smears short hissing consonants into longer, duller
# sounds, and the ZCR drops for that reason alone. A 512-sample window keeps them
# intact. A manipulation meant to change one property should be checked on the others.
# ```
#
# The corpus tells the same story. Its readers vary their pace from take to take, and
# the recording colour (a random low-pass and treble per take) varies too. Per clip,
# measure the pace as the clip's duration divided by the mean duration of its sentence,
# and correlate it and the mean spectral centroid with the mean ZCR:

# %%
per_clip = frame_table.groupby("clip")[["zcr", "centroid"]].mean()
per_clip["relative duration"] = (
    corpus["duration_s"] / corpus.groupby("sentence_id")["duration_s"].transform("mean")
).to_numpy()
print("Spearman correlation with a clip's mean ZCR:")
print(per_clip.corr(method="spearman")["zcr"].drop("zcr").round(2).to_string())

# %% [markdown]
# ```{note}
# A ZCR difference between two speakers says that one voice, or one recording chain,
# puts relatively more energy at high frequencies: breathier voice, stronger
# fricatives, a brighter microphone, less low-frequency hum. It says nothing about
# tempo. The same goes for RMS: its mean mostly measures how far the speaker sat from
# the microphone and how the gain was set.
# ```

# %% [markdown]
# ## Spectral shape: centroid, bandwidth, rolloff, contrast
#
# The next features read the magnitude spectrogram $S_{f,t}$ (chapter 01): the magnitude
# of frequency bin $f$ in frame $t$, with bin frequencies $f_k = k \, sr / L$.
#
# The **spectral centroid** is the magnitude-weighted mean frequency:
#
# $$
# c_t = \frac{\sum_k f_k \, S_{k,t}}{\sum_k S_{k,t}} .
# $$ (eq-02-centroid)
#
# The **spectral bandwidth** is the weighted standard deviation around it (librosa's
# `p=2`):
#
# $$
# b_t = \left( \sum_k \frac{S_{k,t}}{\sum_j S_{j,t}} \, (f_k - c_t)^2 \right)^{1/2} .
# $$ (eq-02-bandwidth)
#
# The **spectral rolloff** is the lowest bin frequency below which 85 % of the frame's
# magnitude lies:
#
# $$
# r_t = \min \Big\{ f_k : \sum_{j \le k} S_{j,t} \ge 0.85 \sum_j S_{j,t} \Big\} .
# $$ (eq-02-rolloff)

# %%
S = np.abs(librosa.stft(y, n_fft=FRAME_LENGTH, hop_length=HOP_LENGTH))
freqs = librosa.fft_frequencies(sr=sr, n_fft=FRAME_LENGTH)
total = S.sum(axis=0, keepdims=True)
weights = np.divide(S, total, out=np.zeros_like(S), where=total > 0)
centroid_hand = freqs @ weights
bandwidth_hand = np.sqrt(((freqs[:, None] - centroid_hand) ** 2 * weights).sum(axis=0))
cumulative = np.cumsum(S, axis=0)
rolloff_hand = freqs[np.argmax(cumulative >= 0.85 * cumulative[-1], axis=0)]

centroid = librosa.feature.spectral_centroid(S=S, sr=sr)[0]
bandwidth = librosa.feature.spectral_bandwidth(S=S, sr=sr)[0]
rolloff = librosa.feature.spectral_rolloff(S=S, sr=sr)[0]
np.testing.assert_allclose(centroid_hand, centroid, rtol=1e-5)
np.testing.assert_allclose(bandwidth_hand, bandwidth, rtol=1e-5)
np.testing.assert_allclose(rolloff_hand, rolloff)
ff = features.frame_features(y, sr, names=("centroid", "bandwidth", "rolloff"))
np.testing.assert_allclose(ff["centroid"][0], centroid, rtol=1e-5)
print("centroid, bandwidth and rolloff by hand equal librosa and voicelab")

# %% [markdown]
# **Spectral contrast** splits the spectrum into octave sub-bands (0–200 Hz, 200–400 Hz,
# 400–800 Hz, … up to the Nyquist frequency). In each band it averages the strongest 2 %
# of bins (the *peak*) and the weakest 2 % (the *valley*) and reports the difference in
# decibels {cite}`jiang2002music`. A high contrast means clear harmonic peaks over quiet
# gaps, as in a steady vowel. A low contrast means a flat, noise-like band.
#
# Check it by hand on the 0.8–1.6 kHz band. Two details come from librosa's code: each
# band also takes the bin just below its lower edge and drops its top bin, and the
# "decibels" are $10 \log_{10}$ of a ratio of *magnitudes*, half the usual
# $20 \log_{10}$. With 52 bins in the band, 2 % rounds to a single bin: peak and valley
# are the band's largest and smallest magnitude. Frames with a silent valley are left
# out, because librosa clips them 80 dB below the loudest value.

# %%
contrast = librosa.feature.spectral_contrast(S=S, sr=sr)
in_band = np.flatnonzero((freqs >= 800) & (freqs <= 1600))
band = np.sort(S[in_band[0] - 1 : in_band[-1]], axis=0)
n_extreme = max(int(np.rint(0.02 * (len(in_band) + 1))), 1)
peak, valley = band[-n_extreme:].mean(axis=0), band[:n_extreme].mean(axis=0)
sounding = valley > 1e-6
contrast_hand = 10 * np.log10(peak[sounding] / valley[sounding])
np.testing.assert_allclose(contrast_hand, contrast[3, sounding], rtol=1e-4)
print(f"0.8–1.6 kHz band: {len(in_band) + 1} bins, {n_extreme} bin(s) for peak and "
      f"valley; by hand equals librosa on {sounding.sum()} of {len(sounding)} frames")
band_names = ["0–0.2", "0.2–0.4", "0.4–0.8", "0.8–1.6", "1.6–3.2", "3.2–6.4", "6.4–8"]
print(pd.Series(contrast.mean(axis=1), index=band_names, name="mean contrast (dB)")
      .round(1).to_string())

# %%
S_db = librosa.amplitude_to_db(S, ref=np.max)
fig, axes = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
viz.plot_spectrogram(
    S_db, sr, hop_length=HOP_LENGTH, ax=axes[0],
    title="Centroid, centroid ± bandwidth and 85 % rolloff over the spectrogram",
)
axes[0].plot(times, centroid, color="w", linewidth=1.2, label="centroid")
axes[0].fill_between(
    times, np.maximum(centroid - bandwidth, 0), centroid + bandwidth,
    color="w", alpha=0.25, label="± bandwidth",
)
axes[0].plot(times, rolloff, color="C1", linewidth=1.0, label="rolloff")
axes[0].legend(loc="upper right", fontsize=8)
axes[0].set_xlabel("")
image = axes[1].imshow(
    contrast, origin="lower", aspect="auto", cmap="magma",
    extent=[0, len(y) / sr, -0.5, len(band_names) - 0.5],
)
axes[1].set_yticks(range(len(band_names)), band_names)
axes[1].set(
    title="Spectral contrast: peak minus valley per octave band",
    xlabel="Time (s)", ylabel="Band (kHz)",
)
fig.colorbar(image, ax=axes[1]).set_label("Contrast (dB)")
fig.tight_layout()
plt.show()

# %% [markdown]
# The centroid and the rolloff jump up on the hissing consonants, where the ZCR jumped
# too, and drop on vowels. In the middle bands the contrast is highest during vowels,
# where harmonics stand out over the gaps between them. The outer bands tell you about
# the recording: the corpus high-passes every take somewhere between 60 and 200 Hz and
# low-passes it between 3.8 and 7.8 kHz. So the lowest and the highest band each hold a
# filter edge, a loud side next to a silent one, and show a large contrast whenever
# there is sound there.

# %% [markdown]
# ## Chroma: pitch classes, a music feature
#
# A *chroma* vector folds the spectrum onto the 12 pitch classes of Western music
# (C, C♯, D, …, B). A frequency $f$ belongs to pitch class
#
# $$
# p(f) = \operatorname{round}\!\Big(69 + 12 \log_2 \frac{f}{440\ \text{Hz}}\Big)
#        \bmod 12 ,
# $$ (eq-02-pitch-class)
#
# so 220 Hz, 440 Hz and 880 Hz all land on A (class 9). The energy of all bins of one
# class is added up, and each frame is normalised. librosa offers three variants:
#
# - `chroma_stft` folds the STFT bins with soft (Gaussian) weights;
# - `chroma_cqt` folds a *constant-Q transform*, whose bins are already spaced by
#   fractions of a semitone, which suits low notes better
#   {cite}`muller2015fundamentals`;
# - `chroma_cens` (*chroma energy normalised statistics*) quantises the CQT chroma,
#   smooths it over 41 frames (0.66 s here) and normalises each frame to unit length. It
#   keeps the slow harmonic outline and drops the details.
#
# Check {eq}`eq-02-pitch-class` on pure tones before trusting it on speech.

# %%
pitch_classes = ["C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B"]
t_long = np.arange(4 * sr) / sr
for f in (220.0, 440.0, 261.63):
    chroma = librosa.feature.chroma_cqt(
        y=np.sin(2 * np.pi * f * t_long), sr=sr, hop_length=HOP_LENGTH
    )
    p = int(np.round(69 + 12 * np.log2(f / 440))) % 12
    strongest = int(np.argmax(chroma.mean(axis=1)))
    assert strongest == p
    print(f"{f:7.2f} Hz -> strongest class {pitch_classes[strongest]}")

# %% [markdown]
# Speech has no notes. Its pitch, the fundamental frequency $F_0$, glides continuously.
# So for speech, chroma mostly records where the intonation contour sits on a piano
# keyboard. To see it, estimate $F_0$ with librosa's pYIN and overlay its pitch class
# {eq}`eq-02-pitch-class` on the three chromagrams.

# %%
chroma_stft = librosa.feature.chroma_stft(S=S**2, sr=sr)
chroma_cqt = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=HOP_LENGTH)
chroma_cens = librosa.feature.chroma_cens(y=y, sr=sr, hop_length=HOP_LENGTH)
f0, voiced, _ = librosa.pyin(
    y, fmin=80, fmax=400, sr=sr, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH
)
f0_class = np.round(librosa.hz_to_midi(f0[voiced])).astype(int) % 12
print(f"voiced frames: {voiced.sum()} of {len(voiced)}; "
      f"median F0 {np.median(f0[voiced]):.0f} Hz")
for name, chroma in [("stft", chroma_stft), ("cqt", chroma_cqt), ("cens", chroma_cens)]:
    distance = (chroma.argmax(axis=0)[voiced] - f0_class) % 12
    exact = np.mean(distance == 0)
    near = np.mean(np.isin(distance, (0, 1, 11)))
    print(f"chroma_{name:5s}: strongest class = F0 class in {exact:.0%} of voiced "
          f"frames, within a semitone in {near:.0%}")

# %%
fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
for ax, (name, chroma) in zip(
    axes, [("chroma_stft", chroma_stft), ("chroma_cqt", chroma_cqt),
           ("chroma_cens", chroma_cens)]
):
    image = ax.imshow(
        chroma, origin="lower", aspect="auto", cmap="Greys",
        extent=[0, len(y) / sr, -0.5, 11.5],
    )
    ax.plot(times[voiced], f0_class, ".", color="C3", markersize=3,
            label="pitch class of $F_0$")
    ax.set_yticks(range(12), pitch_classes)
    ax.set(title=name, ylabel="Pitch class")
    fig.colorbar(image, ax=ax).set_label("Energy (normalised)")
axes[0].legend(loc="upper right", fontsize=8)
axes[2].set_xlabel("Time (s)")
fig.suptitle("Three chromagrams of one clip follow the pitch class of its $F_0$ (red)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ```{warning}
# Chroma is a **music** feature {cite}`bartsch2005audio,muller2015fundamentals`: it
# assumes notes on a 12-tone scale and throws the octave away. On speech it tracks
# intonation, folded into one octave, and its per-clip mean mostly encodes the speaker's
# average pitch modulo an octave. Two voices a semitone apart can look different; a
# voice and the same voice an octave lower look identical. Use it knowingly, not because
# a music tutorial lists it.
# ```

# %% [markdown]
# ## MFCC: the shape of the spectral envelope
#
# Mel-frequency cepstral coefficients {cite}`davis1980comparison` describe the broad
# shape of the spectrum in a few numbers. Three steps turn a power spectrogram $|S|^2$
# into MFCCs:
#
# 1. **Mel filterbank**: sum the power in $M = 128$ overlapping triangular bands, narrow
#    at low and wide at high frequencies, roughly as the ear resolves pitch. Chapter 05
#    builds this filterbank from scratch; here you take librosa's.
# 2. **Log**: convert each band to decibels, $10 \log_{10}(\cdot)$, floored 80 dB below
#    the loudest value.
# 3. **DCT**: apply the orthonormal type-II discrete cosine transform over the bands of
#    each frame and keep the first $C = 20$ coefficients:
#
# $$
# \mathrm{MFCC}_{c,t} = \sqrt{\frac{2 - \delta_{c0}}{M}} \sum_{m=0}^{M-1}
#   E_{m,t} \cos\!\Big(\frac{\pi c (2m + 1)}{2M}\Big), \quad c = 0, \dots, C - 1 ,
# $$ (eq-02-mfcc)
#
# where $E_{m,t}$ is the log energy of band $m$ in frame $t$ and $\delta_{c0}$ is 1 for
# $c = 0$ and 0 otherwise.

# %%
mel = librosa.feature.melspectrogram(S=S**2, sr=sr)
log_mel = 10 * np.log10(np.maximum(mel, 1e-10))
log_mel = np.maximum(log_mel, log_mel.max() - 80.0)
np.testing.assert_allclose(log_mel, librosa.power_to_db(mel), rtol=1e-5, atol=1e-4)
mfcc_hand = scipy.fft.dct(log_mel, type=2, norm="ortho", axis=0)[:20]

mfcc = librosa.feature.mfcc(
    y=y, sr=sr, n_fft=FRAME_LENGTH, hop_length=HOP_LENGTH, n_mfcc=20
)
np.testing.assert_allclose(mfcc_hand, mfcc, rtol=1e-4, atol=1e-3)
ff = features.frame_features(y, sr, names=("mfcc",))
np.testing.assert_allclose(ff["mfcc"], mfcc, rtol=1e-4, atol=1e-3)
print("mel bands:", mel.shape, "-> MFCC:", mfcc.shape, "(coefficients, frames)")
print("DCT of the log-mel spectrogram equals librosa.feature.mfcc")

# %% [markdown]
# Why the DCT? Its low coefficients describe slow variations across the bands: $c_0$ is
# proportional to the mean log energy, $c_1$ to the tilt from low to high bands, and so
# on. Keeping 20 of 128 coefficients keeps the *envelope* — the resonances of the vocal
# tract that make a voice recognisable — and drops the fine harmonic ripple. The inverse
# DCT of the kept coefficients shows what survives.

# %%
k_vowel = k_low
padded = np.zeros(log_mel.shape[0])
padded[:20] = mfcc[:, k_vowel]
envelope = scipy.fft.idct(padded, type=2, norm="ortho")
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(log_mel[:, k_vowel], color="0.5", label="log-mel energies (128 bands)")
ax.plot(envelope, color="C3", linewidth=2, label="inverse DCT of 20 MFCCs")
ax.set(
    title=f"20 MFCCs keep the envelope of a vowel frame ({times[k_vowel]:.2f} s)",
    xlabel="Mel band index (low → high frequency)", ylabel="Energy (dB)",
)
ax.legend()
plt.show()

# %% [markdown]
# ### Deltas: how the coefficients move
#
# MFCCs describe one frame at a time. *Delta* features add the local slope of each
# coefficient over time, fitted on $N = 4$ frames each side (a 9-frame window):
#
# $$
# \Delta c_t = \frac{\sum_{n=1}^{N} n \, (c_{t+n} - c_{t-n})}{2 \sum_{n=1}^{N} n^2} .
# $$ (eq-02-delta)
#
# librosa computes it with a Savitzky–Golay filter, which is the same formula away from
# the edges; near the edges it extrapolates. Compare the interior frames.

# %%
N = 4
n = np.arange(1, N + 1)
n_frames = mfcc.shape[1]
delta_hand = np.stack(
    [mfcc[:, t + n] @ n - mfcc[:, t - n] @ n for t in range(N, n_frames - N)], axis=1
) / (2 * np.sum(n**2))
delta = librosa.feature.delta(mfcc)
np.testing.assert_allclose(delta_hand, delta[:, N:-N], rtol=1e-6, atol=1e-6)
print("delta by hand equals librosa.feature.delta on", delta_hand.shape[1],
      "interior frames")

# %% [markdown]
# ## From frames to one vector per clip
#
# Every feature so far gives a matrix of shape (coefficients, frames), and the number of
# frames grows with the clip. `voicelab.features.pool_frames` keeps, for every
# coefficient, the **mean** and the **standard deviation** over frames. The report's
# four numbers are exactly the RMS and ZCR part of it.

# %%
summary = features.pool_frames(features.frame_features(y, sr))
print(f"{len(summary)} numbers per clip; the report's four:")
print(summary[["rms_mean", "rms_std", "zcr_mean", "zcr_std"]].round(4).to_string())

# %% [markdown]
# A mean and a standard deviation do not grow with the number of frames. A clip twice as
# long gives a vector of the same length, with about the same values. Play the example
# clip twice in a row and compare:

# %%
y_twice = np.concatenate([y, y])
summary_twice = features.pool_frames(
    features.frame_features(y_twice, sr, names=("rms", "zcr"))
)
print(f"frames: {1 + len(y) // HOP_LENGTH} -> {1 + len(y_twice) // HOP_LENGTH}")
print(pd.DataFrame({
    "once": summary[summary_twice.index], "twice": summary_twice
}).round(4).to_string())

# %% [markdown]
# In {doc}`01_sound_as_data` you saw that one speaker's clips are longer on average, so
# anything that grows with duration is a shortcut a classifier can learn instead of the
# voice. A *sum* over frames is such a shortcut; a *mean* is not:

# %%
rms_per_clip = frame_table.groupby("clip")["rms"].agg(["sum", "mean"])
rms_per_clip["duration_s"] = corpus["duration_s"].to_numpy()
print("correlation with duration over all clips:")
print(rms_per_clip.corr().loc[["sum", "mean"], "duration_s"].round(2).to_string())

# %% [markdown]
# ```{note}
# Mean and standard deviation make the vector length-independent, but they also throw
# away the order of the frames. "Loud then quiet" and "quiet then loud" give the same
# summary. Deltas bring back a little of the local dynamics; chapters on sequence models
# bring back the rest.
# ```

# %% [markdown]
# ## Features for the whole corpus
#
# `voicelab.features.extract` loads every clip, computes all frame features, summarises
# them and caches the result on disk, so a second run only reads the cache. The progress
# bar changes from run to run, so this cell's output is not compared by the tests.

# %% tags=["nbval-ignore-output"]
X_all = features.extract(corpus, "all")

# %%
set_names = ["report4", "spectral", "chroma", "mfcc", "all"]
columns = {name: features.columns(name) for name in set_names}
print("X_all:", X_all.shape, "(clips, features)")
for name in set_names:
    source = features.FEATURE_SETS[name] if name != "all" else "every frame feature"
    print(f"{name:9s} {len(columns[name]):4d} numbers from {source}")

# %% [markdown]
# ## How separable are the speakers?
#
# Now measure how well each feature set tells `clb` from `slt`. The model is the
# simplest reasonable one: standardise each feature, then a logistic regression
# {cite}`pedregosa2011scikit`. Accuracy is estimated by 5-fold cross-validation in which
# **all clips of a sentence stay in the same fold**, repeated with 5 different shuffles.
# You get 25 test-fold accuracies per feature set; the table reports their mean and
# standard deviation.

# %%
labels = corpus["label"].to_numpy()
groups = corpus["sentence_id"].to_numpy()
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
fold_scores = {}
for name in set_names:
    fold_scores[name] = np.concatenate([
        cross_val_score(
            model, X_all[columns[name]], labels, groups=groups,
            cv=GroupKFold(n_splits=5, shuffle=True, random_state=r),
        )
        for r in range(5)
    ])
results = pd.DataFrame({
    "mean": [fold_scores[name].mean() for name in set_names],
    "std": [fold_scores[name].std(ddof=1) for name in set_names],
}, index=set_names).round(3)
for name, key in [("(a) report4, 4 numbers", "report4"), ("(b) MFCC mean+std", "mfcc")]:
    print(f"{name:24s} accuracy {results.loc[key, 'mean']:.3f} "
          f"± {results.loc[key, 'std']:.3f}")
print()
print(results.to_string())

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(set_names, results["mean"], yerr=results["std"], capsize=4, color="C0")
ax.axhline(0.5, color="0.4", linestyle="--", linewidth=1, label="chance (0.5)")
ax.set(
    title="Sentence-grouped CV accuracy by feature set (mean ± std, 25 folds)",
    xlabel="Feature set", ylabel="Accuracy", ylim=(0, 1.2),
    yticks=np.arange(0, 1.1, 0.2),
)
ax.legend(loc="upper left", fontsize=9)
plt.show()

# %% [markdown]
# The report's four numbers do better than chance, but they miss about one clip in
# three. Every richer set comes close to perfect: the corpus is easy once you look at
# the shape of the spectrum rather than at its loudness or its average brightness. Even
# chroma, the music feature, does well; its means record where each voice's pitch and
# strongest harmonics fall among the 12 classes. With sets this close to 1, the corpus
# cannot rank them; harder conditions later in the course will.
#
# ```{warning}
# Group the folds by **sentence**. Every sentence exists four times: two speakers, two
# takes. With plain shuffled folds, the other take of the same sentence by the same
# speaker, or the same sentence by the other speaker, sits in the training folds. The
# model can then match the test clip to its near twin instead of learning the voice,
# and the score says more about the sentence than about the speaker. Chapter 03 measures
# this leak.
# ```

# %% [markdown]
# Which single numbers separate best? Rank every summary feature by its *Fisher ratio*,
# the squared distance between the two speakers' means over the sum of their variances,
# $(\mu_\text{clb} - \mu_\text{slt})^2 / (\sigma^2_\text{clb} + \sigma^2_\text{slt})$.

# %%
by_speaker = X_all.groupby(corpus["speaker"])
means, variances = by_speaker.mean(), by_speaker.var()
fisher = (means.loc["clb"] - means.loc["slt"]) ** 2 / variances.sum()
fisher = fisher.sort_values(ascending=False)
print("best five:")
print(fisher.head(5).round(2).to_string())
print("the report's four:")
print(fisher[columns["report4"]].round(2).to_string())

# %% [markdown]
# The scatter plots compare the report's two ZCR summaries with the two best summaries.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (x_name, y_name), title in [
    (axes[0], ("zcr_mean", "zcr_std"), "The report's ZCR summaries overlap"),
    (axes[1], tuple(fisher.index[:2]), "The two best summaries barely overlap"),
]:
    sns.scatterplot(
        x=X_all[x_name], y=X_all[y_name], hue=corpus["speaker"],
        style=corpus["speaker"], s=25, ax=ax,
    )
    ax.set(title=title, xlabel=x_name, ylabel=y_name)
axes[0].set(xlabel="zcr_mean (crossings per sample)",
            ylabel="zcr_std (crossings per sample)")
axes[1].set(xlabel=f"{fisher.index[0]} (dB)", ylabel=f"{fisher.index[1]} (dB)")
fig.tight_layout()
plt.show()

# %% [markdown]
# The best two are means of high MFCCs (`mfcc_17` is coefficient $c_{16}$): fine ripples
# of the spectral envelope, not loudness or overall brightness. Be careful with this
# picture, though. You chose the two features by looking at *all* clips, the test clips
# included, so it flatters them. Chapter 03 shows how to select features without
# peeking.

# %% [markdown]
# ## Summary
#
# - Audio features are computed per **frame** ($L = 1024$, $H = 256$ at 16 kHz); librosa
#   centres frames, so a clip of $n$ samples has $1 + \lfloor n / H \rfloor$ of them.
# - RMS measures loudness per frame; ZCR tracks where in frequency a frame's energy
#   sits. Neither measures the pace of speech.
# - Centroid, bandwidth, rolloff and contrast describe the shape of each frame's
#   spectrum; MFCCs compress its envelope into 20 numbers via mel bands, log and DCT.
# - Chroma folds the spectrum onto 12 pitch classes: a music feature that, on speech,
#   tracks intonation.
# - Mean and standard deviation over frames give one fixed-length vector per clip,
#   independent of its duration.
# - Evaluated with sentence-grouped cross-validation, MFCC summaries separate the two
#   speakers far better than the report's four numbers.

# %% [markdown]
# ## Exercises
#
# **1. White noise.** What ZCR do you expect for Gaussian white noise, and why? Check it
# on one second of noise with a fixed seed.
#
# ````{admonition} Solution
# :class: dropdown
# Each sample is independent and positive or negative with probability 1/2, so two
# neighbours differ in sign half of the time: $(L - 1) / 2$ crossings per frame, or a
# ZCR of $(L - 1) / (2L) \approx 0.5$. That corresponds to a "dominant frequency" of
# $0.5 \cdot sr / 2 = 4$ kHz, the middle of the 0–8 kHz band. Leave out the first and
# last two frames: they reach into librosa's edge padding, where the signal is constant
# and never crosses zero.
#
# ```python
# noise = np.random.default_rng(0).standard_normal(16_000)
# zcr = librosa.feature.zero_crossing_rate(noise, frame_length=1024, hop_length=256)[0]
# print(zcr[2:-2].mean().round(3), (1024 - 1) / (2 * 1024))
# ```
# ````
#
# **2. What is $c_0$?** Show from {eq}`eq-02-mfcc` that the first MFCC is $\sqrt{M}$
# times the mean log-mel energy of the frame, and check it on the example clip.
#
# ````{admonition} Solution
# :class: dropdown
# For $c = 0$ the cosine is 1 and the scale is $\sqrt{1/M}$, so
# $\mathrm{MFCC}_{0,t} = \frac{1}{\sqrt{M}} \sum_m E_{m,t} = \sqrt{M}\,\overline{E}_t$,
# where $\overline{E}_t$ is the mean of the $M$ log-mel energies. It is a loudness
# measure, which is why some systems drop it.
#
# ```python
# M = log_mel.shape[0]
# np.testing.assert_allclose(mfcc[0], np.sqrt(M) * log_mel.mean(axis=0), rtol=1e-4)
# print("c0 = sqrt(M) x mean log-mel energy in all", mfcc.shape[1], "frames")
# ```
# ````
#
# **3. Frame length.** Re-extract the report's four numbers with the report's 1024/512
# framing and with 2048/512, and compare the sentence-grouped accuracy with the one
# above. Does the frame length matter for these features?
#
# ````{admonition} Solution
# :class: dropdown
# `extract` takes the framing as keyword arguments and caches each setting separately.
# The RMS and ZCR means hardly depend on the framing; their standard deviations shrink a
# little with longer frames, which average more. Expect accuracies within about one
# standard deviation of each other.
#
# ```python
# for frame_length, hop_length in [(1024, 512), (2048, 512)]:
#     X = features.extract(corpus, "report4", progress=False,
#                          frame_length=frame_length, hop_length=hop_length)
#     scores = np.concatenate([
#         cross_val_score(model, X, labels, groups=groups,
#                         cv=GroupKFold(n_splits=5, shuffle=True, random_state=r))
#         for r in range(5)
#     ])
#     print(frame_length, hop_length, scores.mean().round(3), scores.std().round(3))
# ```
# ````

# %% [markdown]
# ## Further reading
#
# - The librosa paper {cite}`mcfee2015librosa` and its documentation describe every
#   feature used here and its defaults.
# - {cite}`davis1980comparison` introduced MFCCs for speech recognition and compared
#   them with other parametrisations.
# - {cite}`muller2015fundamentals` (chapters 2–3) derives the STFT, the constant-Q
#   transform, chroma and CENS carefully, with music examples.
# - {cite}`jiang2002music` proposed spectral contrast, and {cite}`bartsch2005audio`
#   used chroma for audio thumbnailing of popular music.
# - {cite}`pedregosa2011scikit` describes scikit-learn, whose pipelines and group-aware
#   cross-validation you used.
