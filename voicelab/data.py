"""The shipped two-speaker corpus and a reader's own recordings as tables, and splits.

Taught in chapter 01 (Sound as data); the sentence-grouped splits return in chapter 03.
Every table has one row per clip and the columns of :data:`CLIP_COLUMNS`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from voicelab import audio

__all__ = [
    "CORPUS_DIR",
    "SPEAKERS",
    "CLIP_COLUMNS",
    "SPLIT_NAMES",
    "AUDIO_EXTENSIONS",
    "load_corpus",
    "make_splits",
    "write_splits",
    "load_folder",
    "load_clips",
]

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
SPEAKERS: tuple[str, ...] = ("clb", "slt")
CLIP_COLUMNS = (
    "path", "file", "speaker", "label", "sentence_id", "take", "text", "duration_s",
    "sha256", "split",
)
SPLIT_NAMES = ("train", "val", "test")
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
_MANIFEST_COLUMNS = ["file", "speaker", "sentence_id", "take", "text", "duration_s",
                     "sha256"]
_TAKE_SUFFIX = re.compile(r"^(?P<sentence>.+?)_(?:t|take)(?P<take>\d+)$", re.IGNORECASE)
_REGENERATE = (
    "Regenerate it with `python tools/make_corpus.py` in a clone of the repository"
)


def load_corpus(root: str | os.PathLike = CORPUS_DIR) -> pd.DataFrame:
    """Return the corpus as a table, one row per clip, with its train/val/test split.
    Taught in chapter 01 (Sound as data).

    Reads ``root/manifest.csv`` and ``root/splits.csv``; if ``splits.csv`` is missing,
    the splits are computed with ``make_splits(df, seed=0)``, which is how the shipped
    file was made.

    Parameters
    ----------
    root : str or os.PathLike
        Corpus folder; the default is the corpus shipped with voicelab.

    Returns
    -------
    pd.DataFrame
        Columns :data:`CLIP_COLUMNS`: ``path`` (absolute, str), ``file`` (relative to
        ``root``), ``speaker``, ``label`` (index in :data:`SPEAKERS`), ``sentence_id``,
        ``take`` (int), ``text``, ``duration_s``, ``sha256``, ``split``.
    """
    root = Path(root).resolve()
    manifest = root / "manifest.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"No corpus manifest at '{manifest}'. {_REGENERATE}.")
    df = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    missing = [c for c in _MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"'{manifest}' lacks the columns {missing}. {_REGENERATE}.")
    unknown = sorted(set(df["speaker"]) - set(SPEAKERS))
    if unknown:
        raise ValueError(
            f"'{manifest}' names speakers {unknown} outside SPEAKERS={SPEAKERS}. "
            f"{_REGENERATE}, or read your own recordings with load_folder()."
        )
    absent = [f for f in df["file"] if not (root / f).is_file()]
    if absent:
        raise FileNotFoundError(
            f"{len(absent)} of the {len(df)} files listed in '{manifest}' are missing, "
            f"e.g. "
            f"{absent[:3]}. {_REGENERATE}, or reinstall voicelab."
        )
    df = df.assign(
        path=[str(root / f) for f in df["file"]],
        label=df["speaker"].map(SPEAKERS.index).astype(int),
        take=df["take"].astype(int),
        duration_s=df["duration_s"].astype(float),
    )
    df["split"] = _read_splits(root / "splits.csv", df)
    return df[list(CLIP_COLUMNS)]


def _read_splits(path: Path, df: pd.DataFrame) -> pd.Series:
    if not path.is_file():
        return make_splits(df, seed=0)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    split = df["sentence_id"].map(dict(zip(table["sentence_id"], table["split"])))
    if split.isna().any():
        missing = sorted(set(df.loc[split.isna(), "sentence_id"]))
        raise ValueError(
            f"'{path}' has no split for sentences {missing[:5]}; it is out of date. "
            "Rewrite it with voicelab.data.write_splits, or delete it to compute "
            "the splits with make_splits(seed=0)."
        )
    return split.rename("split")


def make_splits(
    df: pd.DataFrame,
    *,
    seed: int = 0,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    group: str = "sentence_id",
) -> pd.Series:
    """Assign each row to train, val or test so that every group lands in one split.
    Taught in chapter 01 (Sound as data) and chapter 03.

    The sorted unique values of ``df[group]`` are shuffled with
    ``numpy.random.default_rng(seed)`` and cut into consecutive blocks of sizes
    ``fractions * n_groups``, rounded by largest remainder; every non-zero fraction gets
    at least one group. Grouping by sentence keeps both speakers' takes of a sentence in
    the same split, so a model cannot score by recognising the sentence. The result
    depends only on the set of groups and the seed, not on row order.

    Parameters
    ----------
    df : pd.DataFrame
        Table with a ``group`` column.
    seed : int
        Seed of the shuffle.
    fractions : sequence of 3 floats
        Shares of groups for train, val and test; non-negative, summing to 1.
    group : str
        Column whose values must not be split across train, val and test.

    Returns
    -------
    pd.Series
        Named ``"split"``, indexed like ``df``, values from :data:`SPLIT_NAMES`.
    """
    shares = np.asarray(fractions, dtype=float)
    if shares.shape != (3,) or (shares < 0).any() or not np.isclose(shares.sum(), 1):
        raise ValueError(
            "fractions must be three non-negative shares (train, val, test) summing "
            f"to 1, got {fractions!r}"
        )
    groups = np.array(sorted(df[group].unique()))
    needed = int((shares > 0).sum())
    if len(groups) < needed:
        raise ValueError(
            f"{len(groups)} distinct values of '{group}' cannot fill {needed} "
            f"non-empty splits: record at least {needed} different sentences, or set "
            "some fractions to 0"
        )
    exact = shares * len(groups)
    counts = np.floor(exact).astype(int)
    shortfall = len(groups) - counts.sum()
    counts[np.argsort(counts - exact, kind="stable")[:shortfall]] += 1
    for empty in np.flatnonzero((counts == 0) & (shares > 0)):
        counts[np.argmax(counts)] -= 1
        counts[empty] += 1
    shuffled = np.random.default_rng(seed).permutation(groups)
    names = np.repeat(SPLIT_NAMES, counts)
    return df[group].map(dict(zip(shuffled, names))).astype(str).rename("split")


def write_splits(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Save the split of each sentence as a CSV with columns ``sentence_id,split``.
    Taught in chapter 01 (Sound as data).

    Used by ``tools/make_corpus.py`` to ship ``corpus/splits.csv`` once. Uses the
    ``split`` column of ``df``, or ``make_splits(df, seed=0)`` when there is none.

    Parameters
    ----------
    df : pd.DataFrame
        Table with a ``sentence_id`` column and, optionally, ``split``.
    path : str or os.PathLike
        CSV file to write (overwritten).

    Returns
    -------
    Path
        ``path``.
    """
    split = df["split"] if "split" in df else make_splits(df, seed=0)
    table = pd.DataFrame({"sentence_id": df["sentence_id"], "split": split})
    table = table.drop_duplicates().sort_values("sentence_id")
    mixed = sorted(set(table.loc[table["sentence_id"].duplicated(), "sentence_id"]))
    if mixed:
        raise ValueError(
            f"sentences {mixed[:5]} are in more than one split; make the splits with "
            "make_splits(df), which keeps every sentence in one split"
        )
    path = Path(path)
    table.to_csv(path, index=False)
    return path


def load_folder(
    root: str | os.PathLike, *, speakers: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return your own recordings as a table like :func:`load_corpus`'s.
    Taught in chapter 01 (Sound as data).

    The layout is one subfolder per speaker, ``<root>/<speaker>/<name>.<ext>`` with
    ``ext`` one of :data:`AUDIO_EXTENSIONS` (any case). ``name`` is the sentence id,
    optionally followed by ``_t<N>`` or ``_take<N>`` for the take (default 1), e.g.
    ``alice/hello_t2.wav``. Names starting with ``.`` and folders nested inside speaker
    folders are ignored; any other file that is not readable audio is an error, so that
    no recording is dropped silently. Files are only read, never copied or changed.

    Parameters
    ----------
    root : str or os.PathLike
        The folder holding the speaker subfolders.
    speakers : sequence of str, optional
        Subfolders to use, in label order (label = index). Default: every subfolder,
        sorted by name.

    Returns
    -------
    pd.DataFrame
        Columns :data:`CLIP_COLUMNS`; ``text`` is empty, ``duration_s`` comes from the file
        header, ``split`` from ``make_splits(df, seed=0)``, which needs at least three
        different sentences.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(
            f"'{root}' is not a folder. Pass the folder that holds one subfolder per "
            "speaker, e.g. recordings/ holding recordings/alice/*.wav and "
            "recordings/bob/*.wav."
        )
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and _visible(p))
    if not folders:
        found = sorted(p.name for p in root.iterdir() if _visible(p))
        raise ValueError(
            f"'{root}' has no speaker subfolders (found {found[:10]}). Put each "
            f"speaker's recordings in their own subfolder: {root}/<speaker>/<name>.wav."
        )
    speakers = folders if speakers is None else list(speakers)
    absent = [s for s in speakers if s not in folders]
    if absent:
        raise ValueError(f"'{root}' has no subfolders {absent}; it has {folders}.")
    if len(speakers) < 2:
        raise ValueError(
            f"'{root}' holds recordings of {len(speakers)} speaker ({speakers}); a "
            "classifier needs at least 2. Add a subfolder per speaker."
        )
    rows = []
    for label, name in enumerate(speakers):
        rows += _speaker_rows(root, name, label)
    df = pd.DataFrame(rows, columns=[c for c in CLIP_COLUMNS if c != "split"])
    df["split"] = make_splits(df, seed=0)
    return df


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _speaker_rows(root: Path, speaker: str, label: int) -> list[dict]:
    files = sorted(p for p in (root / speaker).iterdir() if p.is_file() and _visible(p))
    audio_files = [p for p in files if p.suffix.lower() in AUDIO_EXTENSIONS]
    if not audio_files:
        raise ValueError(
            f"'{root / speaker}' holds no audio (found {[p.name for p in files][:10]})."
            f" Accepted extensions: {', '.join(AUDIO_EXTENSIONS)}; convert other "
            "formats, e.g. `ffmpeg -i clip.m4a clip.wav`."
        )
    infos, bad = {}, [p for p in files if p not in audio_files]
    for p in audio_files:
        try:
            infos[p] = sf.info(p)
        except sf.LibsndfileError:
            bad.append(p)
    if bad:
        raise audio.NotAudioError(
            f"'{root / speaker}' holds files that are not readable audio: "
            f"{sorted(p.name for p in bad)}. Remove them from the folder, or convert "
            f"them to WAV (`ffmpeg -i clip.m4a clip.wav`); accepted extensions: "
            f"{', '.join(AUDIO_EXTENSIONS)}."
        )
    rows = []
    for p, info in infos.items():
        match = _TAKE_SUFFIX.match(p.stem)
        rows.append({
            "path": str(p),
            "file": p.relative_to(root).as_posix(),
            "speaker": speaker,
            "label": label,
            "sentence_id": match["sentence"] if match else p.stem,
            "take": int(match["take"]) if match else 1,
            "text": "",
            "duration_s": info.frames / info.samplerate,
            "sha256": _sha256(p),
        })
    return rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_clips(df: pd.DataFrame, *, sr: int = audio.SR) -> list[np.ndarray]:
    """Load the ``path`` of every row with :func:`voicelab.audio.load`, in row order.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    df : pd.DataFrame
        Table with a ``path`` column, e.g. from :func:`load_corpus` or
        :func:`load_folder`.
    sr : int
        Sample rate to resample every clip to.

    Returns
    -------
    list of np.ndarray
        One float32 mono signal per row.
    """
    return [audio.load(path, sr=sr)[0] for path in df["path"]]
