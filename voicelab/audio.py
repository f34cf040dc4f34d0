"""Loading audio with validation, and the small signal operations the chapters reuse.

Signals are float arrays, ``(n,)`` mono or ``(channels, n)``; rates are in Hz. Every
problem with an input file raises a subclass of ``AudioError`` (a ``ValueError``) whose
message says what is wrong and what to do. Taught in chapter 01 (Sound as data).
"""

from __future__ import annotations

import os
from pathlib import Path

import librosa
import numpy as np
import scipy.signal
import soundfile as sf

SR = 16_000
# libsndfile error codes meaning "not a format I can decode" rather than "damaged"
_SF_UNRECOGNISED_FORMAT, _SF_UNSUPPORTED_ENCODING = 1, 4


class AudioError(ValueError):
    """An audio file or signal cannot be used. Taught in chapter 01 (Sound as data)."""


class AudioFileNotFoundError(AudioError, FileNotFoundError):
    """The path does not exist or is a folder. Taught in chapter 01 (Sound as data)."""


class NotAudioError(AudioError):
    """The file is empty or not audio. Taught in chapter 01 (Sound as data)."""


class CorruptAudioError(AudioError):
    """The file cannot be decoded to its end. Taught in chapter 01 (Sound as data)."""


class EmptyAudioError(AudioError):
    """The file decodes to zero samples. Taught in chapter 01 (Sound as data)."""


class SilentAudioError(AudioError):
    """The peak is below a threshold. Taught in chapter 01 (Sound as data)."""


class TooShortError(AudioError):
    """The clip is shorter than asked for. Taught in chapter 01 (Sound as data)."""


class InvalidSamplesError(AudioError):
    """Some samples are NaN or infinite. Taught in chapter 01 (Sound as data)."""


def load(
    path: str | os.PathLike,
    sr: int | None = SR,
    *,
    mono: bool = True,
    min_duration: float = 0.1,
    silence_peak: float = 1e-4,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32, refuse unusable files, convert rate and channels.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    path : str or os.PathLike
        Any file soundfile decodes (WAV, FLAC, OGG, MP3, ...); it is only read.
    sr : int or None
        Sample rate to return, resampled with soxr if the file differs; None keeps it.
    mono : bool
        Average the channels to shape ``(n,)``; otherwise return ``(channels, n)``.
    min_duration : float
        Shortest accepted duration in seconds (``TooShortError``).
    silence_peak : float
        Smallest accepted peak, 1e-4 being -80 dBFS (``SilentAudioError``).

    Returns
    -------
    tuple of np.ndarray and int
        The samples and their sample rate.
    """
    path = Path(path)
    _check_file(path)
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
        y, file_sr = resample(y, file_sr, sr).astype(np.float32, copy=False), sr
    return y, file_sr


def _check_file(path: Path) -> None:
    """Refuse folders, missing paths and 0-byte files."""
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
    with open(path, "rb") as f:
        if not f.read(1):
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
    """Frames a RIFF/WAVE header declares (data size / block align), else None.

    libsndfile shortens its frame count to the bytes present, so a truncated WAV file
    shows only in its header.
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


# The functions below are written out in chapter 01, verbatim (a test compares them).
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
