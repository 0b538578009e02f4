"""Batch speed and memory. Prints figures.

    python benchmarks/bench_batch.py [--rows 1000] [--small 100] [--same 60]

1. Throughput: `handouts batch` of --rows personal handouts (English and Spanish, both
   drugs, Letter; every row a different patient, so nothing comes from a cache) with 1 and
   2 workers: handouts per second and the speed-up (target: 2 workers >= 1.8x one).
2. Memory: peak resident memory of the batch (the largest process: the command itself or
   a worker) for --small and --rows rows, print file included (target: flat, <= 1.2x).
3. Warm time per handout inside a batch (one worker, --same rows of the same drug and
   language, different patients), next to a naive bare-ReportLab build of the same
   personal handout in the same run (target: <= 0.6x).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXE = Path(sys.executable).parent / "handouts"
COLS = ["drug", "lang", "paper", "patient", "prescriber", "dose", "form", "times", "food", "start"]


def write_csv(path: Path, n: int, mixed: bool = True) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLS)
        for i in range(n):
            drug = ("baclofen", "lamotrigine")[i % 2] if mixed else "baclofen"
            lang = ("en", "es")[(i // 2) % 2] if mixed else "es"
            w.writerow([drug, lang, "letter", f"Patient {i:05d}", "Dr. Rivera", ("1", "0.5", "2")[i % 3],
                        "tablet", ("morning,bedtime", "2", "3")[i % 3], ("with", "", "either")[i % 3],
                        "2026-12-01" if i % 2 else ""])


PEAK = ("import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "wall = time.perf_counter() - t\n"
        "print(rc, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def run_batch(csv_path: Path, out: Path, workers: int, env: dict) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB of the largest process of the batch)."""
    cmd = [sys.executable, "-c", PEAK, str(EXE), "batch", str(csv_path), "--out", str(out),
           "--workers", str(workers), "--print-file", str(out / "print.pdf")]
    rc, wall, peak = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout.split()
    if rc != "0":
        raise SystemExit(f"batch failed with exit {rc}")
    return float(wall), int(peak) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--same", type=int, default=60)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, HANDOUTS_CACHE_DIR=str(tmp / "cache"))
        # one small batch first: the prepared-markup cache and compiled templates exist, as
        # on any machine after its first batch
        write_csv(tmp / "warm.csv", 4)
        run_batch(tmp / "warm.csv", tmp / "warm", 1, env)

        big, small = tmp / "big.csv", tmp / "small.csv"
        write_csv(big, args.rows)
        write_csv(small, args.small)
        results = {}
        for workers in (1, 2):
            wall, peak = run_batch(big, tmp / f"big{workers}", workers, env)
            results[workers] = (wall, peak)
            print(f"batch {args.rows} rows, {workers} worker(s): {wall:7.1f} s  "
                  f"{args.rows / wall:6.1f} handouts/s  peak {peak:6.1f} MiB")
        speedup = results[1][0] / results[2][0]
        print(f"speed-up with 2 workers: {speedup:.2f}x  (target >= 1.8x)")
        for workers in (1, 2):
            _, small_peak = run_batch(small, tmp / f"small{workers}", workers, env)
            ratio = results[workers][1] / small_peak
            print(f"peak memory, {workers} worker(s): {args.small} rows {small_peak:6.1f} MiB, "
                  f"{args.rows} rows {results[workers][1]:6.1f} MiB: {ratio:.2f}x  (target <= 1.2x)")

        # warm per handout inside a batch, next to the naive build of the same handout
        os.environ["HANDOUTS_CACHE_DIR"] = env["HANDOUTS_CACHE_DIR"]
        sys.path.insert(0, str(HERE))
        from bench_make import handout_json

        from handouts.config import Config
        from handouts.deliver import batch
        from handouts.personal import personal_from_fields

        same = tmp / "same.csv"
        write_csv(same, args.same, mixed=False)
        rows = batch.read_csv(same)
        stamps = []
        batch.run_batch(rows, batch.BatchOptions(rows=batch.Options(out=tmp / "same", config=Config()), workers=1),
                        lambda event: stamps.append(time.perf_counter()) if event.kind == "row" else None)
        jobs, _outcome, _note = batch.check_rows(rows, batch.Options(out=tmp / "same", config=Config()))
        per = [b - a for a, b in zip(stamps, stamps[1:])][5:]  # after the first few (fonts, templates)
        ours = statistics.median(per)
        first = jobs[1].request
        data = handout_json(first.drug, first.lang, first.paper, first.personal)
        (tmp / "h.json").write_text(json.dumps(data), encoding="utf-8")
        out = subprocess.run([sys.executable, str(HERE / "bare_reportlab.py"), str(tmp / "h.json"),
                              str(tmp / "b.pdf"), "31"], check=True, capture_output=True, text=True, env=env)
        bare = statistics.median(json.loads(out.stdout)["times"][1:])
        print(f"warm per handout in a batch ({first.drug} {first.lang} {first.paper}, personal): {ours * 1000:6.1f} ms")
        print(f"naive bare ReportLab build of the same handout:            {bare * 1000:6.1f} ms")
        print(f"ratio {ours / bare:.2f}x  (target <= 0.6x)")


if __name__ == "__main__":
    main()
