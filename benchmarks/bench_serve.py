"""The front desk's page (handouts serve): start-up, the page itself, and a preview.

    .venv/bin/python benchmarks/bench_serve.py --runs 40

Prints the time from starting ``handouts serve`` to its first page, the time of the "Make a
handout" page, and of a preview of a standard handout (the PDF made and page 1's picture
fetched, as a browser does), p50 and p95, with the large fonts prepared; then two clients
making previews at once (both must succeed). Targets (issue: handouts serve): start <= 1.5 s,
preview p50 <= 250 ms and p95 <= 500 ms on 2 cores, the page <= 50 ms.
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

EXE = Path(sys.executable).parent / "handouts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One browser: its CSRF cookie and token, one kept-alive connection."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        status, headers, body = self.get("/")
        self.cookie = headers["set-cookie"].split(";")[0]
        self.token = re.search(r'name="csrf" value="([^"]+)"', body.decode()).group(1)

    def get(self, path: str):
        self.conn.request("GET", path, headers={"Cookie": getattr(self, "cookie", "")})
        r = self.conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()

    def preview(self, fields: dict[str, str]) -> tuple[int, float]:
        start = time.perf_counter()
        body = urllib.parse.urlencode({"csrf": self.token, "action": "preview", **fields})
        self.conn.request("POST", "/", body=body, headers={"Cookie": self.cookie,
                                                           "Content-Type": "application/x-www-form-urlencoded"})
        r = self.conn.getresponse()
        html = r.read().decode()
        first = re.search(r'<img src="(/preview/[^"]+/1\.png)"', html)
        if r.status != 200 or not first:
            return r.status, 0.0
        status, _h, png = self.get(first.group(1))
        return (status if png.startswith(b"\x89PNG") else 500), time.perf_counter() - start


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([str(EXE), "fonts", "prepare"], check=True, capture_output=True)
        port = free_port()
        start = time.perf_counter()
        proc = subprocess.Popen([str(EXE), "serve", "--port", str(port)], cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    Client(port)
                    break
                except OSError:
                    time.sleep(0.01)
            started = time.perf_counter() - start
            client = Client(port)
            pages = []
            for _ in range(args.runs):
                t = time.perf_counter()
                status, _h, _b = client.get("/")
                assert status == 200
                pages.append(time.perf_counter() - t)
            standard = {"drug": "baclofen", "lang": "es", "paper": "letter"}
            personal = {**standard, "patient": "Ana García", "dose": "1", "form": "tablet", "times": "3"}
            results = {}
            for name, fields in (("standard", standard), ("personal", personal)):
                client.preview(fields)  # the first one loads the templates and the fonts
                times = []
                for _ in range(args.runs):
                    status, took = client.preview(fields)
                    assert status == 200, status
                    times.append(took)
                results[name] = times
            both: list[tuple[int, float]] = []

            def browser() -> None:
                c = Client(port)
                for _ in range(10):
                    both.append(c.preview(personal))

            threads = [threading.Thread(target=browser) for _ in range(2)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            together = time.perf_counter() - t
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"cores: {len(__import__('os').sched_getaffinity(0))}; python {sys.version.split()[0]}")
    print(f"start to first page            {started * 1000:7.0f} ms  (target <= 1500 ms)")
    print(f"the page (GET /)       p50 {statistics.median(pages) * 1000:6.1f} ms  p95 {pct(pages, 95) * 1000:6.1f} ms"
          "  (target <= 50 ms)")
    for name, times in results.items():
        print(f"preview, {name:9}     p50 {statistics.median(times) * 1000:6.1f} ms  p95 {pct(times, 95) * 1000:6.1f} ms"
              "  (target p50 <= 250, p95 <= 500 ms)")
    ok = sum(1 for status, _t in both if status == 200)
    print(f"two browsers at once: {ok} of {len(both)} previews made in {together:.2f} s")


if __name__ == "__main__":
    main()
