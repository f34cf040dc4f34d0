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
# # 05 · The mel spectrogram from first principles
#
# **What you will learn:** how a clip becomes a log-mel spectrogram (frames, window,
# DFT, mel filterbank, decibels), built by hand and checked against librosa each step.
#
# **Where this sits:** after {doc}`04_micrograd`. The array you build here is the input
# of every network from {doc}`06_cnn` on.
#
# The report this course retells showed a "linear-frequency" and a "mel" spectrogram of
# each reader side by side, then trained a network on mel spectrograms. It computed
# them with one librosa call each. That call hides a dozen choices: the frame length,
# the window, the padding, the mel formula, the filter normalisation, the reference of
# the decibels. Each choice changes the numbers. In this chapter you make every one of
# them yourself, then check that librosa {cite}`mcfee2015librosa` agrees to float
# precision.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
import librosa
import matplotlib.pyplot as plt
import numpy as np
import scipy.signal

from voicelab import audio, data, melspec, viz
from voicelab.melspec import LOGMEL

corpus = data.load_corpus()
clips = {}
for speaker in data.SPEAKERS:
    row = corpus.query(f"speaker == '{speaker}' and sentence_id == 's001' "
                       "and take == 1")
    clips[speaker] = audio.load(row["path"].iloc[0])[0]
y, sr = clips["clb"], LOGMEL.sr
print(row["text"].iloc[0])
print(f"clb: {y.size} samples at {sr} Hz = {y.size / sr:.2f} s")

# %% [markdown]
# The course fixes the parameters of its front end once, in `voicelab.melspec.LOGMEL`.
# You will meet each of them below; here they are together.

# %%
N, H, M = LOGMEL.n_fft, LOGMEL.hop_length, LOGMEL.n_mels
fmin, fmax = LOGMEL.fmin, LOGMEL.fmax
for name, value in vars(LOGMEL).items():
    print(f"{name:>12} = {value}")

# %% [markdown]
# The pipeline has five steps. Each section below takes one:
#
# 1. cut the clip into overlapping **frames** and taper each with a **window**;
# 2. take the **DFT** of every frame: the short-time Fourier transform (STFT);
# 3. square the magnitudes to get **power**;
# 4. sum the power in triangular bands equally spaced on the **mel scale**;
# 5. take the **logarithm**: decibels.
#
# Some pipelines also boost high frequencies first ("pre-emphasis"). librosa does not,
# and neither does this course.
#
# ## Frames and windows
#
# A spectrum describes a whole signal. Speech changes every few tens of milliseconds,
# so you take spectra of short pieces instead. Chapter 02 called them **frames**: $N$
# samples long (chapter 02 wrote $L$), one every $H$ samples (the **hop**). Here
# $N = 1024$ (64 ms) and $H = 256$ (16 ms).
#
# librosa **centres** frame $k$ on sample $kH$. To do so it pads $N/2$ zeros on each
# side of the clip. Call the padded signal $\tilde{x}$. Frame $k$ is then
#
# $$
# x_k[m] = \tilde{x}[kH + m], \qquad m = 0, \dots, N - 1 .
# $$ (eq-05-frame)
#
# Cutting a frame out of a signal is like multiplying the signal by a rectangle. The
# sharp edges of the rectangle add frequencies the sound does not contain (you will see
# them in a moment). A **window** $w$ fades each frame in and out instead. librosa's
# default is the **Hann window**:
#
# $$
# w[m] = \frac{1}{2} - \frac{1}{2} \cos\!\left(\frac{2 \pi m}{N}\right),
# \qquad m = 0, \dots, N - 1 .
# $$ (eq-05-hann)
#
# This is the *periodic* form: $w[0] = 0$ but $w[N-1] > 0$, as if the window went on
# repeating with period $N$. Build it by hand and compare with SciPy's, which librosa
# uses.

# %%
m = np.arange(N)
window = 0.5 - 0.5 * np.cos(2 * np.pi * m / N)
np.testing.assert_allclose(window, scipy.signal.get_window("hann", N), atol=1e-15)
np.testing.assert_allclose(window, librosa.filters.get_window("hann", N), atol=1e-15)

y_pad = np.pad(y, N // 2, mode="constant")
frames = np.lib.stride_tricks.sliding_window_view(y_pad, N)[::H]
print(f"padded signal: {y_pad.size} samples; frames: {frames.shape} (frames, samples)")

# %% [markdown]
# Look at four consecutive frames on the loudest stretch of the sentence. Each window is
# drawn scaled to the waveform's peak. Below, the frames after windowing: each one fades
# in and out, and every sample belongs to four frames.

# %%
k0 = int(np.argmax(np.sum(frames**2, axis=1)))
ks = k0 + np.arange(4)
lo, hi = ks[0] * H - N // 2, ks[-1] * H + N // 2
peak = np.abs(y[lo:hi]).max()

fig, axes = plt.subplots(2, 1, figsize=(9, 5), sharex=True, sharey=True)
axes[0].plot(np.arange(lo, hi) / sr, y[lo:hi], color="0.5", linewidth=0.8,
             label="waveform")
for i, k in enumerate(ks):
    t = (k * H - N // 2 + m) / sr
    axes[0].plot(t, peak * window, color=f"C{i}", label=f"window of frame {k}")
    axes[1].plot(t, frames[k] * window, color=f"C{i}", linewidth=0.8,
                 label=f"frame {k} × window")
axes[0].set(title=f"Four Hann windows of {N} samples ({1e3 * N / sr:.0f} ms), "
            f"one every {H} samples ({1e3 * H / sr:.0f} ms)", ylabel="Amplitude")
axes[1].set(title="The windowed frames: each fades in and out", xlabel="Time (s)",
            ylabel="Amplitude")
for ax in axes:
    ax.legend(loc="upper right", fontsize=7, ncols=5)
axes[0].set_ylim(-1.3 * peak, 1.6 * peak)
fig.tight_layout()
plt.show()

# %% [markdown]
# Does the overlap weight some samples more than others? Add up copies of the window
# shifted by $H = N/4$. Away from the edges the sum is exactly 2 for every sample: the
# frames together treat the whole signal evenly.

# %%
total = np.zeros(N + 7 * H)
for k in range(8):
    total[k * H : k * H + N] += window
interior = total[N - H : 7 * H + H]
np.testing.assert_allclose(interior, 2.0, atol=1e-12)
print(f"sum of shifted windows in the interior: min {interior.min():.6f}, "
      f"max {interior.max():.6f}")

# %% [markdown]
# ### Why a window?
#
# Take a pure tone whose frequency falls halfway between two DFT bins, at 64.5 bin
# spacings ($64.5 \cdot 16\,000 / 1024 \approx 1008$ Hz). Cut one frame of it with a
# rectangle, and one with the Hann window, and compare the magnitudes the DFT gives in
# each bin.

# %%
f_tone = 64.5 * sr / N
tone = np.sin(2 * np.pi * f_tone * m / sr)
bin_freqs = np.fft.rfftfreq(N, d=1 / sr)
leak = {}
for name, taper in [("rectangle", np.ones(N)), ("Hann", window)]:
    spectrum = np.abs(np.fft.rfft(tone * taper))
    leak[name] = 20 * np.log10(spectrum / spectrum.max() + 1e-12)

fig, ax = plt.subplots(figsize=(8, 3.2))
for name, level in leak.items():
    ax.plot(bin_freqs, level, ".-", markersize=3, linewidth=0.8, label=name)
ax.axvline(f_tone, color="0.5", linewidth=0.6)
ax.set(xlim=(0, 2_000), ylim=(-100, 5), xlabel="Frequency (Hz)",
       ylabel="Level (dB re peak)",
       title=f"One frame of a {f_tone:.1f} Hz tone: the rectangle leaks, Hann far less")
ax.legend(loc="upper right")
plt.show()
far = np.abs(bin_freqs - f_tone) >= 500
for name, level in leak.items():
    print(f"{name:>9}: strongest leak 500 Hz or more from the tone: "
          f"{level[far].max():6.1f} dB")

# %% [markdown]
# A rectangle smears the tone over the whole spectrum: 500 Hz away its leak is still
# less than 40 dB below the peak. Hann's is about 100 dB below. The price is a wider
# main peak. For speech, where soft high harmonics sit next to loud low ones, low
# leakage matters more {cite}`harris1978use`.
#
# ## The short-time Fourier transform
#
# Now take the DFT of chapter 01 of every windowed frame. For frame $k$ and frequency
# bin $f$,
#
# $$
# X[f, k] = \sum_{m=0}^{N-1} w[m]\, x_k[m]\, e^{-2\pi i f m / N},
# \qquad f = 0, \dots, \frac{N}{2} .
# $$ (eq-05-stft)
#
# Bin $f$ stands for the frequency $f \cdot f_s / N$, here multiples of 15.625 Hz. A
# real signal's spectrum is symmetric, so the $N/2 + 1 = 513$ bins from 0 Hz to the
# Nyquist frequency hold everything. Stack the columns side by side and you have the
# **short-time Fourier transform** (STFT) {cite}`allen1977short`: a complex matrix of
# shape (bins, frames). `np.fft.rfft` computes all columns at once.

# %%
X_hand = np.fft.rfft(frames * window, axis=1).T
X = librosa.stft(y, n_fft=N, hop_length=H)
np.testing.assert_allclose(X_hand, X, rtol=0, atol=1e-6 * np.abs(X).max())
error = np.abs(X_hand - X).max() / np.abs(X).max()
print(f"STFT by hand {X_hand.shape}, librosa {X.shape} {X.dtype}")
print(f"largest difference: {error:.0e} of the largest |X| (float32 precision)")

assert X.shape[1] == 1 + y.size // H
X_uncentred = librosa.stft(y, n_fft=N, hop_length=H, center=False)
assert X_uncentred.shape[1] == 1 + (y.size - N) // H
print(f"frames: {X.shape[1]} centred, {X_uncentred.shape[1]} with center=False")

# %% [markdown]
# ```{warning}
# Centring changes the frame count. With `center=True` (librosa's default) a clip of
# $n$ samples gives $1 + \lfloor n / H \rfloor$ frames, as in {eq}`eq-02-n-frames`;
# with `center=False` it gives $1 + \lfloor (n - N) / H \rfloor$, here 4 fewer, and
# frame $k$ *starts* at $kH$ instead of being centred there. The padding itself is a
# choice too. Since version 0.9 librosa pads with zeros (`pad_mode="constant"`); older
# versions, and torchaudio today, reflect the signal at its ends (`"reflect"`). The two
# give different first and last frames. A model trained on one front end and fed the
# other sees slightly different inputs.
# ```
#
# The STFT is complex. Its **magnitude** $|X|$ says how strong each frequency is in each
# frame; its angle, the **phase**, says where each sinusoid is in its cycle.
# Spectrograms keep the magnitude, or its square, the **power** $|X|^2$, and drop the
# phase.
#
# ```{note}
# Power and magnitude give the same decibels if you use the matching formula:
# $10 \log_{10} |X|^2 = 20 \log_{10} |X|$. `librosa.power_to_db` expects power and
# `librosa.amplitude_to_db` expects magnitude. The report used each with the right
# input. Feeding magnitudes to `power_to_db` halves every level in dB, silently.
# `librosa.feature.melspectrogram` returns power by default (`power=2.0`).
# ```

# %%
P = np.abs(X) ** 2
np.testing.assert_allclose(librosa.amplitude_to_db(np.abs(X)), librosa.power_to_db(P),
                           atol=1e-4)
print("power_to_db(|X|**2) == amplitude_to_db(|X|)")

# %% [markdown]
# ## The mel scale
#
# Listen to two pairs of tones, each 100 Hz apart: 200 then 300 Hz, and 5000 then
# 5100 Hz. Musicians measure pitch intervals in **cents**, hundredths of a semitone:
# $1200 \log_2(f_2 / f_1)$.

# %%
t = np.arange(sr // 2) / sr
fade = np.minimum(1, np.minimum(t, t[::-1]) / 0.02)
pairs = {}
for low, high in [(200, 300), (5_000, 5_100)]:
    pair = np.concatenate([np.sin(2 * np.pi * f0 * t) * fade for f0 in (low, high)])
    cents = 1200 * np.log2(high / low)
    steps = melspec.hz_to_mel(high) - melspec.hz_to_mel(low)
    print(f"{low} -> {high} Hz: {cents:3.0f} cents, {steps:.2f} mel (Slaney)")
    pairs[f"{low} Hz, then {high} Hz"] = (0.3 * pair, sr)
viz.audio_table(pairs, normalize=False)

# %% [markdown]
# The first pair jumps by a musical fifth, the second by a third of a semitone. The same
# 100 Hz is a large step at low frequencies and a small one at high frequencies: the
# ear resolves low frequencies much more finely. A spectrogram whose 513 rows are
# 15.6 Hz apart everywhere spends most of its rows where the ear hears little
# difference.
#
# In 1937 Stevens, Volkmann and Newman measured pitch directly
# {cite}`stevens1937scale`. Listeners heard a tone and adjusted a second one until it
# sounded half as high. From such judgements the authors built a scale of perceived
# pitch and called its unit the **mel** (from *melody*). They fixed 1000 mels at the
# pitch of a 1000 Hz tone played 40 dB above the threshold of hearing. By
# construction, equal steps in mels are steps that listeners judged equal. The scale is
# close to linear at low frequencies and close to logarithmic at high ones.
#
# The scale is a curve fitted to listening experiments, not a law. The same authors
# revised it in 1940 {cite}`stevens1940relation`, and several formulas have been
# fitted to such data since. The report's notes said there is "no specific mel
# formula". That is half right: there is no single true one, but every formula in use
# is exact, and they give different numbers. Two are common.
#
# The **HTK** formula, used by the HTK toolkit {cite}`young2006htk`, torchaudio and
# TensorFlow, is
#
# $$
# m_\text{HTK}(f) = 2595 \log_{10}\!\left(1 + \frac{f}{700}\right)
#                = 1127 \ln\!\left(1 + \frac{f}{700}\right) .
# $$ (eq-05-htk)
#
# The **Slaney** formula reproduces the filter spacing of Malcolm Slaney's Auditory
# Toolbox {cite}`slaney1998auditory`. It is librosa's default. It is exactly linear up
# to 1 kHz, with 3 mels per 200 Hz, and exactly logarithmic above, with 27 mels per
# factor 6.4 in frequency:
#
# $$
# m_\text{Slaney}(f) =
# \begin{cases}
#   \dfrac{3 f}{200} & f < 1000 \text{ Hz} \\[1ex]
#   15 + \dfrac{27}{\ln 6.4} \ln\!\dfrac{f}{1000} & f \ge 1000 \text{ Hz.}
# \end{cases}
# $$ (eq-05-slaney)
#
# Both invert in closed form: $f = 700\,(10^{m / 2595} - 1)$ for HTK, and
# $f = 200 m / 3$ below 15 mels, $f = 1000 \cdot 6.4^{(m - 15) / 27}$ above, for Slaney.
# Write all four by hand and compare them with librosa and with `voicelab.melspec`.

# %%
f = np.linspace(0, 8_000, 801)
mel_htk = 2595 * np.log10(1 + f / 700)
log_part = 15 + 27 / np.log(6.4) * np.log(np.maximum(f, 1_000) / 1_000)
mel_slaney = np.where(f < 1_000, 3 * f / 200, log_part)

for htk, mels in [(True, mel_htk), (False, mel_slaney)]:
    np.testing.assert_allclose(mels, librosa.hz_to_mel(f, htk=htk), rtol=1e-12)
    np.testing.assert_allclose(mels, melspec.hz_to_mel(f, htk=htk), rtol=1e-12)

f_htk = 700 * (10 ** (mel_htk / 2595) - 1)
f_slaney = np.where(mel_slaney < 15, 200 * mel_slaney / 3,
                    1_000 * 6.4 ** ((mel_slaney - 15) / 27))
for htk, mels, back in [(True, mel_htk, f_htk), (False, mel_slaney, f_slaney)]:
    np.testing.assert_allclose(back, f, atol=1e-9)
    np.testing.assert_allclose(back, librosa.mel_to_hz(mels, htk=htk), atol=1e-9)
    np.testing.assert_allclose(back, melspec.mel_to_hz(mels, htk=htk), atol=1e-9)
np.testing.assert_allclose(mel_htk, 1127 * np.log(1 + f / 700), rtol=1e-5)
print("both formulas and their inverses match librosa and voicelab.melspec")

# %% [markdown]
# The two scales even use different units: 1000 Hz is 1000 HTK mels but 15 Slaney
# mels. Multiply the Slaney scale by $1000 / 15$ so that both give 1000 at 1 kHz. Below
# 1 kHz the rescaled Slaney scale is then exactly the frequency in Hz.
#
# For a filterbank, units do not matter. Only the *positions* of the band edges do,
# and those depend on the shape of the curve. So the right panel compares what you will
# actually use: the centres of 64 bands spread evenly between 50 Hz and 8 kHz on each
# scale.

# %%
centres = {htk: librosa.mel_frequencies(M + 2, fmin=fmin, fmax=fmax, htk=htk)[1:-1]
           for htk in (True, False)}

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
axes[0].plot(f, mel_htk, label="HTK: 2595 log10(1 + f / 700)")
axes[0].plot(f, mel_slaney * 1_000 / 15, label="Slaney × 1000/15")
axes[0].plot(f, f, "k:", linewidth=0.8, label="mel = Hz")
axes[0].set(xlim=(0, 8_000), ylim=(0, 4_000), xlabel="Frequency (Hz)",
            ylabel="Pitch (mel, 1000 at 1 kHz)",
            title="Two mel scales, scaled to agree at 1 kHz")
axes[0].legend(loc="upper left", fontsize=8)
band = np.arange(M)
axes[1].plot(band, centres[True], ".", label="HTK")
axes[1].plot(band, centres[False], ".", label="Slaney")
axes[1].set(xlabel="Band index", ylabel="Centre frequency (Hz)",
            title=f"Centres of {M} bands from {fmin:.0f} Hz to {fmax / 1e3:.0f} kHz")
axes[1].legend(loc="upper left", fontsize=8)
fig.tight_layout()
plt.show()

# %%
print("    f (Hz)   HTK (mel)   Slaney (mel)   Slaney × 1000/15")
for freq in [250, 500, 1_000, 2_000, 4_000, 8_000]:
    slaney = melspec.hz_to_mel(freq)
    print(f"{freq:10d} {melspec.hz_to_mel(freq, htk=True):11.1f} {slaney:14.2f} "
          f"{slaney * 1_000 / 15:18.1f}")
gap = centres[True] - centres[False]
worst = int(np.argmax(np.abs(gap)))
below_1k = {htk: int(np.sum(c < 1_000)) for htk, c in centres.items()}
print(f"largest gap between band centres: band {worst}, "
      f"{centres[True][worst]:.0f} Hz (HTK) vs {centres[False][worst]:.0f} Hz (Slaney)")
print(f"bands centred below 1 kHz: HTK {below_1k[True]}, Slaney {below_1k[False]}")

# %% [markdown]
# Rescaled to agree at 1 kHz, the formulas still differ by 6 to 10 % above 2 kHz, and
# by more than a third at 250 Hz, where HTK already bends and Slaney is still a
# straight line. With the same 64 bands, some band centres move by almost 300 Hz.
# Neither is wrong. But a model trained on one scale and fed the other sees its bands
# shifted.
#
# ```{warning}
# **Slaney or HTK?** `librosa.filters.mel` and `librosa.feature.melspectrogram` use
# the Slaney scale unless you pass `htk=True`. torchaudio's `MelSpectrogram` uses HTK
# unless you pass `mel_scale="slaney"`. A mel spectrogram is only reproducible with its
# scale, its normalisation (next section), $f_\text{min}$, $f_\text{max}$ and the number
# of bands. `voicelab.melspec` fixes all of them: Slaney scale, 64 bands, 50–8000 Hz.
# ```
#
# ## A triangular filterbank
#
# A mel spectrogram sums the power of the STFT in $M$ bands. Build them in three steps.
#
# **Edges.** Pick $M + 2$ frequencies $\varphi_0 < \varphi_1 < \dots < \varphi_{M+1}$,
# equally spaced in mel from $f_\text{min}$ to $f_\text{max}$:
#
# $$
# \varphi_j = m^{-1}\!\left(m(f_\text{min})
#   + j\,\frac{m(f_\text{max}) - m(f_\text{min})}{M + 1}\right),
# \qquad j = 0, \dots, M + 1 .
# $$ (eq-05-edges)
#
# **Triangles.** Band $j$ ($j = 1, \dots, M$) is a triangle in Hz that rises from 0 at
# $\varphi_{j-1}$ to 1 at $\varphi_j$ and falls back to 0 at $\varphi_{j+1}$. Each
# band's peak is its neighbours' foot. Evaluate it at the frequency $f_b = b f_s / N$
# of every STFT bin $b$:
#
# $$
# W_{jb} = \max\!\left(0,\ \min\!\left(
#   \frac{f_b - \varphi_{j-1}}{\varphi_j - \varphi_{j-1}},\
#   \frac{\varphi_{j+1} - f_b}{\varphi_{j+1} - \varphi_j}\right)\right) .
# $$ (eq-05-triangle)
#
# **Normalisation.** High bands are wide, so they collect the power of many bins. The
# Slaney normalisation divides each triangle by half its base, so that every triangle
# has area 1 in Hz (a triangle of base $\ell$ and height $h$ has area $\ell h/2$):
#
# $$
# W^\text{slaney}_{jb} = \frac{2}{\varphi_{j+1} - \varphi_{j-1}}\, W_{jb} .
# $$ (eq-05-slaney-norm)
#
# Build the course's filterbank ($M = 64$, 50–8000 Hz, Slaney scale) by hand.

# %%
mel_edges = np.linspace(melspec.hz_to_mel(fmin), melspec.hz_to_mel(fmax), M + 2)
edges = melspec.mel_to_hz(mel_edges)
fft_freqs = np.arange(1 + N // 2) * sr / N
left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
rising = (fft_freqs - left) / (centre - left)
falling = (right - fft_freqs) / (right - centre)
W_peak = np.maximum(0, np.minimum(rising, falling))
W_area = W_peak * 2 / (right - left)
print(f"filterbank: {W_area.shape} (bands, FFT bins)")
print(f"band edges: {edges[0]:.0f}, {edges[1]:.1f}, {edges[2]:.1f}, ... "
      f"{edges[-2]:.0f}, {edges[-1]:.0f} Hz")

# %% [markdown]
# librosa builds the same matrix in `librosa.filters.mel`. Check all four combinations
# of scale (`htk`) and normalisation (`norm=None` keeps peaks of 1, `norm="slaney"`
# gives area 1), repeating the three steps for each.

# %%
for htk in (False, True):
    mel_edges = np.linspace(librosa.hz_to_mel(fmin, htk=htk),
                            librosa.hz_to_mel(fmax, htk=htk), M + 2)
    phi = librosa.mel_to_hz(mel_edges, htk=htk)
    a, b, c = phi[:-2, None], phi[1:-1, None], phi[2:, None]
    tri = np.minimum((fft_freqs - a) / (b - a), (c - fft_freqs) / (c - b))
    tri = np.maximum(0, tri)
    for norm, by_hand in [(None, tri), ("slaney", tri * 2 / (c - a))]:
        W_librosa = librosa.filters.mel(sr=sr, n_fft=N, n_mels=M, fmin=fmin, fmax=fmax,
                                        htk=htk, norm=norm)
        np.testing.assert_allclose(by_hand, W_librosa, rtol=1e-5,
                                   atol=1e-7 * W_librosa.max())
        print(f"htk={htk!s:5}, norm={norm!s:6}: equal to librosa.filters.mel, "
              f"largest weight {W_librosa.max():.4f}")

# %%
fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
for j in range(M):
    axes[0].plot(fft_freqs, W_peak[j], color=f"C{j % 4}", linewidth=0.8)
    axes[1].plot(fft_freqs, W_area[j], color=f"C{j % 4}", linewidth=0.8)
axes[0].set(title=f"{M} mel filters, norm=None: triangles of height 1",
            ylabel="Weight")
axes[1].set(title='The same filters, norm="slaney" (librosa\'s default): '
            "every triangle has area 1", xlabel="Frequency (Hz)",
            ylabel="Weight (1/Hz)", xlim=(0, fmax))
fig.tight_layout()
plt.show()

# %% [markdown]
# Two things to notice. The peaks of the upper panel are not all 1 on the bin grid: a
# triangle reaches 1 only at $\varphi_j$, which rarely falls exactly on a bin. And the
# lowest bands are only about 90 Hz wide, six bins. With a shorter FFT or more bands
# some would fall between two bins and stay empty (exercise 1).
#
# What does the normalisation change? Feed both filterbanks a flat spectrum, power 1 in
# every bin, as white noise gives on average. With peaks of 1, a band reports the sum
# over its bins, so wide high bands report more. With area 1, every band reports about
# $1 / \Delta f$, where $\Delta f = f_s / N$ is the bin spacing: a power density, the
# same in every band.

# %%
flat = np.ones(1 + N // 2)
peak_response, area_response = W_peak @ flat, W_area @ flat
print(f"norm=None:     band {peak_response.min():.1f} to {peak_response.max():.1f}")
print(f'norm="slaney": band {area_response.min():.4f} to {area_response.max():.4f}; '
      f"1 / Δf = {N / sr:.4f}")

# %% [markdown]
# ```{note}
# librosa's default is `norm="slaney"`; HTK-style front ends (torchaudio, TensorFlow)
# default to peaks of 1. The two differ by a different constant in every band: in dB
# a fixed offset per band, large for the wide high bands. Say which one you use.
# ```
#
# ## The mel spectrogram: one matrix product
#
# Each mel band is a weighted sum of the power in the bins under its triangle. For all
# bands and all frames at once that is a matrix product:
#
# $$
# S_\text{mel}[j, k] = \sum_{b=0}^{N/2} W_{jb}\, |X[b, k]|^2,
# \qquad S_\text{mel} = W \, |X|^2 .
# $$ (eq-05-melspec)
#
# A $(64 \times 513)$ matrix times a $(513 \times \text{frames})$ matrix: 513 numbers
# per frame become 64.

# %%
S = W_area @ P
S_librosa = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=N, hop_length=H,
                                           n_mels=M, fmin=fmin, fmax=fmax)
np.testing.assert_allclose(S, S_librosa, rtol=1e-4, atol=1e-6 * S_librosa.max())
print(f"W {W_area.shape} @ |X|^2 {P.shape} = S {S.shape}, as librosa computes it")

# %% [markdown]
# What do 64 bands keep of 513 bins? Look at one voiced frame. The grey line is its
# power spectrum; the dots are its mel bands, each drawn at its centre frequency. To
# compare the two on one scale, the bands are divided by the Slaney weight's unit, i.e.
# multiplied by $\Delta f$: a band then reports the mean power of the bins under it.

# %%
frame_db = 10 * np.log10(np.maximum(P[:, k0], 1e-10))
band_db = 10 * np.log10(np.maximum(S[:, k0] * sr / N, 1e-10))
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.plot(fft_freqs, frame_db, color="0.6", linewidth=0.8,
        label=f"{P.shape[0]} STFT bins")
ax.plot(edges[1:-1], band_db, "o-", color="C3", markersize=3, linewidth=1,
        label=f"{M} mel bands (× Δf)")
ax.set(xlim=(0, fmax), ylim=(frame_db.max() - 90, frame_db.max() + 5),
       xlabel="Frequency (Hz)", ylabel="Power (dB)",
       title=f"Frame {k0} ({k0 * H / sr:.2f} s): harmonics resolved below ~1.5 kHz, "
       "merged above")
ax.legend(loc="upper right")
plt.show()
widths = edges[2:] - edges[:-2]
for freq in (500, 1_000, 2_000, 4_000):
    j = int(np.argmin(np.abs(edges[1:-1] - freq)))
    print(f"band centred near {freq:5d} Hz: {widths[j]:5.0f} Hz wide")

# %% [markdown]
# Below 1 kHz a band is about 90 Hz wide, half the spacing of the harmonics (the voices
# have a fundamental near 170–180 Hz), so the bands still follow the harmonic comb.
# Higher up the bands grow wider than the spacing and keep only the *envelope*: the
# broad resonances of the vocal tract, the formants. That is the trade the mel scale
# makes: detail where the ear resolves it, averages where it does not.
#
# ## From power to decibels
#
# The last step is a logarithm. librosa's `power_to_db` computes, for every cell,
#
# $$
# S_\text{dB} = 10 \log_{10} \max(S, a) - 10 \log_{10} \max(r, a),
# $$ (eq-05-db)
#
# with a reference $r$ (0 dB) and a floor $a$ (`amin`) that keeps digital silence
# finite. Then it raises every cell to at least $\max S_\text{dB} - T$, where $T$ is
# `top_db`: everything more than $T$ dB below the loudest cell is clipped. The course
# uses $r = 1$, $a = 10^{-10}$ and $T = 80$ dB. Compute it by hand and compare with
# librosa and with `voicelab.melspec.log_mel`, the front end of the next chapters.

# %%
S_db = 10 * np.log10(np.maximum(S, LOGMEL.amin))
S_db -= 10 * np.log10(max(LOGMEL.ref, LOGMEL.amin))
S_db = np.maximum(S_db, S_db.max() - LOGMEL.top_db)
S_db_librosa = librosa.power_to_db(S_librosa, ref=LOGMEL.ref, amin=LOGMEL.amin,
                                   top_db=LOGMEL.top_db)
np.testing.assert_allclose(S_db, S_db_librosa, atol=1e-3)
np.testing.assert_allclose(S_db, melspec.log_mel(y, sr), atol=1e-3)
print(f"log-mel by hand == power_to_db == melspec.log_mel: {S_db.shape}, "
      f"{S_db.min():.1f} to {S_db.max():.1f} dB")

# %% [markdown]
# Why a logarithm? Three reasons.
#
# **Perception.** Loudness grows roughly with the logarithm of power: each tenfold
# increase in power (10 dB) sounds like a similar step, whatever the starting level.
#
# **Dynamic range.** Speech power spans many orders of magnitude. On a linear scale a
# few loud cells dwarf everything else. Count how much of the total power the loudest
# cells hold, and look at both histograms.

# %%
positive = S[S > 0]
ordered = np.sort(positive)[::-1]
share = np.cumsum(ordered) / ordered.sum()
top_cells = (np.searchsorted(share, 0.99) + 1) / S.size
print(f"power spans {10 * np.log10(positive.max() / positive.min()):.0f} dB; "
      f"{S.size - positive.size} cells are exactly 0 (digital silence)")
print(f"the loudest {100 * top_cells:.1f} % of cells hold 99 % of the power")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].hist(S.ravel(), bins=100, color="C0")
axes[0].set(yscale="log", xlabel="Mel power (linear units)", ylabel="Cells (log scale)",
            title="Linear power: almost every cell is near 0")
axes[1].hist(S_db.ravel(), bins=100, color="C1")
axes[1].set(xlabel="Mel power (dB)", ylabel="Cells",
            title="Decibels: the values spread out")
fig.tight_layout()
plt.show()

# %% [markdown]
# The spike on the left of the dB histogram is the floor: the cells that `top_db`
# raised to 80 dB below the maximum, mostly the silence around the sentence.
#
# **Products become sums.** A gain $g$ multiplies the samples by $g$, every STFT value
# by $g$, every power by $g^2$. After the logarithm it *adds* the same number to every
# cell:
#
# $$
# 10 \log_{10}(g^2 S) = 10 \log_{10} S + 20 \log_{10} g .
# $$ (eq-05-gain)
#
# Halving the amplitude should lower every cell by $20 \log_{10} 2 \approx 6.02$ dB.
# Check it, and check what `ref=np.max` (0 dB at each clip's loudest cell, as the
# report used) does to the same gain.

# %%
shift = melspec.log_mel(0.5 * y, sr) - melspec.log_mel(y, sr)
print(f"ref=1.0:    every cell moves by {shift.min():.3f} to {shift.max():.3f} dB")
relative = [librosa.power_to_db(librosa.feature.melspectrogram(
    y=gain * y, sr=sr, n_fft=N, hop_length=H, n_mels=M, fmin=fmin, fmax=fmax),
    ref=np.max) for gain in (1.0, 0.5)]
print(f"ref=np.max: largest change {np.abs(relative[1] - relative[0]).max():.4f} dB")

# %% [markdown]
# With a fixed reference a gain becomes a constant offset, easy for a network to learn
# to ignore. With `ref=np.max` it disappears altogether, and every clip's loudest cell
# is 0 dB. The course keeps `ref=1.0`, so the input keeps the level the microphone
# delivered; in this corpus that level is random per take, so it carries no speaker
# information (`voicelab.melspec.log_mel` explains the choice). The same logic applies,
# approximately, to a microphone or room that boosts some frequencies: if its gain is
# smooth across a band, it adds a constant per band.
#
# ## Linear or mel: the two speakers
#
# Now compare the report's two views of the same sentence, for both speakers. Each
# panel is in dB relative to its own loudest cell (`ref=np.max`), so all four share one
# colour scale, 0 to −80 dB.

# %%
fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex="col")
for col, (speaker, signal) in enumerate(clips.items()):
    power = np.abs(librosa.stft(signal, n_fft=N, hop_length=H)) ** 2
    mel_power = librosa.feature.melspectrogram(S=power, sr=sr, n_mels=M, fmin=fmin,
                                               fmax=fmax)
    for row_i, (name, grid, axis_kind, extra) in enumerate([
        ("linear frequency", power, "linear", {}),
        (f"{M} mel bands", mel_power, "mel", {"fmin": fmin, "fmax": fmax}),
    ]):
        viz.plot_spectrogram(
            librosa.power_to_db(grid, ref=np.max), sr, hop_length=H,
            ax=axes[row_i, col], y_axis=axis_kind, vmin=-80, vmax=0, cmap="magma",
            colorbar=col == 1, title=f"{speaker}, s001: {name} ({grid.shape[0]} rows)",
            **extra)
for ax in axes[0]:
    ax.set_xlabel("")
for ax in axes[:, 1]:
    ax.set_ylabel("")
fig.tight_layout()
plt.show()
share_linear = np.mean(fft_freqs < 1_000)
share_mel = np.mean(edges[1:-1] < 1_000)
print(f"rows below 1 kHz: linear {100 * share_linear:.0f} %, "
      f"mel {100 * share_mel:.0f} %")

# %% [markdown]
# In the linear panels the harmonics are thin lines crowded into the bottom eighth, and
# the top half, 4 to 8 kHz, holds mostly the hiss of consonants. The mel panels give
# the lowest kilohertz a third of the rows: the fundamental, the harmonics and the first
# formants fill the image. Differences between the voices, such as where their energy
# clusters in the first 2 kHz, become easier to see.
#
# ## What a network will see
#
# {doc}`06_cnn` trains a convolutional network on these spectrograms. It will not look
# at a picture. Its input is the array itself: `voicelab.melspec.log_mel` of each clip,
# cut or padded to 4 s by `voicelab.melspec.fixed_length`. Every clip becomes the same
# `LOGMEL.n_mels` × `melspec.n_frames()` grid of dB values.

# %%
S_db = melspec.log_mel(melspec.fixed_length(y, sr=sr), sr)
print(f"input: {S_db.shape} = (n_mels, n_frames()) = ({LOGMEL.n_mels}, "
      f"{melspec.n_frames()}), {S_db.dtype}")
print("top-left corner (lowest bands, first frames), dB:")
print(np.round(S_db[:3, :6], 1))

fig, ax = plt.subplots(figsize=(9, 3.2))
image = ax.imshow(S_db, origin="lower", aspect="auto", cmap="magma",
                  interpolation="nearest")
ax.set(xlabel=f"Frame index ({1e3 * H / sr:.0f} ms per frame)",
       ylabel="Mel band index", title=f"What the network receives: a {S_db.shape[0]} × "
       f"{S_db.shape[1]} array (clb, s001, padded to {LOGMEL.clip_seconds:.0f} s)")
fig.colorbar(image, ax=ax, label="dB (ref 1.0)")
plt.show()

# %% [markdown]
# The corner holds the same value everywhere: the clip starts with digital silence,
# raised to the `top_db` floor. The dark block at the right is the padding to 4 s.
#
# The report did something else. It drew each mel spectrogram with axes, ticks, a
# title and a colour map, saved the figure as a PNG, and trained its network on the
# images, resized to 256 × 128 pixels. That adds content that has nothing to do with
# the sound, and loses content that has:
#
# - **Axes, ticks, labels and titles** are pixels the network can learn from. The
#   report's titles named the file and, for augmented copies, the augmentation. None
#   of that is sound; a title that differed between the two classes would have handed
#   the network the label.
# - **The colour map** turns one number into three, through a non-linear table of 256
#   colours. Over an 80 dB range that is a step of about 0.3 dB at best, against
#   float32's millionths of a dB.
# - **Resizing** interpolates: bands and frames are blurred together, and clips of
#   different durations are stretched to the same width, so speaking rate turns into
#   horizontal zoom.
# - **Colour limits are chosen per figure**, so one colour means different levels in
#   different images.
#
# See the last point. Render the course's spectrogram of the clip, and of the same clip
# 20 dB quieter, the way a figure would be saved, and compare the pixels.

# %%
pixels = {}
for gain in (1.0, 0.1):
    S_db_gain = melspec.log_mel(melspec.fixed_length(gain * y, sr=sr), sr)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    viz.plot_spectrogram(S_db_gain, sr, hop_length=H, ax=ax, y_axis="mel", fmin=fmin,
                         fmax=fmax, title="clb, s001")
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    x0, y0, x1, y1 = np.round(ax.get_window_extent().extents).astype(int)
    pixels[gain] = rgb[rgb.shape[0] - y1 : rgb.shape[0] - y0, x0:x1].copy()
    plt.close(fig)
height, width = pixels[1.0].shape[:2]
print(f"figure: {rgb.shape[0]} × {rgb.shape[1]} pixels × 3 colours = {rgb.size} "
      f"numbers, for an array of {S_db.size}")
print(f"spectrogram area: {height} × {width} pixels, "
      f"{100 * height * width / (rgb.shape[0] * rgb.shape[1]):.0f} % of the figure")
np.testing.assert_allclose(S_db_gain, S_db - 20, atol=1e-3)
n_differ = np.sum(np.any(pixels[1.0] != pixels[0.1], axis=-1))
print(f"arrays: every cell 20 dB apart; spectrogram pixels that differ: {n_differ}")

# %% [markdown]
# The arrays differ by exactly 20 dB in every cell. The images of the spectrogram are
# the same except for a handful of pixels, where rounding tips a cell into the next of
# the 256 colours; only the numbers on the colour bar changed. A
# network that reads pixels cannot see a level difference that a network reading the
# array sees exactly, and the figure decides that, not the sound. Give a network the
# numbers, and decide explicitly what they should contain.
#
# `voicelab.melspec.log_mel_dataset` does this for a whole table of clips and caches the
# result on disk. A second call only reads the cache. The progress bar varies from run
# to run, so the tests ignore this cell's output.

# %% tags=["nbval-ignore-output"]
X_all = melspec.log_mel_dataset(corpus)

# %%
print(f"X_all: {X_all.shape} (clips, mel bands, frames), {X_all.dtype}, "
      f"{X_all.nbytes / 1e6:.1f} MB")
print(f"dB range: {X_all.min():.1f} to {X_all.max():.1f}")
first = melspec.log_mel(melspec.fixed_length(audio.load(corpus["path"].iloc[0])[0]))
np.testing.assert_allclose(X_all[0], first, rtol=0, atol=1e-4)
print("row 0 equals log_mel(fixed_length(clip 0)) to 1e-4 dB")

# %% [markdown]
# ## Other log-frequency views: constant-Q and chroma
#
# The mel scale is not the only way to give low frequencies more rows. The
# **constant-Q transform** (CQT) {cite}`brown1991calculation` places its bins at
# geometrically spaced frequencies, $B$ per octave:
#
# $$
# f_k = f_\text{min} \, 2^{k / B}, \qquad
# Q = \frac{f_k}{f_{k+1} - f_k} = \frac{1}{2^{1/B} - 1} .
# $$ (eq-05-cqt)
#
# Every bin has the same ratio $Q$ of frequency to bandwidth. To achieve that, each bin
# uses its own window, about $Q f_s / f_k$ samples long: long at low frequencies
# (sharp in frequency, blurred in time), short at high ones. With $B = 12$ the bins
# are the semitones of the piano. **Chroma** then folds all octaves onto the 12 pitch
# classes, as chapter 02 showed.

# %%
bins_per_octave, n_bins, f_c2 = 12, 72, librosa.note_to_hz("C2")
Q = 1 / (2 ** (1 / bins_per_octave) - 1)
C = np.abs(librosa.cqt(y, sr=sr, hop_length=H, fmin=f_c2, n_bins=n_bins,
                       bins_per_octave=bins_per_octave))
chroma = librosa.feature.chroma_cqt(C=C, sr=sr, hop_length=H, fmin=f_c2,
                                    bins_per_octave=bins_per_octave)
print(f"Q = {Q:.1f}; CQT {C.shape}, chroma {chroma.shape}")
cqt_freqs = librosa.cqt_frequencies(n_bins, fmin=f_c2, bins_per_octave=bins_per_octave)
for f_k in cqt_freqs[[0, n_bins // 2, -1]]:
    print(f"bin at {f_k:6.0f} Hz: window of about {Q * sr / f_k:5.0f} samples "
          f"({1e3 * Q / f_k:5.1f} ms)")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
viz.plot_spectrogram(librosa.amplitude_to_db(C, ref=np.max), sr, hop_length=H,
                     ax=axes[0], y_axis="cqt_hz", fmin=f_c2,
                     bins_per_octave=bins_per_octave, cmap="magma",
                     title=f"clb, s001: constant-Q transform ({n_bins} bins)")
viz.plot_spectrogram(chroma, sr, hop_length=H, ax=axes[1], y_axis="chroma",
                     colorbar=False, cmap="magma",
                     title="Chroma: 12 pitch classes, each frame scaled to max 1")
axes[1].set_ylabel("Pitch class")
fig.tight_layout()
plt.show()

# %% [markdown]
# The CQT is made for music. Notes are equally spaced on it, so a melody or a chord
# moves rigidly up and down, which suits transcription and key and chord detection;
# chroma summarises harmony and is the classic feature for cover-song and chord
# recognition {cite}`muller2015fundamentals`. For speech the mel spectrogram is the
# standard. Its bands follow the ear up to 8 kHz at one time resolution, and a voice's
# identity lies in the formants, spread over the whole range, more than in the exact
# pitch classes.
#
# ## Listening: what the mel spectrogram keeps
#
# A mel spectrogram drops two things: the phase, and the detail inside each band. You
# can hear both losses by going back to sound.
#
# - **From the power spectrogram.** Keep $|X|$ and guess the phase with the
#   Griffin–Lim algorithm {cite}`griffin1984signal`: start from random phases, then
#   alternate an inverse STFT and an STFT, each time keeping the phase and putting the
#   known magnitude back.
# - **From the mel spectrogram.** First estimate 513 bins from 64 bands
#   (`librosa.feature.inverse.mel_to_stft` solves a non-negative least-squares problem),
#   then run Griffin–Lim.
#
# Sixteen iterations keep this fast; more give cleaner sound.

# %% [markdown]
# ```{warning}
# `librosa.griffinlim` starts from random phases drawn from a *fresh* random generator
# unless you pass `random_state`, and `librosa.feature.inverse.mel_to_audio` (which is
# `mel_to_stft` followed by `griffinlim`) does not pass one on. Two calls then give two
# different signals. Call the two steps yourself with `random_state=0`, as below.
# ```

# %%
kwargs = {"n_iter": 16, "hop_length": H, "n_fft": N, "length": y.size}
unseeded = [librosa.griffinlim(np.abs(X), **kwargs) for _ in range(2)]
seeded = [librosa.griffinlim(np.abs(X), random_state=0, **kwargs) for _ in range(2)]
print(f"without random_state, the two runs are equal: "
      f"{np.array_equal(*unseeded)}; with random_state=0: {np.array_equal(*seeded)}")

y_from_stft = seeded[0]
magnitude = librosa.feature.inverse.mel_to_stft(S_librosa, sr=sr, n_fft=N, fmin=fmin,
                                                fmax=fmax)
y_from_mel = librosa.griffinlim(magnitude, random_state=0, **kwargs)

reference = melspec.log_mel(y, sr)
for name, signal in [("from |STFT|", y_from_stft), ("from mel", y_from_mel)]:
    distance = np.abs(melspec.log_mel(signal, sr) - reference)
    print(f"{name:>11}: mean log-mel difference to the original "
          f"{distance.mean():.1f} dB")

# %%
viz.audio_table({
    "original": (y, sr),
    "from |STFT| (phase guessed)": (y_from_stft, sr),
    f"from {M} mel bands": (y_from_mel, sr),
}, columns=2)

# %% [markdown]
# Listen for two losses. Guessed phases, after only 16 iterations, typically add a
# rough, metallic quality: that is the phase. The version from 64 bands adds a second
# loss: above about 1.5 kHz each band spreads its power smoothly over its bins, so the
# harmonics there are gone and only the envelope is left. The numbers agree: the
# version from $|X|$ reproduces the original's log-mel spectrogram within 0.4 dB on
# average, the version from 64 bands within about 2 dB. Whether you can still tell who
# speaks is the question the network of {doc}`06_cnn` answers from the same array.

# %% [markdown]
# ## Summary
#
# - A spectrogram is the magnitude (or power) of the STFT: overlapping Hann-windowed
#   frames, one DFT each. librosa centres frames with $N/2$ zeros of padding, which
#   sets the frame count to $1 + \lfloor n / H \rfloor$.
# - The mel scale is a fit to listening experiments. HTK, $2595 \log_{10}(1 + f/700)$,
#   and Slaney (librosa's default, linear below 1 kHz) are both exact and differ: with
#   64 bands some centres move by almost 300 Hz.
# - A mel spectrogram is one matrix product, $W |X|^2$, with triangles equally spaced
#   in mel; `norm="slaney"` (librosa's default) gives each triangle area 1.
# - Decibels compress a range of over 100 dB, follow loudness perception, and turn a
#   gain into a constant offset; `ref`, `amin` and `top_db` are part of the definition.
# - A network should receive the array (`voicelab.melspec.log_mel`, 64 × 251 for 4 s),
#   not a figure: axes, colour maps and resizing add content and remove precision.
#
# ## Exercises
#
# **1. Empty filters.** Build `librosa.filters.mel` with `sr=16000`, `n_fft=256`,
# `n_mels=128` and `fmin=0`. How many filters have no non-zero weight, and why? Which
# changes fix it?
#
# ````{admonition} Solution
# :class: dropdown
# The bins are $16\,000 / 256 = 62.5$ Hz apart, but below 1 kHz 128 Slaney bands are
# only about 23 Hz apart, so a triangle's base is about 47 Hz wide. A triangle whose two
# feet fall between the same pair of bins gets no weight at all; librosa warns "Empty
# filters detected". Thirteen filters are empty. A longer FFT (`n_fft=512` halves the
# bin spacing and leaves none empty), fewer bands or a higher `fmin` fix it.
#
# ```python
# import warnings
#
# for n_fft in (256, 512):
#     with warnings.catch_warnings():
#         warnings.simplefilter("ignore")
#         W = librosa.filters.mel(sr=16_000, n_fft=n_fft, n_mels=128, fmin=0)
#     print(f"n_fft={n_fft}: {np.sum(W.max(axis=1) == 0)} empty filters")
# ```
# ````
#
# **2. Padding modes.** Compute the STFT of `y` with `pad_mode="constant"` and with
# `pad_mode="reflect"`. Which frames differ? Do the same for `y` with its leading and
# trailing silence trimmed (`voicelab.audio.trim_silence`). Explain.
#
# ````{admonition} Solution
# :class: dropdown
# Only frames whose window reaches into the padding can differ: those centred less than
# $N/2 = 512$ samples from an end, so frames 0 and 1 at the start and the last two or
# three at the end. The clip as stored starts with about 0.1 s of exact zeros, and
# reflecting zeros gives zeros, so its first frames agree. It ends with a few very quiet
# samples, so its last two frames differ, slightly. The trimmed clip starts and ends in
# the sound: both ends differ. The frame count never changes.
#
# ```python
# for name, signal in [("as stored", y), ("trimmed", audio.trim_silence(y)[0])]:
#     a = librosa.stft(signal, n_fft=N, hop_length=H, pad_mode="constant")
#     b = librosa.stft(signal, n_fft=N, hop_length=H, pad_mode="reflect")
#     differ = np.flatnonzero(np.abs(a - b).max(axis=0) > 1e-6)
#     print(f"{name}: {a.shape[1]} frames, differing frames {differ.tolist()}")
# ```
# ````
#
# **3. Where do the scales agree?** The rescaled Slaney scale ($\times 1000/15$) equals
# the HTK scale at 1 kHz. Find where else, between 0 and 8 kHz, the two curves cross,
# and where their difference in mels is largest. Then compute the largest difference
# between the band centres of a 128-band filterbank on each scale (0–8 kHz).
#
# ````{admonition} Solution
# :class: dropdown
# They meet only at 0 and 1 kHz. Below 1 kHz HTK lies above (by up to about 110 mels,
# near 430 Hz); above 1 kHz the Slaney scale lies above, by up to about 200 mels near
# 4.3 kHz and still 176 mels at 8 kHz. With 128 bands from 0 to 8 kHz the band centres
# differ by up to about 260 Hz.
#
# ```python
# f = np.linspace(1, 8_000, 8_000)
# diff = melspec.hz_to_mel(f) * 1_000 / 15 - melspec.hz_to_mel(f, htk=True)
# print("crossings near", f[np.flatnonzero(np.diff(np.sign(diff)))].round())
# print("largest |difference|", np.abs(diff).max().round(), "mel at",
#       f[np.argmax(np.abs(diff))].round(), "Hz")
# c = {htk: librosa.mel_frequencies(130, fmin=0, fmax=8_000, htk=htk)
#      for htk in (True, False)}
# print("largest centre gap", np.abs(c[True] - c[False]).max().round(), "Hz")
# ```
# ````
#
# ## Further reading
#
# - The mel scale's origin: {cite}`stevens1937scale` and its revision
#   {cite}`stevens1940relation`. The HTK formula and filterbank:
#   {cite}`young2006htk`; Slaney's filterbank: {cite}`slaney1998auditory`; mel
#   filterbanks for speech recognition: {cite}`davis1980comparison`.
# - Windows and their leakage: {cite}`harris1978use`. The STFT and its inverse:
#   {cite}`allen1977short`; phase reconstruction: {cite}`griffin1984signal`.
# - The constant-Q transform: {cite}`brown1991calculation`; the STFT, CQT and chroma
#   with music examples: {cite}`muller2015fundamentals`.
# - librosa's implementations of all of the above: {cite}`mcfee2015librosa`.
