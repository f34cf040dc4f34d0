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
# - compute a clip's short-time Fourier transform by hand, equal to librosa's, and
#   say what the frame length buys and costs;
# - convert between Hz and mels on the HTK and Slaney scales, and say which library
#   uses which;
# - build a triangular mel filterbank with either normalisation, and turn power into
#   decibels with explicit `ref`, `amin` and `top_db`;
# - build the course's network input, {glue:text}`n_mels` mel bands ×
#   {glue:text}`n_frames` frames, and say why a network should get the array, not a
#   picture of it;
# - hear, with Griffin–Lim, what a mel spectrogram keeps and drops.
#
# **Where this sits:** after {doc}`04_micrograd`, and built on the frames of
# {doc}`02_features`. The array you build here is the input of every network from
# {doc}`06_cnn` on.
#
# The report this course retells made its mel spectrograms with one librosa call,
# which hides a dozen choices that change the numbers: frame length, window, padding,
# mel formula, filter normalisation, decibel reference. Here you make each yourself,
# checked against librosa {cite}`mcfee2015librosa`.

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
# The course fixes its front end's parameters once, in `voicelab.melspec.LOGMEL`:

# %%
N, H, M = LOGMEL.n_fft, LOGMEL.hop_length, LOGMEL.n_mels
fmin, fmax = LOGMEL.fmin, LOGMEL.fmax
for name, value in vars(LOGMEL).items():
    print(f"{name:>12} = {value}")
glue("n_mels", M)
glue("n_frames", melspec.n_frames());

# %% [markdown]
# The pipeline has five steps, one section each:
#
# 1. cut the clip into overlapping **frames**, each tapered by a **window**;
# 2. take the **DFT** of every frame: the short-time Fourier transform (STFT);
# 3. square the magnitudes: **power**;
# 4. sum the power in triangular bands equally spaced on the **mel scale**;
# 5. take the **logarithm**: decibels.
#
# ## Frames and windows
#
# Speech changes every few tens of milliseconds, so you analyse short **frames**
# (chapter 02): $N$ samples long (chapter 02 wrote $L$), one every $H$
# samples (the **hop**). Here $N = 1024$ (64 ms) and $H = 256$ (16 ms).
#
# librosa **centres** frame $k$ on sample $kH$ by padding $N/2$ zeros on each side of
# the clip. With $\tilde{x}$ the padded signal, frame $k$ is
#
# $$
# x_k[m] = \tilde{x}[kH + m], \qquad m = 0, \dots, N - 1 .
# $$ (eq-05-frame)
#
# Cutting out a frame multiplies the signal by a rectangle, whose sharp edges add
# frequencies the sound does not contain. A **window** $w$ fades each frame in and out
# instead; librosa's default is the **Hann window**:
#
# $$
# w[m] = \frac{1}{2} - \frac{1}{2} \cos\!\left(\frac{2 \pi m}{N}\right),
# \qquad m = 0, \dots, N - 1 .
# $$ (eq-05-hann)
#
# This *periodic* form has $w[0] = 0$ but $w[N-1] > 0$, as if the window repeated with
# period $N$. Build it and compare with SciPy's, which librosa uses.

# %%
m = np.arange(N)
window = 0.5 - 0.5 * np.cos(2 * np.pi * m / N)
np.testing.assert_allclose(window, scipy.signal.get_window("hann", N), atol=1e-15)
np.testing.assert_allclose(window, librosa.filters.get_window("hann", N), atol=1e-15)

y_pad = np.pad(y, N // 2, mode="constant")
frames = np.lib.stride_tricks.sliding_window_view(y_pad, N)[::H]
print(f"padded signal: {y_pad.size} samples; frames: {frames.shape} (frames, samples)")

# %% [markdown]
# Four consecutive frames on the loudest stretch: the windows (scaled to the
# waveform's peak) above, the windowed frames below.

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
# Do overlapping windows weight some samples more? Add copies shifted by
# $H = N/4$: away from the edges the sum is exactly 2, so every sample counts evenly.

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
# Take a pure tone halfway between two DFT bins, at 64.5 bin spacings (about 1008 Hz).
# Cut one frame of it with a rectangle and one with the Hann window, and compare their
# DFT magnitudes.

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
# {glue:text}`leak_rect` dB below the peak; Hann's is {glue:text}`leak_hann` dB below.
# Speech puts soft high harmonics next to loud low ones, so low leakage matters
# {cite}`harris1978use`. The price is a wider **main lobe**, the peak a pure tone
# makes: Hann's is 4 bins wide, $4 f_s / N$ Hz.
#
# ### Why 64 ms frames?
#
# Speech front ends usually cut 20–30 ms frames every 10 ms (25 ms and 10 ms in HTK
# {cite}`young2006htk`; see also {cite}`jurafsky2025speech`): the vocal tract barely
# moves within one, and it holds a few pitch periods. This course uses 64 ms every
# 16 ms, for three reasons:
#
# 1. **Harmonics.** A longer frame has a narrower main lobe, so harmonics stand apart.
#    The cell below compares 25 ms and 64 ms.
# 2. **One front end.** `LOGMEL` takes chapter 02's window and hop from
#    `voicelab.features`.
# 3. **The task.** *Who* speaks, over a whole clip, shows in timbre and pitch more
#    than in the timing of 10 ms events.

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
# The median F0 is {glue:text}`f0_clb` Hz for clb, {glue:text}`f0_slt` Hz for
# slt. A 25 ms frame's main lobe is
# {glue:text}`lobe_25:.0f` Hz wide, about the spacing of these harmonics, so
# neighbours nearly touch. The 64 ms frame's lobe is {glue:text}`lobe_64:.1f` Hz wide:
# below 1 kHz its harmonics stand on average {glue:text}`contrast_64` dB above the
# valleys, against {glue:text}`contrast_25` dB at 25 ms.
#
# The price is time resolution: a 64 ms frame blurs a plosive burst or a fast formant
# transition, which a word recogniser needs. You also get fewer frames: 4 s give
# {glue:text}`n_frames` here, against {glue:text}`frames_10ms` with a 10 ms hop
# (exercise 4).
#
# ## The short-time Fourier transform
#
# Now take the DFT (chapter 01) of every windowed frame. For frame $k$ and bin $f$,
#
# $$
# X[f, k] = \sum_{m=0}^{N-1} w[m]\, x_k[m]\, e^{-2\pi i f m / N},
# \qquad f = 0, \dots, \frac{N}{2} .
# $$ (eq-05-stft)
#
# Bin $f$ stands for the frequency $f f_s / N$, here multiples of
# {glue:text}`bin_hz:.3f` Hz. A real signal's spectrum is symmetric, so these
# $N/2 + 1 = 513$ bins, up to the Nyquist frequency, hold everything. Side by side the
# columns form the **STFT** {cite}`allen1977short`, a complex matrix of shape (bins,
# frames).

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
# with `center=False`, $1 + \lfloor (n - N) / H \rfloor$ ({glue:text}`uncentred_fewer`
# fewer here), and frame $k$ *starts* at $kH$. Padding matters too: librosa pads
# with zeros (`pad_mode="constant"`) since version 0.9; older versions and torchaudio
# reflect (`"reflect"`), which changes the end frames (exercise 2).
# ```
#
# The STFT is complex. Its **magnitude** $|X|$ says how strong each frequency is in each
# frame; its angle, the **phase**, where each sinusoid is in its cycle. Spectrograms
# keep the magnitude, or the **power** $|X|^2$, and drop the phase.
#
# ```{note}
# $10 \log_{10} |X|^2 = 20 \log_{10} |X|$: `librosa.power_to_db` expects power,
# `librosa.amplitude_to_db` magnitude. Feeding magnitudes to `power_to_db` silently
# halves every level in dB.
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
# {glue:text}`cents_high` cents, a third of a semitone. The ear resolves low
# frequencies far more finely than high ones, so most of a spectrogram's 513 equally
# spaced rows go where the ear hears little difference.
#
# The **mel** scale (from *melody*) measures perceived pitch: equal steps in mels
# sound equal, and 1000 Hz is 1000 mels. Stevens, Volkmann and Newman built it in 1937
# from listeners who set a tone to sound half as high as another
# {cite}`stevens1937scale`. It is nearly linear at low frequencies and nearly
# logarithmic at high ones: a curve fitted to experiments, revised in 1940
# {cite}`stevens1940relation`, not a law.
#
# The report said there is "no specific mel formula". Half right: none is the true
# one, but each formula in use is exact, and they differ. Two are common. The **HTK**
# formula {cite}`young2006htk`, used by torchaudio and TensorFlow:
#
# $$
# m_\text{HTK}(f) = 2595 \log_{10}\!\left(1 + \frac{f}{700}\right) .
# $$ (eq-05-htk)
#
# The **Slaney** formula follows Malcolm Slaney's Auditory Toolbox
# {cite}`slaney1998auditory` and is librosa's default. It is exactly linear up to
# 1 kHz, 3 mels per 200 Hz, and exactly logarithmic above, 27 mels per factor 6.4:
#
# $$
# m_\text{Slaney}(f) =
# \begin{cases}
#   \dfrac{3 f}{200} & f < 1000 \text{ Hz} \\[1ex]
#   15 + \dfrac{27}{\ln 6.4} \ln\!\dfrac{f}{1000} & f \ge 1000 \text{ Hz.}
# \end{cases}
# $$ (eq-05-slaney)
#
# Both invert in closed form. Here are both directions as code; later chapters call
# the same two functions from `voicelab.melspec`.

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
# Check them against librosa, and that each inverts the other.

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
# On the Slaney scale the two 100 Hz steps are {glue:text}`step_low:.2f` and
# {glue:text}`step_high:.2f` mels. The units differ (1000 Hz is 1000 HTK mels but 15
# Slaney mels), so the left panel scales Slaney by $1000 / 15$. A filterbank needs only
# its band positions: the right panel compares 64 band centres spread evenly in mel
# from 50 Hz to 8 kHz.

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
# still straight. With 64 bands, one band centre moves by {glue:text}`centre_gap` Hz.
# Neither scale is wrong, but a model trained on one and fed the other sees its bands
# shifted.
#
# ```{warning}
# **Slaney or HTK?** `librosa.filters.mel` and `librosa.feature.melspectrogram` use
# the Slaney scale unless you pass `htk=True`; torchaudio's `MelSpectrogram` uses HTK
# unless you pass `mel_scale="slaney"`. A mel spectrogram is reproducible only with its
# scale, normalisation (next section), $f_\text{min}$, $f_\text{max}$ and band count.
# `voicelab.melspec` fixes all of them: Slaney scale, 64 bands, 50–8000 Hz.
# ```
#
# ## A triangular filterbank
#
# A mel spectrogram sums the STFT's power in $M$ bands, built in three steps.
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
# **Triangles.** Band $j$ ($j = 1, \dots, M$) rises from 0 at $\varphi_{j-1}$ to 1 at
# $\varphi_j$ and falls back to 0 at $\varphi_{j+1}$: each band's peak is its
# neighbours' foot. Evaluate it at the frequency $f_b = b f_s / N$ of every STFT
# bin $b$:
#
# $$
# W_{jb} = \max\!\left(0,\ \min\!\left(
#   \frac{f_b - \varphi_{j-1}}{\varphi_j - \varphi_{j-1}},\
#   \frac{\varphi_{j+1} - f_b}{\varphi_{j+1} - \varphi_j}\right)\right) .
# $$ (eq-05-triangle)
#
# **Normalisation.** High bands are wide, so they collect the power of many bins. The
# Slaney normalisation divides each triangle by half its base, giving it area 1 in Hz
# (base $\ell$ times height $h$, halved):
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
# Compare with `librosa.filters.mel` for all four combinations of scale (`htk`) and
# normalisation (`norm=None`: peaks of 1; `norm="slaney"`: area 1).

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
# The peaks fall short of 1: $\varphi_j$ rarely falls on a bin. The lowest band is
# only {glue:text}`band0_width` Hz wide, {glue:text}`band0_bins` bins; with a shorter
# FFT or more bands some bands would fall between two bins and stay empty (exercise 1).
#
# What does the normalisation change? Feed both filterbanks a flat spectrum, power 1 in
# every bin. With peaks of 1, a band reports the sum over its bins, so wide high bands
# report more. With area 1, every band reports about $1 / \Delta f$, where
# $\Delta f = f_s / N$ is the bin spacing: a power density, equal across bands.

# %%
flat = np.ones(1 + N // 2)
peak_response, area_response = W_peak @ flat, W_area @ flat
print(f"norm=None:     band {peak_response.min():.1f} to {peak_response.max():.1f}")
print(f'norm="slaney": band {area_response.min():.4f} to {area_response.max():.4f}; '
      f"1 / Δf = {N / sr:.4f}")

# %% [markdown]
# ```{note}
# librosa defaults to `norm="slaney"`; HTK-style front ends (torchaudio, TensorFlow)
# to peaks of 1. In dB the two differ by a fixed offset per band, large for the wide
# high bands. Say which one you use.
# ```
#
# ## The mel spectrogram: one matrix product
#
# Each mel band is a weighted sum of the power under its triangle. For all bands and
# frames at once that is a matrix product:
#
# $$
# S_\text{mel}[j, k] = \sum_{b=0}^{N/2} W_{jb}\, |X[b, k]|^2,
# \qquad S_\text{mel} = W \, |X|^2 .
# $$ (eq-05-melspec)
#
# A $(64 \times 513)$ matrix times a $(513 \times \text{frames})$ one: 513 numbers per
# frame become 64.

# %%
S = W_area @ P
S_librosa = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=N, hop_length=H,
                                           n_mels=M, fmin=fmin, fmax=fmax)
np.testing.assert_allclose(S, S_librosa, rtol=1e-4, atol=1e-6 * S_librosa.max())
print(f"W {W_area.shape} @ |X|^2 {P.shape} = S {S.shape}, as librosa computes it")

# %% [markdown]
# What do 64 bands keep of 513 bins? Look at the loudest frame again: its power
# spectrum in grey, its mel bands as dots at their centres, multiplied by $\Delta f$ so
# that each reports the mean power under it.

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
# Near 500 Hz a band is {glue:text}`width_500` Hz wide at its base, about half this
# frame's harmonic spacing ({glue:text}`f0_k0` Hz), so the bands follow the harmonic
# comb. Near 4 kHz a band is {glue:text}`width_4k` Hz wide, two spacings, and keeps
# only the *envelope*: the broad resonances of the vocal tract, the formants. Detail
# where the ear resolves it, averages where it does not.
#
# ## From power to decibels
#
# The last step is a logarithm. For every cell, librosa's `power_to_db` computes
#
# $$
# S_\text{dB} = 10 \log_{10} \max(S, a) - 10 \log_{10} \max(r, a),
# $$ (eq-05-db)
#
# with a reference $r$ (0 dB) and a floor $a$ (`amin`) that keeps digital silence
# finite. Then it raises every cell to at least $\max S_\text{dB} - T$, with $T$ =
# `top_db`. The course uses $r = 1$, $a = 10^{-10}$ and $T = 80$ dB. By hand:

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
# With the course's parameters, two librosa calls make the whole front end:
# `voicelab.melspec.log_mel`, the function every later chapter calls.

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
# **Perception.** Loudness, how loud a sound seems, grows as a *power* of intensity,
# roughly $I^{0.3}$ (Stevens's power law {cite}`stevens1957psychophysical`): each
# +10 dB, ten times the intensity, sounds about twice as loud, from any starting level.
# A dB axis therefore puts equal loudness *ratios* at equal distances.

# %%
for step_db in (10, 20, 40):
    intensity = 10 ** (step_db / 10)
    print(f"+{step_db} dB: intensity × {intensity:>6,.0f}, loudness × about "
          f"{intensity ** 0.3:.0f}")

# %% [markdown]
# **Dynamic range.** On a linear scale a few loud cells dwarf all the rest. Count how
# much of the power the loudest cells hold, and compare the two histograms.

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
# {glue:text}`top_cells:.1f` per cent of the cells hold 99 per cent of it. The spike at
# the left of the dB histogram is the `top_db` floor: mostly silence.
#
# **Products become sums.** A gain $g$ multiplies every power by $g^2$; after the
# logarithm it *adds* the same number to every cell:
#
# $$
# 10 \log_{10}(g^2 S) = 10 \log_{10} S + 20 \log_{10} g .
# $$ (eq-05-gain)
#
# Halving the amplitude should lower every cell by $20 \log_{10} 2$, about
# {glue:text}`gain_db:.2f` dB. Check it, and what `ref=np.max` (0 dB at each clip's
# loudest cell, as in the report) does to the same gain.

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
# With a fixed reference a gain becomes a constant offset, easy for a network to
# ignore; `ref=np.max` removes it. The course keeps `ref=1.0`, and with it the
# recording level, which this corpus draws at random per take: no speaker information.
#
# ## Linear or mel: the two speakers
#
# Compare the report's two views of the sentence for both speakers. Each
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
# The linear panels give the lowest kilohertz {glue:text}`rows_linear` per cent of the
# rows: thin harmonic lines at the bottom, consonant hiss above. The mel panels give it
# {glue:text}`rows_mel` per cent: harmonics and first formants fill the image.
#
# ## What a network will see
#
# {doc}`06_cnn` trains a convolutional network on the array itself, not a picture:
# `log_mel` of each clip, cut or padded to `CLIP_SECONDS` = 4 s. Two small functions in
# `voicelab.melspec` do the bookkeeping; {eq}`eq-02-n-frames` gives the frame count.

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
# The corner holds one value: the clip starts with digital silence, raised to the
# `top_db` floor. The dark block at the right is padding.
#
# The report instead trained its network on saved figures (axes, title, colour map),
# resized to 128 × 256 pixels of three colours each. That adds content that is not
# sound, and loses content that is:
#
# - **Axes, ticks and titles** are pixels too; a title that differed between classes
#   would hand the network the label.
# - **The colour map** turns one number into three through 256 colours: steps of about
#   0.3 dB over 80 dB.
# - **Resizing** blurs bands and frames and stretches every clip to one width:
#   speaking rate becomes zoom.
# - **Colour limits chosen per figure** make one colour mean different levels in
#   different images.
#
# Test the last point: render the clip and a copy 20 dB quieter as saved figures, and
# compare the pixels.

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
# arrays differ by exactly 20 dB in every cell; the images differ only in the colour
# bar's labels and a few pixels where rounding tips a cell into the next colour. A
# network reading pixels cannot see the level difference; one reading the array sees
# it exactly. Give a network the numbers, and decide what they should contain.
#
# `voicelab.melspec.log_mel_dataset` does this for every clip, in worker processes, and
# caches the result. Its progress bar varies, so the tests ignore its output and the
# book hides it.

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
# The **constant-Q transform** (CQT) {cite}`brown1991calculation` spaces its bins
# geometrically, $B$ per octave, all with one ratio $Q$ of frequency to bandwidth:
#
# $$
# f_k = f_\text{min} \, 2^{k / B}, \qquad
# Q = \frac{f_k}{f_{k+1} - f_k} = \frac{1}{2^{1/B} - 1} .
# $$ (eq-05-cqt)
#
# So each bin needs its own window, about $Q f_s / f_k$ samples. With $B = 12$ the
# bins are semitones; **chroma** folds them onto 12 pitch classes (chapter 02).

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
# Here $Q$ = {glue:text}`cqt_q:.1f`: windows last from {glue:text}`cqt_long_ms` ms
# (lowest bin) down to {glue:text}`cqt_short_ms:.1f` ms. The CQT and chroma suit music
# {cite}`muller2015fundamentals`; speech keeps the mel spectrogram, with one time
# resolution, and formants, not pitch classes, carry a voice's identity.
#
# ## Listening: what the mel spectrogram keeps
#
# A mel spectrogram drops the phase and the detail inside each band. Hear both losses
# by going back to sound:
#
# - **From $|X|$.** Guess the phase with Griffin–Lim {cite}`griffin1984signal`: from
#   random phases, alternate inverse STFT and STFT, each time keeping the phase and
#   restoring the known magnitude.
# - **From the mel spectrogram.** First estimate 513 bins from 64 bands
#   (`librosa.feature.inverse.mel_to_stft`, a non-negative least-squares fit), then
#   run Griffin–Lim.
#
# The **spectral convergence** of a result $\hat{y}$ measures how far its STFT
# magnitude is from the original's:
#
# $$
# \text{SC} = \frac{\big\lVert\, |\hat{X}| - |X| \,\big\rVert_F}{\lVert X \rVert_F} .
# $$ (eq-05-sc)
#
# ```{warning}
# `librosa.griffinlim` draws its starting phases from a *fresh* random generator
# unless you pass `random_state`, and `librosa.feature.inverse.mel_to_audio`
# (`mel_to_stft` then `griffinlim`) passes none: two calls give two different signals.
# Call the two steps yourself with `random_state=0`, as below.
# ```

# %%
kwargs = {"n_iter": 16, "hop_length": H, "n_fft": N, "length": y.size}
unseeded = [librosa.griffinlim(np.abs(X), **kwargs) for _ in range(2)]
seeded = [librosa.griffinlim(np.abs(X), random_state=0, **kwargs) for _ in range(2)]
print(f"without random_state, the two runs are equal: "
      f"{np.array_equal(*unseeded)}; with random_state=0: {np.array_equal(*seeded)}")

# %% [markdown]
# The reconstructions' last digits vary with the CPU: the tests skip this printout,
# and the cell asserts the claims.

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
# Guessed phases add a rough, metallic quality. The mel version adds a second loss:
# above about 1.5 kHz each band spreads its power evenly over its bins, leaving only
# the envelope. Spectral convergence is {glue:text}`gl_sc_stft:.2f` from $|X|$ against
# {glue:text}`gl_sc_mel:.2f` from the mel bands; the mean log-mel difference to the
# original, {glue:text}`gl_db_stft:.1f` dB against {glue:text}`gl_db_mel:.1f` dB.
# Whether you can still tell who speaks is what the network of {doc}`06_cnn` answers.
#
# ## Summary
#
# - A spectrogram is the power (or magnitude) of the STFT, one DFT per Hann-windowed
#   frame. Centring pads $N/2$ zeros: $1 + \lfloor n / H \rfloor$ frames. Long frames
#   (64 ms here) resolve harmonics; short ones (20–30 ms in recognisers), time.
# - The mel scale is a fit to listening experiments. HTK and Slaney (librosa's
#   default, linear below 1 kHz) are both exact and differ: with 64 bands one band
#   centre moves by {glue:text}`centre_gap` Hz.
# - A mel spectrogram is one matrix product, $W |X|^2$, with triangles equally spaced
#   in mel; `norm="slaney"` (librosa's default) gives each triangle area 1.
# - Decibels compress a range of {glue:text}`power_span` dB, put equal loudness ratios
#   at equal distances, and turn a gain into an offset; `ref`, `amin` and `top_db` are
#   part of the definition.
# - A network should get the array (`voicelab.melspec.log_mel`, {glue:text}`n_mels` ×
#   {glue:text}`n_frames` for 4 s), not a figure: axes, colour maps and resizing add
#   content and remove precision.
#
# ## Exercises
#
# Each solution is collapsed; the hidden cell after it runs its code.
#
# **1. Empty filters.** Build `librosa.filters.mel` with `sr=16000`, `n_fft=256`,
# `n_mels=128` and `fmin=0`. How many filters are all zeros, and why? What fixes it?
#
# ````{admonition} Solution
# :class: dropdown
# The bins are $16\,000 / 256$ Hz apart, but below 1 kHz 128 Slaney bands are only
# about {glue:text}`ex1_spacing` Hz apart, so a triangle's base is about twice that. A
# triangle whose feet fall between the same pair of bins gets no weight; librosa warns
# "Empty filters detected". {glue:text}`ex1_empty_256` filters are empty. A longer FFT
# (`n_fft=512` halves the bin spacing and leaves {glue:text}`ex1_empty_512` empty),
# fewer bands or a higher `fmin` fix it.
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
# `pad_mode="reflect"`. Which frames differ? Repeat with `y` trimmed of its leading and
# trailing silence (`voicelab.audio.trim_silence`). Explain.
#
# ````{admonition} Solution
# :class: dropdown
# Only frames whose window reaches into the padding can differ. The stored clip starts
# with exact zeros, and reflected zeros are zeros, so only its last frames
# ({glue:text}`ex2_stored`) differ: it ends with a few quiet samples. The trimmed clip
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
# **3. Where do the scales agree?** Scaled by $1000/15$, the Slaney scale meets HTK at
# 1 kHz. Where else between 0 and 8 kHz do the curves cross, and where
# do they differ most? Then find the largest gap between the band centres of 128-band
# filterbanks (0–8 kHz) on each scale.
#
# ````{admonition} Solution
# :class: dropdown
# They meet only at 0 and 1 kHz. Below 1 kHz HTK lies above, by up to
# {glue:text}`ex3_below_mel` mels near {glue:text}`ex3_below_hz` Hz; above 1 kHz
# Slaney lies above, by up to {glue:text}`ex3_above_mel` mels near
# {glue:text}`ex3_above_hz` Hz. The band centres differ by up to
# {glue:text}`ex3_centre_gap` Hz.
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
# from 50 Hz to 8 kHz. What shape do you get? How many STFT bins does the lowest band
# cover, and is any filter empty?
#
# ````{admonition} Solution
# :class: dropdown
# The array has {glue:text}`n_mels` mel bands × {glue:text}`frames_10ms` frames,
# against {glue:text}`n_frames` with the course's hop. The bins are now
# {glue:text}`ex4_bin_hz:.0f` Hz apart, so the lowest band covers only
# {glue:text}`ex4_band0_bins` bins; none is empty yet. Harmonic detail suffers, as in
# "Why 64 ms frames?".
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
# - The mel scale: {cite}`stevens1937scale` and its revision
#   {cite}`stevens1940relation`. The HTK formula, filterbank and 25 ms / 10 ms front
#   end: {cite}`young2006htk`; Slaney's filterbank: {cite}`slaney1998auditory`; mel
#   filterbanks for speech recognition: {cite}`davis1980comparison`.
# - Loudness as a power of intensity: {cite}`stevens1957psychophysical`.
# - Windows and leakage: {cite}`harris1978use`. The STFT and its inverse:
#   {cite}`allen1977short`; phase reconstruction: {cite}`griffin1984signal`.
# - The constant-Q transform: {cite}`brown1991calculation`; STFT, CQT and chroma for
#   music: {cite}`muller2015fundamentals`.
# - librosa's implementations of all of the above: {cite}`mcfee2015librosa`.
