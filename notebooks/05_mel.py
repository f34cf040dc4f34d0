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
# **Time:** about 75 minutes (the notebook runs in about 75 s).
#
# **By the end you can:**
#
# - cut a clip into Hann-windowed frames and compute its short-time Fourier transform
#   by hand, equal to librosa's, and say what the frame length buys and costs;
# - convert between Hz and mels on the HTK and the Slaney scale, and say which library
#   uses which;
# - build a triangular mel filterbank with either normalisation, and turn power into
#   decibels with `ref`, `amin` and `top_db` made explicit;
# - build the course's network input, an array of
#   {glue:text}`n_mels` mel bands × {glue:text}`n_frames` frames, and say why a network
#   should get that array rather than a picture of it;
# - hear, with Griffin–Lim, what a mel spectrogram keeps and what it drops.
#
# **Where this sits:** after {doc}`04_micrograd`, and built on the frames of
# {doc}`02_features`. The array you build here is the input of every network from
# {doc}`06_cnn` on.
#
# The report this course retells computed its mel spectrograms with one librosa call.
# That call hides a dozen choices (frame length, window, padding, mel formula, filter
# normalisation, the reference of the decibels), and each changes the numbers. Here you
# make every one yourself and check each step against librosa {cite}`mcfee2015librosa`.

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
from voicelab.glue import glue
from voicelab.melspec import CLIP_SECONDS, LOGMEL, SR

corpus = data.load_corpus()
clips = {}
for speaker in data.SPEAKERS:
    row = corpus.query(f"speaker == '{speaker}' and sentence_id == 's001' "
                       "and take == 1")
    clips[speaker] = audio.load(row["path"].iloc[0])[0]
y, sr = clips["clb"], SR
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
glue("n_mels", M)
glue("n_frames", melspec.n_frames());

# %% [markdown]
# The pipeline has five steps. Each section below takes one:
#
# 1. cut the clip into overlapping **frames** and taper each with a **window**;
# 2. take the **DFT** of every frame: the short-time Fourier transform (STFT);
# 3. square the magnitudes to get **power**;
# 4. sum the power in triangular bands equally spaced on the **mel scale**;
# 5. take the **logarithm**: decibels.
#
# ## Frames and windows
#
# Speech changes every few tens of milliseconds, so you take spectra of short pieces.
# Chapter 02 called them **frames**: $N$ samples long (chapter 02 wrote $L$), one every
# $H$ samples (the **hop**). Here $N = 1024$ (64 ms) and $H = 256$ (16 ms).
#
# librosa **centres** frame $k$ on sample $kH$. To do so it pads $N/2$ zeros on each
# side of the clip. Call the padded signal $\tilde{x}$. Frame $k$ is then
#
# $$
# x_k[m] = \tilde{x}[kH + m], \qquad m = 0, \dots, N - 1 .
# $$ (eq-05-frame)
#
# Cutting a frame out of a signal multiplies it by a rectangle, whose sharp edges add
# frequencies the sound does not contain. A **window** $w$ fades each frame in and out
# instead. librosa's default is the **Hann window**:
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
# Here are four consecutive frames on the loudest stretch of the sentence, each window
# drawn scaled to the waveform's peak, and below them the windowed frames.

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
# spacings (about 1008 Hz). Cut one frame of it with a rectangle and one with the Hann
# window, and compare the magnitudes the DFT gives in each bin.

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
glue("leak_rect", round(-leak["rectangle"][far].max()))
glue("leak_hann", round(-leak["Hann"][far].max()));

# %% [markdown]
# A rectangle smears the tone over the whole spectrum: 500 Hz away its leak is only
# {glue:text}`leak_rect` dB below the peak. Hann's is {glue:text}`leak_hann` dB below.
# For speech, where soft high harmonics sit next to loud low ones, low leakage matters
# {cite}`harris1978use`. The price is a wider **main lobe**, the peak a pure tone
# makes: Hann's is 4 bins wide, $4 f_s / N$ Hz.
#
# ### Why 64 ms frames?
#
# Speech front ends usually cut 20–30 ms frames every 10 ms (25 ms and 10 ms in HTK
# {cite}`young2006htk`; see also {cite}`jurafsky2025speech`): short enough that the
# vocal tract barely moves within a frame, long enough for a few pitch periods. This
# course uses 64 ms (1024 samples at 16 kHz) every 16 ms, for three reasons:
#
# 1. **Harmonics.** The main lobe shrinks as the frame grows, so a voice's harmonics
#    stand apart. The cell below compares the loudest frame cut to 25 ms and to 64 ms.
# 2. **One front end.** Chapter 02's features use the same frames;
#    `LOGMEL` takes its window and hop from `voicelab.features`.
# 3. **The task.** The question is *who* speaks, over a whole clip: timbre and pitch
#    matter more than the timing of 10 ms events.

# %%
tracks, f0 = {}, {}
for speaker, signal in clips.items():
    tracks[speaker] = librosa.yin(signal, fmin=80, fmax=400, sr=sr, frame_length=N,
                                  hop_length=H)
    rms = librosa.feature.rms(y=signal, frame_length=N, hop_length=H)[0]
    f0[speaker] = np.median(tracks[speaker][rms > rms.max() / 10])  # loud frames
    print(f"{speaker}: median F0 of the loud frames {f0[speaker]:.0f} Hz")

f0_k0 = tracks["clb"][k0]
harmonics = f0_k0 * np.arange(1, int(1_000 // f0_k0) + 1)  # below 1 kHz
spectra, contrast = {}, {}
for length in (400, N):  # 25 ms and 64 ms
    start = k0 * H + N // 2 - length // 2  # centred like frame k0, in y_pad
    piece = y_pad[start : start + length] * scipy.signal.get_window("hann", length)
    spectra[length] = 20 * np.log10(np.abs(np.fft.rfft(piece, n=N)) + 1e-12)
    peaks = [spectra[length][round(h * N / sr) - 2 : round(h * N / sr) + 3].max()
             for h in harmonics]
    valleys = spectra[length][np.rint((harmonics + f0_k0 / 2) * N / sr).astype(int)]
    contrast[length] = np.mean(np.array(peaks) - valleys)
    print(f"{1e3 * length / sr:2.0f} ms: main lobe {4 * sr / length:5.1f} Hz wide; "
          f"harmonics below 1 kHz stand {contrast[length]:.0f} dB above the valleys")

fig, ax = plt.subplots(figsize=(9, 3.4))
for length, color in [(400, "C1"), (N, "C0")]:
    ax.plot(bin_freqs, spectra[length], color=color, linewidth=0.9,
            label=f"{1e3 * length / sr:.0f} ms frame")
for h in harmonics:
    ax.axvline(h, color="0.7", linewidth=0.6, linestyle=":")
top = spectra[N][bin_freqs < 2_000].max()
ax.set(xlim=(0, 2_000), ylim=(top - 70, top + 5), xlabel="Frequency (Hz)",
       ylabel="Level (dB)",
       title=f"Frame {k0} of clb (F0 {f0_k0:.0f} Hz, dotted): the longer frame "
       "sharpens the harmonics")
ax.legend(loc="upper right")
plt.show()
hop_10ms = round(0.010 * sr)
for key, value in [("f0_clb", round(f0["clb"])), ("f0_slt", round(f0["slt"])),
                   ("f0_k0", round(f0_k0)), ("lobe_25", 4 * sr / 400),
                   ("lobe_64", 4 * sr / N), ("contrast_25", round(contrast[400])),
                   ("contrast_64", round(contrast[N])),
                   ("frames_10ms", 1 + round(CLIP_SECONDS * sr) // hop_10ms)]:
    glue(key, value)

# %% [markdown]
# On this sentence the median F0 is {glue:text}`f0_clb` Hz for clb and
# {glue:text}`f0_slt` Hz for slt. A 25 ms frame has a main lobe
# {glue:text}`lobe_25:.0f` Hz wide, about the spacing of these harmonics, so
# neighbouring harmonics nearly touch. The 64 ms frame's lobe is
# {glue:text}`lobe_64:.1f` Hz wide: below 1 kHz its harmonics stand on average
# {glue:text}`contrast_64` dB above the valleys between them, against
# {glue:text}`contrast_25` dB at 25 ms. For a voice at 100 Hz the 25 ms frame would
# merge them altogether.
#
# The price is time resolution: a 64 ms frame blurs a plosive burst or a fast formant
# transition, which a recogniser of words needs. And 4 s give {glue:text}`n_frames`
# frames here, against {glue:text}`frames_10ms` with a 10 ms hop (exercise 4).
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
# Bin $f$ stands for the frequency $f \cdot f_s / N$, here multiples of
# {glue:text}`bin_hz:.3f` Hz. A real signal's spectrum is symmetric, so the
# $N/2 + 1 = 513$ bins from 0 Hz to the Nyquist frequency hold everything. Side by side
# the columns form the **short-time Fourier transform** (STFT) {cite}`allen1977short`:
# a complex matrix of shape (bins, frames).

# %%
X_hand = np.fft.rfft(frames * window, axis=1).T
X = librosa.stft(y, n_fft=N, hop_length=H)
np.testing.assert_allclose(X_hand, X, rtol=0, atol=1e-6 * np.abs(X).max())
print(f"STFT by hand {X_hand.shape}, librosa {X.shape} {X.dtype}")
print("equal to within 1e-6 of the largest |X| (float32 precision)")

assert X.shape[1] == 1 + y.size // H
X_uncentred = librosa.stft(y, n_fft=N, hop_length=H, center=False)
assert X_uncentred.shape[1] == 1 + (y.size - N) // H
print(f"frames: {X.shape[1]} centred, {X_uncentred.shape[1]} with center=False")
glue("bin_hz", sr / N)
glue("uncentred_fewer", X.shape[1] - X_uncentred.shape[1]);

# %% [markdown]
# ```{warning}
# Centring changes the frame count. With `center=True` (librosa's default) a clip of
# $n$ samples gives $1 + \lfloor n / H \rfloor$ frames, as in {eq}`eq-02-n-frames`;
# with `center=False` it gives $1 + \lfloor (n - N) / H \rfloor$, here
# {glue:text}`uncentred_fewer` fewer, and frame $k$ *starts* at $kH$. The padding is a
# choice too: since version 0.9 librosa pads with zeros (`pad_mode="constant"`); older
# versions, and torchaudio today, reflect the signal at its ends (`"reflect"`). The two
# give different first and last frames (exercise 2).
# ```
#
# The STFT is complex. Its **magnitude** $|X|$ says how strong each frequency is in each
# frame; its angle, the **phase**, says where each sinusoid is in its cycle.
# Spectrograms keep the magnitude, or its square, the **power** $|X|^2$, and drop the
# phase.
#
# ```{note}
# $10 \log_{10} |X|^2 = 20 \log_{10} |X|$: `librosa.power_to_db` expects power,
# `librosa.amplitude_to_db` magnitude. Feeding magnitudes to `power_to_db` halves every
# level in dB, silently.
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
pairs, cents = {}, {}
for low, high in [(200, 300), (5_000, 5_100)]:
    pair = np.concatenate([np.sin(2 * np.pi * tone_hz * t) * fade
                           for tone_hz in (low, high)])
    cents[low] = 1200 * np.log2(high / low)
    print(f"{low} -> {high} Hz: {cents[low]:3.0f} cents")
    pairs[f"{low} Hz, then {high} Hz"] = (0.3 * pair, sr)
for signal, rate in pairs.values():  # what the players hold: 1 s, peak 0.3
    assert signal.size == rate and abs(np.abs(signal).max() - 0.3) < 1e-3
glue("cents_low", round(cents[200]))
glue("cents_high", round(cents[5_000]))
viz.audio_table(pairs, normalize=False)

# %% [markdown]
# The first pair jumps by {glue:text}`cents_low` cents, a musical fifth; the second by
# {glue:text}`cents_high` cents, a third of a semitone. The same 100 Hz is a large step
# at low frequencies and a small one at high frequencies: the ear resolves low
# frequencies much more finely. A spectrogram whose 513 rows are equally spaced spends
# most of its rows where the ear hears little difference.
#
# In 1937 Stevens, Volkmann and Newman had listeners adjust a tone until it sounded
# half as high as another {cite}`stevens1937scale`. From such judgements they built a
# scale of perceived pitch, with the **mel** (from *melody*) as unit and 1000 mels at
# 1000 Hz: equal steps in mels are steps listeners judged equal. It is close to linear
# at low frequencies and close to logarithmic at high ones.
#
# The scale is a curve fitted to experiments, not a law; the authors revised it in 1940
# {cite}`stevens1940relation`. The report's notes said there is "no specific mel
# formula". Half right: there is no single true one, but every formula in use is exact,
# and they differ. Two are common. The **HTK** formula {cite}`young2006htk`, used by
# torchaudio and TensorFlow:
#
# $$
# m_\text{HTK}(f) = 2595 \log_{10}\!\left(1 + \frac{f}{700}\right) .
# $$ (eq-05-htk)
#
# The **Slaney** formula reproduces the filter spacing of Malcolm Slaney's Auditory
# Toolbox {cite}`slaney1998auditory` and is librosa's default. It is exactly linear up
# to 1 kHz, 3 mels per 200 Hz, and exactly logarithmic above, 27 mels per factor 6.4:
#
# $$
# m_\text{Slaney}(f) =
# \begin{cases}
#   \dfrac{3 f}{200} & f < 1000 \text{ Hz} \\[1ex]
#   15 + \dfrac{27}{\ln 6.4} \ln\!\dfrac{f}{1000} & f \ge 1000 \text{ Hz.}
# \end{cases}
# $$ (eq-05-slaney)
#
# Both invert in closed form: $f = 700\,(10^{m / 2595} - 1)$ for HTK; $f = 200 m / 3$
# below 15 mels and $f = 1000 \cdot 6.4^{(m - 15) / 27}$ above for Slaney. Here are
# both directions as code. `voicelab.melspec` holds these same two functions; the
# later chapters call them from there.

# %%
def hz_to_mel(f: float | np.ndarray, *, htk: bool = False) -> float | np.ndarray:
    """Frequencies in Hz to mels, on the Slaney (librosa's default) or the HTK scale.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    f : float or array-like
        Frequencies in Hz.
    htk : bool, default False
        Use the HTK formula instead of Slaney's.
    """
    f = np.asarray(f, dtype=float)
    if htk:
        mels = 2595 * np.log10(1 + f / 700)
    else:  # linear below 1 kHz, logarithmic above
        log_part = 15 + 27 / np.log(6.4) * np.log(np.maximum(f, 1000) / 1000)
        mels = np.where(f < 1000, 3 * f / 200, log_part)
    return float(mels) if mels.ndim == 0 else mels


def mel_to_hz(m: float | np.ndarray, *, htk: bool = False) -> float | np.ndarray:
    """Mels back to Hz: the inverse of :func:`hz_to_mel`.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    m : float or array-like
        Mels.
    htk : bool, default False
        Use the HTK formula instead of Slaney's.
    """
    m = np.asarray(m, dtype=float)
    if htk:
        hz = 700 * (10 ** (m / 2595) - 1)
    else:
        log_part = 1000 * 6.4 ** ((np.maximum(m, 15) - 15) / 27)
        hz = np.where(m < 15, 200 * m / 3, log_part)
    return float(hz) if hz.ndim == 0 else hz


# %% [markdown]
# Check them against librosa, and check that each inverts the other.

# %%
f = np.linspace(0, 8_000, 801)
for htk in (False, True):
    mels = hz_to_mel(f, htk=htk)
    np.testing.assert_allclose(mels, librosa.hz_to_mel(f, htk=htk), rtol=1e-12)
    np.testing.assert_allclose(mel_to_hz(mels, htk=htk), f, atol=1e-9)
    np.testing.assert_allclose(mel_to_hz(mels, htk=htk),
                               librosa.mel_to_hz(mels, htk=htk), atol=1e-9)
    np.testing.assert_array_equal(mels, melspec.hz_to_mel(f, htk=htk))
mel_htk, mel_slaney = hz_to_mel(f, htk=True), hz_to_mel(f)
print("both scales and their inverses match librosa")
steps = {low: hz_to_mel(high) - hz_to_mel(low) for low, high in [(200, 300),
                                                                 (5_000, 5_100)]}
print(f"100 Hz up from 200 Hz: {steps[200]:.2f} mel; from 5000 Hz: "
      f"{steps[5_000]:.2f} mel (Slaney)")
glue("step_low", round(steps[200], 2))
glue("step_high", round(steps[5_000], 2));

# %% [markdown]
# On the Slaney scale the first 100 Hz step is {glue:text}`step_low:.2f` mels, the
# second {glue:text}`step_high:.2f`. The two scales even use different units: 1000 Hz
# is 1000 HTK mels but 15 Slaney mels. Multiply the Slaney scale by $1000 / 15$ so that
# both give 1000 at 1 kHz.
#
# For a filterbank, units do not matter; only the *positions* of the band edges do. So
# the right panel compares what you will use: the centres of 64 bands spread evenly
# between 50 Hz and 8 kHz on each scale.

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
print("    f (Hz)   HTK (mel)   Slaney (mel)   Slaney × 1000/15   HTK / rescaled")
ratio = {}
for freq in [250, 500, 1_000, 2_000, 4_000, 8_000]:
    slaney = hz_to_mel(freq) * 1_000 / 15
    ratio[freq] = hz_to_mel(freq, htk=True) / slaney
    print(f"{freq:10d} {hz_to_mel(freq, htk=True):11.1f} {hz_to_mel(freq):14.2f} "
          f"{slaney:18.1f} {ratio[freq]:16.3f}")
gap = centres[True] - centres[False]
worst = int(np.argmax(np.abs(gap)))
print(f"largest gap between band centres: band {worst}, "
      f"{centres[True][worst]:.0f} Hz (HTK) vs {centres[False][worst]:.0f} Hz (Slaney)")
above_2k = [abs(ratio[freq] - 1) for freq in (2_000, 4_000, 8_000)]
glue("scale_gap_min", round(100 * min(above_2k)))
glue("scale_gap_max", round(100 * max(above_2k)))
glue("scale_gap_250", round(100 * (ratio[250] - 1)))
glue("centre_gap", round(abs(gap[worst])));

# %% [markdown]
# Rescaled to agree at 1 kHz, the formulas still differ by
# {glue:text}`scale_gap_min` to {glue:text}`scale_gap_max` per cent above 2 kHz, and by
# {glue:text}`scale_gap_250` per cent at 250 Hz, where HTK already bends and Slaney is
# still a straight line. With the same 64 bands, one band centre moves by
# {glue:text}`centre_gap` Hz. Neither scale is wrong, but a model trained on one and
# fed the other sees its bands shifted.
#
# ```{warning}
# **Slaney or HTK?** `librosa.filters.mel` and `librosa.feature.melspectrogram` use
# the Slaney scale unless you pass `htk=True`. torchaudio's `MelSpectrogram` uses HTK
# unless you pass `mel_scale="slaney"`. A mel spectrogram is reproducible only with its
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

# %%
def mel_filters(n_mels, *, htk=False, norm="slaney"):
    """The triangles of eqs. (eq-05-edges)-(eq-05-slaney-norm): (n_mels, 1 + N // 2)."""
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk),
                                  n_mels + 2), htk=htk)
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_freqs - left) / (centre - left)
    falling = (right - bin_freqs) / (right - centre)
    W = np.maximum(0, np.minimum(rising, falling))
    return W * 2 / (right - left) if norm == "slaney" else W


# %% [markdown]
# librosa builds the same matrix in `librosa.filters.mel`. Check all four combinations
# of scale (`htk`) and normalisation (`norm=None` keeps peaks of 1, `norm="slaney"`
# gives area 1).

# %%
for htk in (False, True):
    for norm in (None, "slaney"):
        W_librosa = librosa.filters.mel(sr=sr, n_fft=N, n_mels=M, fmin=fmin, fmax=fmax,
                                        htk=htk, norm=norm)
        np.testing.assert_allclose(mel_filters(M, htk=htk, norm=norm), W_librosa,
                                   rtol=1e-5, atol=1e-7 * W_librosa.max())
        print(f"htk={htk!s:5}, norm={norm!s:6}: equal to librosa.filters.mel, "
              f"largest weight {W_librosa.max():.4f}")

W_peak, W_area = mel_filters(M, norm=None), mel_filters(M)
edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), M + 2))
widths = edges[2:] - edges[:-2]
print(f"filterbank: {W_area.shape} (bands, FFT bins); band 0 spans "
      f"{edges[0]:.0f}-{edges[2]:.0f} Hz, {np.count_nonzero(W_peak[0])} bins")
glue("band0_width", round(widths[0]))
glue("band0_bins", np.count_nonzero(W_peak[0]));

# %%
fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
for j in range(M):
    axes[0].plot(bin_freqs, W_peak[j], color=f"C{j % 4}", linewidth=0.8)
    axes[1].plot(bin_freqs, W_area[j], color=f"C{j % 4}", linewidth=0.8)
axes[0].set(title=f"{M} mel filters, norm=None: triangles of height 1",
            ylabel="Weight")
axes[1].set(title='The same filters, norm="slaney" (librosa\'s default): '
            "every triangle has area 1", xlabel="Frequency (Hz)",
            ylabel="Weight (1/Hz)", xlim=(0, fmax))
fig.tight_layout()
plt.show()

# %% [markdown]
# A triangle reaches 1 only at $\varphi_j$, which rarely falls on a bin, so the peaks
# on the bin grid fall short of 1. The lowest band is only {glue:text}`band0_width` Hz
# wide, {glue:text}`band0_bins` bins; with a shorter FFT or more bands some would fall
# between two bins and stay empty (exercise 1).
#
# What does the normalisation change? Feed both filterbanks a flat spectrum, power 1 in
# every bin. With peaks of 1, a band reports the sum over its bins, so wide high bands
# report more. With area 1, every band reports about $1 / \Delta f$, with
# $\Delta f = f_s / N$ the bin spacing: a power density, the same in every band.

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
# What do 64 bands keep of 513 bins? Look at the loudest frame again. The grey line is
# its power spectrum; the dots are its mel bands at their centre frequencies, multiplied
# by $\Delta f$ so that a band reports the mean power of the bins under it.

# %%
frame_db = 10 * np.log10(np.maximum(P[:, k0], 1e-10))
band_db = 10 * np.log10(np.maximum(S[:, k0] * sr / N, 1e-10))
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.plot(bin_freqs, frame_db, color="0.6", linewidth=0.8,
        label=f"{P.shape[0]} STFT bins")
ax.plot(edges[1:-1], band_db, "o-", color="C3", markersize=3, linewidth=1,
        label=f"{M} mel bands (× Δf)")
ax.set(xlim=(0, fmax), ylim=(frame_db.max() - 90, frame_db.max() + 5),
       xlabel="Frequency (Hz)", ylabel="Power (dB)",
       title=f"Frame {k0} ({k0 * H / sr:.2f} s): harmonics followed at low "
       "frequencies, merged above")
ax.legend(loc="upper right")
plt.show()
for freq in (500, 1_000, 2_000, 4_000):
    j = int(np.argmin(np.abs(edges[1:-1] - freq)))
    print(f"band centred near {freq:5d} Hz: {widths[j]:5.0f} Hz wide")
j_500, j_4k = (int(np.argmin(np.abs(edges[1:-1] - freq))) for freq in (500, 4_000))
glue("width_500", round(widths[j_500]))
glue("width_4k", round(widths[j_4k]));

# %% [markdown]
# Near 500 Hz a band's triangle is {glue:text}`width_500` Hz wide at its base, about
# half the spacing of this frame's harmonics ({glue:text}`f0_k0` Hz), so the bands
# follow the harmonic comb. Near 4 kHz it is {glue:text}`width_4k` Hz wide, two
# spacings, and keeps only the *envelope*: the broad resonances of the vocal tract, the
# formants. That is the trade the mel scale makes: detail where the ear resolves it,
# averages where it does not.
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
# uses $r = 1$, $a = 10^{-10}$ and $T = 80$ dB. By hand:

# %%
S_db = 10 * np.log10(np.maximum(S, LOGMEL.amin))
S_db -= 10 * np.log10(max(LOGMEL.ref, LOGMEL.amin))
S_db = np.maximum(S_db, S_db.max() - LOGMEL.top_db)
S_db_librosa = librosa.power_to_db(S_librosa, ref=LOGMEL.ref, amin=LOGMEL.amin,
                                   top_db=LOGMEL.top_db)
np.testing.assert_allclose(S_db, S_db_librosa, atol=1e-3)
print(f"log-mel by hand == power_to_db: {S_db.shape}, "
      f"{S_db.min():.1f} to {S_db.max():.1f} dB")


# %% [markdown]
# The whole front end is these two librosa calls with the course's parameters. This is
# `voicelab.melspec.log_mel`, the function every later chapter calls:

# %%
def log_mel(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """Log-mel spectrogram in dB of a mono clip, with the parameters of ``LOGMEL``.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape ``(n_samples,)``.
    sr : int, default SR
        Its sampling rate: must be 16 kHz, the rate the filters are built for.

    Returns
    -------
    np.ndarray
        float32, shape ``(n_mels, 1 + n_samples // hop_length)``.
    """
    assert sr == LOGMEL.sr, f"log_mel needs {LOGMEL.sr} Hz, got {sr}: resample first"
    assert np.ndim(y) == 1 and len(y) > 0, "log_mel needs a non-empty mono signal"
    S = librosa.feature.melspectrogram(
        y=y, sr=sr, n_fft=LOGMEL.n_fft, hop_length=LOGMEL.hop_length,
        n_mels=LOGMEL.n_mels, fmin=LOGMEL.fmin, fmax=LOGMEL.fmax, power=LOGMEL.power,
    )
    S_db = librosa.power_to_db(S, ref=LOGMEL.ref, amin=LOGMEL.amin,
                               top_db=LOGMEL.top_db)
    return S_db.astype(np.float32)


np.testing.assert_allclose(S_db, log_mel(y, sr), atol=1e-3)
np.testing.assert_array_equal(log_mel(y, sr), melspec.log_mel(y, sr))
print("by hand == log_mel == voicelab.melspec.log_mel")

# %% [markdown]
# Why a logarithm? Three reasons.
#
# **Perception.** Loudness, how loud a sound seems, is not proportional to intensity,
# nor to its logarithm. It grows as a *power* of intensity: roughly as $I^{0.3}$
# (Stevens's power law {cite}`stevens1957psychophysical`), so each +10 dB, ten times the
# intensity, sounds roughly twice as loud, whatever the starting level. Loudness in
# **sones** follows that power; the **loudness level** in **phons** (the level in dB of
# a 1 kHz tone judged equally loud) is logarithmic. A dB axis therefore puts equal
# loudness *ratios* at equal distances.

# %%
for step_db in (10, 20, 40):
    intensity = 10 ** (step_db / 10)
    print(f"+{step_db} dB: intensity × {intensity:>6,.0f}, loudness × about "
          f"{intensity ** 0.3:.0f}")

# %% [markdown]
# **Dynamic range.** Speech power spans many orders of magnitude. On a linear scale a
# few loud cells dwarf everything else. Count how much of the total power the loudest
# cells hold, and look at both histograms.

# %%
positive = S[S > 0]
ordered = np.sort(positive)[::-1]
share = np.cumsum(ordered) / ordered.sum()
top_cells = (np.searchsorted(share, 0.99) + 1) / S.size
power_span = 10 * np.log10(positive.max() / positive.min())
print(f"power spans {power_span:.0f} dB; "
      f"{S.size - positive.size} cells are exactly 0 (digital silence)")
print(f"the loudest {100 * top_cells:.1f} % of cells hold 99 % of the power")
glue("power_span", round(power_span))
glue("top_cells", round(100 * top_cells, 1))

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
# The power spans {glue:text}`power_span` dB, and the loudest
# {glue:text}`top_cells:.1f` per cent of the cells hold 99 per cent of it. The spike on
# the left of the dB histogram is the floor: cells that `top_db` raised to 80 dB below
# the maximum, mostly the silence around the sentence.
#
# **Products become sums.** A gain $g$ multiplies every power by $g^2$. After the
# logarithm it *adds* the same number to every cell:
#
# $$
# 10 \log_{10}(g^2 S) = 10 \log_{10} S + 20 \log_{10} g .
# $$ (eq-05-gain)
#
# Halving the amplitude should lower every cell by $20 \log_{10} 2$, about
# {glue:text}`gain_db:.2f` dB. Check it, and check what `ref=np.max` (0 dB at each
# clip's loudest cell, as the report used) does to the same gain.

# %%
shift = log_mel(0.5 * y, sr) - log_mel(y, sr)
print(f"ref=1.0:    every cell moves by {shift.min():.3f} to {shift.max():.3f} dB")
np.testing.assert_allclose(shift, -20 * np.log10(2), atol=1e-3)
relative = [librosa.power_to_db(librosa.feature.melspectrogram(
    y=gain * y, sr=sr, n_fft=N, hop_length=H, n_mels=M, fmin=fmin, fmax=fmax),
    ref=np.max) for gain in (1.0, 0.5)]
print(f"ref=np.max: largest change {np.abs(relative[1] - relative[0]).max():.4f} dB")
glue("gain_db", round(20 * np.log10(2), 2));

# %% [markdown]
# With a fixed reference a gain becomes a constant offset, easy for a network to learn
# to ignore; with `ref=np.max` it disappears, and every clip's loudest cell is 0 dB.
# The course keeps `ref=1.0`, so the input keeps the level the microphone delivered. In
# this corpus that level is drawn at random per take: it carries no speaker
# information.
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
share_linear = np.mean(bin_freqs < 1_000)
share_mel = np.mean(edges[1:-1] < 1_000)
print(f"rows below 1 kHz: linear {100 * share_linear:.0f} %, "
      f"mel {100 * share_mel:.0f} %")
glue("rows_linear", round(100 * share_linear))
glue("rows_mel", round(100 * share_mel));

# %% [markdown]
# In the linear panels the lowest kilohertz gets {glue:text}`rows_linear` per cent of
# the rows: the harmonics are thin lines at the bottom, and the top half holds mostly
# the hiss of consonants. The mel panels give it {glue:text}`rows_mel` per cent: the
# harmonics and the first formants fill the image.
#
# ## What a network will see
#
# {doc}`06_cnn` trains a convolutional network on these spectrograms. Its input is not
# a picture but the array itself: `log_mel` of each clip, cut or padded to a fixed
# length, `CLIP_SECONDS` = 4 s. Two small functions do the bookkeeping; with centred
# frames, {eq}`eq-02-n-frames` gives the frame count. Both live in `voicelab.melspec`.

# %%
def fixed_length(
    y: np.ndarray, seconds: float = CLIP_SECONDS, sr: int = SR, *, align: str = "start"
) -> np.ndarray:
    """Pad ``y`` with zeros, or crop it, to ``round(seconds * sr)`` samples.
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    seconds : float, default CLIP_SECONDS
        The length wanted (> 0).
    sr : int, default SR
        Sampling rate of ``y`` in Hz.
    align : {"start", "center"}
        Keep the start (pad or crop at the end) or the middle.
    """
    assert seconds > 0, f"seconds must be positive, got {seconds}"
    return audio.pad_or_crop(np.asarray(y), round(seconds * sr), align=align)


def n_frames(seconds: float = CLIP_SECONDS) -> int:
    """Frames that :func:`log_mel` gives for a clip of ``seconds`` (centred frames).
    Taught in chapter 05 (The mel spectrogram from first principles).

    Parameters
    ----------
    seconds : float, default CLIP_SECONDS
        Clip length (> 0), as made by :func:`fixed_length`.
    """
    assert seconds > 0, f"seconds must be positive, got {seconds}"
    return 1 + round(seconds * LOGMEL.sr) // LOGMEL.hop_length


# %%
S_db = log_mel(fixed_length(y, sr=sr), sr)
assert S_db.shape == (LOGMEL.n_mels, n_frames()) == (M, melspec.n_frames())
print(f"input: {S_db.shape} (mel bands, frames), {S_db.dtype}")
print("top-left corner (lowest bands, first frames), dB:")
print(np.round(S_db[:3, :6], 1))

fig, ax = plt.subplots(figsize=(9, 3.2))
image = ax.imshow(S_db, origin="lower", aspect="auto", cmap="magma",
                  interpolation="nearest")
ax.set(xlabel=f"Frame index ({1e3 * H / sr:.0f} ms per frame)",
       ylabel="Mel band index", title=f"What the network receives: {S_db.shape[0]} mel "
       f"bands × {S_db.shape[1]} frames (clb, s001, padded to {CLIP_SECONDS:.0f} s)")
fig.colorbar(image, ax=ax, label="dB (ref 1.0)")
plt.show()

# %% [markdown]
# The corner holds the same value everywhere: the clip starts with digital silence,
# raised to the `top_db` floor. The dark block at the right is the padding to 4 s.
#
# The report did something else. It saved each mel spectrogram as a figure, with axes,
# title and colour map, and trained its network on the images, resized to 128 × 256
# pixels: 128 mel bands × 256 frames, each cell three colour values. That adds content
# that is not sound, and loses content that is:
#
# - **Axes, ticks and titles** are pixels the network can learn from; a title that
#   differed between the classes would hand it the label.
# - **The colour map** turns one number into three through a table of 256 colours:
#   steps of about 0.3 dB over an 80 dB range.
# - **Resizing** blurs bands and frames together and stretches clips of different
#   durations to one width, so speaking rate becomes horizontal zoom.
# - **Colour limits are chosen per figure**, so one colour means different levels in
#   different images.
#
# Test the last point: render the clip, and the same clip 20 dB quieter, as a saved
# figure would, and compare the pixels.

# %%
pixels = {}
for gain in (1.0, 0.1):
    S_db_gain = log_mel(fixed_length(gain * y, sr=sr), sr)
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
np.testing.assert_allclose(S_db_gain, S_db - 20, atol=1e-3)
differ = np.mean(np.any(pixels[1.0] != pixels[0.1], axis=-1))
assert differ < 0.001  # a few pixels at most, where a cell tips into the next colour
print(f"arrays: every cell 20 dB apart; spectrogram pixels that differ: {differ:.1%}")
glue("figure_ratio", round(rgb.size / S_db.size));

# %% [markdown]
# The figure holds {glue:text}`figure_ratio` times more numbers than the array. The
# arrays differ by exactly 20 dB in every cell; the images are the same except for a
# few pixels where rounding tips a cell into the next colour. Only the colour bar's
# labels changed. A network reading pixels cannot see a level difference that one
# reading the array sees exactly. Give a network the numbers, and decide what they
# should contain.
#
# `voicelab.melspec.log_mel_dataset` does this for a whole table of clips, in worker
# processes (the same numbers as one process), and caches the result on disk. A second
# call only reads the cache. The progress bar varies from run to run, so the tests
# ignore this cell's output and the book leaves it out.

# %% tags=["nbval-ignore-output", "remove-output"]
X_all = melspec.log_mel_dataset(corpus)

# %%
print(f"X_all: {X_all.shape} (clips, mel bands, frames), {X_all.dtype}, "
      f"{X_all.nbytes / 1e6:.1f} MB")
print(f"dB range: {X_all.min():.1f} to {X_all.max():.1f}")
first = log_mel(fixed_length(audio.load(corpus["path"].iloc[0])[0]))
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
# Every bin has the same ratio $Q$ of frequency to bandwidth, so each uses its own
# window, about $Q f_s / f_k$ samples long. With $B = 12$ the bins are the semitones of
# the piano; **chroma** folds all octaves onto the 12 pitch classes (chapter 02).

# %%
bins_per_octave, n_bins, f_c2 = 12, 72, librosa.note_to_hz("C2")
Q = 1 / (2 ** (1 / bins_per_octave) - 1)
C = np.abs(librosa.cqt(y, sr=sr, hop_length=H, fmin=f_c2, n_bins=n_bins,
                       bins_per_octave=bins_per_octave))
chroma = librosa.feature.chroma_cqt(C=C, sr=sr, hop_length=H, fmin=f_c2,
                                    bins_per_octave=bins_per_octave)
print(f"Q = {Q:.1f}; CQT {C.shape}, chroma {chroma.shape}")
cqt_freqs = librosa.cqt_frequencies(n_bins, fmin=f_c2, bins_per_octave=bins_per_octave)
for f_k in cqt_freqs[[0, -1]]:
    print(f"bin at {f_k:6.0f} Hz: window of about {Q * sr / f_k:5.0f} samples "
          f"({1e3 * Q / f_k:5.1f} ms)")
glue("cqt_q", round(Q, 1))
glue("cqt_long_ms", round(1e3 * Q / cqt_freqs[0]))
glue("cqt_short_ms", round(1e3 * Q / cqt_freqs[-1], 1))

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
# Here $Q$ = {glue:text}`cqt_q:.1f`: the lowest bin's window lasts
# {glue:text}`cqt_long_ms` ms, the highest's {glue:text}`cqt_short_ms:.1f` ms. The CQT
# suits music: a melody moves rigidly up and down on it, and chroma summarises harmony
# {cite}`muller2015fundamentals`. For speech the mel spectrogram is the standard: one
# time resolution, bands that follow the ear, and formants, not pitch classes, carry a
# voice's identity.
#
# ## Listening: what the mel spectrogram keeps
#
# A mel spectrogram drops the phase and the detail inside each band. Hear both losses
# by going back to sound:
#
# - **From $|X|$.** Guess the phase with the Griffin–Lim algorithm
#   {cite}`griffin1984signal`: start from random phases, then alternate an inverse STFT
#   and an STFT, each time keeping the phase and putting the known magnitude back.
# - **From the mel spectrogram.** First estimate 513 bins from 64 bands
#   (`librosa.feature.inverse.mel_to_stft`, a non-negative least-squares fit), then
#   run Griffin–Lim.
#
# Sixteen iterations keep this fast. The **spectral convergence** of a result
# $\hat{y}$ measures how far its STFT magnitude is from the original's:
#
# $$
# \text{SC} = \frac{\big\lVert\, |\hat{X}| - |X| \,\big\rVert_F}{\lVert X \rVert_F} .
# $$ (eq-05-sc)
#
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

# %% [markdown]
# The reconstructions are float-heavy: their last digits move with the CPU, so the
# tests do not compare this cell's printout; the cell asserts what the text claims.

# %% tags=["nbval-ignore-output"]
y_from_stft = seeded[0]
magnitude = librosa.feature.inverse.mel_to_stft(S_librosa, sr=sr, n_fft=N, fmin=fmin,
                                                fmax=fmax)
y_from_mel = librosa.griffinlim(magnitude, random_state=0, **kwargs)

reference = log_mel(y, sr)
distance, convergence = {}, {}
for name, signal in [("stft", y_from_stft), ("mel", y_from_mel)]:
    distance[name] = np.abs(log_mel(signal, sr) - reference).mean()
    rebuilt = np.abs(librosa.stft(signal, n_fft=N, hop_length=H))
    convergence[name] = np.linalg.norm(rebuilt - np.abs(X)) / np.linalg.norm(X)
    print(f"from {name:>4}: spectral convergence {convergence[name]:.2f}, mean "
          f"log-mel difference to the original {distance[name]:.1f} dB")
assert distance["stft"] < 1 < distance["mel"] < 4
assert convergence["stft"] < convergence["mel"] < 1
for name in ("stft", "mel"):
    glue(f"gl_db_{name}", round(float(distance[name]), 1))
    glue(f"gl_sc_{name}", round(float(convergence[name]), 2))

# %%
for signal in (y_from_stft, y_from_mel):  # what the players hold
    assert signal.size == y.size and np.isfinite(signal).all()
    assert 0.1 < np.abs(signal).max() / np.abs(y).max() < 10
viz.audio_table({
    "original": (y, sr),
    "from |STFT| (phase guessed)": (y_from_stft, sr),
    f"from {M} mel bands": (y_from_mel, sr),
}, columns=2)

# %% [markdown]
# Guessed phases add a rough, metallic quality. The version from 64 bands adds a
# second loss: above about 1.5 kHz each band spreads its power evenly over its bins, so
# only the envelope is left. The numbers agree: spectral convergence
# {glue:text}`gl_sc_stft:.2f` from $|X|$ against {glue:text}`gl_sc_mel:.2f` from the
# mel bands, and a mean log-mel difference to the original of
# {glue:text}`gl_db_stft:.1f` dB against {glue:text}`gl_db_mel:.1f` dB. Whether you can
# still tell who speaks is what the network of {doc}`06_cnn` answers from this array.
#
# ## Summary
#
# - A spectrogram is the magnitude (or power) of the STFT: overlapping Hann-windowed
#   frames, one DFT each. librosa centres frames with $N/2$ zeros of padding, which
#   sets the frame count to $1 + \lfloor n / H \rfloor$. The frame length trades
#   harmonic detail (64 ms here) against time resolution (20–30 ms in recognisers).
# - The mel scale is a fit to listening experiments. HTK and Slaney (librosa's
#   default, linear below 1 kHz) are both exact and differ: with 64 bands one band
#   centre moves by {glue:text}`centre_gap` Hz.
# - A mel spectrogram is one matrix product, $W |X|^2$, with triangles equally spaced
#   in mel; `norm="slaney"` (librosa's default) gives each triangle area 1.
# - Decibels compress a range of {glue:text}`power_span` dB, put equal loudness ratios
#   at equal distances, and turn a gain into a constant offset; `ref`, `amin` and
#   `top_db` are part of the definition.
# - A network should receive the array (`voicelab.melspec.log_mel`,
#   {glue:text}`n_mels` mel bands × {glue:text}`n_frames` frames for 4 s), not a
#   figure: axes, colour maps and resizing add content and remove precision.
#
# ## Exercises
#
# Each solution is a collapsed block; the hidden cell after it runs its code.
#
# **1. Empty filters.** Build `librosa.filters.mel` with `sr=16000`, `n_fft=256`,
# `n_mels=128` and `fmin=0`. How many filters have no non-zero weight, and why? Which
# changes fix it?
#
# ````{admonition} Solution
# :class: dropdown
# The bins are $16\,000 / 256$ Hz apart, but below 1 kHz 128 Slaney bands are only
# about {glue:text}`ex1_spacing` Hz apart, so a triangle's base is about twice that. A
# triangle whose two feet fall between the same pair of bins gets no weight at all;
# librosa warns "Empty filters detected". {glue:text}`ex1_empty_256` filters are empty.
# A longer FFT (`n_fft=512` halves the bin spacing and leaves
# {glue:text}`ex1_empty_512` empty), fewer bands or a higher `fmin` fix it.
# ````

# %% tags=["hide-cell"]
import warnings

empty = {}
for n_fft in (256, 512):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W_ex = librosa.filters.mel(sr=16_000, n_fft=n_fft, n_mels=128, fmin=0)
    empty[n_fft] = int(np.sum(W_ex.max(axis=1) == 0))
    print(f"n_fft={n_fft}: {empty[n_fft]} empty filters")
spacing = np.diff(librosa.mel_frequencies(130, fmin=0, fmax=8_000))[:10].mean()
assert empty[256] > 0 and empty[512] == 0
glue("ex1_empty_256", empty[256])
glue("ex1_empty_512", empty[512])
glue("ex1_spacing", round(spacing));

# %% [markdown]
# **2. Padding modes.** Compute the STFT of `y` with `pad_mode="constant"` and with
# `pad_mode="reflect"`. Which frames differ? Do the same for `y` with its leading and
# trailing silence trimmed (`voicelab.audio.trim_silence`). Explain.
#
# ````{admonition} Solution
# :class: dropdown
# Only frames whose window reaches into the padding can differ. The stored clip starts
# with exact zeros, and reflected zeros are zeros, so only its last frames differ
# (frames {glue:text}`ex2_stored`: it ends with a few quiet samples). The trimmed clip
# starts and ends in the sound: frames {glue:text}`ex2_trimmed` differ. The frame
# count never changes.
# ````

# %% tags=["hide-cell"]
differing = {}
for name, signal in [("stored", y), ("trimmed", audio.trim_silence(y)[0])]:
    a = librosa.stft(signal, n_fft=N, hop_length=H, pad_mode="constant")
    b = librosa.stft(signal, n_fft=N, hop_length=H, pad_mode="reflect")
    assert a.shape == b.shape
    differing[name] = np.flatnonzero(np.abs(a - b).max(axis=0) > 1e-6).tolist()
    print(f"{name}: {a.shape[1]} frames, differing frames {differing[name]}")
    # only frames whose window reaches into the padding, at either end, may differ
    assert all(k * H < N // 2 or k * H + N // 2 > signal.size for k in differing[name])
assert differing["stored"][0] > 1  # the stored clip starts with exact zeros
assert differing["trimmed"][0] == 0 and differing["trimmed"][-1] == a.shape[1] - 1
glue("ex2_stored", ", ".join(map(str, differing["stored"])))
glue("ex2_trimmed", ", ".join(map(str, differing["trimmed"])));

# %% [markdown]
# **3. Where do the scales agree?** The rescaled Slaney scale ($\times 1000/15$) equals
# the HTK scale at 1 kHz. Find where else, between 0 and 8 kHz, the two curves cross,
# and where their difference in mels is largest. Then compute the largest difference
# between the band centres of a 128-band filterbank on each scale (0–8 kHz).
#
# ````{admonition} Solution
# :class: dropdown
# They meet only at 0 and 1 kHz. Below 1 kHz HTK lies above, by up to
# {glue:text}`ex3_below_mel` mels near {glue:text}`ex3_below_hz` Hz; above 1 kHz the
# Slaney scale lies above, by up to {glue:text}`ex3_above_mel` mels near
# {glue:text}`ex3_above_hz` Hz. With 128 bands from 0 to 8 kHz the band centres differ
# by up to {glue:text}`ex3_centre_gap` Hz.
# ````

# %% tags=["hide-cell"]
f_ex = np.linspace(1, 8_000, 8_000)
diff = hz_to_mel(f_ex) * 1_000 / 15 - hz_to_mel(f_ex, htk=True)
crossings = f_ex[np.flatnonzero(np.diff(np.sign(diff)))]
below, above = f_ex < 1_000, f_ex > 1_000
c = {htk: librosa.mel_frequencies(130, fmin=0, fmax=8_000, htk=htk)
     for htk in (True, False)}
print("crossings near", crossings.round(), "Hz")
assert len(crossings) == 1 and abs(crossings[0] - 1_000) < 2
results_ex3 = {
    "ex3_below_mel": -diff[below].min(),
    "ex3_below_hz": f_ex[below][diff[below].argmin()],
    "ex3_above_mel": diff[above].max(),
    "ex3_above_hz": f_ex[above][diff[above].argmax()],
    "ex3_centre_gap": np.abs(c[True] - c[False]).max(),
}
for key, value in results_ex3.items():
    print(f"{key}: {value:.0f}")
    glue(key, int(round(value, -1)) if key.endswith("hz") else round(value))

# %% [markdown]
# **4. A recogniser's front end.** Build the log-mel spectrogram of `y`, padded to
# 4 s, with 25 ms frames every 10 ms (`n_fft=400`, `hop_length=160`) and 64 bands
# from 50 Hz to 8 kHz. What shape do you get? How many STFT bins does the lowest mel
# band cover, and is any filter empty?
#
# ````{admonition} Solution
# :class: dropdown
# The array has {glue:text}`n_mels` mel bands × {glue:text}`frames_10ms` frames,
# against {glue:text}`n_frames` frames with the course's hop. The bins are now
# {glue:text}`ex4_bin_hz:.0f` Hz apart, so the lowest band covers only
# {glue:text}`ex4_band0_bins` bins; none is empty yet. The price in harmonic detail is
# the one the figure of "Why 64 ms frames?" showed.
# ````

# %% tags=["hide-cell"]
S_asr = librosa.power_to_db(librosa.feature.melspectrogram(
    y=fixed_length(y, sr=sr), sr=sr, n_fft=400, hop_length=160, n_mels=M, fmin=fmin,
    fmax=fmax), ref=1.0, amin=1e-10, top_db=80.0)
W_asr = librosa.filters.mel(sr=sr, n_fft=400, n_mels=M, fmin=fmin, fmax=fmax)
print(f"25 ms / 10 ms: {S_asr.shape} (mel bands, frames) for {CLIP_SECONDS:.0f} s")
print(f"lowest band: {np.count_nonzero(W_asr[0])} bins; empty filters: "
      f"{np.sum(W_asr.max(axis=1) == 0)}")
assert S_asr.shape[1] == 1 + round(CLIP_SECONDS * sr) // 160
assert np.all(W_asr.max(axis=1) > 0)
glue("ex4_bin_hz", sr / 400)
glue("ex4_band0_bins", np.count_nonzero(W_asr[0]));

# %% [markdown]
# ## Further reading
#
# - The mel scale's origin: {cite}`stevens1937scale` and its revision
#   {cite}`stevens1940relation`. The HTK formula and filterbank, and the usual
#   25 ms / 10 ms front end: {cite}`young2006htk`; Slaney's filterbank:
#   {cite}`slaney1998auditory`; mel filterbanks for speech recognition:
#   {cite}`davis1980comparison`.
# - Loudness as a power of intensity: {cite}`stevens1957psychophysical`.
# - Windows and their leakage: {cite}`harris1978use`. The STFT and its inverse:
#   {cite}`allen1977short`; phase reconstruction: {cite}`griffin1984signal`.
# - The constant-Q transform: {cite}`brown1991calculation`; the STFT, CQT and chroma
#   with music examples: {cite}`muller2015fundamentals`.
# - librosa's implementations of all of the above: {cite}`mcfee2015librosa`.
