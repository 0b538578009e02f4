"""Shared helpers: run the real `handouts` command, read PDFs back with pypdf and pypdfium2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXE = Path(sys.executable).parent / "handouts"

# Prepared fonts (static CJK and Arabic faces, made once from variable fonts) are kept beside
# the checkout between runs; everything else cached goes to a folder of this session's.
os.environ.setdefault("HANDOUTS_FONTS_DIR", str(ROOT / ".cache" / "test-fonts"))
if "HANDOUTS_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["HANDOUTS_CACHE_DIR"] = tempfile.mkdtemp(prefix="handouts-test-cache-")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Each test session gets its own cache folder; no test depends on a user's cache."""
    folder = tmp_path_factory.getbasetemp() / "cache"
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", str(folder))


class Run:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.out}\nstderr: {self.err}>"


@pytest.fixture
def cli(tmp_path):
    """Run the installed `handouts` console script in a folder (default: a fresh tmp folder)."""

    def run(*args: str, cwd: Path | None = None, env: dict | None = None) -> Run:
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run(
            [str(EXE), *args], cwd=cwd or tmp_path, env=full_env, capture_output=True, text=True,
            timeout=120,
        )
        return Run(proc)

    return run


def pdf_text(path: Path) -> list[str]:
    """Text of each page, NFKC-normalised, as pdfium extracts it (reading order)."""
    import unicodedata

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for page in pdf:
            tp = page.get_textpage()
            pages.append(unicodedata.normalize("NFKC", tp.get_text_range()))
            tp.close()
            page.close()
        return pages
    finally:
        pdf.close()


def flat(text: str) -> str:
    """Text with line breaks and hyphen-free wrapping folded into single spaces."""
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def pdf_fonts(path: Path) -> list[dict]:
    """Every font resource of every page: name, subtype, whether its program is embedded."""
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    found = {}
    def visit(resources):
        if not resources or "/Font" not in resources:
            return
        for ref in resources["/Font"].values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[str(font["/BaseFont"])] = {"name": str(font["/BaseFont"]), "subtype": str(font["/Subtype"]),
                                            "embedded": embedded}
    for page in reader.pages:
        res = page.get("/Resources")
        res = res.get_object() if res is not None else None
        visit(res)
        if res and "/XObject" in res:
            for xo in res["/XObject"].values():
                visit(xo.get_object().get("/Resources"))
    return list(found.values())
