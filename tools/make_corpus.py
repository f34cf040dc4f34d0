"""Generate the voicelab two-speaker corpus (``voicelab/corpus``) from a seed.

What it makes
-------------
Two female voices of the RHVoice speech synthesiser, ``clb`` and ``slt`` (each built from
recordings of one real woman), read the same 60 English sentences (written for this course,
see ``SENTENCES`` below), twice each: 2 speakers x 60 sentences x 2 takes = 240 clips, saved as
16 kHz mono 16-bit FLAC at ``<out>/<speaker>/<sentence_id>_t<take>.flac`` plus
``<out>/manifest.csv`` (columns ``file,speaker,sentence_id,take,text,duration_s,sha256``).

Recipe for one take (every random number comes from one ``numpy.random.default_rng(seed)``,
drawn in a fixed order before any audio is made, so the same seed gives the same corpus):

1. Prosody. ``RHVoice-test -p <voice> -r <rate> -t <pitch> -v 100`` synthesises the sentence at
   24 kHz. ``rate`` is drawn per take from a normal distribution around a per-speaker centre
   (``clb`` 100 %, ``slt`` 102 %, sd 8 %, clipped to 80..120 %); together with ``clb`` already
   being a slightly slower reader, ``clb`` ends up about 10 % slower on average while the two
   duration distributions still overlap widely. ``pitch`` is uniform in 92..108 %.
2. Silence. The synthesiser's own leading/trailing silence is cut (threshold 45 dB below the
   peak) and replaced by digital silence of 0.10..0.30 s at each end, drawn per take.
3. Recording colour (``sox``), all drawn per take: high-pass 60..200 Hz, one peaking
   ``equalizer`` (centre 600..4500 Hz log-uniform, 1 octave wide, -5..+5 dB), ``bass`` -4..+4 dB,
   ``treble`` -8..+3 dB, low-pass 3.8..7.8 kHz, a little room (``reverb`` reverberance 5..35 %,
   room scale 10..40 %, wet gain -10..-3 dB), then ``rate -v 16000``. sox writes 32-bit float, so
   nothing clips and no (random) dither is applied.
4. Level. The clip is scaled to an RMS level uniform in -32..-18 dBFS (lowered further if the
   peak would exceed -1 dBFS), rounded to 16-bit integers in numpy and written with
   ``soundfile`` (libsndfile FLAC; no timestamps, so the bytes are reproducible).

No background noise is added: the clips are clean references, and chapters that need noise add
it themselves from a seed.

Prerequisites (Debian 12)
-------------------------
RHVoice lives in Debian's ``non-free`` section::

    sed -i 's/^Components: main$/Components: main contrib non-free/' \\
        /etc/apt/sources.list.d/debian.sources
    apt-get update && apt-get install -y rhvoice rhvoice-english sox

Python: numpy, soundfile (and librosa, pandas, scikit-learn for ``--check``).

How to run
----------
::

    python tools/make_corpus.py                      # writes voicelab/corpus (refuses if present)
    python tools/make_corpus.py --force --check      # regenerate in place, then evaluate
    python tools/make_corpus.py --check              # only verify + evaluate the existing corpus
    python tools/make_corpus.py --out /tmp/c --seed 1

``--check`` verifies every manifest row (file exists, sha256, 16 kHz mono) and prints the two
separability numbers of the course: sentence-grouped cross-validated accuracy (GroupKFold, 5
folds, shuffled with random_state 0..4, groups = sentence_id) of StandardScaler +
LogisticRegression on (a) the report's four numbers (mean and std of RMS and zero-crossing rate,
frame 1024, hop 256, untrimmed clip) and (b) MFCC mean + std (20 coefficients, 40 numbers).
The corpus is meant to keep (a) well below 0.97 and (b) at or above 0.95.

Generation takes about two minutes on one core.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16_000
SPEAKERS = ("clb", "slt")
TAKES = (1, 2)
MANIFEST_COLUMNS = ("file", "speaker", "sentence_id", "take", "text", "duration_s", "sha256")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "voicelab" / "corpus"

# Per-speaker centre of the RHVoice rate (percent) drawn per take; clb reads slower.
RATE_CENTRE = {"clb": 100.0, "slt": 102.0}
RATE_SD = 8.0
RATE_RANGE = (80.0, 120.0)

# Sentences written for this course (public domain dedication, CC0). 6-14 words each.
SENTENCES = (
    "The kettle clicked off just as the phone began to ring.",
    "Please leave the blue folder on the desk by the window.",
    "Our train was delayed for twenty minutes outside the station.",
    "She planted tomatoes and basil along the sunny wall.",
    "Nobody expected the little bakery to stay open so late.",
    "Turn left at the pharmacy and walk past the bus stop.",
    "The children built a wobbly tower out of cardboard boxes.",
    "I forgot my umbrella, so I waited under the bridge.",
    "A gentle wind carried the smell of rain across the field.",
    "Could you read the last paragraph once more, slowly?",
    "The museum closes early on the first Monday of each month.",
    "He painted the fence green because the shop had no white.",
    "We counted seventeen ducks on the pond this morning.",
    "The soup needs more salt and perhaps a little pepper.",
    "Her bicycle has a squeaky wheel and a bright red bell.",
    "Thunder rolled over the hills long after the lightning.",
    "Grandma keeps old letters in a tin.",
    "The library asks visitors to switch their phones to silent.",
    "Fresh snow covered the car park before anyone arrived.",
    "They argued about the map until the sun went down.",
    "A small grey cat sleeps on the warm kitchen floor.",
    "The concert starts at eight, but the doors open at seven, so come early.",
    "Please remember to water the ferns.",
    "The old clock in the hallway runs five minutes fast.",
    "We shared a pot of tea and talked about the garden.",
    "The bridge was closed, so we took the ferry instead.",
    "Every autumn the orchard fills with apples and wasps.",
    "Write your name at the top.",
    "The baby laughed whenever the dog chased its own tail.",
    "A lorry full of melons blocked the narrow street.",
    "The teacher drew a circle, a square and a triangle.",
    "Lamps glowed in the windows as the evening grew colder.",
    "I would like a window seat near the front, please.",
    "The river rose quickly after three days of heavy rain.",
    "Their new neighbours play the piano every Sunday afternoon.",
    "The old printer jammed again, right in the middle of my quarterly report.",
    "Pack a warm jumper, because the nights get chilly there.",
    "A heron stood perfectly still at the edge of the lake.",
    "The market sells cheese, honey and hand-knitted socks.",
    "She whistled a cheerful tune while she fixed the broken gate behind the barn.",
    "The lift is out of order, so please use the stairs.",
    "Dark clouds gathered over the harbour before noon.",
    "He measured the flour twice and still got it wrong.",
    "The postman waved from his bicycle.",
    "Most of the guests had gone home by the time the cake was served.",
    "We watched the lighthouse beam sweep across the dark water every ten seconds.",
    "Could you pass me the scissors and a roll of tape?",
    "The forest path was muddy, but the view was worth it.",
    "Our team finished the puzzle with only one piece missing.",
    "A spoonful of jam makes plain porridge far more exciting.",
    "The nurse wrote the time of every visit in a notebook.",
    "Bees hummed lazily among the lavender by the door.",
    "The radio announced a storm warning for the whole coast.",
    "We found an old photograph hidden inside a dusty book.",
    "Please close the gate so the sheep cannot wander off.",
    "The painter mixed yellow and blue to get a soft green.",
    "An owl called twice in the wood.",
    "My brother lost his keys and found them in the fridge.",
    "The meeting moved to Thursday because the room was booked.",
    "She hummed to herself while sorting the buttons by colour.",
)


def sentence_id(i: int) -> str:
    """Return the sentence id (``s001``...) of the 0-based sentence index ``i``."""
    return f"s{i + 1:03d}"


def draw_params(seed: int) -> list[dict]:
    """Draw every random parameter of every take, in a fixed order, from one generator."""
    rng = np.random.default_rng(seed)
    params = []
    for speaker in SPEAKERS:
        for i, text in enumerate(SENTENCES):
            for take in TAKES:
                p = {
                    "speaker": speaker,
                    "sentence_id": sentence_id(i),
                    "take": take,
                    "text": text,
                    "rate": float(np.clip(rng.normal(RATE_CENTRE[speaker], RATE_SD), *RATE_RANGE)),
                    "pitch": rng.uniform(92, 108),
                    "lead_s": rng.uniform(0.10, 0.30),
                    "trail_s": rng.uniform(0.10, 0.30),
                    "highpass_hz": rng.uniform(60, 200),
                    "eq_hz": float(np.exp(rng.uniform(np.log(600), np.log(4500)))),
                    "eq_db": rng.uniform(-5, 5),
                    "bass_db": rng.uniform(-4, 4),
                    "treble_db": rng.uniform(-8, 3),
                    "lowpass_hz": rng.uniform(3800, 7800),
                    "reverberance": rng.uniform(5, 35),
                    "room_scale": rng.uniform(10, 40),
                    "wet_db": rng.uniform(-10, -3),
                    "level_dbfs": rng.uniform(-32, -18),
                }
                params.append(p)
    return params


def synthesize(p: dict, tmp: Path) -> np.ndarray:
    """Run RHVoice + sox for one take and return float64 samples at 16 kHz, level not yet set."""
    raw = tmp / "raw.wav"
    coloured = tmp / "coloured.wav"
    subprocess.run(
        ["RHVoice-test", "-p", p["speaker"], "-r", f"{p['rate']:.0f}", "-t", f"{p['pitch']:.0f}",
         "-v", "100", "-o", str(raw)],
        input=p["text"].encode(), check=True, capture_output=True,
    )
    y, sr = sf.read(raw, dtype="float64")
    if y.ndim > 1:
        y = y.mean(axis=1)
    loud = np.flatnonzero(np.abs(y) > np.abs(y).max() * 10 ** (-45 / 20))
    margin = int(0.01 * sr)
    start, end = max(loud[0] - margin, 0), min(loud[-1] + margin, len(y) - 1)
    subprocess.run(
        ["sox", "-D", str(raw), "-e", "floating-point", "-b", "32", str(coloured),
         "trim", f"{start}s", f"={end + 1}s",
         "pad", f"{p['lead_s']:.3f}", f"{p['trail_s']:.3f}",
         "highpass", f"{p['highpass_hz']:.0f}",
         "equalizer", f"{p['eq_hz']:.0f}", "1o", f"{p['eq_db']:.1f}",
         "bass", f"{p['bass_db']:.1f}",
         "treble", f"{p['treble_db']:.1f}",
         "lowpass", f"{p['lowpass_hz']:.0f}",
         "reverb", f"{p['reverberance']:.0f}", "50", f"{p['room_scale']:.0f}", "100", "0",
         f"{p['wet_db']:.1f}",
         "rate", "-v", str(SR)],
        check=True, capture_output=True,
    )
    y, sr = sf.read(coloured, dtype="float64")
    assert sr == SR
    if y.ndim > 1:
        y = y.mean(axis=1)
    return y


def set_level(y: np.ndarray, level_dbfs: float) -> np.ndarray:
    """Scale to the RMS level ``level_dbfs`` (peak kept <= -1 dBFS) and quantise to int16."""
    rms = np.sqrt(np.mean(y**2))
    gain = 10 ** (level_dbfs / 20) / rms
    peak_limit = 10 ** (-1 / 20) / np.abs(y).max()
    y = y * min(gain, peak_limit)
    return np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate(out: Path, seed: int) -> None:
    """Write all clips and the manifest into ``out`` (which must not hold a corpus yet)."""
    rows = []
    params = draw_params(seed)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for k, p in enumerate(params):
            y = set_level(synthesize(p, Path(tmp)), p["level_dbfs"])
            rel = f"{p['speaker']}/{p['sentence_id']}_t{p['take']}.flac"
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, y, SR, format="FLAC", subtype="PCM_16")
            rows.append({
                "file": rel, "speaker": p["speaker"], "sentence_id": p["sentence_id"],
                "take": p["take"], "text": p["text"], "duration_s": f"{len(y) / SR:.3f}",
                "sha256": sha256(path),
            })
            if (k + 1) % 32 == 0:
                print(f"  {k + 1}/{len(params)} clips ({time.time() - t0:.0f} s)", flush=True)
    rows.sort(key=lambda r: (r["speaker"], r["sentence_id"], r["take"]))
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def install(staging: Path, out: Path) -> None:
    """Replace the speaker folders and manifest of ``out`` by those in ``staging``."""
    out.mkdir(parents=True, exist_ok=True)
    for name in (*SPEAKERS, "manifest.csv"):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        shutil.move(str(staging / name), str(target))


def verify(out: Path):
    """Check every manifest row against the files; return the manifest as a DataFrame."""
    import pandas as pd

    df = pd.read_csv(out / "manifest.csv", dtype={"sentence_id": str})
    assert tuple(df.columns) == MANIFEST_COLUMNS, df.columns
    for row in df.itertuples():
        path = out / row.file
        info = sf.info(path)
        assert info.samplerate == SR and info.channels == 1, row.file
        assert abs(info.frames / SR - row.duration_s) <= 0.001, row.file
        assert sha256(path) == row.sha256, f"sha256 mismatch: {row.file}"
    return df


def separability(out: Path, df) -> dict[str, tuple[float, float]]:
    """Sentence-grouped CV accuracy of the report's 4 numbers and of MFCC mean+std."""
    import librosa
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x4, x40 = [], []
    for f in df["file"]:
        y, _ = librosa.load(out / f, sr=SR)
        rms = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0]
        zcr = librosa.feature.zero_crossing_rate(y, frame_length=1024, hop_length=256)[0]
        x4.append([rms.mean(), rms.std(), zcr.mean(), zcr.std()])
        m = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20, n_fft=1024, hop_length=256)
        x40.append(np.concatenate([m.mean(axis=1), m.std(axis=1)]))
    labels = (df["speaker"] == SPEAKERS[1]).astype(int).to_numpy()
    groups = df["sentence_id"].to_numpy()
    result = {}
    for name, X in (("report4", np.array(x4)), ("mfcc40", np.array(x40))):
        accs = []
        for r in range(5):
            cv = GroupKFold(n_splits=5, shuffle=True, random_state=r)
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            accs.extend(cross_val_score(model, X, labels, groups=groups, cv=cv))
        result[name] = (float(np.mean(accs)), float(np.std(accs)))
    return result


def report(out: Path) -> None:
    df = verify(out)
    print(f"verified {len(df)} clips in {out}")
    size = sum(p.stat().st_size for p in out.rglob("*.flac"))
    print(f"total audio size: {size / 1e6:.2f} MB")
    stats = df.groupby("speaker")["duration_s"].agg(["count", "mean", "std", "min", "max", "sum"])
    print(stats.round(3).to_string())
    for name, (mean, std) in separability(out, df).items():
        print(f"{name}: grouped CV accuracy {mean:.3f} +/- {std:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"corpus folder (default: {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--force", action="store_true",
                        help="replace the clips and manifest of an existing corpus")
    parser.add_argument("--check", action="store_true",
                        help="verify the corpus and print the two separability numbers; "
                             "without --force on an existing corpus, only this is done")
    args = parser.parse_args(argv)
    out: Path = args.out
    exists = (out / "manifest.csv").exists() or any((out / s).exists() for s in SPEAKERS)
    if exists and not args.force:
        if args.check:
            report(out)
            return 0
        print(f"{out} already holds a corpus; use --force to replace it "
              "(or --check to evaluate it).", file=sys.stderr)
        return 1
    for tool in ("RHVoice-test", "sox"):
        if shutil.which(tool) is None:
            print(f"{tool} not found; see the docstring of this script for the Debian packages.",
                  file=sys.stderr)
            return 1
    t0 = time.time()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".corpus-staging-") as staging:
        generate(Path(staging), args.seed)
        install(Path(staging), out)
    print(f"wrote {out} in {time.time() - t0:.0f} s (seed {args.seed})")
    if args.check:
        report(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
