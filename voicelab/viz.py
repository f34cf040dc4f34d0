"""Figures and audio players for the voicelab chapters.

Every plotting function follows the same rules: it draws on the ``ax`` you give it (or
on a new figure when ``ax`` is None), sets a title and axis labels with units, and
returns the :class:`~matplotlib.axes.Axes` so you can add to it
(:func:`plot_classifier_curves` returns its three panels as an array). Nothing here is
random, so the same input always gives the same picture and the same HTML;
:func:`draw_graph` returns a :class:`graphviz.Digraph` whose SVG is byte-identical from
run to run.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from IPython.display import HTML, Audio
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FormatStrFormatter
from matplotlib.transforms import blended_transform_factory

if TYPE_CHECKING:  # imported where used: keeps ``import voicelab.viz`` fast
    import graphviz

__all__ = [
    "plot_waveform",
    "plot_spectrum",
    "plot_spectrogram",
    "audio_table",
    "plot_frames",
    "draw_graph",
    "plot_classifier_curves",
    "plot_confusion",
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



# --- computation graphs (chapter 04) -------------------------------------------------

_GRAPH_FONT = "Helvetica"


def _as_float_text(x: object) -> str:
    """Exact, repeatable text for a number (used only to order nodes)."""
    try:
        return repr(float(x))
    except (TypeError, ValueError):
        return repr(x)


def _fixed4(x: object) -> str:
    try:
        return f"{float(x):.4f}"
    except (TypeError, ValueError):
        return str(x)


def _record_escape(text: str) -> str:
    """Escape the characters that have a meaning inside a Graphviz record label."""
    out = []
    for ch in text:
        if ch in '\\{}|<>"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _plain_escape(text: str) -> str:
    """Keep backslashes literal in an ordinary (non-record) Graphviz label."""
    return text.replace("\\", "\\\\").replace("\n", " ")


def _graph_children(node: object) -> list:
    """The distinct children of ``node`` (a set, tuple or list in ``_prev``)."""
    seen: dict[int, object] = {}
    for child in node._prev:
        seen.setdefault(id(child), child)
    return list(seen.values())


def _check_value(node: object) -> None:
    missing = [a for a in ("data", "grad", "_prev", "_op") if not hasattr(node, a)]
    if missing:
        raise TypeError(
            f"draw_graph expects a scalar autograd value (like micrograd.engine.Value) "
            f"with attributes data, grad, _prev and _op; {type(node).__name__} has no "
            f"{', '.join(missing)}."
        )


def _canonical_order(root: object) -> list:
    """Every value reachable from ``root`` once, in a post-order that never depends on
    memory addresses or on the iteration order of the ``_prev`` sets.

    Each value first gets a colour from what is drawn for it (operation, label, data,
    grad). Colours are then refined, Weisfeiler-Lehman style, with the sorted colours
    of its children and of its parents until no class splits any more; a colour is the
    rank of its key among all keys, so it only depends on the graph's structure. A
    depth-first walk from the root then visits children in colour order. Values that
    still share a colour look the same from every side of the graph, so either order
    gives the same drawing.
    """
    # 1. Collect the values once each (identity is used for de-duplication only).
    nodes: dict[int, object] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in nodes:
            continue
        _check_value(node)
        nodes[id(node)] = node
        stack.extend(node._prev)
    children = {k: [id(c) for c in _graph_children(v)] for k, v in nodes.items()}
    parents: dict[int, list[int]] = {k: [] for k in nodes}
    for k, kids in children.items():
        for c in kids:
            parents[c].append(k)

    # 2. Colour refinement.
    def local(v: object) -> tuple:
        return (str(v._op), str(getattr(v, "label", "") or ""),
                _as_float_text(v.data), _as_float_text(v.grad))

    def compress(keys: dict[int, tuple]) -> dict[int, int]:
        rank = {key: i for i, key in enumerate(sorted(set(keys.values())))}
        return {k: rank[key] for k, key in keys.items()}

    colour = compress({k: local(v) for k, v in nodes.items()})
    n_classes = len(set(colour.values()))
    while True:
        colour = compress({
            k: (colour[k],
                tuple(sorted(colour[c] for c in children[k])),
                tuple(sorted(colour[p] for p in parents[k])))
            for k in nodes
        })
        new_n = len(set(colour.values()))
        if new_n == n_classes:
            break
        n_classes = new_n

    # 3. Iterative post-order depth-first walk, children in colour order.
    order: list = []
    done: set[int] = set()
    on_path: set[int] = set()
    walk = [(id(root), False)]
    while walk:
        k, expanded = walk.pop()
        if expanded:
            on_path.discard(k)
            if k not in done:
                done.add(k)
                order.append(nodes[k])
            continue
        if k in done or k in on_path:
            continue
        on_path.add(k)
        walk.append((k, True))
        kids = sorted(children[k], key=lambda c: colour[c])
        # Pushed in reverse, so the smallest colour is visited first.
        walk.extend((c, False) for c in reversed(kids) if c not in done)
    return order


def draw_graph(
    root: object,
    *,
    rankdir: str = "LR",
    label: str | None = None,
    fmt: str = "svg",
) -> graphviz.Digraph:
    """Draw the computation graph of a scalar autograd expression with Graphviz.
    Taught in chapter 04 (Backpropagation by hand).

    Works with :class:`micrograd.engine.Value` and with any class that has the same
    attributes (duck typing): ``data``, ``grad``, ``_prev`` (the operands, usually a
    set), ``_op`` (the operation's symbol, ``""`` for inputs) and, optionally,
    ``label``. Each value is a box "label | data 0.1234 | grad 0.5678" (four decimals);
    each operation is an ellipse with an arrow into the value it produced. A value
    used twice (a shared subexpression) is drawn once, with two arrows leaving it.

    The drawing is repeatable: nodes are named ``n0, n1, ...`` in a post-order walk
    that sorts the operands by what they look like and where they sit in the graph,
    never by memory address or by the order of a set, and the graph attributes (font,
    sizes) are fixed. So the same expression gives byte-identical SVG in every run,
    which is what lets nbval compare a stored notebook output.

    Parameters
    ----------
    root : Value
        The expression's output, for example the loss. Call ``root.backward()``
        first to see the gradients.
    rankdir : str, default "LR"
        Graphviz layout direction: "LR" (inputs on the left), "TB", "RL" or "BT".
    label : str, optional
        Caption printed above the graph.
    fmt : str, default "svg"
        Output format used by ``render`` and ``pipe`` (Jupyter always shows SVG).

    Returns
    -------
    graphviz.Digraph
        The graph; a notebook cell that ends with it shows it. Value nodes are named
        ``n0, n1, ...`` (the root last); the operation that produced ``nK`` is
        ``nK_op``.

    Examples
    --------
    >>> from micrograd.engine import Value
    >>> a, b = Value(2.0), Value(-3.0)
    >>> loss = a * b + a
    >>> loss.backward()
    >>> g = draw_graph(loss)
    >>> g.body[-1].strip()
    'n3_op -> n3'
    """
    import graphviz

    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}.")
    _check_value(root)
    order = _canonical_order(root)
    name = {id(v): f"n{i}" for i, v in enumerate(order)}

    g = graphviz.Digraph("computation_graph", format=fmt)
    g.attr("graph", rankdir=rankdir, fontname=_GRAPH_FONT, fontsize="14",
           nodesep="0.25", ranksep="0.4", bgcolor="white")
    g.attr("node", fontname=_GRAPH_FONT, fontsize="12")
    g.attr("edge", fontname=_GRAPH_FONT, arrowsize="0.7")
    if label is not None:
        g.attr("graph", label=_plain_escape(str(label)), labelloc="t")

    # In a left-to-right layout a record's fields stack vertically unless the whole
    # label is wrapped in braces; wrap it so the three fields always sit side by side.
    horizontal = rankdir in ("LR", "RL")
    for v in order:
        n = name[id(v)]
        text = _record_escape(str(getattr(v, "label", "") or ""))
        fields = f"{text} | data {_fixed4(v.data)} | grad {_fixed4(v.grad)}"
        g.node(n, "{" + fields + "}" if horizontal else fields, shape="record",
               style="filled", fillcolor="#eef3fb")
        kids = sorted((name[id(c)] for c in _graph_children(v)),
                      key=lambda s: int(s[1:]))
        op = str(v._op)
        if op:
            g.node(f"{n}_op", _plain_escape(op), shape="ellipse",
                   style="filled", fillcolor="#fff4d6")
            for k in kids:
                g.edge(k, f"{n}_op")
            g.edge(f"{n}_op", n)
        else:
            for k in kids:  # operands recorded without an operation symbol
                g.edge(k, n)
    return g


# --- classifier evaluation (chapter 03) ----------------------------------------------


def _binary_targets(y_true: np.ndarray, pos_label_name: str) -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"y_true must be a non-empty 1-D array, got shape {y.shape}.")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(
            f"y_true must hold 0/1 labels (1 = {pos_label_name}), got values "
            f"{sorted(values, key=str)[:5]}; convert first, for example "
            f"(y == 'slt').astype(int)."
        )
    if len(values) < 2:
        raise ValueError(
            "y_true holds only one class: ROC and precision-recall curves need clips "
            "of both speakers."
        )
    return y.astype(int)


def _scores_by_model(
    y_score: np.ndarray | Mapping[str, np.ndarray], n: int
) -> dict[str, np.ndarray]:
    items = dict(y_score) if isinstance(y_score, Mapping) else {"": y_score}
    if not items:
        raise ValueError("y_score is an empty dict: give at least one model's scores.")
    out = {}
    for name, scores in items.items():
        s = np.asarray(scores, dtype=np.float64)
        if s.ndim == 2 and s.shape[1] == 2:
            raise ValueError(
                f"scores of {name or 'the model'} have two columns; pass the positive "
                "class's column only, for example model.predict_proba(X)[:, 1]."
            )
        if s.shape != (n,):
            raise ValueError(
                f"scores of {name or 'the model'} have shape {s.shape}, but y_true has "
                f"{n} labels: pass one score per clip."
            )
        if not np.all(np.isfinite(s)):
            raise ValueError(f"scores of {name or 'the model'} contain NaN or inf.")
        if s.min() < 0.0 or s.max() > 1.0:
            raise ValueError(
                f"scores of {name or 'the model'} are not probabilities in [0, 1] "
                "(the reliability diagram needs them); use "
                "model.predict_proba(X)[:, 1] rather than decision_function."
            )
        out[str(name)] = s
    return out


def _with_name(name: str, text: str) -> str:
    return f"{name} ({text})" if name else text


def plot_classifier_curves(
    y_true: np.ndarray,
    y_score: np.ndarray | Mapping[str, np.ndarray],
    *,
    axes: Sequence[Axes] | None = None,
    title_prefix: str = "",
    pos_label_name: str = "positive",
    n_bins: int = 10,
) -> np.ndarray:
    """Draw the ROC curve, the precision-recall curve and a reliability diagram.
    Taught in chapter 03 (Classical machine learning).

    Three panels side by side, one line per model in each:

    * ROC: true positive rate against false positive rate as the threshold moves, with
      the area under the curve (AUC) in the legend and the chance diagonal (AUC 0.5).
    * Precision-recall: precision against recall (a step curve), with the average
      precision (AP) in the legend and the line a classifier that guesses would reach
      (precision = prevalence, the fraction of positive clips).
    * Reliability diagram: within each of ``n_bins`` equal-width bins of predicted
      probability, the fraction of clips that really are positive
      (:func:`sklearn.calibration.calibration_curve`, ``strategy="uniform"``), with
      the Brier score in the legend and the diagonal of perfect calibration. A step
      histogram of the predicted probabilities, on a twin y axis along the bottom,
      shows how many clips each point rests on.

    Parameters
    ----------
    y_true : np.ndarray
        True labels, 0 or 1, shape ``(n,)``; 1 is the positive class.
    y_score : np.ndarray or Mapping[str, np.ndarray]
        Predicted probability of the positive class, shape ``(n,)``, for example
        ``model.predict_proba(X_test)[:, 1]``; or a dict model name -> such scores
        to compare models (drawn in the dict's order, colours C0, C1, ...).
    axes : sequence of 3 matplotlib.axes.Axes, optional
        Axes to draw on. A new figure with three panels is created when None.
    title_prefix : str, default ""
        Text put before each panel's title, for example "MFCC + logistic regression: ".
    pos_label_name : str, default "positive"
        Name of the positive class (for example a speaker), used in the labels.
    n_bins : int, default 10
        Number of equal-width probability bins of the reliability diagram.

    Returns
    -------
    np.ndarray
        The three axes (ROC, precision-recall, reliability), dtype object. Model lines
        carry the model's legend label; the reference lines are labelled
        "chance", "prevalence ..." and "perfectly calibrated".
    """
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import (
        average_precision_score,
        brier_score_loss,
        precision_recall_curve,
        roc_auc_score,
        roc_curve,
    )

    y = _binary_targets(y_true, pos_label_name)
    models = _scores_by_model(y_score, y.size)
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive whole number, got {n_bins!r}.")
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15.0, 4.6), layout="constrained")
    axes = np.asarray(axes, dtype=object).ravel()
    if axes.size != 3:
        raise ValueError(f"axes must hold exactly 3 Axes, got {axes.size}.")
    ax_roc, ax_pr, ax_cal = axes

    prevalence = float(y.mean())
    bins = np.linspace(0.0, 1.0, int(n_bins) + 1)
    ax_hist = ax_cal.twinx()
    max_count = 1
    for i, (name, s) in enumerate(models.items()):
        color = f"C{i % 10}"
        fpr, tpr, _ = roc_curve(y, s)
        auc = roc_auc_score(y, s)
        ax_roc.plot(fpr, tpr, color=color, linewidth=1.5,
                    label=_with_name(name, f"AUC = {auc:.3f}"))
        precision, recall, _ = precision_recall_curve(y, s)
        ap = average_precision_score(y, s)
        ax_pr.plot(recall, precision, color=color, linewidth=1.5,
                   drawstyle="steps-post", label=_with_name(name, f"AP = {ap:.3f}"))
        frac_pos, mean_pred = calibration_curve(y, s, n_bins=int(n_bins),
                                                strategy="uniform")
        brier = brier_score_loss(y, s)
        ax_cal.plot(mean_pred, frac_pos, color=color, linewidth=1.5, marker="o",
                    markersize=4, label=_with_name(name, f"Brier = {brier:.3f}"))
        counts, _, _ = ax_hist.hist(s, bins=bins, histtype="step", color=color,
                                    alpha=0.6, linewidth=1.0)
        max_count = max(max_count, int(np.max(counts)))

    ax_roc.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1.0,
                label="chance (AUC = 0.500)")
    ax_roc.set_xlabel("False positive rate (false accepts)")
    ax_roc.set_ylabel("True positive rate (recall)")
    ax_roc.set_title(f"{title_prefix}ROC curve")
    ax_roc.legend(loc="lower right", fontsize=8)

    ax_pr.axhline(prevalence, color="0.5", linestyle="--", linewidth=1.0,
                  label=f"prevalence = {prevalence:.3f}")
    ax_pr.set_xlabel("Recall (true positive rate)")
    ax_pr.set_ylabel("Precision (fraction of accepts that are right)")
    ax_pr.set_title(f"{title_prefix}Precision-recall curve")
    ax_pr.legend(loc="lower left", fontsize=8)

    ax_cal.plot([0, 1], [0, 1], color="0.5", linestyle="--", linewidth=1.0,
                label="perfectly calibrated")
    ax_cal.set_xlabel(f"Predicted probability of {pos_label_name}")
    ax_cal.set_ylabel(f"Observed fraction of {pos_label_name}")
    ax_cal.set_title(f"{title_prefix}Reliability diagram ({int(n_bins)} bins)")
    ax_cal.legend(loc="upper left", fontsize=8)
    # The histogram fills the bottom quarter of the panel only.
    ax_hist.set_ylim(0, 4 * max_count)
    ax_hist.set_ylabel("Clips per bin (histogram)", color="0.4")
    ax_hist.tick_params(axis="y", colors="0.4", labelsize=8)

    for ax in (ax_roc, ax_pr, ax_cal):
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(True, linewidth=0.3, alpha=0.5)
    return axes


def _class_values(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence) -> list:
    """The values in ``y_true``/``y_pred`` that stand for ``labels``, in order.

    Either the labels themselves (``y == "slt"``) or their positions
    (``y == 1`` for ``labels[1]``, the convention of ``voicelab.data.SPEAKERS``).
    """
    present = set(np.unique(np.concatenate([y_true, y_pred]).astype(object)).tolist())
    names = list(labels)
    if present <= set(names):
        return names
    positions = set(range(len(names)))
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) or
           isinstance(v, float) and v.is_integer() for v in present):
        if {int(v) for v in present} <= positions:
            return list(range(len(names)))
    raise ValueError(
        f"y_true and y_pred hold {sorted(present, key=str)[:5]}, which are neither "
        f"the labels {names} nor their positions 0..{len(names) - 1}."
    )


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
    Taught in chapter 03 (Classical machine learning).

    Cell ``(i, j)`` counts the clips of true class ``labels[i]`` predicted as
    ``labels[j]``, as :func:`sklearn.metrics.confusion_matrix` does; the diagonal holds
    the right answers. With ``normalize="true"`` each cell also shows its percentage
    of the row (recall per speaker on the diagonal) and the colours follow those
    fractions; ``"pred"`` uses columns and ``"all"`` the whole table.

    Parameters
    ----------
    y_true, y_pred : np.ndarray
        True and predicted classes, shape ``(n,)``: either the label strings
        themselves or their positions in ``labels`` (0, 1, ...).
    labels : Sequence[str]
        Class names in display order, for example ``voicelab.data.SPEAKERS``; they
        become the tick labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on. A new figure is created when None.
    title : str, default "Confusion matrix"
        Axes title.
    normalize : {None, "true", "pred", "all"}, default None
        Colour by counts (None) or by fractions of rows, columns or all clips.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x label "Predicted speaker" and y label "True speaker". The
        heatmap's colour values are ``confusion_matrix(..., normalize=normalize)``.
    """
    import seaborn as sns
    from sklearn.metrics import confusion_matrix

    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(
            f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}."
        )
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.ndim != 1 or yt.shape != yp.shape or yt.size == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty 1-D arrays of the same length, got "
            f"shapes {yt.shape} and {yp.shape}."
        )
    names = [str(label) for label in labels]
    if len(names) < 2:
        raise ValueError(f"labels must name at least two classes, got {names}.")
    values = _class_values(yt, yp, labels)
    counts = confusion_matrix(yt, yp, labels=values)
    with np.errstate(invalid="ignore", divide="ignore"):
        shown = confusion_matrix(yt, yp, labels=values, normalize=normalize)
    shown = np.nan_to_num(shown.astype(np.float64))
    if normalize is None:
        annot = np.array([[f"{c}" for c in row] for row in counts])
        cbar_label = "Clips"
        vmax = None
    else:
        annot = np.array([[f"{c}\n({100 * f:.1f}%)" for c, f in zip(rc, rf)]
                          for rc, rf in zip(counts, shown)])
        cbar_label = {"true": "Fraction of the true speaker's clips",
                      "pred": "Fraction of the predicted speaker's clips",
                      "all": "Fraction of all clips"}[normalize]
        vmax = 1.0
    ax = _new_axes(ax, (4.8, 4.0))
    sns.heatmap(shown, annot=annot, fmt="", cmap="Blues", vmin=0.0, vmax=vmax,
                square=True, linewidths=0.5, linecolor="white",
                xticklabels=names, yticklabels=names, ax=ax,
                cbar_kws={"label": cbar_label})
    ax.set_xlabel("Predicted speaker")
    ax.set_ylabel("True speaker")
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(title)
    return ax
