"""Figures and audio players for the voicelab chapters.

Every plotting function follows the same rules: it draws on the ``ax`` you give it (or
on a new figure when ``ax`` is None), sets a title and axis labels with units, and
returns the :class:`~matplotlib.axes.Axes` so you can add to it. Nothing here is random,
so the same input always gives the same picture and the same HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import numpy as np
from IPython.display import HTML, Audio
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FormatStrFormatter
from matplotlib.transforms import blended_transform_factory

__all__ = [
    "plot_waveform",
    "plot_spectrum",
    "plot_spectrogram",
    "audio_table",
    "plot_frames",
]


def _as_mono(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Return ``y`` as a non-empty 1-D float array or raise a helpful ValueError."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D (mono) signal, got shape {arr.shape}; "
            "convert it first with voicelab.audio.to_mono(y)."
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty: there is nothing to plot.")
    return arr.astype(np.float64, copy=False)


def _check_sr(sr: int) -> None:
    if not sr or sr <= 0:
        raise ValueError(f"sr must be a positive sampling rate in Hz, got {sr!r}.")


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_waveform(
    y: np.ndarray,
    sr: int,
    *,
    ax: Axes | None = None,
    title: str = "Waveform",
    max_points: int = 4000,
) -> Axes:
    """Plot a mono signal against time in seconds.
    Taught in chapter 01 (Sound as data).

    Short signals are drawn sample by sample. Long ones are drawn as their envelope:
    the signal is cut into equal blocks and the band between each block's minimum and
    maximum is filled, so a ten-minute recording plots as fast as a word and the
    picture does not depend on the screen.

    Parameters
    ----------
    y : np.ndarray
        Mono signal, shape ``(n_samples,)``.
    sr : int
        Sampling rate in Hz.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on. A new figure is created when None.
    title : str, default "Waveform"
        Axes title.
    max_points : int, default 4000
        Above this many samples the envelope is drawn instead of every sample.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x label "Time (s)" and y label "Amplitude".

    Examples
    --------
    >>> import numpy as np
    >>> sr = 16_000
    >>> y = np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
    >>> ax = plot_waveform(y, sr, title="A 220 Hz tone")
    >>> ax.get_xlabel()
    'Time (s)'
    """
    y = _as_mono(y)
    _check_sr(sr)
    ax = _new_axes(ax, (8.0, 2.5))
    n = y.size
    duration = n / sr
    if n <= max_points:
        ax.plot(np.arange(n) / sr, y, color="C0", linewidth=0.8)
    else:
        n_blocks = max(max_points // 2, 1)
        edges = np.linspace(0, n, n_blocks + 1).astype(int)
        lo = np.minimum.reduceat(y, edges[:-1])
        hi = np.maximum.reduceat(y, edges[:-1])
        t = (edges[:-1] + edges[1:]) / 2 / sr
        ax.fill_between(t, lo, hi, color="C0", linewidth=0.5, edgecolor="C0")
    ax.set_xlim(0.0, duration)
    ax.axhline(0.0, color="0.6", linewidth=0.5)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Amplitude")
    ax.set_title(title)
    return ax


def plot_spectrum(
    y: np.ndarray,
    sr: int,
    *,
    ax: Axes | None = None,
    title: str = "Magnitude spectrum",
    db: bool = False,
    max_freq: float | None = None,
    color: str = "C0",
    label: str | None = None,
) -> Axes:
    """Plot the one-sided magnitude spectrum of a whole signal.
    Taught in chapter 01 (Sound as data).

    The spectrum is ``np.abs(np.fft.rfft(y))``: bin ``k`` sits at ``k * sr / n`` Hz,
    from 0 Hz up to the Nyquist frequency ``sr / 2``. No window and no scaling are
    applied, so the numbers match the formula in the chapter. With ``db=True`` the
    magnitude is shown as ``20 * log10(|X[k]|)`` (floored at 1e-10 to avoid
    ``log(0)``), and the y axis starts 100 dB below the peak.

    Parameters
    ----------
    y : np.ndarray
        Mono signal, shape ``(n_samples,)``.
    sr : int
        Sampling rate in Hz.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on. A new figure is created when None.
    title : str, default "Magnitude spectrum"
        Axes title.
    db : bool, default False
        Plot in decibels instead of linear magnitude.
    max_freq : float, optional
        Upper limit of the x axis in Hz (for example 4000 to zoom in on speech).
        Defaults to ``sr / 2``.
    color : str, default "C0"
        Line colour, so that two spectra (before and after) can share one axes.
    label : str, optional
        Legend label for the line; call ``ax.legend()`` to show it.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x label "Frequency (Hz)" and y label "Magnitude" or
        "Magnitude (dB)".
    """
    y = _as_mono(y)
    _check_sr(sr)
    ax = _new_axes(ax, (8.0, 3.0))
    mag = np.abs(np.fft.rfft(y))
    freqs = np.fft.rfftfreq(y.size, d=1.0 / sr)
    if db:
        values = 20.0 * np.log10(np.maximum(mag, 1e-10))
        ylabel = "Magnitude (dB)"
    else:
        values = mag
        ylabel = "Magnitude"
    ax.plot(freqs, values, color=color, linewidth=0.8, label=label)
    if db:
        top = float(values.max())
        ax.set_ylim(top - 100.0, top + 5.0)
    ax.set_xlim(0.0, sr / 2 if max_freq is None else float(max_freq))
    ax.set_xlabel("Frequency (Hz)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_spectrogram(
    S_db: np.ndarray,
    sr: int,
    *,
    hop_length: int,
    ax: Axes | None = None,
    title: str = "Spectrogram",
    y_axis: str = "linear",
    colorbar: bool = True,
    **specshow_kwargs,
) -> Axes:
    """Show a spectrogram in decibels with time in seconds and frequency in Hz.
    Taught in chapter 02 (Hand-made features).

    A thin wrapper around :func:`librosa.display.specshow` that always labels the
    axes with units and adds a colour bar labelled "dB". Pass ``y_axis="log"`` for a
    log-frequency axis or ``y_axis="mel"`` for a mel spectrogram (then also pass the
    ``fmax`` you used to compute it).

    Parameters
    ----------
    S_db : np.ndarray
        Spectrogram in decibels, shape ``(n_bins, n_frames)``, for example
        ``librosa.amplitude_to_db(np.abs(librosa.stft(y)), ref=np.max)``.
    sr : int
        Sampling rate in Hz of the signal the spectrogram came from.
    hop_length : int
        Hop between frames in samples, as used to compute ``S_db``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on. A new figure is created when None.
    title : str, default "Spectrogram"
        Axes title.
    y_axis : str, default "linear"
        Frequency axis type understood by ``specshow``: "linear", "log" or "mel".
    colorbar : bool, default True
        Add a colour bar labelled "dB" next to the axes.
    **specshow_kwargs
        Passed on to ``librosa.display.specshow`` (for example ``fmax``, ``n_fft``,
        ``cmap``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x label "Time (s)" and y label "Frequency (Hz)".
    """
    import librosa.display  # imported here: importing librosa is slow

    S_db = np.asarray(S_db)
    if S_db.ndim != 2:
        raise ValueError(
            f"S_db must be 2-D (frequency bins, frames), got shape {S_db.shape}."
        )
    _check_sr(sr)
    if hop_length <= 0:
        raise ValueError(
            f"hop_length must be a positive number of samples, got {hop_length}."
        )
    ax = _new_axes(ax, (8.0, 3.5))
    img = librosa.display.specshow(
        S_db,
        sr=sr,
        hop_length=hop_length,
        x_axis="s",
        y_axis=y_axis,
        ax=ax,
        **specshow_kwargs,
    )
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Frequency (Hz)")
    ax.set_title(title)
    if colorbar:
        cbar = ax.figure.colorbar(img, ax=ax, format="%+2.0f")
        cbar.set_label("dB")
    return ax


def audio_table(
    clips: Mapping[str, tuple[np.ndarray, int]],
    *,
    columns: int = 4,
    normalize: bool = True,
) -> HTML:
    """Render a small table of labelled audio players, for listening side by side.
    Taught in chapter 01 (Sound as data).

    Each cell shows its label (HTML-escaped) above an :class:`IPython.display.Audio`
    player with the clip embedded as a WAV file. The HTML depends only on the input,
    so a stored notebook output can be compared byte for byte by nbval.

    Parameters
    ----------
    clips : Mapping[str, tuple[np.ndarray, int]]
        Label -> ``(y, sr)``, in the order the cells should appear (a dict keeps
        insertion order). ``y`` is mono ``(n,)`` or multichannel ``(channels, n)``.
    columns : int, default 4
        Players per row.
    normalize : bool, default True
        Scale each clip to full volume, as ``IPython.display.Audio`` does. Pass False
        to hear level differences (for example before and after a gain change); the
        samples are then clipped to [-1, 1].

    Returns
    -------
    IPython.display.HTML
        The table; it renders when it is the last expression of a cell.

    Examples
    --------
    >>> import numpy as np
    >>> sr = 8_000
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(sr) / sr)
    >>> table = audio_table({"440 Hz": (tone, sr), "quieter": (0.1 * tone, sr)})
    >>> table.data.count("<audio")
    2
    """
    if not isinstance(clips, Mapping):
        raise TypeError("clips must be a mapping label -> (y, sr), for example a dict.")
    if len(clips) == 0:
        raise ValueError("clips is empty: give at least one label -> (y, sr).")
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}.")

    cells = []
    for label, clip in clips.items():
        try:
            y, sr = clip
        except (TypeError, ValueError):
            raise TypeError(
                f"clip {label!r} must be a pair (y, sr), got {type(clip).__name__}."
            ) from None
        y = np.asarray(y, dtype=np.float64)
        if y.size == 0:
            raise ValueError(f"clip {label!r} is empty: there is nothing to play.")
        if not np.all(np.isfinite(y)):
            raise ValueError(f"clip {label!r} contains NaN or infinite samples.")
        peak = float(np.max(np.abs(y)))
        if normalize and peak > 0:
            player = Audio(y, rate=int(sr), normalize=True)
        else:
            player = Audio(np.clip(y, -1.0, 1.0), rate=int(sr), normalize=False)
        audio_html = "\n".join(
            line.strip() for line in player._repr_html_().strip().splitlines()
        )
        cells.append(
            '<td style="padding:4px 8px;text-align:center;vertical-align:top">'
            f'<div style="font-weight:bold">{html.escape(str(label))}</div>\n'
            f"{audio_html}</td>"
        )

    rows = []
    for start in range(0, len(cells), columns):
        rows.append("<tr>\n" + "\n".join(cells[start : start + columns]) + "\n</tr>")
    table = '<table class="voicelab-audio-table">\n' + "\n".join(rows) + "\n</table>"
    return HTML(table)


def plot_frames(
    y: np.ndarray,
    sr: int,
    *,
    frame_length: int,
    hop_length: int,
    n_frames: int = 4,
    start_frame: int = 0,
    center: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Show how a signal is cut into overlapping frames.
    Taught in chapter 02 (Hand-made features).

    Draws a short stretch of the waveform and, on top of it, ``n_frames``
    consecutive frames as shaded spans labelled "frame k". Frame ``k`` starts at
    sample ``k * hop_length`` and is ``frame_length`` samples long, so consecutive
    frames overlap by ``frame_length - hop_length`` samples. A bracket above the
    waveform marks each frame's length; an arrow below it marks one hop.

    Parameters
    ----------
    y : np.ndarray
        Mono signal, shape ``(n_samples,)``.
    sr : int
        Sampling rate in Hz.
    frame_length : int
        Frame length in samples (for example ``voicelab.features.FRAME_LENGTH``).
    hop_length : int
        Hop between frame starts in samples.
    n_frames : int, default 4
        How many frames to draw.
    start_frame : int, default 0
        Index of the first frame drawn; use it to move to a voiced part of a clip.
    center : bool, default False
        Draw frames as librosa does with ``center=True``: frame ``k`` is centred on
        sample ``k * hop_length``, so the first frame reaches into the zero padding
        before the signal starts.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on. A new figure is created when None.
    title : str, optional
        Axes title. Defaults to one that states frame length and hop in samples
        and milliseconds.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x label "Time (s)" and y label "Amplitude". Each frame span
        is a patch whose label is "frame k".
    """
    y = _as_mono(y)
    _check_sr(sr)
    for name, value in (("frame_length", frame_length), ("hop_length", hop_length)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive whole number of samples.")
    if n_frames < 1:
        raise ValueError(f"n_frames must be at least 1, got {n_frames}.")
    if start_frame < 0:
        raise ValueError(f"start_frame must be 0 or more, got {start_frame}.")

    ax = _new_axes(ax, (9.0, 3.5))
    frames = list(range(start_frame, start_frame + n_frames))
    offset = frame_length // 2 if center else 0
    starts = [k * hop_length - offset for k in frames]
    first, last = starts[0], starts[-1] + frame_length
    margin = max(hop_length // 2, 1)

    # The stretch of signal that is shown (only samples that exist).
    lo_i = max(first - margin, 0)
    hi_i = min(last + margin, y.size)
    if hi_i > lo_i:
        seg = y[lo_i:hi_i]
        ax.plot(np.arange(lo_i, hi_i) / sr, seg, color="0.25", linewidth=0.8)
        amp = float(np.max(np.abs(seg))) or 1.0
    else:
        amp = 1.0

    # Waveform between 10 % and 58 % of the axes height; frame brackets above it
    # and the hop arrow below it.
    total = 2.1 * amp / 0.48
    lower = -1.05 * amp - 0.10 * total
    ax.set_ylim(lower, lower + total)
    ax.set_yticks([-amp, 0.0, amp])
    ax.yaxis.set_major_formatter(FormatStrFormatter("%.2g"))
    ax.set_xlim((first - margin) / sr, (last + margin) / sr)
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    band = 0.38 / n_frames
    for i, (k, s) in enumerate(zip(frames, starts)):
        t0, t1 = s / sr, (s + frame_length) / sr
        color = f"C{i % 10}"
        ax.axvspan(t0, t1, color=color, alpha=0.12, linewidth=0, label=f"frame {k}")
        y_bar = 0.97 - band * (i + 0.5)
        ax.annotate(
            "",
            xy=(t1, y_bar),
            xytext=(t0, y_bar),
            xycoords=trans,
            textcoords=trans,
            arrowprops={"arrowstyle": "|-|", "color": color, "linewidth": 1.2,
                        "shrinkA": 0, "shrinkB": 0, "mutation_scale": 4},
        )
        text = f"frame {k}" if i else f"frame {k}: {frame_length} samples"
        ax.text((t0 + t1) / 2, y_bar, text, transform=trans,
                ha="center", va="bottom", fontsize=8, color=color)

    # One hop, marked between the starts of the first two frames.
    if n_frames >= 2:
        t0, t1 = starts[0] / sr, starts[1] / sr
        y_hop = 0.04
        ax.annotate(
            "",
            xy=(t1, y_hop),
            xytext=(t0, y_hop),
            xycoords=trans,
            textcoords=trans,
            arrowprops={"arrowstyle": "<->", "color": "k", "linewidth": 1.0,
                        "shrinkA": 0, "shrinkB": 0},
        )
        ax.text(t1, y_hop, f"  hop = {hop_length} samples", transform=trans,
                ha="left", va="center", fontsize=8)

    if title is None:
        title = (
            f"Frames of {frame_length} samples ({1000 * frame_length / sr:.0f} ms), "
            f"hop {hop_length} samples ({1000 * hop_length / sr:.0f} ms)"
        )
    ax.axhline(0.0, color="0.6", linewidth=0.5)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Amplitude")
    ax.set_title(title)
    return ax

