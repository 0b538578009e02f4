"""The pages of a made PDF as pictures (PNG), for the page's preview: the exact PDF, drawn by
PDFium."""

from __future__ import annotations

import io

import pypdfium2 as pdfium

SCALE = 96 / 72  # a page about as wide as on paper at a screen's 96 dots per inch


def page_pictures(pdf: bytes, scale: float = SCALE) -> list[bytes]:
    doc = pdfium.PdfDocument(pdf)
    try:
        pictures = []
        for i in range(len(doc)):
            out = io.BytesIO()
            doc[i].render(scale=scale).to_pil().save(out, format="PNG", compress_level=1)
            pictures.append(out.getvalue())
        return pictures
    finally:
        doc.close()
