"""Font preparation and the first handout on a fresh install, per language. Prints figures.

    python benchmarks/bench_fonts.py [--lang ar,zh-Hans,zh-Hant,ja,ko] [--runs 3]

For each language whose font is prepared from a variable font: the wall time of
`handouts fonts prepare --lang X` with an empty fonts folder, and of the first
`handouts make --drug baclofen --lang X` with empty fonts and cache folders (what a clinic's
first handout in that language costs). Also the time to print a name in another script on
an English handout (a Chinese name needs a small font made in memory). Median of --runs.
Target: the first handout in any language in 10 s or less on a quiet 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXE = Path(sys.executable).parent / "handouts"


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    proc = subprocess.run([str(EXE), *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"failed: handouts {' '.join(args)}\n{proc.stderr}")
    return elapsed


def fresh_env(tmp: Path) -> dict:
    return dict(os.environ, HANDOUTS_FONTS_DIR=str(tmp / "fonts"), HANDOUTS_CACHE_DIR=str(tmp / "cache"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", default="ar,zh-Hans,zh-Hant,ja,ko")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"{'language':10} {'fonts prepare':>14} {'first make':>11}   (median of {args.runs}, seconds)")
    for lang in args.lang.split(","):
        prep, first = [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                prep.append(timed(["fonts", "prepare", "--lang", lang], fresh_env(Path(tmp))))
            with tempfile.TemporaryDirectory() as tmp:
                first.append(timed(["make", "--drug", "baclofen", "--lang", lang, "--paper", "letter",
                                    "--out", str(Path(tmp) / "x.pdf")], fresh_env(Path(tmp))))
        print(f"{lang:10} {statistics.median(prep):14.2f} {statistics.median(first):11.2f}")
    names = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = fresh_env(Path(tmp))
            names.append(timed(["make", "--drug", "baclofen", "--lang", "en", "--paper", "letter",
                                "--patient", "李小龍", "--out", str(Path(tmp) / "x.pdf")], env))
    print(f"{'en + a Chinese name, first make':>38}: {statistics.median(names):.2f}")


if __name__ == "__main__":
    main()
