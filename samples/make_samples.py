"""Make the sample handouts and their page-1 previews in this folder.

    python samples/make_samples.py          (needs the test extras: pip install -e '.[test]')

Writes <drug>-<lang>.pdf (US Letter) and <drug>-<lang>-page1.png for every shipped drug in
English and Spanish, and page-1 previews of the baclofen handout in the languages whose
scripts need the most care (Arabic, Persian, Chinese, Japanese, Korean, Vietnamese, Russian,
Hindi). The PDFs are reproducible: running this again changes no byte.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from handouts.handout import Request, make_handout
from handouts.output import write_atomic

HERE = Path(__file__).resolve().parent


def main() -> None:
    for drug in ("baclofen", "lamotrigine"):
        for lang in ("en", "es"):
            result = make_handout(Request(drug=drug, lang=lang, paper="letter"))
            pdf_path = write_atomic(HERE / result.filename, result.pdf)
            pdf = pdfium.PdfDocument(str(pdf_path))
            image = pdf[0].render(scale=110 / 72).to_pil()
            png = HERE / f"{drug}-{lang}-page1.png"
            image.save(png, optimize=True)
            print(f"{pdf_path.name}: {len(pdf)} pages; {png.name}")
            pdf.close()
    for lang in SCRIPT_PREVIEWS:
        result = make_handout(Request(drug="baclofen", lang=lang, paper="letter"))
        pdf = pdfium.PdfDocument(result.pdf)
        png = HERE / f"baclofen-{lang}-page1.png"
        pdf[0].render(scale=110 / 72).to_pil().save(png, optimize=True)
        print(f"{png.name}: {len(pdf)} pages")
        pdf.close()


SCRIPT_PREVIEWS = ("ar", "fa", "zh-Hans", "ja", "ko", "vi", "ru", "hi")


if __name__ == "__main__":
    main()
