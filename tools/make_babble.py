"""Render the babble talkers of chapter 12 (``voicelab/babble``): voices other than the targets.

What it makes
-------------
Four short recordings of RHVoice's English male voices ``alan`` and ``bdl`` (never ``clb`` or
``slt``, the two voices the course tells apart), each reading one training sentence of the
corpus (never a validation or test sentence), at 16 kHz mono 16-bit FLAC, plus
``<out>/manifest.csv`` (columns ``file,voice,pitch,rate,sentence_id,text,sha256``).
``voicelab.conditions.babble`` mixes them into test clips; a test sentence never meets its own
words in the babble, and no target voice is in it.

Recipe (fixed, nothing random): ``RHVoice-test -p <voice> -r <rate> -t <pitch> -v 100``
synthesises the sentence at 24 kHz; the leading and trailing silence (45 dB below the peak) is
cut; ``sox ... rate -v 16000`` resamples; the clip is scaled to -26 dBFS RMS and written with
``soundfile`` as 16-bit FLAC (no timestamps, so the bytes are reproducible). Two pitch settings
per voice make four talkers that sound different from each other.

Prerequisites (Debian 12): the ``rhvoice``, ``rhvoice-english`` and ``sox`` packages (RHVoice
is in Debian's ``non-free`` section; see ``tools/make_corpus.py``). The voice data of alan and
bdl, like clb and slt, are LGPL-2.1-or-later (Debian's copyright file for rhvoice-english).

Run: ``python tools/make_babble.py [--out voicelab/babble] [--force]`` (a few seconds).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16_000
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "voicelab" / "corpus"
TALKERS = (  # voice, pitch %, rate %, training sentence
    ("alan", 100, 100, "s001"),
    ("alan", 112, 95, "s005"),
    ("bdl", 100, 100, "s009"),
    ("bdl", 88, 105, "s013"),
)
LEVEL_DBFS = -26.0


def sentence_texts() -> dict[str, str]:
    """Text of every training sentence of the corpus, by sentence id."""
    with open(CORPUS / "splits.csv", newline="") as f:
        train = {row["sentence_id"] for row in csv.DictReader(f) if row["split"] == "train"}
    with open(CORPUS / "manifest.csv", newline="") as f:
        return {row["sentence_id"]: row["text"] for row in csv.DictReader(f)
                if row["sentence_id"] in train}


def render(voice: str, pitch: int, rate: int, text: str, tmp: Path) -> np.ndarray:
    """One talker's sentence at 16 kHz, silence cut, at ``LEVEL_DBFS`` RMS."""
    raw, cut = tmp / "raw.wav", tmp / "cut.wav"
    subprocess.run(["RHVoice-test", "-p", voice, "-r", str(rate), "-t", str(pitch),
                    "-v", "100", "-o", str(raw)], input=text.encode(), check=True,
                   capture_output=True)
    y, sr = sf.read(raw, dtype="float64")
    loud = np.flatnonzero(np.abs(y) > np.abs(y).max() * 10 ** (-45 / 20))
    subprocess.run(["sox", "-D", str(raw), "-e", "floating-point", "-b", "32", str(cut),
                    "trim", f"{loud[0]}s", f"={loud[-1] + 1}s", "rate", "-v", str(SR)],
                   check=True, capture_output=True)
    y, _ = sf.read(cut, dtype="float64")
    y = y * 10 ** (LEVEL_DBFS / 20) / np.sqrt(np.mean(y**2))
    return np.round(np.clip(y, -1, 1 - 2**-15) * 2**15).astype(np.int16)


def main(argv: list[str] | None = None) -> int:
    """Write the four babble talkers and their manifest into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "voicelab" / "babble")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    args = parser.parse_args(argv)
    if (args.out / "manifest.csv").exists() and not args.force:
        print(f"{args.out} already holds babble talkers; pass --force to remake them.")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    texts = sentence_texts()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for voice, pitch, rate, sentence in TALKERS:
            name = f"{voice}_p{pitch}_{sentence}.flac"
            samples = render(voice, pitch, rate, texts[sentence], Path(tmp))
            sf.write(args.out / name, samples, SR, subtype="PCM_16", format="FLAC")
            digest = hashlib.sha256((args.out / name).read_bytes()).hexdigest()
            rows.append({"file": name, "voice": voice, "pitch": pitch, "rate": rate,
                         "sentence_id": sentence, "text": texts[sentence], "sha256": digest})
    with open(args.out / "manifest.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} talkers to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
