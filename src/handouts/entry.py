"""The ``handouts`` command's entry point.

``handouts make`` with inputs it has made before answers from the PDF cache (see
:mod:`handouts.pdfcache`) before the command-line framework or ReportLab is loaded: a
repeated make takes a fraction of a normal one. Anything this quick path does not
understand exactly (another command, an unknown option, help, a personal handout, a cache
miss, any error) goes to the full command line, which gives the same result and messages.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path

from handouts.config import load_config, parse_paper
from handouts.errors import HandoutsError
from handouts.handout import Request, cached_handout
from handouts.output import made_message, output_path, write_atomic

#: make's options that the quick path reads: name -> (field, takes a value)
_OPTIONS = {
    "--drug": ("drug", True), "-d": ("drug", True),
    "--lang": ("lang", True), "-l": ("lang", True),
    "--out": ("out", True), "-o": ("out", True),
    "--paper": ("paper", True),
    "--date": ("date", True),
    "--content": ("content", True),
    "--locales": ("locales", True),
    "--config": ("config", True),
    "--large-print": ("large_print", False),
    "--allow-fallback": ("allow_fallback", False),
    "--bilingual": ("bilingual", False),
    "--require-reviewed": ("require_reviewed", False),
}


def _parse(args: list[str]) -> dict | None:
    opts: dict = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in _OPTIONS:
            return None
        key, takes = _OPTIONS[name]
        if key in opts:
            return None
        if takes:
            if not eq:
                i += 1
                if i >= len(args) or args[i].startswith("-"):
                    return None
                value = args[i]
            opts[key] = value
        else:
            if eq:
                return None
            opts[key] = True
        i += 1
    return opts if "drug" in opts else None


def _cached_make(args: list[str]) -> bool:
    """Write a cached handout for these make arguments; False if it is not in the cache."""
    opts = _parse(args)
    if opts is None:
        return False
    try:
        req = Request(
            drug=opts["drug"], lang=opts.get("lang", "en"), paper=parse_paper(opts.get("paper")),
            large_print=opts.get("large_print", False),
            print_date=_dt.date.fromisoformat(opts["date"]) if "date" in opts else None,
            allow_fallback=opts.get("allow_fallback", False),
            config=load_config(Path(opts["config"]) if "config" in opts else None),
            content_dirs=(Path(opts["content"]),) if "content" in opts else (),
            locales_dirs=(Path(opts["locales"]),) if "locales" in opts else (),
            bilingual=opts.get("bilingual", False), require_reviewed=opts.get("require_reviewed", False),
        )
        result = cached_handout(req)
        if result is None:
            return False
        path = write_atomic(output_path(opts.get("out"), result.filename), result.pdf)
    except (HandoutsError, ValueError, OSError):
        return False  # the full command line says what is wrong
    for note in result.notes:  # the same notes as the full command line's
        sys.stderr.write(f"handouts: {note}\n")
    sys.stdout.write(made_message(path, result) + "\n")
    return True


def main() -> None:
    args = sys.argv[1:]
    cache_on = os.environ.get("HANDOUTS_PDF_CACHE") != "off" and os.environ.get("HANDOUTS_CACHE_DIR") != "off"
    if args[:1] == ["make"] and cache_on and _cached_make(args[1:]):
        sys.exit(0)
    # (Typer and the whole command line: not when the cache answered)
    from handouts.cli import main as cli_main

    cli_main()
