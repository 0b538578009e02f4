"""Speed of `handouts make` next to bare ReportLab building the same handout. Prints figures.

    python benchmarks/bench_make.py [--drug baclofen] [--lang es,ar,zh-Hans] [--paper letter] [--runs 9]

Cold: a new process per handout (`handouts make` vs `python bare_reportlab.py`), median wall
time, a real build each time (the made-PDF cache off); "repeat" is the same `handouts make`
answered from the PDF cache; "first run" is with an empty cache folder (fonts already prepared, as after
`handouts fonts prepare`). Default languages: es, ar and zh-Hans. Warm: handouts made one after another in
one process, median per handout. Targets: cold <= 1.3x bare, warm <= 1.1x bare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def handout_json(drug: str, lang: str, paper: str, personal=None) -> dict:
    """The localized strings of the real handout (with a personal dose box if given), for the bare script."""
    from handouts import content, i18n
    from handouts.i18n.localize import localize
    from handouts.render import template_dirs
    from handouts.render.layout import parse_markup
    from handouts.render.markup import render_markup

    dirs = i18n.locales_dirs()
    mono = content.load_monograph(content.find_monograph(drug, content.content_dirs()))
    from handouts.i18n.catalog import translator_for

    tr = translator_for(lang, dirs)
    root = parse_markup(render_markup(localize(mono, tr), tr, template_dirs(), personal=personal).markup)

    def text(el):
        return " ".join("".join(el.itertext()).split())

    from handouts.render import styles_path
    from handouts.render.fonts import _face_files
    from handouts.render.styles import load_styles

    family = load_styles(styles_path()).family_for(lang)
    files = _face_files(family)
    data = {"lang": lang, "paper": paper, "meta": [], "sections": [], "warning": [],
            "fonts": {face: str(path) for face, path in files.items()}, "script": family.script}
    for el in root:
        if el.tag == "title":
            data["title"] = text(el)
        elif el.tag == "subtitle":
            data["subtitle"] = text(el)
        elif el.tag == "meta":
            data["meta"].append(text(el))
        elif el.tag == "footer":
            data["footer"] = "  \u00b7  ".join(text(p) for p in el if p.tag == "part")
        elif el.tag == "dose":  # the personal dose box: its sentence and a line per chart row
            blocks = []
            for child in el:
                if child.tag == "p":
                    blocks.append({"kind": "p", "text": text(child)})
                elif child.tag == "chart":
                    amount = text(child.find("amount"))
                    blocks.append({"kind": "ul", "items": [f"{text(r)} {amount}" for r in child.findall("row")]})
            data["sections"].insert(0, {"title": el.get("title"), "blocks": blocks})
        elif el.tag == "warning":
            data["warning_title"] = el.get("title")
            data["warning"] = [text(p) for p in el]
        elif el.tag in ("section", "keypoints", "sources"):
            blocks = []
            children = list(el)
            while children:
                child = children.pop(0)
                if child.tag == "group":  # kept together in ours; its parts count here too
                    children[:0] = list(child)
                elif child.tag in ("h2", "p", "url"):
                    blocks.append({"kind": "p" if child.tag == "url" else child.tag, "text": text(child)})
                elif child.tag == "ul":
                    blocks.append({"kind": "ul", "items": [text(li) for li in child]})
                elif child.tag == "li":
                    blocks.append({"kind": "ul", "items": [text(child)]})
                elif child.tag == "questions":
                    blocks.append({"kind": "questions", "items": [text(q) for q in child]})
                elif child.tag == "qr":
                    blocks.append({"kind": "qr", "url": child.get("url")})
                elif child.tag == "source":
                    blocks.append({"kind": "small", "items": [text(child)]})
            data["sections"].append({"title": el.get("title"), "blocks": blocks})
    return data


def wall(cmd: list[str], env: dict, cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def measure(drug: str, lang: str, paper: str, runs: int, warm: int) -> None:
    from handouts.render.fontprep import fonts_dir

    exe = Path(sys.executable).parent / "handouts"
    with tempfile.TemporaryDirectory() as tmp:
        # an empty cache of prepared markup; the fonts prepared once as a clinic would
        # a real build every time (the made-PDF cache off); the cached repeat is measured apart
        env = dict(os.environ, HANDOUTS_CACHE_DIR=str(Path(tmp) / "cache"), HANDOUTS_FONTS_DIR=str(fonts_dir()),
                   HANDOUTS_PDF_CACHE="off")
        os.environ["HANDOUTS_FONTS_DIR"] = env["HANDOUTS_FONTS_DIR"]
        os.environ["HANDOUTS_PDF_CACHE"] = "off"
        data_file = Path(tmp) / "handout.json"
        data_file.write_text(json.dumps(handout_json(drug, lang, paper)), encoding="utf-8")
        make = [str(exe), "make", "--drug", drug, "--lang", lang, "--paper", paper,
                "--out", str(Path(tmp) / "h.pdf")]
        bare = [sys.executable, str(HERE / "bare_reportlab.py"), str(data_file), str(Path(tmp) / "b.pdf")]

        first = wall(make, env, tmp)  # empty cache folder
        cold_ours, cold_bare = [], []
        for _ in range(runs):  # interleaved, so both see the same machine load
            cold_ours.append(wall(make, env, tmp))
            cold_bare.append(wall(bare, env, tmp))

        cached_env = dict(env, HANDOUTS_PDF_CACHE="on")
        wall(make, cached_env, tmp)  # made once into the cache
        cached = statistics.median(wall(make, cached_env, tmp) for _ in range(runs))

        from handouts.handout import Request, make_handout

        req = Request(drug=drug, lang=lang, paper=paper)
        make_handout(req)
        warm_ours = []
        for _ in range(warm):
            t = time.perf_counter()
            make_handout(req)
            warm_ours.append(time.perf_counter() - t)
        out = subprocess.run([*bare[:-1], str(Path(tmp) / "b.pdf"), str(warm + 1)],
                             check=True, capture_output=True, text=True, env=env)
        warm_bare = json.loads(out.stdout)["times"][1:]

    cm, cb = statistics.median(cold_ours), statistics.median(cold_bare)
    wm, wb = statistics.median(warm_ours), statistics.median(warm_bare)
    print(f"handout: {drug} {lang} {paper}; {runs} cold runs, {warm} warm builds (medians)")
    print(f"cold  handouts make (first run, empty cache) {first * 1000:7.1f} ms")
    print(f"cold  handouts make                          {cm * 1000:7.1f} ms")
    print(f"cold  bare ReportLab                         {cb * 1000:7.1f} ms")
    print(f"cold  ratio                                  {cm / cb:7.2f}x  (target <= 1.30x)")
    print(f"repeat handouts make (from the PDF cache)    {cached * 1000:7.1f} ms  (target < 100 ms)")
    print(f"warm  handouts per handout                   {wm * 1000:7.1f} ms")
    print(f"warm  bare ReportLab per handout             {wb * 1000:7.1f} ms")
    print(f"warm  ratio                                  {wm / wb:7.2f}x  (target <= 1.10x)")
    print(flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drug", default="baclofen")
    ap.add_argument("--lang", default="es,ar,zh-Hans", help="comma-separated languages")
    ap.add_argument("--paper", default="letter")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--warm", type=int, default=30)
    args = ap.parse_args()
    for lang in args.lang.split(","):
        subprocess.run([str(Path(sys.executable).parent / "handouts"), "fonts", "prepare", "--lang", lang],
                       check=True, stdout=subprocess.DEVNULL)
        measure(args.drug, lang, args.paper, args.runs, args.warm)


if __name__ == "__main__":
    main()
