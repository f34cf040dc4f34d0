"""Figures and audio players for the voicelab chapters.

Each plotting function draws on the ``ax`` you pass (or on a new figure), sets a title
and axis labels with units, and returns the axes so you can add to it. Nothing here is
random: the same input gives the same picture and the same HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
from IPython.display import HTML, Audio
from matplotlib import pyplot as plt
from matplotlib.axes import Axes

__all__ = [
    "plot_waveform",
    "plot_spectrum",
    "plot_spectrogram",
    "audio_table",
    "plot_confusion",
]


def _as_mono(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Return ``y`` as a non-empty 1-D float array or raise a helpful ValueError."""
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"{name} must be a non-empty mono signal of shape (n,), got shape "
            f"{arr.shape}; mix channels first with voicelab.audio.to_mono(y)."
        )
    return arr.astype(np.float64, copy=False)


def _check_sr(sr: int) -> None:
    if not sr or sr <= 0:
        raise ValueError(f"sr must be a positive sampling rate in Hz, got {sr!r}.")


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_waveform(
    y: np.ndarray, sr: int, *, ax: Axes | None = None, title: str = "Waveform",
    max_points: int = 4000,
) -> Axes:
    """Plot a mono signal against time in seconds.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Mono signal, shape ``(n,)``.
    sr : int
        Sample rate in Hz.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: a new figure.
    title : str
        Axes title.
    max_points : int
        Longer signals are drawn as their envelope: the band between the minimum and
        the maximum of ``max_points // 2`` equal blocks.
    """
    y = _as_mono(y)
    _check_sr(sr)
    ax = _new_axes(ax, (8.0, 2.5))
    if y.size <= max_points:
        ax.plot(np.arange(y.size) / sr, y, color="C0", linewidth=0.8)
    else:
        edges = np.linspace(0, y.size, max_points // 2 + 1).astype(int)
        lo, hi = (f.reduceat(y, edges[:-1]) for f in (np.minimum, np.maximum))
        t = (edges[:-1] + edges[1:]) / 2 / sr
        ax.fill_between(t, lo, hi, color="C0", linewidth=0.5, edgecolor="C0")
    ax.set_xlim(0.0, y.size / sr)
    ax.axhline(0.0, color="0.6", linewidth=0.5)
    ax.set(xlabel="Time (s)", ylabel="Amplitude", title=title)
    return ax


def plot_spectrum(
    y: np.ndarray, sr: int, *, ax: Axes | None = None,
    title: str = "Magnitude spectrum", db: bool = False, max_freq: float | None = None,
    color: str = "C0", label: str | None = None,
) -> Axes:
    """Plot the magnitude spectrum ``np.abs(np.fft.rfft(y))`` from 0 Hz to ``sr / 2``.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    y : np.ndarray
        Mono signal, shape ``(n,)``; no window, no scaling.
    sr : int
        Sample rate in Hz.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: a new figure.
    title : str
        Axes title.
    db : bool
        Plot ``20 * log10(|X[k]|)``, with the y axis from 100 dB below the peak.
    max_freq : float, optional
        Upper end of the frequency axis in Hz; default ``sr / 2``.
    color, label : str
        Line colour and legend label, so that two spectra can share one axes.
    """
    y = _as_mono(y)
    _check_sr(sr)
    ax = _new_axes(ax, (8.0, 3.0))
    values = np.abs(np.fft.rfft(y))
    if db:
        values = 20.0 * np.log10(np.maximum(values, 1e-10))
        ax.set_ylim(values.max() - 100.0, values.max() + 5.0)
    ax.plot(np.fft.rfftfreq(y.size, d=1.0 / sr), values, color=color, linewidth=0.8,
            label=label)
    ax.set_xlim(0.0, sr / 2 if max_freq is None else float(max_freq))
    ax.set(xlabel="Frequency (Hz)", ylabel="Magnitude (dB)" if db else "Magnitude",
           title=title)
    return ax


def plot_spectrogram(
    S_db: np.ndarray, sr: int, *, hop_length: int, ax: Axes | None = None,
    title: str = "Spectrogram", y_axis: str = "linear", colorbar: bool = True,
    **specshow_kwargs,
) -> Axes:
    """Show a spectrogram in dB with time in seconds, frequency in Hz and a colour bar.
    Taught in chapter 02 (Hand-made features).

    Parameters
    ----------
    S_db : np.ndarray
        Spectrogram in dB, shape ``(n_bins, n_frames)``.
    sr : int
        Sample rate in Hz of the signal.
    hop_length : int
        Hop between frames in samples.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default: a new figure.
    title : str
        Axes title.
    y_axis : str
        Frequency axis of ``librosa.display.specshow``: "linear", "log", "mel", ...
    colorbar : bool
        Add a colour bar labelled "dB".
    **specshow_kwargs
        Passed on to ``librosa.display.specshow`` (``fmax``, ``n_fft``, ``cmap``, ...).
    """
    import librosa.display  # imported here: importing librosa is slow

    S_db = np.asarray(S_db)
    if S_db.ndim != 2:
        raise ValueError(f"S_db must be 2-D (bins, frames), got shape {S_db.shape}.")
    _check_sr(sr)
    ax = _new_axes(ax, (8.0, 3.5))
    img = librosa.display.specshow(S_db, sr=sr, hop_length=hop_length, x_axis="s",
                                   y_axis=y_axis, ax=ax, **specshow_kwargs)
    ax.set(xlabel="Time (s)", ylabel="Frequency (Hz)", title=title)
    if colorbar:
        ax.figure.colorbar(img, ax=ax, format="%+2.0f").set_label("dB")
    return ax


def audio_table(
    clips: Mapping[str, tuple[np.ndarray, int]], *, columns: int = 4,
    normalize: bool = True,
) -> HTML:
    """A table of labelled audio players, for listening side by side.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    clips : Mapping[str, tuple[np.ndarray, int]]
        Label -> ``(y, sr)``, in display order; ``y`` is ``(n,)`` or ``(channels, n)``.
    columns : int
        Players per row.
    normalize : bool
        Scale each clip to full volume; False plays the stored level (clipped to
        [-1, 1]), to hear level differences.
    """
    cells = []
    for label, (y, sr) in clips.items():
        y = np.asarray(y, dtype=np.float64)
        loud = normalize and np.abs(y).max() > 0
        player = Audio(y if loud else np.clip(y, -1.0, 1.0), rate=int(sr),
                       normalize=bool(loud))
        lines = player._repr_html_().strip().splitlines()
        body = "\n".join(line.strip() for line in lines)
        cells.append(
            '<td style="padding:4px 8px;text-align:center;vertical-align:top">'
            f'<div style="font-weight:bold">{html.escape(str(label))}</div>\n'
            f"{body}</td>"
        )
    rows = ["<tr>\n" + "\n".join(cells[i : i + columns]) + "\n</tr>"
            for i in range(0, len(cells), columns)]
    table = "\n".join(rows)
    return HTML(f'<table class="voicelab-audio-table">\n{table}\n</table>')


# --- confusion matrix (chapters 03 and 06) --------------------------------------------


def plot_confusion(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    labels: Sequence[str],
    ax: Axes | None = None,
    title: str = "Confusion matrix",
    normalize: str | None = None,
) -> Axes:
    """Show a confusion matrix as an annotated heatmap of true by predicted speaker.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Parameters
    ----------
    y_true, y_pred : np.ndarray
        True and predicted classes: the label strings or their positions in ``labels``.
    labels : Sequence[str]
        Class names in display order, e.g. ``voicelab.data.SPEAKERS``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (default: a new figure).
    title : str, default "Confusion matrix"
        Axes title.
    normalize : {None, "true", "pred", "all"}, default None
        Colour by counts, or by fractions of rows (recall on the diagonal), columns or
        all clips; each cell then shows its percentage under the count.

    Returns
    -------
    matplotlib.axes.Axes
        The axes; the heatmap holds ``confusion_matrix(..., normalize=normalize)``.
    """
    import seaborn as sns
    from sklearn.metrics import confusion_matrix

    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize is None, 'true', 'pred' or 'all': {normalize}")
    names = [str(label) for label in labels]
    present = set(np.unique(np.concatenate([y_true, y_pred]).astype(str)).tolist())
    values = list(labels) if present <= set(names) else list(range(len(names)))
    counts = confusion_matrix(y_true, y_pred, labels=values)
    with np.errstate(invalid="ignore", divide="ignore"):
        shown = confusion_matrix(y_true, y_pred, labels=values, normalize=normalize)
    shown = np.nan_to_num(shown.astype(float))
    annot = counts.astype(str) if normalize is None else np.array(
        [[f"{c}\n({100 * f:.1f}%)" for c, f in zip(row_counts, row_shares)]
         for row_counts, row_shares in zip(counts, shown)])
    ax = _new_axes(ax, (4.8, 4.0))
    sns.heatmap(shown, annot=annot, fmt="", cmap="Blues", vmin=0.0,
                vmax=None if normalize is None else 1.0, square=True, linewidths=0.5,
                linecolor="white", xticklabels=names, yticklabels=names, ax=ax,
                cbar_kws={"label": "Fraction of clips" if normalize else "Clips"})
    ax.set(xlabel="Predicted speaker", ylabel="True speaker", title=title)
    ax.tick_params(axis="y", rotation=0)
    return ax
