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
# **Time:** about 90 minutes (the notebook runs in about 50 s).
#
# **By the end you can:**
#
# - cut a clip into frames and predict how many frames librosa returns for $n$ samples;
# - compute RMS, zero-crossing rate, spectral centroid, bandwidth, rolloff, contrast,
#   chroma and MFCCs by hand, and check each against librosa;
# - test what a feature measures with a controlled change (pace, filtering), and tell
#   a voice's pitch from its timbre in a ZCR histogram;
# - pool frame features into one duration-independent vector per clip, and extract it
#   for a whole corpus in parallel, with a cache;
# - estimate with sentence-grouped cross-validation how well each feature set tells
#   the two speakers apart.
#
# **Where this sits:** after {doc}`01_sound_as_data`, which turned clips into arrays.
# The vectors you build here feed the classifiers of {doc}`03_classical_ml`.

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
# The student report this course retells summarised each clip by four numbers: the
# mean and standard deviation of RMS and of the zero-crossing rate. This chapter
# rebuilds them, checks every formula against librosa {cite}`mcfee2015librosa`, and
# adds the richer features of speech and music research. You work on the corpus of
# {doc}`01_sound_as_data`: `clb` and `slt` read the same 60 sentences, twice each.

# %%
import warnings
from collections.abc import Sequence

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
from voicelab.features import ALL_FEATURES, FRAME_LENGTH, HOP_LENGTH, N_MFCC
from voicelab.glue import glue

corpus = data.load_corpus()
row = corpus[(corpus["speaker"] == "clb") & (corpus["take"] == 1)].iloc[0]
y, sr = audio.load(row["path"])
print(f"{len(corpus)} clips; example: {row['file']}, {len(y)} samples at {sr} Hz")
print(f"text: {row['text']}")

# %% [markdown]
# ## Frames: the unit of analysis
#
# Speech changes fast: a vowel lasts about 100 ms, a consonant less. So you cut a clip
# into short, overlapping pieces called *frames* and describe each frame.
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


# %% tags=["hide-input"]
def plot_frames(y, sr, *, frame_length, hop_length, first, n_frames, ax):
    """Shade n_frames centred frames (librosa's center=True) over the waveform."""
    ks = range(first, first + n_frames)
    starts = [k * hop_length - frame_length // 2 for k in ks]
    lo, hi = starts[0] - hop_length, starts[-1] + frame_length + hop_length
    ax.plot(np.arange(lo, hi) / sr, y[lo:hi], color="0.3", linewidth=0.8)
    peak = np.abs(y[lo:hi]).max()
    for i, start in enumerate(starts):
        t0, t1, level = start / sr, (start + frame_length) / sr, peak * (1.2 + 0.25 * i)
        ax.axvspan(t0, t1, color=f"C{i}", alpha=0.12, label=f"frame {first + i}")
        ax.annotate("", xy=(t1, level), xytext=(t0, level),
                    arrowprops={"arrowstyle": "|-|", "color": f"C{i}"})
        ax.text(t0, level, f" frame {first + i}", color=f"C{i}", va="bottom",
                fontsize=8)
    t0, t1 = starts[0] / sr, starts[1] / sr
    ax.annotate("", xy=(t1, -1.2 * peak), xytext=(t0, -1.2 * peak),
                arrowprops={"arrowstyle": "<->"})
    ax.text(t1, -1.2 * peak, f"  hop = {hop_length} samples", va="center", fontsize=8)
    ax.set(xlabel="Time (s)", ylabel="Amplitude", ylim=(-1.5 * peak, peak * 2.3),
           title=f"Frames of {frame_length} samples every {hop_length} samples, "
                 "centred on k·hop")
    return starts


fig, ax = plt.subplots(figsize=(9, 3.5))
starts = plot_frames(y, sr, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH,
                     first=60, n_frames=4, ax=ax)
assert np.all(np.diff(starts) == HOP_LENGTH) and len(ax.patches) == 4
plt.show()

# %% [markdown]
# ### How many frames does a clip have?
#
# librosa *centres* its frames by default: frame $k$ is centred on sample $kH$, not
# started there. So it pads $L/2$ samples on each side. For a clip of $n$ samples the
# padded length is $n + L$, and the number of frames is
#
# $$
# N_\text{frames} = 1 + \left\lfloor \frac{(n + L) - L}{H} \right\rfloor
#                 = 1 + \left\lfloor \frac{n}{H} \right\rfloor .
# $$ (eq-02-n-frames)
#
# The frame length cancels out. Check {eq}`eq-02-n-frames` against librosa.

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
glue("bin_spacing_hz", round(sr / FRAME_LENGTH, 1))
glue("main_lobe_hz", round(4 * sr / FRAME_LENGTH, 1))
glue("report_frame_ms", round(1000 * 1024 / 22_050, 1))

# %% [markdown]
# ```{note}
# With `center=True`, half of frame 0 is padding (zeros for RMS and the STFT, edge
# copies for the zero-crossing rate), so the first and last frames hold half a frame of
# signal. With `center=False` you get $1 + \lfloor (n - L) / H \rfloor$ frames, and
# frame $k$ *starts* at $kH$.
# ```
#
# ```{note}
# The **frame length** sets the frequency resolution. FFT bins lie $sr / L$ =
# {glue:text}`bin_spacing_hz` Hz apart, but the Hann window spreads a pure tone over a
# main lobe four bins wide, {glue:text}`main_lobe_hz` Hz here
# ({doc}`01_sound_as_data`). Longer frames narrow the lobe and smear fast changes. The
# **hop** only sets how often you look: a smaller hop gives more frames, not sharper
# ones. Quote both in milliseconds: the report's 1024 samples at 22 050 Hz are
# {glue:text}`report_frame_ms` ms, not 64 ms.
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
# librosa adds three details: it divides by $L$, not by the $L - 1$ pairs; it pads with
# copies of the edge samples; and it treats $|x| \le 10^{-10}$ as zero, and zero as
# positive. Reproduce all three by hand.

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
# What does the ZCR measure? A sine wave of frequency $f$ crosses zero twice per period:
# $2f / sr$ times per sample. So the ZCR is a crude estimate of the *dominant
# frequency*: $f \approx \mathrm{ZCR} \cdot sr / 2$.

# %%
t = np.arange(sr) / sr
print("  f (Hz)   ZCR   2f/sr")
for f in (110, 440, 1760, 3520):
    tone = np.sin(2 * np.pi * f * t + 0.1)
    zcr = librosa.feature.zero_crossing_rate(
        tone, frame_length=FRAME_LENGTH, hop_length=HOP_LENGTH
    )[0, 1:-1].mean()
    assert abs(zcr - 2 * f / sr) < 0.005
    print(f"{f:8d}  {zcr:.3f}  {2 * f / sr:.3f}")

# %% [markdown]
# Vowels are dominated by low harmonics: low ZCR. Hissing consonants such as *s* and
# *f* spread noise up to high frequencies: high ZCR. The figure shows both features over
# the example clip.

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
# that are not near-silent. Each excerpt lasts 250 ms around the frame centre.

# %%
loud = rms_librosa > 0.1 * rms_librosa.max()
k_high = int(np.argmax(np.where(loud, zcr_librosa, -np.inf)))
k_low = int(np.argmin(np.where(loud, zcr_librosa, np.inf)))
half = sr // 8
c_high, c_low = k_high * HOP_LENGTH, k_low * HOP_LENGTH
excerpt_high = y[max(c_high - half, 0) : c_high + half]
excerpt_low = y[max(c_low - half, 0) : c_low + half]
# What the players demonstrate: a hiss crosses zero far more often than a vowel.
assert zcr_librosa[k_high] > 5 * zcr_librosa[k_low]
assert len(excerpt_high) == len(excerpt_low) == 2 * half
viz.audio_table({
    f"high ZCR = {zcr_librosa[k_high]:.3f} at {times[k_high]:.2f} s":
        (excerpt_high, sr),
    f"low ZCR = {zcr_librosa[k_low]:.3f} at {times[k_low]:.2f} s":
        (excerpt_low, sr),
})

# %% [markdown]
# ## Frame features across the whole corpus
#
# The report compared histograms of one clip per speaker. But the sentence decides how
# many vowels and hisses a clip has. So pool every frame of every clip: RMS, ZCR and
# the spectral centroid (defined below).

# %%
clips = data.load_clips(corpus)
tables = []
for clip_id, (speaker, y_clip) in enumerate(zip(corpus["speaker"], clips)):
    framing = {"frame_length": FRAME_LENGTH, "hop_length": HOP_LENGTH}
    tables.append(pd.DataFrame({
        "clip": clip_id,
        "speaker": speaker,
        "rms": librosa.feature.rms(y=y_clip, **framing)[0].astype(float),
        "zcr": librosa.feature.zero_crossing_rate(y_clip, **framing)[0].astype(float),
        "centroid": librosa.feature.spectral_centroid(
            y=y_clip, sr=sr, n_fft=FRAME_LENGTH, hop_length=HOP_LENGTH
        )[0].astype(float),
    }))
    n_frames_clip = len(tables[-1])
    tables[-1]["to_end_s"] = (len(y_clip) - np.arange(n_frames_clip) * HOP_LENGTH) / sr
frame_table = pd.concat(tables, ignore_index=True)
print(f"{len(frame_table)} frames from {len(clips)} clips")

# %% [markdown]
# ### The padding is not all silence
#
# The corpus generator padded every sentence with 0.1 to 0.3 s of exact zeros, then
# added room reverberation ({doc}`01_sound_as_data`). Reverberation rings on after the
# voice stops, so it spills into the padding at the end, never at the start. Measure
# the run of exact zeros at each end of every clip.

# %%
lead_s = np.array([np.flatnonzero(y_clip)[0] for y_clip in clips]) / sr
trail_s = np.array(
    [len(y_clip) - 1 - np.flatnonzero(y_clip)[-1] for y_clip in clips]
) / sr
n_short = int(np.sum(trail_s < lead_s.min()))
n_no_zeros = int(np.sum(trail_s == 0))
assert lead_s.min() >= 0.1 and np.median(trail_s) < np.median(lead_s) / 1.5
glue("lead_min_s", round(lead_s.min(), 2))
glue("lead_max_s", round(lead_s.max(), 2))
glue("lead_median_s", round(np.median(lead_s), 2))
glue("trail_median_s", round(np.median(trail_s), 2))
glue("n_trail_short", n_short)
glue("n_trail_none", n_no_zeros)
print(f"leading zeros:  {lead_s.min():.2f} to {lead_s.max():.2f} s, "
      f"median {np.median(lead_s):.2f} s")
print(f"trailing zeros: {trail_s.min():.2f} to {trail_s.max():.2f} s, "
      f"median {np.median(trail_s):.2f} s")
print(f"{n_short} clips end with fewer zeros than the shortest padding, "
      f"{n_no_zeros} with none")

# %%
i_tail = int(np.argsort(trail_s)[len(trail_s) // 2])  # a clip with the median tail
y_tail = clips[i_tail]
rms_tail = librosa.feature.rms(y=y_tail, frame_length=FRAME_LENGTH,
                               hop_length=HOP_LENGTH)[0]
t_tail = librosa.times_like(rms_tail, sr=sr, hop_length=HOP_LENGTH)
end = len(y_tail) / sr
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
last = t_tail > end - 0.8
with np.errstate(divide="ignore"):  # frames of exact zeros: -inf dB, not drawn
    axes[0].plot(t_tail[last], 20 * np.log10(rms_tail[last]), ".-")
axes[0].axvline(end - trail_s[i_tail], color="C3", linestyle="--",
                label="exact zeros from here")
axes[0].set(title=f"The end of {corpus['file'].iloc[i_tail]}: reverb decays",
            xlabel="Time (s)", ylabel="Frame RMS (dBFS)")
axes[0].legend(loc="upper right", fontsize=8)
bins = np.linspace(0, 0.32, 33)
axes[1].hist(lead_s, bins=bins, alpha=0.6, label="start of clip")
axes[1].hist(trail_s, bins=bins, alpha=0.6, label="end of clip")
axes[1].set(title="Runs of exact zeros: shorter at the end",
            xlabel="Run of exact zeros (s)", ylabel="Clips")
axes[1].legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Every clip starts with {glue:text}`lead_min_s` to {glue:text}`lead_max_s` s of exact
# zeros (median {glue:text}`lead_median_s` s). At the end the run is much shorter,
# median {glue:text}`trail_median_s` s: {glue:text}`n_trail_short` of the 240 clips end
# with fewer zeros than the shortest padding, and {glue:text}`n_trail_none` with none.
# The left panel shows why: after the last word, the level decays along a straight line
# in decibels. That is the room's reverb tail.
#
# Drop the frames of digital silence (RMS exactly 0, $-\infty$ dB). Keep the tails:
# they are real (if synthetic) room sound, and the quietest frames in the RMS histogram
# below.

# %%
silent = frame_table["rms"] == 0
frame_table = frame_table[~silent].reset_index(drop=True)
frame_table["rms_db"] = 20 * np.log10(frame_table["rms"])
print(f"{silent.sum()} frames of digital silence dropped, {len(frame_table)} kept")
print(frame_table.groupby("speaker")[["rms_db", "zcr"]].median().round(3).to_string())

# %% [markdown]
# Plot both distributions with **common bins** and `stat="density"`, so that each
# speaker's histogram has area 1 whatever its number of frames. Both features span
# orders of magnitude: plot RMS in decibels, $20 \log_{10} \mathrm{RMS}$, and ZCR on a
# log axis, for which seaborn (`log_scale=True`) expects bin edges in $\log_{10}$ units.

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
# Where do the ZCR histograms peak? Below 0.1 crossings per sample sit the voiced
# frames. Find each speaker's most common ZCR there, with the figure's bins, and turn
# it into a frequency, $\mathrm{ZCR} \cdot sr / 2$.

# %%
modes, mid_share = {}, {}
for speaker, group in crossing.groupby("speaker"):
    density, _ = np.histogram(np.log10(group["zcr"]), bins=zcr_edges, density=True)
    centres = 10 ** ((zcr_edges[:-1] + zcr_edges[1:]) / 2)
    voiced_bins = centres < 0.1
    modes[speaker] = centres[voiced_bins][np.argmax(density[voiced_bins])]
    glue(f"zcr_mode_{speaker}", round(modes[speaker], 3))
    glue(f"zcr_mode_hz_{speaker}", round(modes[speaker] * sr / 2))
    mid = group["zcr"][group["zcr"] < 0.1].between(0.03, 0.06, inclusive="left")
    mid_share[speaker] = mid.mean()
    glue(f"mid_share_{speaker}", round(100 * mid.mean()))
    print(f"{speaker}: most common voiced ZCR {modes[speaker]:.3f}, about "
          f"{modes[speaker] * sr / 2:.0f} Hz; {mid.mean():.0%} of voiced frames "
          "in 0.03–0.06")
assert mid_share["slt"] > mid_share["clb"] + 0.1
quietest = frame_table[frame_table["rms_db"] < -80]
share_at_end = np.mean(quietest["to_end_s"] < 0.4)
assert share_at_end > 0.7
glue("n_quiet_frames", len(quietest))
glue("quiet_at_end_pct", round(100 * share_at_end))

# %% [markdown]
# Are those peaks the pitch of the voices? Measure the *fundamental frequency* $F_0$,
# the rate at which the vocal folds open and close, with librosa's pYIN
# {cite}`mauch2014pyin` on five clips per speaker; keep the median over voiced frames.
# The same frames give H1–H2 {cite}`hanson1997glottal`, the level of the first harmonic
# ($F_0$) over the second ($2F_0$) in decibels: a measure of *timbre*, not pitch. A hop
# of 512 samples is enough for medians and halves the cost.

# %%
pitch_rows = []
for _, clip in corpus.iloc[::24].iterrows():  # 5 clips per speaker, other sentences
    y_clip, _ = audio.load(clip["path"])
    f0, voiced, _ = librosa.pyin(y_clip, fmin=80, fmax=400, sr=sr,
                                 frame_length=FRAME_LENGTH, hop_length=512)
    S_clip = np.abs(librosa.stft(y_clip, n_fft=FRAME_LENGTH, hop_length=512))
    k1 = np.round(f0[voiced] * FRAME_LENGTH / sr).astype(int)  # FFT bin of F0
    frame_index = np.flatnonzero(voiced)
    h1_h2 = 20 * np.log10(S_clip[k1, frame_index] / S_clip[2 * k1, frame_index])
    pitch_rows.append(pd.DataFrame(
        {"speaker": clip["speaker"], "f0": f0[voiced], "h1_h2": h1_h2}
    ))
pitch = pd.concat(pitch_rows).groupby("speaker").median()
pitch["ZCR peak (Hz)"] = pd.Series(modes) * sr / 2
print(pitch.round(0).astype(int).rename(
    columns={"f0": "median F0 (Hz)", "h1_h2": "H1-H2 (dB)"}).to_string())
f0_clb, f0_slt = pitch.loc["clb", "f0"], pitch.loc["slt", "f0"]
assert abs(f0_clb - f0_slt) < 20  # the same pitch range...
assert abs(modes["clb"] * sr / 2 - f0_clb) < 0.25 * f0_clb  # clb's peak near F0
assert abs(modes["slt"] * sr / 2 - 2 * f0_slt) < 0.25 * f0_slt  # slt's near 2 F0
assert pitch.loc["slt", "h1_h2"] < pitch.loc["clb", "h1_h2"] - 1  # ...another timbre
for speaker in ("clb", "slt"):
    glue(f"f0_{speaker}", round(pitch.loc[speaker, "f0"]))
    glue(f"h1h2_{speaker}", round(pitch.loc[speaker, "h1_h2"]))

# %% [markdown]
# What the histograms and this table show:
#
# - **RMS**: the two curves nearly coincide. The corpus sets every take to a random
#   level between −32 and −18 dBFS, so loudness describes the recording, not the voice.
#   The long left tail is the reverb: of the {glue:text}`n_quiet_frames` frames below
#   −80 dBFS, {glue:text}`quiet_at_end_pct` % lie in the last 400 ms of their clip.
# - **ZCR**: both speakers have a long tail of hissing consonants above 0.1. Below it,
#   `clb`'s voiced frames pile up in one sharp peak near {glue:text}`zcr_mode_clb`,
#   about {glue:text}`zcr_mode_hz_clb` Hz, close to its median $F_0$ of
#   {glue:text}`f0_clb` Hz. `slt`'s highest peak sits near {glue:text}`zcr_mode_slt`,
#   about {glue:text}`zcr_mode_hz_slt` Hz ({glue:text}`mid_share_slt` % of its voiced
#   frames lie between `0.03` and `0.06`, against {glue:text}`mid_share_clb` % of
#   `clb`'s): near *twice* its $F_0$ of {glue:text}`f0_slt` Hz, at the second
#   harmonic. H1–H2 is {glue:text}`h1h2_slt` dB against {glue:text}`h1h2_clb` dB. Same
#   pitch, power spread differently over the harmonics: the ZCR difference is one of
#   *timbre*.
# - Both pairs of curves overlap heavily, so their means and standard deviations can
#   separate the speakers only in part.

# %% [markdown]
# ### Is the ZCR about the pace of speech?
#
# The report blamed a ZCR difference between the readers on the *pace* of their speech.
# But {eq}`eq-02-zcr` counts sign changes *within* a frame: it depends on the frame's
# frequencies, not on how fast syllables follow each other. Test it. Change the example
# clip's pace but not its spectrum (`librosa.effects.time_stretch`), then its spectrum
# but not its pace (a 2 kHz low-pass filter from chapter 01).
#
# `time_stretch(y, rate=r)` plays the speech at $r$ times its speed, so the clip lasts
# $1/r$ times as long.

# %%
rate_slow, rate_fast = 0.8, 1.25
slow, fast = f"slower, rate={rate_slow}", f"faster, rate={rate_fast}"
versions = {
    "original": y,
    slow: librosa.effects.time_stretch(y, rate=rate_slow, n_fft=512),
    fast: librosa.effects.time_stretch(y, rate=rate_fast, n_fft=512),
    "low-passed at 2 kHz": audio.butter_filter(y, sr, 2000, kind="lowpass"),
}
framing = {"frame_length": FRAME_LENGTH, "hop_length": HOP_LENGTH}
pace = pd.DataFrame({
    name: {
        "duration (s)": len(y_version) / sr,
        "mean ZCR": librosa.feature.zero_crossing_rate(y_version, **framing).mean(),
        "mean centroid (Hz)": librosa.feature.spectral_centroid(
            y=y_version, sr=sr, n_fft=FRAME_LENGTH, hop_length=HOP_LENGTH).mean(),
    }
    for name, y_version in versions.items()
}).T
print(pace.round({"duration (s)": 2, "mean ZCR": 3, "mean centroid (Hz)": 0})
      .astype({"mean centroid (Hz)": int}).to_string())
longer = pace.loc[slow, "duration (s)"] / pace.loc["original", "duration (s)"]
zcr_ratio = pace["mean ZCR"] / pace.loc["original", "mean ZCR"]
assert abs(zcr_ratio[slow] - 1) < 0.05 and abs(zcr_ratio[fast] - 1) < 0.05
assert zcr_ratio["low-passed at 2 kHz"] < 0.5
glue("slower_pct", round(100 * (1 - rate_slow)))
glue("longer_pct", round(100 * (longer - 1)))
glue("faster_pct", round(100 * (rate_fast - 1)))
glue("shorter_pct", round(100 * (1 - 1 / rate_fast)))
glue("zcr_change_max_pct", round(100 * abs(zcr_ratio[[slow, fast]] - 1).max(), 1))
glue("zcr_lowpass_ratio", round(zcr_ratio["low-passed at 2 kHz"], 2))

# %% [markdown]
# `rate=0.8` makes the speech {glue:text}`slower_pct` % slower and the clip
# {glue:text}`longer_pct` % longer; `rate=1.25` makes it {glue:text}`faster_pct` %
# faster and {glue:text}`shorter_pct` % shorter (speed and duration are reciprocal).
# Either way, the mean ZCR moves by at most {glue:text}`zcr_change_max_pct` %. The
# filter leaves the duration alone and multiplies the mean ZCR by
# {glue:text}`zcr_lowpass_ratio`.
#
# ```{note}
# `time_stretch` is a phase vocoder. Its default `n_fft=2048` (128 ms at 16 kHz) smears
# short hissing consonants, and that alone lowers the ZCR; a 512-sample window keeps
# them intact. Check a manipulation meant to change one property on the others.
# ```
#
# The corpus agrees: pace and recording colour both vary from take to take. Measure a
# clip's pace as its duration over its sentence's mean duration, and correlate it and
# the mean centroid with the mean ZCR:

# %%
per_clip = frame_table.groupby("clip")[["zcr", "centroid"]].mean()
per_clip["relative duration"] = (
    corpus["duration_s"] / corpus.groupby("sentence_id")["duration_s"].transform("mean")
).to_numpy()
rho = per_clip.corr(method="spearman")["zcr"].drop("zcr")
print("Spearman correlation with a clip's mean ZCR:")
print(rho.round(2).to_string())
assert rho["centroid"] > 0.8 and abs(rho["relative duration"]) < 0.3
glue("rho_centroid", round(rho["centroid"], 2))
glue("rho_pace", round(rho["relative duration"], 2))

# %% [markdown]
# A clip's mean ZCR follows its mean centroid (Spearman $\rho$ =
# {glue:text}`rho_centroid`) and hardly its pace ($\rho$ = {glue:text}`rho_pace`).
#
# ```{note}
# A ZCR difference between two speakers says that one voice, or one recording chain,
# puts relatively more energy at high frequencies: breathier voice, stronger
# fricatives, a brighter microphone, less hum. It says nothing about tempo. Mean RMS,
# likewise, mostly measures microphone distance and gain.
# ```

# %% [markdown]
# ## Spectral shape: centroid, bandwidth, rolloff, contrast
#
# The next features read the magnitude spectrogram $S_{k,t}$ of bin $k$ in frame $t$
# (chapter 01), with bin frequencies $f_k = k \, sr / L$.
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
# The **spectral rolloff** is the lowest bin frequency below which a share $p$ of the
# frame's magnitude lies; librosa's default is `roll_percent=0.85`:
#
# $$
# r_t = \min \Big\{ f_k : \sum_{j \le k} S_{j,t} \ge p \sum_j S_{j,t} \Big\} .
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
print("centroid, bandwidth and rolloff by hand equal librosa")

# %% [markdown]
# **Spectral contrast** splits the spectrum into octave sub-bands (0–200 Hz, 200–400 Hz,
# … up to the Nyquist frequency). In each band it averages the strongest bins (the
# *peak*) and the weakest (the *valley*), a share `quantile=0.02` each, and reports
# their difference in decibels {cite}`jiang2002music`. High contrast means clear
# harmonic peaks over quiet gaps, as in a vowel; low contrast means a flat, noise-like
# band.
#
# Check it by hand on the 0.8–1.6 kHz band, with two details from librosa's code: each
# band also takes the bin just below its lower edge and drops its top bin, and its
# "decibels" are $10 \log_{10}$ of a *magnitude* ratio, half the usual $20 \log_{10}$.
# Leave out frames with a silent valley: librosa clips them 80 dB below the loudest
# value.

# %%
contrast = librosa.feature.spectral_contrast(S=S, sr=sr)
in_band = np.flatnonzero((freqs >= 800) & (freqs <= 1600))
band = np.sort(S[in_band[0] - 1 : in_band[-1]], axis=0)
n_extreme = max(int(np.rint(0.02 * (len(in_band) + 1))), 1)
peak, valley = band[-n_extreme:].mean(axis=0), band[:n_extreme].mean(axis=0)
sounding = valley > 1e-6
contrast_hand = 10 * np.log10(peak[sounding] / valley[sounding])
np.testing.assert_allclose(contrast_hand, contrast[3, sounding], rtol=1e-4)
glue("band_bins", len(in_band) + 1)
glue("n_extreme", n_extreme)
print(f"0.8–1.6 kHz band: {len(in_band) + 1} bins, {n_extreme} bin(s) for peak and "
      "valley")
print(f"by hand equals librosa on {sounding.sum()} of {len(sounding)} frames")
band_names = ["0–0.2", "0.2–0.4", "0.4–0.8", "0.8–1.6", "1.6–3.2", "3.2–6.4", "6.4–8"]
print(pd.Series(contrast.mean(axis=1), index=band_names, name="mean contrast (dB)")
      .round(1).to_string())

# %% [markdown]
# With {glue:text}`band_bins` bins in this band, the share rounds to
# {glue:text}`n_extreme` bin: peak and valley are the band's largest and smallest
# magnitude.

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
# The centroid and the rolloff jump up on hissing consonants, as the ZCR did. In the
# middle bands, contrast is highest during vowels, where harmonics stand out. The outer
# bands each hold one of the corpus's filter edges (a high-pass between 60 and 200 Hz,
# a low-pass between 3.8 and 7.8 kHz), so they show a large contrast whenever there is
# sound.

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
# so 220 Hz, 440 Hz and 880 Hz all land on A (class 9). Each class sums the energy of
# its bins, and each frame is normalised. librosa offers three variants:
#
# - `chroma_stft` folds the STFT bins with soft (Gaussian) weights;
# - `chroma_cqt` folds a *constant-Q transform*, with bins a fraction of a semitone
#   apart, better for low notes {cite}`muller2015fundamentals`;
# - `chroma_cens` (*chroma energy normalised statistics*) smooths the quantised CQT
#   chroma over 41 frames ({glue:text}`cens_window_s` s here): the slow harmonic
#   outline, without the details.
#
# Check {eq}`eq-02-pitch-class` on pure tones first.

# %%
glue("cens_window_s", round(41 * HOP_LENGTH / sr, 2))
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
# Speech has no notes: its pitch, $F_0$, glides. So on speech, chroma mostly records
# where the intonation contour sits on a piano keyboard. Estimate $F_0$ of the example
# clip with pYIN (now with the chapter's hop), and overlay its pitch class
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
print("voiced frames whose strongest chroma class is ...")
print(f"{'':12s} {'the F0 class':>13s} {'within a semitone':>18s}")
for name, chroma in [("stft", chroma_stft), ("cqt", chroma_cqt), ("cens", chroma_cens)]:
    distance = (chroma.argmax(axis=0)[voiced] - f0_class) % 12
    exact = np.mean(distance == 0)
    near = np.mean(np.isin(distance, (0, 1, 11)))
    assert near > 0.8
    print(f"chroma_{name:5s} {exact:13.0%} {near:18.0%}")

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
# assumes notes on a 12-tone scale and throws the octave away. On speech, its per-clip
# mean mostly encodes the speaker's average pitch modulo an octave. A voice and the
# same voice an octave lower look identical. Use it knowingly, not because a music
# tutorial lists it.
# ```

# %% [markdown]
# ## MFCC: the shape of the spectral envelope
#
# Mel-frequency cepstral coefficients {cite}`davis1980comparison` describe the broad
# shape of the spectrum in a few numbers. Three steps turn a power spectrogram $|S|^2$
# into MFCCs:
#
# 1. **Mel filterbank**: sum the power in $M = 128$ overlapping triangular bands, narrow
#    at low and wide at high frequencies, roughly like the ear (chapter 05 builds
#    them).
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
print("mel bands:", mel.shape, "-> MFCC:", mfcc.shape, "(coefficients, frames)")
print("DCT of the log-mel spectrogram equals librosa.feature.mfcc")

# %% [markdown]
# Why the DCT? Its low coefficients describe slow variations across the bands: $c_0$
# follows the mean log energy, $c_1$ the tilt from low to high bands. Keeping 20 of 128
# keeps the *envelope*, the vocal-tract resonances that make a voice recognisable, and
# drops the fine harmonic ripple. The inverse DCT of the kept coefficients shows what
# survives.

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
# *Delta* features add the local slope of each MFCC over time, fitted on $N = 4$ frames
# each side (a 9-frame window):
#
# $$
# \Delta c_t = \frac{\sum_{n=1}^{N} n \, (c_{t+n} - c_{t-n})}{2 \sum_{n=1}^{N} n^2} .
# $$ (eq-02-delta)
#
# librosa uses a Savitzky–Golay filter: the same formula away from the edges, an
# extrapolation near them. Compare the interior frames.

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
# ## All frame features in one function
#
# The function below computes any subset of the checked features for one signal. It is
# the code of `voicelab.features`, word for word (a test compares the two). The
# spectral features, `chroma_stft` and the MFCCs share **one** magnitude STFT; both CQT
# chromas share **one** CQT. The delta window shrinks on very short clips, because
# librosa refuses a window wider than the clip.


# %%
def frame_features(
    y: np.ndarray,
    sr: int,
    *,
    names: Sequence[str] = ALL_FEATURES,
    frame_length: int = FRAME_LENGTH,
    hop_length: int = HOP_LENGTH,
    n_mfcc: int = N_MFCC,
) -> dict[str, np.ndarray]:
    """Frame-level features of a mono signal: name -> ``(n_coefficients, n_frames)``.
    Taught in chapter 02 (Hand-made features).

    Each feature equals librosa's function of that name with ``n_fft=frame_length``
    and ``hop_length``; one STFT and one CQT are shared. ``names`` come from
    ``ALL_FEATURES``, and the result keeps that order. MFCC deltas narrow librosa's
    9-frame window on clips shorter than 9 frames.
    """
    unknown = set(names) - set(ALL_FEATURES)
    assert not unknown, f"unknown {sorted(unknown)}: choose from {ALL_FEATURES}"
    assert np.ndim(y) == 1, "y must be mono: use voicelab.audio.to_mono first"
    want = [name for name in ALL_FEATURES if name in names]
    frames = {"frame_length": frame_length, "hop_length": hop_length}
    if set(want) - {"rms", "zcr"}:
        S = np.abs(librosa.stft(y, n_fft=frame_length, hop_length=hop_length))
    if set(want) & {"mfcc", "mfcc_delta", "mfcc_delta2"}:
        mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=S**2, sr=sr))
        mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=n_mfcc)
        width = min(9, mfcc.shape[1] - 1 + mfcc.shape[1] % 2)  # widest odd window
    if set(want) & {"chroma_cqt", "chroma_cens"}:
        with warnings.catch_warnings():  # short clips: the low octaves are padding
            warnings.filterwarnings("ignore", "n_fft=.* is too large")
            C = np.abs(librosa.cqt(y, sr=sr, hop_length=hop_length, n_bins=7 * 36,
                                   bins_per_octave=36, tuning=None))
    compute = {
        "rms": lambda: librosa.feature.rms(y=y, **frames),
        "zcr": lambda: librosa.feature.zero_crossing_rate(y, **frames),
        "centroid": lambda: librosa.feature.spectral_centroid(S=S, sr=sr),
        "bandwidth": lambda: librosa.feature.spectral_bandwidth(S=S, sr=sr),
        "contrast": lambda: librosa.feature.spectral_contrast(S=S, sr=sr),
        "rolloff": lambda: librosa.feature.spectral_rolloff(S=S, sr=sr),
        "chroma_stft": lambda: librosa.feature.chroma_stft(S=S**2, sr=sr),
        "chroma_cqt": lambda: librosa.feature.chroma_cqt(C=C, sr=sr),
        "chroma_cens": lambda: librosa.feature.chroma_cens(C=C, sr=sr),
        "mfcc": lambda: mfcc,
        "mfcc_delta": lambda: librosa.feature.delta(mfcc, width=width),
        "mfcc_delta2": lambda: librosa.feature.delta(mfcc, width=width, order=2),
    }
    return {name: compute[name]() for name in want}


# %%
ff = frame_features(y, sr)
checks = {"rms": rms_librosa, "zcr": zcr_librosa, "centroid": centroid,
          "bandwidth": bandwidth, "rolloff": rolloff, "contrast": contrast,
          "chroma_stft": chroma_stft, "chroma_cqt": chroma_cqt,
          "chroma_cens": chroma_cens, "mfcc": mfcc, "mfcc_delta": delta}
for name, expected in checks.items():
    np.testing.assert_allclose(ff[name].squeeze(), expected, rtol=1e-4, atol=1e-4)
package = features.frame_features(y, sr)
assert all(np.array_equal(package[name], ff[name]) for name in ALL_FEATURES)
print(f"{len(ff)} features, {sum(len(v) for v in ff.values())} rows of "
      f"{ff['rms'].shape[1]} frames; each equals the librosa result above")

# %% [markdown]
# ## From frames to one vector per clip
#
# Every feature so far gives a matrix of shape (coefficients, frames) that widens with
# the clip. The report's fix: keep, for every coefficient, the **mean** and the
# **standard deviation** over frames. For row $i$ of feature $x$ over $T$ frames,
#
# $$
# \mu_i = \frac{1}{T} \sum_{t=1}^{T} x_{i,t}, \qquad
# \sigma_i = \sqrt{\frac{1}{T} \sum_{t=1}^{T} (x_{i,t} - \mu_i)^2} .
# $$ (eq-02-pool)
#
# This is mean-and-standard-deviation *pooling*. The function below names each number
# after its feature and row, and is again the package's code.


# %%
def pool_frames(frames: dict[str, np.ndarray]) -> pd.Series:
    """Each frame feature's mean and standard deviation over frames, as one vector.
    Taught in chapter 02 (Hand-made features).

    ``frames`` maps names to ``(n_coefficients, n_frames)`` arrays. Row ``i`` (from 1)
    of a feature gives ``<name>_<ii>_mean`` and ``<name>_<ii>_std``; a one-row feature
    gives ``<name>_mean`` and ``<name>_std``.
    """
    summary = {}
    for name, values in frames.items():
        for i, row in enumerate(values, start=1):
            stem = name if len(values) == 1 else f"{name}_{i:02d}"
            summary[f"{stem}_mean"] = row.mean()
            summary[f"{stem}_std"] = row.std()
    return pd.Series(summary, dtype=float)


# %%
summary = pool_frames(frame_features(y, sr))
assert summary["rms_mean"] == rms_librosa.mean()
assert summary["rms_std"] == rms_librosa.std()
print(f"{len(summary)} numbers per clip; the report's four:")
print(summary[["rms_mean", "rms_std", "zcr_mean", "zcr_std"]].round(4).to_string())

# %% [markdown]
# A mean and a standard deviation do not grow with the number of frames: a clip twice as
# long gives a vector of the same length, with about the same values. Repeat the
# example clip and compare:

# %%
y_twice = np.concatenate([y, y])
summary_twice = pool_frames(frame_features(y_twice, sr, names=("rms", "zcr")))
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
with_duration = rms_per_clip.corr().loc[["sum", "mean"], "duration_s"]
print("correlation with duration over all clips:")
print(with_duration.round(2).to_string())
assert with_duration["sum"] > abs(with_duration["mean"]) + 0.2

# %% [markdown]
# ```{note}
# Mean and standard deviation also throw away the order of the frames: "loud then
# quiet" and "quiet then loud" give the same summary. Deltas bring back a little of the
# local dynamics; chapters on sequence models bring back the rest.
# ```

# %% [markdown]
# ## Features for the whole corpus
#
# `voicelab.features.extract` runs both functions on every clip and caches each vector
# on disk, under a key that changes with the features, their parameters or librosa's
# version. It spreads the clips over one worker process per core, each with one BLAS
# thread, so a clip's numbers do not depend on which process, or which chapter,
# computed them. `benchmarks/feature_extraction.py` times it against the report's loop.
# The progress bar varies, so the tests skip this cell's output.

# %% tags=["nbval-ignore-output"]
X_all = features.extract(corpus, "all")

# %%
set_names = ["report4", "spectral", "chroma", "mfcc", "all"]
columns = {name: features.columns(name) for name in set_names}
assert list(X_all.columns) == columns["all"] == list(summary.index)
print("X_all:", X_all.shape, "(clips, features)")
for name in set_names:
    source = features.FEATURE_SETS[name] if name != "all" else "every frame feature"
    print(f"{name:9s} {len(columns[name]):4d} numbers from {source}")

# %% [markdown]
# ## How separable are the speakers?
#
# Measure how well each feature set tells `clb` from `slt` with the simplest reasonable
# model: standardised features and a logistic regression {cite}`pedregosa2011scikit`.
# Use 5-fold cross-validation in which **all clips of a sentence stay in one fold**,
# repeated with 5 shuffles: 25 test-fold accuracies per set, summarised by their mean
# and standard deviation. On another CPU a clip near the boundary may flip, so the tests
# check the claims below, not the digits.

# %% tags=["nbval-ignore-output"]
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
print(results.to_string())
richer = results.drop("report4")
assert 0.55 < results.loc["report4", "mean"] < 0.85  # above chance, far from perfect
assert richer["mean"].min() > 0.9 and results.loc["mfcc", "mean"] >= 0.95
glue("acc_report4", results.loc["report4", "mean"])
glue("acc_report4_sd", results.loc["report4", "std"])
glue("miss_one_in", round(1 / (1 - results.loc["report4", "mean"])))
glue("acc_mfcc", results.loc["mfcc", "mean"])
glue("acc_mfcc_sd", results.loc["mfcc", "std"])
glue("acc_richer_min", richer["mean"].min())
glue("acc_chroma", results.loc["chroma", "mean"])

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
# The report's four numbers reach {glue:text}`acc_report4:.3f` ±
# {glue:text}`acc_report4_sd:.3f`: better than chance, but wrong on about one clip in
# {glue:text}`miss_one_in`. Every richer set scores at least
# {glue:text}`acc_richer_min:.3f`, and the MFCC summaries reach
# {glue:text}`acc_mfcc:.3f` ± {glue:text}`acc_mfcc_sd:.3f`: the corpus is easy once you
# look at the spectrum's shape rather than its loudness or brightness. Even chroma
# reaches {glue:text}`acc_chroma:.3f`, because its means record where each voice's
# pitch and strongest harmonics fall. This close to 1, the corpus cannot rank the sets;
# harder conditions later will.
#
# ```{warning}
# Group the folds by **sentence**. Every sentence exists four times: two speakers, two
# takes. With plain shuffled folds, its near twins sit in the training folds, and the
# model can match a test clip to its twin instead of learning the voice. Chapter 03
# measures this leak.
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
assert all(name.startswith("mfcc_") and name.endswith("_mean")
           for name in fisher.index[:2])
assert fisher.iloc[1] > 10 * fisher[columns["report4"]].max()

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
# The best two are means of high MFCCs (rows are numbered from 1, so `mfcc_17` is
# coefficient $c_{16}$): fine ripples of the spectral envelope, not loudness or
# brightness. But you chose them by looking at *all* clips, test clips included, so the
# picture flatters them. Chapter 03 shows how to select features without peeking.

# %% [markdown]
# ## Summary
#
# - Features are computed per **frame** ($L = 1024$, $H = 256$ at 16 kHz); librosa
#   centres frames, so a clip of $n$ samples has $1 + \lfloor n / H \rfloor$ of them.
# - RMS measures loudness per frame; ZCR tracks where in frequency a frame's power
#   sits, mixing pitch and timbre, not the pace of speech.
# - Centroid, bandwidth, rolloff and contrast describe each frame's spectral shape;
#   MFCCs compress its envelope into 20 numbers via mel bands, log and DCT. Chroma
#   folds the spectrum onto 12 pitch classes: a music feature that, on speech, tracks
#   intonation.
# - Mean and standard deviation over frames give one duration-independent vector per
#   clip; `extract` computes it for a corpus in parallel, with a cache.
# - Look at your data before you trust a feature: the "silent" padding carries reverb
#   tails, and loudness reflects the recording, not the voice.
# - With sentence-grouped cross-validation, MFCC summaries separate the two speakers
#   far better than the report's four numbers.

# %% [markdown]
# ## Exercises
#
# Each solution is collapsed; the hidden cell after it runs its code.
#
# **1. White noise.** What ZCR do you expect for Gaussian white noise, and why? Check it
# on one second of noise with a fixed seed.
#
# ````{admonition} Solution
# :class: dropdown
# Each sample is independently positive or negative with probability one half, so
# neighbours differ in sign half of the time: $(L - 1) / 2$ crossings per frame, a ZCR
# of $(L - 1) / (2L)$ = {glue:text}`noise_zcr_expected:.4f`. That is a "dominant
# frequency" of a quarter of the sample rate, 4 kHz, mid-band. The measured mean is
# {glue:text}`noise_zcr:.3f`. Leave out the first and last two frames: they reach into
# librosa's edge padding, which never crosses zero.
# ````

# %% tags=["hide-cell"]
noise = np.random.default_rng(0).standard_normal(16_000)
zcr = librosa.feature.zero_crossing_rate(noise, frame_length=1024, hop_length=256)[0]
expected = (1024 - 1) / (2 * 1024)
assert abs(zcr[2:-2].mean() - expected) < 0.01
glue("noise_zcr", round(zcr[2:-2].mean(), 3))
glue("noise_zcr_expected", round(expected, 4))
print(f"measured {zcr[2:-2].mean():.3f}, expected {expected:.4f}")

# %% [markdown]
# **2. What is $c_0$?** Show from {eq}`eq-02-mfcc` that the first MFCC is $\sqrt{M}$
# times the frame's mean log-mel energy, and check it on the example clip.
#
# ````{admonition} Solution
# :class: dropdown
# For $c = 0$ the cosine is 1 and the scale is $\sqrt{1/M}$, so
# $\mathrm{MFCC}_{0,t} = \frac{1}{\sqrt{M}} \sum_m E_{m,t} = \sqrt{M}\,\overline{E}_t$,
# where $\overline{E}_t$ is the mean of the $M$ log-mel energies. It measures loudness,
# which is why some systems drop it. The hidden cell checks every frame.
# ````

# %% tags=["hide-cell"]
M = log_mel.shape[0]
np.testing.assert_allclose(mfcc[0], np.sqrt(M) * log_mel.mean(axis=0), rtol=1e-4)
print("c0 = sqrt(M) x mean log-mel energy in all", mfcc.shape[1], "frames")

# %% [markdown]
# **3. Frame length.** Re-extract the report's four numbers with the report's 1024/512
# framing and with 2048/512. Does the sentence-grouped accuracy change?
#
# ````{admonition} Solution
# :class: dropdown
# `frame_features` takes the framing as keyword arguments. The RMS and ZCR means hardly
# depend on it; their standard deviations shrink a little with longer frames, which
# average more. The accuracies stay within about one standard deviation:
# {glue:text}`acc_1024_512:.3f` with 1024/512 and {glue:text}`acc_2048_512:.3f` with
# 2048/512, against {glue:text}`acc_report4:.3f` with the course's 1024/256.
# ````

# %% tags=["hide-cell", "nbval-ignore-output"]
for frame_length, hop_length in [(1024, 512), (2048, 512)]:
    X = pd.DataFrame([
        pool_frames(frame_features(y_clip, sr, names=("rms", "zcr"),
                                   frame_length=frame_length, hop_length=hop_length))
        for y_clip in clips
    ])
    scores = np.concatenate([
        cross_val_score(model, X, labels, groups=groups,
                        cv=GroupKFold(n_splits=5, shuffle=True, random_state=r))
        for r in range(5)
    ])
    sd = results.loc["report4", "std"]
    assert abs(scores.mean() - results.loc["report4", "mean"]) < 2 * sd
    glue(f"acc_{frame_length}_{hop_length}", round(scores.mean(), 3))
    print(frame_length, hop_length, scores.mean().round(3), scores.std().round(3))

# %% [markdown]
# ## Further reading
#
# - The librosa paper {cite}`mcfee2015librosa` and its documentation describe every
#   feature used here and its defaults.
# - {cite}`davis1980comparison` introduced MFCCs for speech recognition.
# - {cite}`muller2015fundamentals` (chapters 2–3) derives the STFT, the constant-Q
#   transform, chroma and CENS, with music examples.
# - {cite}`jiang2002music` proposed spectral contrast; {cite}`bartsch2005audio` used
#   chroma for audio thumbnailing.
# - {cite}`mauch2014pyin` describes pYIN, and {cite}`hanson1997glottal` relates H1–H2
#   to how the vocal folds of female speakers vibrate.
# - {cite}`pedregosa2011scikit` describes scikit-learn, whose pipelines and group-aware
#   cross-validation you used.
