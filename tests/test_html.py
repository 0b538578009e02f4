"""render/html.py: the handout markup as plain HTML (an email's body), called directly."""

from __future__ import annotations

from handouts.render.html import html_from_markup


def test_headings_lists_and_inline_marks():
    markup = ('<handout lang="es" dir="ltr"><footer><part>x</part><pages>{page} {pages}</pages></footer>'
              '<title>Baclofeno</title><subtitle>Información</subtitle>'
              '<warning title="Lo más importante"><p>No lo deje de <b>repente</b> &amp; a tiempo.</p></warning>'
              '<section id="uses" title="¿Para qué?"><ul><li>Uno</li><li><en>Two</en></li></ul></section>'
              '<section id="q" title="Preguntas"><questions><q>¿Es seguro?</q></questions></section></handout>')
    html = html_from_markup(markup)
    assert html.startswith("<h1>Baclofeno</h1>\n<p>Información</p>\n<h2>Lo más importante</h2>")
    assert "<p>No lo deje de <strong>repente</strong> &amp; a tiempo.</p>" in html
    assert '<h2>¿Para qué?</h2>\n<ul><li>Uno</li><li><span lang="en">[EN] Two</span></li></ul>' in html
    assert "<ol><li>¿Es seguro?</li></ol>" in html
    assert "{page}" not in html  # the footer is the PDF's


def test_a_name_inside_a_line_is_kept_as_text():
    html = html_from_markup('<handout><title>T</title><meta>Para: <name field="patient">Ana &lt;b&gt;</name></meta></handout>')
    assert "<p>Para: Ana &lt;b&gt;</p>" in html
