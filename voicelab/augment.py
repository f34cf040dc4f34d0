"""Seeded data augmentation for speech, and the bookkeeping that keeps copies tied to their source.

Waveform augmentations (:func:`time_stretch`, :func:`pitch_shift`, :func:`add_noise`,
:func:`time_shift`, chained at random by :func:`random_augment`) and SpecAugment-style
masking of a log-mel spectrogram (:func:`spec_mask`). Every function is pure: it never
changes its input and returns a new array; everything random comes from a
``numpy.random.Generator`` the caller passes in, so a result is reproducible from its seed.
:func:`augment_table` plans augmented copies of training clips, one row per copy, with the
source clip, its sentence group and a seed, and :func:`render_augmented` makes the audio of
one row. Taught in chapter 07 (More data from the same voices, without fooling yourself).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import librosa
import numpy as np
import pandas as pd

from voicelab.audio import SilentAudioError, _check_signal

__all__ = [
    "NOISE_KINDS",
    "time_stretch",
    "pitch_shift",
    "make_noise",
    "add_noise",
    "snr_db",
    "time_shift",
    "spec_mask",
    "random_augment",
    "augment_table",
    "render_augmented",
]

# Exponent of the noise power spectrum, P(f) ~ 1 / f**exponent.
NOISE_KINDS: dict[str, int] = {"white": 0, "pink": 1, "brown": 2}
_SILENCE_PEAK = 1e-4  # -80 dBFS, the threshold voicelab.audio uses for silence
_EVAL_SPLITS = ("val", "test")
_TABLE_COLUMNS = ("file", "sentence_id", "speaker", "label")


def _check_rng(rng: Any, name: str) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} needs rng=numpy.random.Generator, got {type(rng).__name__}: create one "
            "with np.random.default_rng(seed) and pass the same generator on, so that "
            "the whole sequence of draws is reproducible from one seed."
        )
    return rng


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _power(y: np.ndarray) -> float:
    """Mean square, in float64."""
    return float(np.mean(np.square(y, dtype=np.float64)))


def time_stretch(y: np.ndarray, rate: float) -> np.ndarray:
    """Speed speech up or slow it down without changing its pitch.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    This is ``librosa.effects.time_stretch(y, rate=rate)``: a phase vocoder (STFT of 2048
    samples, hop 512) that plays the frames back ``rate`` times faster.

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape ``(n,)``.
    rate : float
        Speed factor (> 0): ``rate > 1`` is faster and shorter, ``rate < 1`` slower and
        longer.

    Returns
    -------
    np.ndarray
        ``round(n / rate)`` samples, same dtype as ``y``.
    """
    y = _check_signal(y, "time_stretch")
    rate = float(rate)
    if not (np.isfinite(rate) and rate > 0):
        raise ValueError(
            f"rate must be a positive speed factor (e.g. 0.9 slower, 1.1 faster), got {rate!r}"
        )
    return librosa.effects.time_stretch(y, rate=rate).astype(y.dtype, copy=False)


def pitch_shift(y: np.ndarray, sr: int, n_steps: float) -> np.ndarray:
    """Raise or lower the pitch of a signal by ``n_steps`` semitones, keeping its duration.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    This is ``librosa.effects.pitch_shift(y, sr=sr, n_steps=n_steps, res_type="soxr_hq")``:
    a time stretch by ``2 ** (-n_steps / 12)`` followed by resampling back to ``len(y)``
    samples, so every frequency is multiplied by ``2 ** (n_steps / 12)``. It moves the
    formants too, so large shifts change the apparent speaker, not only the intonation.

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape ``(n,)``.
    sr : int
        Sampling rate in Hz.
    n_steps : float
        Semitones (fractions allowed); positive raises the pitch.

    Returns
    -------
    np.ndarray
        Shape ``(n,)``, same dtype as ``y``.
    """
    y = _check_signal(y, "pitch_shift")
    _check_int("sr", sr, 1)
    n_steps = float(n_steps)
    if not np.isfinite(n_steps):
        raise ValueError(f"n_steps must be a finite number of semitones, got {n_steps!r}")
    shifted = librosa.effects.pitch_shift(y, sr=sr, n_steps=n_steps, res_type="soxr_hq")
    return shifted.astype(y.dtype, copy=False)


def make_noise(n: int, kind: str = "white", *, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of a given colour, generated in the frequency domain, with unit RMS.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Every positive-frequency bin of a real FFT gets a complex Gaussian value (real and
    imaginary parts from ``rng.standard_normal``), scaled by ``f ** (-exponent / 2)`` so that
    the power falls as ``1 / f ** exponent``: 0 for white, 1 for pink (-3 dB per octave),
    2 for brown (-6 dB per octave). The DC bin is zero. The inverse FFT gives the noise,
    scaled to RMS 1. The same ``rng`` state gives the same noise.

    Parameters
    ----------
    n : int
        Number of samples (>= 2).
    kind : {"white", "pink", "brown"}
        Noise colour, a key of :data:`NOISE_KINDS`.
    rng : numpy.random.Generator
        Source of randomness; it advances by ``2 * (n // 2 + 1)`` normal draws.

    Returns
    -------
    np.ndarray
        float64, shape ``(n,)``, zero mean, RMS 1.
    """
    n = _check_int("n", n, 2)
    rng = _check_rng(rng, "make_noise")
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(NOISE_KINDS)}, got {kind!r}")
    freqs = np.fft.rfftfreq(n)
    spectrum = rng.standard_normal(freqs.size) + 1j * rng.standard_normal(freqs.size)
    scale = np.zeros_like(freqs)
    scale[1:] = freqs[1:] ** (-NOISE_KINDS[kind] / 2)
    noise = np.fft.irfft(spectrum * scale, n)
    return noise / np.sqrt(_power(noise))


def add_noise(
    y: np.ndarray,
    snr_db: float,
    *,
    rng: np.random.Generator | None,
    kind: str = "white",
    noise: np.ndarray | None = None,
) -> np.ndarray:
    """Add noise to a signal at an exact signal-to-noise ratio.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    The SNR is ``10 * log10(P_signal / P_noise)`` with ``P`` the mean square over the whole
    clip (pauses included). The noise is scaled by
    ``sqrt(P_signal / (P_noise * 10 ** (snr_db / 10)))``, so :func:`snr_db` of the result
    equals the request, to well within 1e-6 dB for float32 as for float64 signals. The
    result is not clipped: its peak may exceed 1.

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape ``(n,)``; it must not be silent.
    snr_db : float
        Requested SNR in dB; lower is noisier (0 dB: noise as loud as the signal).
    rng : numpy.random.Generator or None
        Source of randomness: generates the noise (``noise=None``, see :func:`make_noise`)
        or picks where to start reading an explicit ``noise``. May be None only with an
        explicit ``noise``, which is then read from its start.
    kind : {"white", "pink", "brown"}, default "white"
        Colour of the generated noise; ignored when ``noise`` is given.
    noise : np.ndarray, optional
        A recorded noise to add instead (babble, a fan, a street), shape ``(m,)``. It is
        read circularly from a random offset and repeated or cut to ``n`` samples.

    Returns
    -------
    np.ndarray
        ``y`` plus the scaled noise, same shape and dtype as ``y``.

    Raises
    ------
    voicelab.audio.SilentAudioError
        If ``y`` (peak below -80 dBFS) or ``noise`` (all zeros) is silent: no noise level
        gives a requested SNR then.
    """
    y = _check_signal(y, "add_noise")
    snr = float(snr_db)
    if not np.isfinite(snr):
        raise ValueError(f"snr_db must be a finite number of dB, got {snr_db!r}")
    peak = float(np.max(np.abs(y)))
    if peak < _SILENCE_PEAK:
        raise SilentAudioError(
            f"add_noise got a silent signal (peak {peak:.2g}, below -80 dBFS): its power is "
            "about 0, so the SNR is undefined. Leave the clip out, or check how it was "
            "loaded (voicelab.audio.load refuses silent files)."
        )
    if rng is not None:
        _check_rng(rng, "add_noise")
    if noise is None:
        if rng is None:
            raise TypeError(
                "add_noise needs rng=np.random.default_rng(seed) to generate noise; "
                "rng=None is allowed only with an explicit noise array."
            )
        n = make_noise(y.size, kind, rng=rng)
    else:
        noise = _check_signal(noise, "add_noise (noise)")
        if _power(noise) == 0:
            raise SilentAudioError(
                "add_noise got an all-zero noise array: it cannot reach any SNR. Pass a "
                "recording that contains noise."
            )
        start = 0 if rng is None else int(rng.integers(noise.size))
        n = np.take(noise.astype(np.float64), np.arange(start, start + y.size), mode="wrap")
    gain = np.sqrt(_power(y) / (_power(n) * 10 ** (snr / 10)))
    return (y + gain * n).astype(y.dtype, copy=False)


def snr_db(clean: np.ndarray, noisy: np.ndarray) -> float:
    """Signal-to-noise ratio of ``noisy`` against ``clean``, in dB.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    The noise is ``noisy - clean``; the SNR is ``10 * log10(P_clean / P_noise)`` with
    ``P`` the mean square, computed in float64.

    Parameters
    ----------
    clean, noisy : np.ndarray
        Signals of the same shape.

    Returns
    -------
    float
        The SNR in dB; ``inf`` if ``noisy`` equals ``clean``.

    Raises
    ------
    voicelab.audio.SilentAudioError
        If ``clean`` is all zeros (the SNR is undefined).
    """
    clean, noisy = np.asarray(clean), np.asarray(noisy)
    if clean.shape != noisy.shape:
        raise ValueError(
            f"clean and noisy must have the same shape, got {clean.shape} and {noisy.shape}: "
            "compare a clip with its own noisy version, before any stretch or crop."
        )
    p_signal = _power(clean)
    if p_signal == 0:
        raise SilentAudioError("snr_db got an all-zero clean signal: its SNR is undefined.")
    p_noise = _power(noisy.astype(np.float64) - clean.astype(np.float64))
    return float("inf") if p_noise == 0 else float(10 * np.log10(p_signal / p_noise))


def time_shift(y: np.ndarray, shift_samples: int, *, mode: str = "zeros") -> np.ndarray:
    """Move a signal later (positive shift) or earlier (negative) in time.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    ``mode="zeros"`` (default) fills the gap with silence and drops what is pushed past the
    end: the sentence starts later or earlier, as if the recording had been started at
    another moment. ``mode="roll"`` is ``np.roll``: what leaves at one end comes back at
    the other, which for speech puts the end of the sentence before its beginning: a
    signal no microphone records, however convenient it is that no sample is lost.

    Parameters
    ----------
    y : np.ndarray
        Mono signal, shape ``(n,)``.
    shift_samples : int
        Samples to move by; ``|shift| >= n`` gives all zeros in ``"zeros"`` mode.
    mode : {"zeros", "roll"}, default "zeros"

    Returns
    -------
    np.ndarray
        Shape ``(n,)``, same dtype as ``y``.
    """
    y = _check_signal(y, "time_shift")
    if isinstance(shift_samples, bool) or not isinstance(shift_samples, (int, np.integer)):
        raise ValueError(
            f"shift_samples must be an integer number of samples, got {shift_samples!r}: "
            "convert seconds with round(seconds * sr)."
        )
    if mode not in ("zeros", "roll"):
        raise ValueError(f"mode must be 'zeros' or 'roll', got {mode!r}")
    s = int(shift_samples)
    if mode == "roll":
        return np.roll(y, s)
    out = np.zeros_like(y)
    if 0 <= s < y.size:
        out[s:] = y[: y.size - s]
    elif -y.size < s < 0:
        out[:s] = y[-s:]
    return out


def _draw_spans(
    rng: np.random.Generator, n_masks: int, max_width: int, size: int
) -> list[tuple[int, int]]:
    """SpecAugment's masks on one axis: width ~ U{0..max_width}, start ~ U{0..size-width}."""
    spans = []
    for _ in range(n_masks):
        width = int(rng.integers(0, min(max_width, size) + 1))
        start = int(rng.integers(0, size - width + 1))
        spans.append((start, start + width))
    return spans


def spec_mask(
    S: np.ndarray,
    *,
    rng: np.random.Generator,
    n_time_masks: int = 2,
    max_time: int = 20,
    n_freq_masks: int = 2,
    max_freq: int = 8,
    value: float | None = None,
    return_masks: bool = False,
) -> np.ndarray | tuple[np.ndarray, list[tuple[int, int]], list[tuple[int, int]]]:
    """SpecAugment-style masking: blank random bands of mel channels and of frames.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Following Park et al. (2019), "SpecAugment", without its time warping: each frequency
    mask covers ``f`` consecutive mel bands, ``f`` uniform in ``0..max_freq`` and its first
    band uniform in ``0..n_mels - f``; each time mask likewise covers ``t`` frames, ``t``
    uniform in ``0..max_time``. Masks may overlap or be empty (width 0). The draws come
    from ``rng`` in a fixed order (frequency masks first), so a seed fixes the result.

    The masked cells get ``value``, by default ``S.min()``: for a log-mel spectrogram in dB
    (:func:`voicelab.melspec.log_mel`) that is the floor, i.e. silence, so a mask looks like
    a dropout of those bands or frames. (The paper masks with 0 after normalising each
    spectrogram to zero mean, which is the mean, not silence; pass ``value=S.mean()`` for
    that.)

    Parameters
    ----------
    S : np.ndarray
        Spectrogram, shape ``(n_mels, n_frames)``.
    rng : numpy.random.Generator
        Source of randomness.
    n_time_masks, n_freq_masks : int
        Number of masks along each axis (>= 0).
    max_time, max_freq : int
        Largest mask width in frames and in mel bands (>= 0; capped at the axis size).
    value : float, optional
        Fill value; default ``S.min()``.
    return_masks : bool, default False
        Also return the masks.

    Returns
    -------
    S_masked : np.ndarray
        A masked copy of ``S``, same shape and dtype.
    time_spans, freq_spans : list of (int, int)
        Only if ``return_masks``: the ``(start, stop)`` frame and band ranges that were
        masked, one per mask, in draw order (``stop`` exclusive, ``start == stop`` for an
        empty mask). Every other cell equals ``S``.
    """
    S = np.asarray(S)
    if S.ndim != 2 or 0 in S.shape:
        raise ValueError(
            f"spec_mask needs one spectrogram of shape (n_mels, n_frames), got {S.shape}; "
            "mask a batch one item at a time."
        )
    rng = _check_rng(rng, "spec_mask")
    n_freq_masks = _check_int("n_freq_masks", n_freq_masks, 0)
    n_time_masks = _check_int("n_time_masks", n_time_masks, 0)
    max_freq = _check_int("max_freq", max_freq, 0)
    max_time = _check_int("max_time", max_time, 0)
    fill = S.min() if value is None else value
    freq_spans = _draw_spans(rng, n_freq_masks, max_freq, S.shape[0])
    time_spans = _draw_spans(rng, n_time_masks, max_time, S.shape[1])
    out = S.copy()
    for start, stop in freq_spans:
        out[start:stop, :] = fill
    for start, stop in time_spans:
        out[:, start:stop] = fill
    return (out, time_spans, freq_spans) if return_masks else out


def _uniform(u: float, bounds: tuple[float, float] | None, name: str) -> float | None:
    """Map a uniform draw ``u`` in [0, 1) onto ``bounds``; None when the step is off."""
    if bounds is None:
        return None
    lo, hi = (float(b) for b in bounds)
    if not lo <= hi:
        raise ValueError(f"{name} must be a (low, high) pair with low <= high, got {bounds!r}")
    return float(lo + u * (hi - lo))


def random_augment(
    y: np.ndarray,
    sr: int,
    *,
    rng: np.random.Generator,
    rate_range: tuple[float, float] | None = (0.85, 1.15),
    semitone_range: tuple[float, float] | None = (-2.0, 2.0),
    shift_range: tuple[float, float] | None = (-0.2, 0.2),
    snr_range: tuple[float, float] | None = (10.0, 30.0),
    noise_kinds: Sequence[str] | None = ("pink", "white"),
) -> tuple[np.ndarray, dict[str, Any]]:
    """Draw one random chain of augmentations and apply it to a clip.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Five uniform numbers are drawn from ``rng`` first, always in the same order, and mapped
    to: a speed factor in ``rate_range``, a pitch shift in ``semitone_range`` (semitones), a
    time shift in ``shift_range`` (seconds, rounded to samples), a noise colour from
    ``noise_kinds`` and an SNR in ``snr_range`` (dB). The chain then runs
    :func:`time_stretch`, :func:`pitch_shift`, :func:`time_shift` (zero-filled) and
    :func:`add_noise`, in that order: noise comes last so that the SNR is measured against
    the speech as it ends up, and it also fills the silence the shift let in. Set a range
    (or ``noise_kinds``) to None to leave that step out; the other parameters stay the same
    for the same seed, which makes one-step-at-a-time comparisons fair.

    Parameters
    ----------
    y : np.ndarray
        Mono float signal, shape ``(n,)``.
    sr : int
        Sampling rate in Hz.
    rng : numpy.random.Generator
        Source of randomness (parameters, then the noise).
    rate_range : (float, float) or None, default (0.85, 1.15)
        Speed factors for :func:`time_stretch`.
    semitone_range : (float, float) or None, default (-2, 2)
        Semitones for :func:`pitch_shift`.
    shift_range : (float, float) or None, default (-0.2, 0.2)
        Seconds for :func:`time_shift`.
    snr_range : (float, float) or None, default (10, 30)
        SNRs in dB for :func:`add_noise`; None (or ``noise_kinds=None``) adds no noise.
    noise_kinds : sequence of str or None, default ("pink", "white")
        Noise colours to choose from, equally likely.

    Returns
    -------
    y_aug : np.ndarray
        The augmented clip, same dtype as ``y``. Its length is ``round(n / rate)``, so pad or
        crop it afterwards (:func:`voicelab.melspec.fixed_length`).
    params : dict
        What was drawn, None for a step left out: ``rate``, ``n_steps``,
        ``shift_samples``, ``noise_kind``, ``snr_db``.
    """
    y = _check_signal(y, "random_augment")
    rng = _check_rng(rng, "random_augment")
    _check_int("sr", sr, 1)
    u = rng.random(5)
    rate = _uniform(u[0], rate_range, "rate_range")
    n_steps = _uniform(u[1], semitone_range, "semitone_range")
    shift_s = _uniform(u[2], shift_range, "shift_range")
    snr = _uniform(u[4], snr_range, "snr_range")
    kind = None
    if noise_kinds is not None and snr is not None:
        noise_kinds = [noise_kinds] if isinstance(noise_kinds, str) else list(noise_kinds)
        unknown = [k for k in noise_kinds if k not in NOISE_KINDS]
        if unknown or not noise_kinds:
            raise ValueError(
                f"noise_kinds must be a non-empty sequence of {', '.join(NOISE_KINDS)}, "
                f"got {noise_kinds!r}"
            )
        kind = noise_kinds[min(int(u[3] * len(noise_kinds)), len(noise_kinds) - 1)]
    else:
        snr = None
    params: dict[str, Any] = {
        "rate": rate,
        "n_steps": n_steps,
        "shift_samples": None if shift_s is None else int(round(shift_s * sr)),
        "noise_kind": kind,
        "snr_db": snr,
    }
    out = y
    if rate is not None:
        out = time_stretch(out, rate)
    if n_steps is not None:
        out = pitch_shift(out, sr, n_steps)
    if params["shift_samples"] is not None:
        out = time_shift(out, params["shift_samples"])
    if kind is not None:
        out = add_noise(out, snr, rng=rng, kind=kind)
    return (out.copy() if out is y else out), params


def _copy_seed(seed: int, file: str, copy: int) -> int:
    """A 63-bit seed from the table seed, the source file's name and the copy number."""
    file_hash = int.from_bytes(hashlib.sha256(file.encode("utf-8")).digest()[:8], "little")
    state = np.random.SeedSequence([seed, file_hash, copy]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def augment_table(
    df: pd.DataFrame, n_copies: int, *, seed: int = 0, allow_eval: bool = False
) -> pd.DataFrame:
    """Plan ``n_copies`` augmented copies of every source clip, one row per copy.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Nothing is computed here: each row says which clip to augment and with which seed, and
    :func:`render_augmented` makes its audio. A copy keeps its source's ``sentence_id``,
    ``speaker`` and ``label``, so grouped cross-validation keeps every copy in the fold of
    its source sentence. The seed of a copy is derived with ``numpy.random.SeedSequence``
    from ``seed``, a hash of the source's ``file`` and the copy number, so it does not
    depend on the table's order or on which other clips it holds.

    Only training clips may be augmented: a copy of a validation or test clip in the
    training data is the same sentence and the same take, only slightly changed, so the
    model is scored on what it has (almost) seen, and the score is inflated. Augment the
    training split only, after splitting.

    Parameters
    ----------
    df : pd.DataFrame
        Source clips, one per row, with columns ``file`` (unique), ``sentence_id``,
        ``speaker``, ``label`` and ``split``, as from :func:`voicelab.data.load_corpus`;
        normally ``df[df.split == "train"]``.
    n_copies : int
        Copies per source clip (>= 0).
    seed : int, default 0
        Seed of the whole table (>= 0).
    allow_eval : bool, default False
        Allow rows whose split is ``"val"`` or ``"test"`` (and a table without ``split``),
        e.g. to study augmentation at test time. Never train on such copies.

    Returns
    -------
    pd.DataFrame
        ``len(df) * n_copies`` rows, source by source in ``df``'s order, then by copy, with
        columns ``source_file``, ``source_path`` (if ``df`` has ``path``), ``source_index``
        (the source row's index label), ``copy`` (0 to ``n_copies - 1``), ``sentence_id``,
        ``speaker``, ``label``, ``split`` (if ``df`` has it) and ``seed`` (int).

    Raises
    ------
    ValueError
        If a column is missing, ``file`` repeats, or ``df`` holds validation or test rows
        (or no ``split`` column) and ``allow_eval`` is False.
    """
    n_copies = _check_int("n_copies", n_copies, 0)
    seed = _check_int("seed", seed, 0)
    missing = [c for c in _TABLE_COLUMNS if c not in df]
    if missing:
        raise ValueError(
            f"df lacks the columns {missing}; pass a table from voicelab.data.load_corpus() "
            "or voicelab.data.load_folder(), filtered to the training split."
        )
    if not allow_eval:
        if "split" not in df:
            raise ValueError(
                "df has no 'split' column, so augment_table cannot check that it holds only "
                "training clips. Split first (voicelab.data.make_splits) and pass the "
                "training rows, or pass allow_eval=True if you have checked yourself."
            )
        held_out = df["split"].isin(_EVAL_SPLITS)
        if held_out.any():
            counts = df.loc[held_out, "split"].value_counts().sort_index().to_dict()
            raise ValueError(
                f"df holds {int(held_out.sum())} validation/test clips {counts}. Augmented "
                "copies of them would leak into training: a copy is the same sentence and "
                "take, slightly changed, so the model would be scored on clips it has "
                "(almost) seen and the score would be too good. Augment only the training "
                "rows, df[df.split == 'train'], or pass allow_eval=True for test-time "
                "augmentation that never trains."
            )
    files = df["file"].astype(str)
    repeated = sorted(files[files.duplicated()].unique())
    if repeated:
        raise ValueError(
            f"df lists the files {repeated[:5]} more than once; their copies would be "
            "identical. Drop duplicate rows first (df.drop_duplicates('file'))."
        )
    columns = ["source_file"] + (["source_path"] if "path" in df else [])
    columns += ["source_index", "copy", "sentence_id", "speaker", "label"]
    columns += (["split"] if "split" in df else []) + ["seed"]
    rows = []
    for index, src in df.iterrows():
        for copy in range(n_copies):
            rows.append({
                "source_file": str(src["file"]),
                "source_path": src.get("path"),
                "source_index": index,
                "copy": copy,
                "sentence_id": src["sentence_id"],
                "speaker": src["speaker"],
                "label": src["label"],
                "split": src.get("split"),
                "seed": _copy_seed(seed, str(src["file"]), copy),
            })
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({"copy": int, "seed": np.int64})


def render_augmented(
    row: Mapping[str, Any] | pd.Series, y: np.ndarray, sr: int, **kwargs: Any
) -> tuple[np.ndarray, dict[str, Any]]:
    """Make the audio of one row of :func:`augment_table` from its source clip.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    Runs :func:`random_augment` with ``rng=np.random.default_rng(row["seed"])``, so the
    same row and source always give the same audio.

    Parameters
    ----------
    row : pd.Series or mapping
        One row of :func:`augment_table`; only ``seed`` is used.
    y : np.ndarray
        The source clip (``row["source_path"]`` loaded with :func:`voicelab.audio.load`).
    sr : int
        Its sampling rate in Hz.
    **kwargs
        Ranges passed on to :func:`random_augment` (``rate_range``, ``snr_range``, ...);
        use the same ones for every row.

    Returns
    -------
    y_aug : np.ndarray
    params : dict
        As from :func:`random_augment`.
    """
    if "seed" not in row:
        raise ValueError(
            "row has no 'seed'; pass a row of voicelab.augment.augment_table(...), e.g. "
            "table.iloc[0]."
        )
    rng = np.random.default_rng(int(row["seed"]))
    return random_augment(y, sr, rng=rng, **kwargs)
