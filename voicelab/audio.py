"""Loading audio with validation, and the small signal operations every chapter reuses.

Everything here is taught in chapter 01 (Sound as data). Signals are float arrays:
``(n,)`` for mono, ``(channels, n)`` for multichannel; sample rates are in Hz. Every
problem with an input file raises a subclass of :class:`AudioError` (a ``ValueError``)
whose message says what is wrong and how to fix it.
"""

from __future__ import annotations

import os
from pathlib import Path

import librosa
import numpy as np
import scipy.signal
import soundfile as sf

__all__ = [
    "SR",
    "AudioError",
    "AudioFileNotFoundError",
    "NotAudioError",
    "CorruptAudioError",
    "EmptyAudioError",
    "SilentAudioError",
    "TooShortError",
    "InvalidSamplesError",
    "load",
    "to_mono",
    "resample",
    "trim_silence",
    "butter_sos",
    "butter_filter",
    "peak_normalize",
    "rms_dbfs",
    "rms_normalize",
    "pad_or_crop",
]

SR = 16_000
_SILENCE_PEAK = 1e-4  # -80 dBFS: quieter than any working microphone's noise floor
_KINDS = ("lowpass", "highpass", "bandpass")
# libsndfile error codes meaning "not a format I can decode" rather than "damaged"
_SF_UNRECOGNISED_FORMAT, _SF_UNSUPPORTED_ENCODING = 1, 4


class AudioError(ValueError):
    """Base class of audio problems; the message says what is wrong and what to do.
    Taught in chapter 01 (Sound as data).
    """


class AudioFileNotFoundError(AudioError, FileNotFoundError):
    """The path does not exist or is a folder.
    Taught in chapter 01 (Sound as data).
    """


class NotAudioError(AudioError):
    """The file is empty (0 bytes) or not in a format soundfile can decode.
    Taught in chapter 01 (Sound as data).
    """


class CorruptAudioError(AudioError):
    """The file looks like audio but cannot be decoded to its end (damaged, truncated).
    Taught in chapter 01 (Sound as data).
    """


class EmptyAudioError(AudioError):
    """The file decodes to zero samples.
    Taught in chapter 01 (Sound as data).
    """


class SilentAudioError(AudioError):
    """The signal's peak is below a threshold: nothing was recorded.
    Taught in chapter 01 (Sound as data).
    """


class TooShortError(AudioError):
    """The clip is shorter than the minimum duration asked for.
    Taught in chapter 01 (Sound as data).
    """


class InvalidSamplesError(AudioError):
    """The signal contains NaN or infinite samples.
    Taught in chapter 01 (Sound as data).
    """


def load(
    path: str | os.PathLike,
    sr: int | None = SR,
    *,
    mono: bool = True,
    min_duration: float = 0.1,
    silence_peak: float = _SILENCE_PEAK,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32, check that it is usable, and convert it.
    Taught in chapter 01 (Sound as data).

    Any problem raises a specific :class:`AudioError` whose message says what is wrong
    and how to fix it.

    Parameters
    ----------
    path : str or os.PathLike
        Any file soundfile decodes: WAV, FLAC, OGG, MP3, AIFF, ... with 8/16/24/32-bit
        integer or float samples. The file is only read, never written.
    sr : int or None
        Target sample rate in Hz; the signal is resampled (soxr, high quality) when the
        file's rate differs. ``None`` keeps the file's rate.
    mono : bool
        If True, average the channels and return shape ``(n,)``; otherwise return
        ``(channels, n)``, also for a mono file (``channels == 1``).
    min_duration : float
        Shortest accepted duration in seconds (0 accepts any non-empty clip).
    silence_peak : float
        Smallest accepted peak absolute amplitude (full scale is 1.0; the default 1e-4
        is -80 dBFS). 0 accepts silence.

    Returns
    -------
    y : np.ndarray
        float32 samples, shape ``(n,)`` or ``(channels, n)``.
    sr : int
        The sample rate of ``y``.

    Raises
    ------
    AudioFileNotFoundError
        The path does not exist or is a folder.
    NotAudioError
        The file has 0 bytes, or its content is not a format soundfile can decode.
    CorruptAudioError
        The file cannot be decoded to its end. A WAV file is truncated when its data
        chunk holds fewer frames than its header declares; libsndfile would silently
        return the shorter signal, so ``load`` compares the two and refuses the file.
        Other formats are refused when they decode to fewer frames than they declare,
        or when decoding fails.
    EmptyAudioError
        The file decodes to zero samples.
    InvalidSamplesError
        Some samples are NaN or infinite (possible in float WAV files).
    TooShortError
        The clip is shorter than ``min_duration``.
    SilentAudioError
        The peak (after mixing to mono, if asked) is below ``silence_peak``.

    Checks run in the order listed, on the samples as stored in the file, before
    resampling.
    """
    path = Path(path)
    _check_is_file(path)
    _check_content(path)
    y, file_sr = _decode(path)
    if y.shape[1] == 0:
        raise EmptyAudioError(
            f"'{path}' contains no samples (a valid header that declares 0 frames). "
            "Record it again and check that the recorder actually started."
        )
    bad = ~np.isfinite(y)
    if bad.any():
        first = np.flatnonzero(bad.any(axis=0))[0] / file_sr
        raise InvalidSamplesError(
            f"'{path}' contains {int(bad.sum())} NaN or infinite samples (the first "
            f"at {first:.3f} s), left by a broken processing step. Export it again "
            "from the original recording."
        )
    duration = y.shape[1] / file_sr
    if duration < min_duration:
        raise TooShortError(
            f"'{path}' lasts {duration:.3f} s, shorter than "
            f"min_duration={min_duration} s. Record a longer clip, or lower "
            "min_duration if clips this short are intended."
        )
    if mono:
        y = to_mono(y)
    peak = float(np.max(np.abs(y)))
    if peak < silence_peak:
        raise SilentAudioError(
            f"'{path}' is silent: its peak is {_dbfs(peak):.1f} dBFS, below "
            f"silence_peak={silence_peak:g} ({_dbfs(silence_peak):.0f} dBFS). Check "
            "that the microphone is connected and unmuted and its input gain is up, "
            "then record again; lower silence_peak if the clip really is this quiet."
        )
    if sr is not None and sr != file_sr:
        y = resample(y, file_sr, sr).astype(np.float32, copy=False)
        file_sr = sr
    return y, file_sr


def _check_is_file(path: Path) -> None:
    if path.is_dir():
        raise AudioFileNotFoundError(
            f"'{path}' is a folder, not an audio file. Point at one file inside it, or "
            f"load a folder of recordings (one subfolder per speaker) with "
            f"voicelab.data.load_folder('{path}')."
        )
    if not path.exists():
        raise AudioFileNotFoundError(
            f"'{path}' does not exist (looked for {path.absolute()}). Check the file "
            "name and extension, or pass an absolute path."
        )


def _check_content(path: Path) -> None:
    """Refuse 0-byte files; reading a byte also raises PermissionError if needed."""
    with open(path, "rb") as f:
        empty = not f.read(1)
    if empty:
        raise NotAudioError(
            f"'{path}' is empty (0 bytes), so it holds no audio. Copy or export it "
            "again from its source."
        )


def _decode(path: Path) -> tuple[np.ndarray, int]:
    """Read all frames as float32 ``(channels, n)``, mapping failures to AudioErrors."""
    try:
        with sf.SoundFile(path) as f:
            declared, file_sr = f.frames, f.samplerate
            try:
                y = np.ascontiguousarray(f.read(dtype="float32", always_2d=True).T)
            except sf.LibsndfileError as err:
                raise _corrupt(path, err.error_string) from err
    except sf.LibsndfileError as err:
        if err.code in (_SF_UNRECOGNISED_FORMAT, _SF_UNSUPPORTED_ENCODING):
            raise _not_audio(path) from err
        raise _corrupt(path, err.error_string) from err
    declared = _wav_declared_frames(path) or declared
    if y.shape[1] < declared:
        raise _corrupt(
            path,
            f"its header declares {declared} frames ({declared / file_sr:.2f} s) but "
            f"only {y.shape[1]} ({y.shape[1] / file_sr:.2f} s) are in the file: it is "
            "truncated",
        )
    return y, file_sr


def _wav_declared_frames(path: Path) -> int | None:
    """Frames a RIFF/WAVE header declares (data chunk size / block align), else None.

    libsndfile shortens its frame count to the bytes present, so truncation of a WAV
    file is only visible in the header. For ADPCM-style codecs block align is a block,
    not a frame, so the result undercounts and never flags a complete file.
    """
    with open(path, "rb") as f:
        if f.read(4) != b"RIFF" or f.read(8)[4:] != b"WAVE":
            return None
        block_align = None
        while len(header := f.read(8)) == 8:
            chunk, size = header[:4], int.from_bytes(header[4:], "little")
            if chunk == b"fmt ":
                block_align = int.from_bytes(f.read(size)[12:14], "little")
                f.seek(size & 1, os.SEEK_CUR)
            elif chunk == b"data":
                unknown_size = size in (0, 0xFFFFFFFF)  # streamed or RF64-style writers
                return None if unknown_size or not block_align else size // block_align
            else:
                f.seek(size + (size & 1), os.SEEK_CUR)
    return None


def _not_audio(path: Path) -> NotAudioError:
    with open(path, "rb") as f:
        head = f.read(512)
    if head[4:8] == b"ftyp":
        looks = "it looks like an MP4/M4A/AAC container"
    elif b"\0" not in head and _is_utf8(head):
        looks = "it looks like text"
    else:
        looks = "its content is not a format libsndfile recognises"
    target = f"{path.stem}.wav" if path.suffix.lower() != ".wav" else "converted.wav"
    formats = ", ".join(sorted(sf.available_formats()))
    return NotAudioError(
        f"'{path}' is not an audio file soundfile can read ({looks}). Convert it to "
        f"WAV or FLAC, e.g. `ffmpeg -i {path.name} {target}`. Formats soundfile "
        f"reads: {formats}."
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:  # a multi-byte character cut at the 512-byte mark
        return err.start >= len(data) - 3
    return True


def _corrupt(path: Path, reason: str) -> CorruptAudioError:
    return CorruptAudioError(
        f"'{path}' looks like audio but cannot be decoded completely "
        f"({reason.strip().rstrip('.')}). The file is damaged or was cut short while "
        "copying or recording: copy or export it again from its source, or salvage "
        f"what is there with `ffmpeg -i {path.name} {path.stem}_fixed.wav`."
    )


def _dbfs(amplitude: float) -> float:
    with np.errstate(divide="ignore"):
        return float(20 * np.log10(amplitude))


def _check_signal(y: np.ndarray, name: str) -> np.ndarray:
    """Return ``y`` as an array after checking it is a non-empty, finite, 1-D float signal.

    Shared by the modules that take signals in memory (melspec, augment).
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"{name} needs a mono signal of shape (n_samples,), got shape {y.shape}: "
            "mix it down with voicelab.audio.to_mono first."
        )
    if y.size == 0:
        raise EmptyAudioError(f"{name} got an empty signal (0 samples); pass a real clip.")
    if not np.issubdtype(y.dtype, np.floating):
        raise ValueError(
            f"{name} needs floating-point samples in [-1, 1], got dtype {y.dtype}: load "
            "clips with voicelab.audio.load, or divide integer PCM by its full scale "
            "(e.g. y / 32768 for 16-bit)."
        )
    if not np.isfinite(y).all():
        raise InvalidSamplesError(
            f"{name} got {int((~np.isfinite(y)).sum())} NaN or infinite samples; find the "
            "step that produced them, or reload the clip with voicelab.audio.load."
        )
    return y


def to_mono(y: np.ndarray) -> np.ndarray:
    """Average the channels of a ``(channels, n)`` signal; pass ``(n,)`` through.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.

    Returns
    -------
    np.ndarray
        Shape ``(n,)``; float32 input stays float32.
    """
    y = np.asarray(y)
    if y.ndim == 1:
        return y
    if y.ndim != 2:
        raise ValueError(f"expected shape (n,) or (channels, n), got {y.shape}")
    return y.mean(axis=0)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Change the sample rate of ``y`` (last axis) with soxr's high-quality resampler.
    Taught in chapter 01 (Sound as data).

    This is ``librosa.resample(y, orig_sr=..., target_sr=..., res_type="soxr_hq")``.

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    orig_sr, target_sr : int
        Sample rates in Hz.

    Returns
    -------
    np.ndarray
        About ``n * target_sr / orig_sr`` samples on the last axis.
    """
    return librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type="soxr_hq")


def trim_silence(
    y: np.ndarray, *, top_db: float = 30.0
) -> tuple[np.ndarray, tuple[int, int]]:
    """Cut leading and trailing parts quieter than ``top_db`` below the loudest frame.
    Taught in chapter 01 (Sound as data).

    Wraps ``librosa.effects.trim`` (frames of 2048 samples, hop 512).

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    top_db : float
        Frames whose RMS is more than ``top_db`` dB below the loudest frame's count as
        silence.

    Returns
    -------
    y_trimmed : np.ndarray
        ``y[..., start:end]``.
    (start, end) : tuple of int
        Sample indices of the kept interval in ``y``.
    """
    y_trimmed, (start, end) = librosa.effects.trim(y, top_db=top_db)
    return y_trimmed, (int(start), int(end))


def butter_sos(
    sr: int,
    cutoff: float | tuple[float, float],
    *,
    kind: str = "lowpass",
    order: int = 5,
) -> np.ndarray:
    """Design a Butterworth filter as second-order sections.
    Taught in chapter 01 (Sound as data).

    This is ``scipy.signal.butter(order, cutoff, btype=kind, output="sos", fs=sr)`` with
    the cutoff checked first.

    Parameters
    ----------
    sr : int
        Sample rate in Hz.
    cutoff : float or (float, float)
        Cutoff in Hz, a ``(low, high)`` pair for ``kind="bandpass"``; every value must
        lie strictly between 0 and the Nyquist frequency ``sr / 2``.
    kind : {"lowpass", "highpass", "bandpass"}
    order : int
        Filter order (a bandpass filter has twice this order).

    Returns
    -------
    np.ndarray
        Second-order sections, shape ``(n_sections, 6)``, for ``scipy.signal.sosfilt``.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    edges = np.atleast_1d(np.asarray(cutoff, dtype=float))
    if kind == "bandpass" and not (edges.shape == (2,) and edges[0] < edges[1]):
        raise ValueError(
            "a bandpass filter needs cutoff=(low, high) in Hz with low < high, "
            f"got {cutoff!r}"
        )
    if kind != "bandpass" and edges.shape != (1,):
        raise ValueError(f"a {kind} filter needs one cutoff in Hz, got {cutoff!r}")
    if not np.all((edges > 0) & (edges < sr / 2)):
        raise ValueError(
            f"cutoff {cutoff!r} Hz must lie strictly between 0 and the Nyquist "
            f"frequency sr/2 = {sr / 2:g} Hz; lower the cutoff, or filter a signal "
            "with a higher sample rate"
        )
    return scipy.signal.butter(order, cutoff, btype=kind, output="sos", fs=sr)


def butter_filter(
    y: np.ndarray,
    sr: int,
    cutoff: float | tuple[float, float],
    *,
    kind: str = "lowpass",
    order: int = 5,
) -> np.ndarray:
    """Filter ``y`` (last axis) with a zero-phase Butterworth filter.
    Taught in chapter 01 (Sound as data).

    The filter from :func:`butter_sos` runs forwards and backwards
    (``scipy.signal.sosfiltfilt``): no delay, and the magnitude response is squared.

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``; ``n`` must exceed the filter's padding
        (a few dozen samples).
    sr, cutoff, kind, order
        As for :func:`butter_sos`.

    Returns
    -------
    np.ndarray
        The filtered signal, float32, same shape as ``y``.
    """
    sos = butter_sos(sr, cutoff, kind=kind, order=order)
    return scipy.signal.sosfiltfilt(sos, y, axis=-1).astype(np.float32)


def peak_normalize(y: np.ndarray, *, peak: float = 0.99) -> np.ndarray:
    """Scale ``y`` so that its largest absolute sample equals ``peak``.
    Taught in chapter 01 (Sound as data).

    Refuses silent input (peak below 1e-4, i.e. -80 dBFS) with
    :class:`SilentAudioError`: scaling it up would only amplify noise.

    Parameters
    ----------
    y : np.ndarray
        Any shape; all channels get the same gain.
    peak : float
        Target peak, full scale being 1.0.

    Returns
    -------
    np.ndarray
        The scaled signal, same dtype as ``y``.
    """
    current = float(np.max(np.abs(y)))
    _refuse_silence(current, "peak_normalize")
    return (y * (peak / current)).astype(y.dtype, copy=False)


def rms_dbfs(y: np.ndarray) -> float:
    """RMS level of ``y`` in dB relative to full scale, ``20 * log10(rms)``.
    Taught in chapter 01 (Sound as data).

    Full scale is an amplitude of 1.0, so a full-scale sine measures about -3 dBFS and
    digital silence measures ``-inf``.

    Parameters
    ----------
    y : np.ndarray
        Any shape; the RMS is taken over all samples.

    Returns
    -------
    float
        The level in dBFS.
    """
    return _dbfs(float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))))


def rms_normalize(y: np.ndarray, *, target_dbfs: float = -20.0) -> np.ndarray:
    """Scale ``y`` so that its RMS level is ``target_dbfs``.
    Taught in chapter 01 (Sound as data).

    The level is ``20 * log10(rms)`` relative to full scale 1.0 (a full-scale sine is
    about -3 dBFS). The result is not clipped: check its peak, or follow with
    :func:`peak_normalize` if it exceeds 1. Refuses silent input (peak below 1e-4,
    i.e. -80 dBFS) with :class:`SilentAudioError`.

    Parameters
    ----------
    y : np.ndarray
        Any shape; the RMS is taken over all samples and all channels get the same gain.
    target_dbfs : float
        Target RMS level in dBFS.

    Returns
    -------
    np.ndarray
        The scaled signal, same dtype as ``y``.
    """
    _refuse_silence(float(np.max(np.abs(y))), "rms_normalize")
    gain = 10 ** ((target_dbfs - rms_dbfs(y)) / 20)
    return (y * gain).astype(y.dtype, copy=False)


def _refuse_silence(peak: float, name: str) -> None:
    if peak < _SILENCE_PEAK:
        raise SilentAudioError(
            f"{name} got a silent signal (peak {_dbfs(peak):.1f} dBFS, below "
            f"{_dbfs(_SILENCE_PEAK):.0f} dBFS): scaling it up would only amplify "
            "noise. Check the recording (microphone connected and unmuted, gain up) "
            "or leave the clip out."
        )


def pad_or_crop(y: np.ndarray, size: int, *, align: str = "start") -> np.ndarray:
    """Make the last axis of ``y`` exactly ``size`` samples long.
    Taught in chapter 01 (Sound as data).

    Longer signals are cropped, shorter ones padded with zeros.

    Parameters
    ----------
    y : np.ndarray
        Shape ``(n,)`` or ``(channels, n)``.
    size : int
        Output length in samples (>= 0).
    align : {"start", "center"}
        ``"start"`` keeps the first ``size`` samples or pads at the end; ``"center"``
        keeps the middle or pads both sides equally (an odd extra sample goes at the
        end).

    Returns
    -------
    np.ndarray
        Shape ``(..., size)``, same dtype as ``y``.
    """
    if align not in ("start", "center"):
        raise ValueError(f"align must be 'start' or 'center', got {align!r}")
    if size < 0:
        raise ValueError(f"size must be >= 0, got {size}")
    n = y.shape[-1]
    offset = abs(n - size) // 2 if align == "center" else 0
    if n >= size:
        return y[..., offset : offset + size]
    widths = [(0, 0)] * (y.ndim - 1) + [(offset, size - n - offset)]
    return np.pad(y, widths)
