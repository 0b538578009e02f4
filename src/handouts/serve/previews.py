"""The pages of a made PDF as pictures (PNG), for the page's preview: the exact PDF, drawn by
PDFium, each page when the browser asks for it (and then kept with the preview)."""

from __future__ import annotations

import io
import threading

import pypdfium2 as pdfium

SCALE = 96 / 72  # a page about as wide as on paper at a screen's 96 dots per inch


class Preview:
    def __init__(self, pdf: bytes):
        self.pdf = pdf
        self._lock = threading.Lock()
        doc = pdfium.PdfDocument(pdf)
        try:
            self.pages = len(doc)
        finally:
            doc.close()
        self._pictures: dict[int, bytes] = {}

    def picture(self, n: int, scale: float = SCALE) -> bytes:
        """Page ``n`` (from 1) as a PNG."""
        with self._lock:
            if n not in self._pictures:
                doc = pdfium.PdfDocument(self.pdf)
                try:
                    out = io.BytesIO()
                    doc[n - 1].render(scale=scale).to_pil().save(out, format="PNG", compress_level=1)
                finally:
                    doc.close()
                self._pictures[n] = out.getvalue()
            return self._pictures[n]
