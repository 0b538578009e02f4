"""A clinic's broken catalog is one error naming its file and line, from `make` and from `check`
(tests/data/catalogs/<case>/: a copy of the Spanish catalog with one thing broken, and
expected.txt with the exact line each command must print:

    make: handouts: error: clinic-locales/es/LC_MESSAGES/messages.po:20: ...
    check: error: clinic-locales/es/LC_MESSAGES/messages.po:20: ...

). And a translation's own % signs: printed as written, never taken for a format."""

from __future__ import annotations

import pytest
from conftest import DATA, ROOT, flat, pdf_text

CASES = sorted(p.name for p in (DATA / "catalogs").iterdir() if p.is_dir())
SPANISH = ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po"


def _expected(folder) -> dict[str, str]:
    """expected.txt: ``<command>: <the exact line>``, one line per command."""
    lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


@pytest.mark.parametrize("command", ["make", "check"])
@pytest.mark.parametrize("case", CASES)
def test_a_broken_catalog_is_one_error_with_its_file_and_line(cli, tmp_path, case, command):
    folder = DATA / "catalogs" / case
    expected = _expected(folder)[command]
    if command == "make":
        r = cli("make", "--drug", "baclofen", "--lang", "es", "--locales", "clinic-locales",
                "--out", str(tmp_path), cwd=folder)
        assert r.err.splitlines() == [expected], r
        assert not list(tmp_path.glob("*.pdf")), "no PDF may be written"
    else:
        r = cli("check", "--drug", "baclofen", "--lang", "es", "--no-layout", "--locales", "clinic-locales",
                cwd=folder)
        errors = [line for line in r.out.splitlines() if line.startswith("error: ")]
        assert errors == [expected], r
    assert r.code == 1, r
    assert "Traceback" not in r.out + r.err, r


def _clinic_catalog(tmp_path, *changes: tuple[str, str]):
    """A clinic folder with a copy of the Spanish catalog, each (old, new) msgstr replaced."""
    text = SPANISH.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder = tmp_path / "clinic-locales" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(text, encoding="utf-8")
    return tmp_path / "clinic-locales"


def test_a_bare_percent_in_a_translation_is_printed_as_written(cli, tmp_path):
    locales = _clinic_catalog(
        tmp_path,
        ('msgstr "Información para el paciente"', 'msgstr "Información 100% segura para el paciente"'),
        ('msgstr "Revisado el %(date)s"', 'msgstr "Revisado al 100% el %(date)s"'),
        ('msgstr "Impreso el %(date)s"', 'msgstr "Impreso (100%% seguro) el %(date)s"'),
    )
    r = cli("make", "--drug", "baclofen", "--lang", "es", "--locales", str(locales), "--date", "2026-12-01")
    assert r.code == 0, r
    text = flat(" ".join(pdf_text(tmp_path / "baclofen-es.pdf")))
    assert "Información 100% segura para el paciente" in text
    assert "Revisado al 100% el " in text  # a bare % beside a placeholder
    assert "Impreso (100% seguro) el 1 de diciembre de 2026" in text  # %% is one %
    assert "{}" not in text and "100%%" not in text


# ------------------------------------------------------------------------------ the template's callables

def _render(source: str, lang: str = "en", catalog: str | None = None, tmp_path=None, **variables) -> str:
    from handouts.i18n.catalog import Lookups, translator_for
    from handouts.render import template_dirs
    from handouts.render.markup import environment

    dirs = []
    if catalog is not None:
        folder = tmp_path / "locales" / lang / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(
            'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n'
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n' + catalog, encoding="utf-8")
        dirs = [tmp_path / "locales"]
    tr = translator_for(lang, dirs, allow_fallback=True)
    return environment(template_dirs()).from_string(source).render(_translator=Lookups(tr), **variables)


def test_english_with_a_double_percent_prints_one():
    assert _render("{% trans %}It is 100% safe.{% endtrans %}") == "It is 100% safe."
    assert _render("{% trans name=who %}100% for {{ name }}{% endtrans %}", who="<Ana>") == "100% for &lt;Ana&gt;"
    assert _render("{{ _('in the morning') }}") == "in the morning"


def test_a_translation_is_formatted_only_by_its_placeholders(tmp_path):
    catalog = (
        'msgid "It is 100%% safe, %(name)s."\nmsgstr "Es 100% seguro, <b>%(name)s</b>. 50%%"\n\n'
        'msgid "%(num)s tablet"\nmsgid_plural "%(num)s tablets"\n'
        'msgstr[0] "%(num)s tableta (100%)"\nmsgstr[1] "%(num)s tabletas (100%%)"\n'
    )
    out = _render("{% trans name=who %}It is 100% safe, {{ name }}.{% endtrans %}|"
                  "{% trans count=n, num=n %}{{ num }} tablet{% pluralize %}{{ num }} tablets{% endtrans %}|"
                  "{% trans %}Not in the catalog: 5%{% endtrans %}",
                  lang="es", catalog=catalog, tmp_path=tmp_path, who="<Ana>", n=2)
    # the catalog's markup and the value are escaped; a missing string is English, marked
    assert out == ("Es 100% seguro, &lt;b&gt;&lt;Ana&gt;&lt;/b&gt;. 50%|2 tabletas (100%)|"
                   "<en>Not in the catalog: 5%</en>")


def test_a_placeholder_the_template_does_not_set_is_a_template_error():
    from handouts.errors import TemplateError

    with pytest.raises(TemplateError, match=r"uses %\(who\)s, which its trans tag does not set"):
        _render("{{ _('Hello %(who)s') }}")


# ------------------------------------------------------------------------------ reading a catalog file

def _po(tmp_path, body: str, header: str = '"Content-Type: text/plain; charset=utf-8\\n"\n'):
    path = tmp_path / "messages.po"
    path.write_text('msgid ""\nmsgstr ""\n' + header + "\n" + body, encoding="utf-8")
    return path


def test_escapes_continuations_comments_and_obsolete_entries_are_read(tmp_path):
    from handouts.i18n.catalog import load_catalog

    path = _po(tmp_path, (
        '# a comment\n#, python-format\nmsgid "Say \\"hi\\"\\n"\nmsgstr ""\n"Diga "\n  "\\"hola\\"\\n"  \n\n'
        '#~ msgid "old\n#~ msgstr "viejo\n'
    ))
    cat = load_catalog(path, "es")
    assert cat.entries[(None, 'Say "hi"\n')].text == 'Diga "hola"\n'


def test_a_directory_in_place_of_a_catalog_is_an_error_naming_it(tmp_path):
    from handouts.i18n.catalog import CatalogError, read_catalog

    (tmp_path / "messages.po").mkdir()
    with pytest.raises(CatalogError, match=r"messages.po: cannot read the catalog \(Is a directory\): "):
        read_catalog(tmp_path / "messages.po")


def test_every_placeholder_problem_of_a_catalog_is_listed(tmp_path):
    from handouts.i18n.catalog import CatalogError, load_catalog

    path = _po(tmp_path, (
        'msgid "For: %(name)s"\nmsgstr "Para: %(nombre)s"\n\n'
        'msgctxt "baclofen:uses"\nmsgid "Muscle spasms."\nmsgstr "Espasmos %(x)d."\n'
    ))
    with pytest.raises(CatalogError) as info:
        load_catalog(path, "es")
    assert [str(p).split(": ", 1)[1] for p in info.value.problems] == [
        'the translation of "For: %(name)s" uses %(nombre)s, which the English does not have: keep %(name)s',
        'the translation of "Muscle spasms." uses %(x)d, which the English does not have: '
        "remove it (the English has no placeholder)",
    ]
    assert [p.line for p in info.value.problems] == [5, 9]  # their msgid lines


@pytest.mark.parametrize("header", [
    '"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "\n'
    '"n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);\\n"\n',
    '"Plural-Forms: nplurals=1; plural=0;\\n"\n',
    '"Content-Type: text/plain; charset=CHARSET\\n"\n',
    '"Content-Type: text/plain; charset=ISO-8859-1\\n"\n',
])
def test_good_headers_are_accepted(tmp_path, header):
    from handouts.i18n.catalog import load_catalog

    cat = load_catalog(_po(tmp_path, 'msgid "Yes"\nmsgstr "Sí"\n', header), "ar")
    assert cat.entries[(None, "Yes")].text == ("S\u00c3\u00ad" if "8859" in header else "Sí")
    assert all(0 <= cat.plural(n) < 6 for n in range(200))


def test_every_shipped_catalog_loads():
    from handouts.i18n.catalog import load_catalog, read_catalog

    read_catalog(ROOT / "locales" / "messages.pot")
    for path in sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po")):
        load_catalog(path, path.parts[-3].replace("_", "-"))
