"""deliver/printfile.py, called directly: handouts merged in order, padded for duplex, with a
bookmark each; a failed merge leaves no file."""

from __future__ import annotations

import pytest

from handouts.deliver.printfile import PrintFile
from handouts.handout import Request, make_handout


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pf")
    files = []
    for drug, lang in (("acamprosate", "en"), ("naloxone", "es"), ("baclofen", "ar")):
        path = folder / f"{drug}-{lang}.pdf"
        path.write_bytes(make_handout(Request(drug=drug, lang=lang, paper="letter")).pdf)
        files.append(path)
    return files


def _pages(path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf), [item.get_title() for item in pdf.get_toc()]
    finally:
        pdf.close()


def test_handouts_follow_one_another_with_a_bookmark_each(handouts, tmp_path):
    out = tmp_path / "day.pdf"
    pf = PrintFile(out)
    for i, path in enumerate(handouts, 2):
        pf.add(path, f"Row {i}")
    pf.close()
    count, marks = _pages(out)
    assert count == pf.pages == sum(_pages(p)[0] for p in handouts)
    assert marks == ["Row 2", "Row 3", "Row 4"]


def test_duplex_starts_every_handout_on_the_front_of_a_sheet(handouts, tmp_path):
    out = tmp_path / "duplex.pdf"
    pf = PrintFile(out, duplex=True, copies=2)
    for path in handouts:
        pf.add(path, path.stem)
    pf.close()
    expected = sum(2 * (n + n % 2) for n in (_pages(p)[0] for p in handouts))
    assert _pages(out)[0] == pf.pages == expected


def test_an_aborted_print_file_leaves_nothing(handouts, tmp_path):
    out = tmp_path / "never.pdf"
    pf = PrintFile(out)
    pf.add(handouts[0], "Row 2")
    pf.abort()
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one
