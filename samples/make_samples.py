"""Make the sample handouts and their page-1 previews in this folder.

    python samples/make_samples.py

Writes <drug>-<lang>.pdf (US Letter) and <drug>-<lang>-page1.png for every shipped drug in
English and Spanish, page-1 previews of the baclofen handout in the languages whose scripts
need the most care (Arabic, Persian, Chinese, Japanese, Korean, Vietnamese, Russian, Hindi),
of personal handouts whose names are in other scripts than the handout's
(baclofen-<lang>-names-page1.png), and a personal lamotrigine starter (a build-up schedule
with its calendar) in English and Spanish with a PNG of every page
(lamotrigine-starter-<lang>.pdf, -page<N>.png), and page 1 of the naloxone handout (for family
and friends) in English and Spanish and of the methadone one in Arabic and Chinese. The PDFs are reproducible: running this again changes no byte.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from handouts.handout import Request, make_handout
from handouts.output import write_atomic
from handouts.personal import personal_from_fields

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
    for drug, lang in FORMULARY_PREVIEWS:  # handouts of the formulary: naloxone (for family and friends), methadone
        result = make_handout(Request(drug=drug, lang=lang, paper="letter"))
        pdf = pdfium.PdfDocument(result.pdf)
        png = HERE / f"{drug}-{lang}-page1.png"
        pdf[0].render(scale=110 / 72).to_pil().save(png, optimize=True)
        print(f"{png.name}: {len(pdf)} pages")
        pdf.close()
    for lang in ("en", "es"):  # a personal lamotrigine starter: the build-up's steps and calendar
        result = make_handout(Request(drug="lamotrigine", lang=lang, paper="letter",
                                      personal=personal_from_fields(STARTER)))
        pdf_path = write_atomic(HERE / f"lamotrigine-starter-{lang}.pdf", result.pdf)
        pdf = pdfium.PdfDocument(str(pdf_path))
        for i in range(len(pdf)):
            png = HERE / f"lamotrigine-starter-{lang}-page{i + 1}.png"
            pdf[i].render(scale=110 / 72).to_pil().save(png, optimize=True)
        print(f"{pdf_path.name}: {len(pdf)} pages, with a PNG of each")
        pdf.close()
    for lang, fields in NAMES.items():
        personal = personal_from_fields(fields)
        result = make_handout(Request(drug="baclofen", lang=lang, paper="letter", personal=personal))
        pdf = pdfium.PdfDocument(result.pdf)
        png = HERE / f"baclofen-{lang}-names-page1.png"
        pdf[0].render(scale=110 / 72).to_pil().save(png, optimize=True)
        print(f"{png.name}: {len(pdf)} pages")
        pdf.close()


#: names in another script than the handout's (a sample; no real person)
NAMES = {
    "en": {"patient": "Nguyễn Văn An", "prescriber": "李小龍", "dose": "1", "form": "tablet",
           "times": "morning,bedtime"},
    "ar": {"patient": "Ana María Pérez", "prescriber": "Ольга Петрова", "dose": "1", "form": "tablet",
           "times": "3"},
}


#: a lamotrigine starter with 25 mg tablets, as a clinic would print it (a sample; no real person)
STARTER = {"patient": "Ana García", "prescriber": "Dr. Lee", "form": "tablet", "strength": "25 mg",
           "start": "2026-12-01", "schedule": "1 1 2w; 2 1 2w; 2 morning,bedtime"}

FORMULARY_PREVIEWS = (("naloxone", "en"), ("naloxone", "es"), ("methadone", "ar"), ("methadone", "zh-Hans"))

SCRIPT_PREVIEWS = ("ar", "fa", "zh-Hans", "ja", "ko", "vi", "ru", "hi")


if __name__ == "__main__":
    main()
