"""Jinja2 step: a localized handout -> handout markup (a small XML of our own elements).

Template strings are translated through the same :class:`Translator` as the content, so a
missing or stale template string is reported like a missing content string. Jinja2 is set
up exactly as for extraction in ``babel.cfg``: i18n extension, trimmed, autoescape.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

from babel.lists import format_list
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    pass_context,
)
from jinja2 import TemplateError as JinjaTemplateError
from markupsafe import Markup, escape

from handouts.cache import cache_dir
from handouts.config import Clinic
from handouts.content import NUMBER_PLACEHOLDERS
from handouts.errors import TemplateError
from handouts.i18n.catalog import CatalogError, Lookups, Untranslated, format_message, placeholder_problem
from handouts.i18n.dates import format_date
from handouts.i18n.localize import NUMBER_END, NUMBER_START, with_numbers
from handouts.personal import clean_name, format_amount
from handouts.personal import template_vars as personal_vars
from handouts.render.scripts import has_rtl

if TYPE_CHECKING:
    from handouts.i18n.catalog import Translator
    from handouts.i18n.localize import LocalizedHandout, Text
    from handouts.personal import Personal

TEMPLATE = "handout.xml.j2"


class Rendered(NamedTuple):
    markup: str
    problems: tuple[Untranslated, ...]  # strings printed in English (content and template), for the fallback count


def _bytecode_cache():
    folder = cache_dir("jinja")
    return FileSystemBytecodeCache(str(folder)) if folder else None


@lru_cache(maxsize=8)
def environment(template_dirs: tuple[Path, ...]):
    env = Environment(
        loader=FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=_bytecode_cache(),
        auto_reload=True,
    )
    env.policies["ext.i18n.trimmed"] = True

    def mark(text: str, fallback: bool) -> Markup:
        return Markup("<en>%s</en>") % text if fallback else escape(text)
    # Jinja's own newstyle callables always apply Python's % to the text, so a translation
    # with a bare % ("100% segura") would be misprinted or fail. These format it themselves:
    # %(name)s is replaced (its value escaped unless it is Markup), %% is %, any other % stays.
    def render(found, msgid: str, text: str, variables: dict) -> Markup:
        def unknown(name: str) -> str:
            if found.catalog is not None:
                raise CatalogError([placeholder_problem(found.catalog.path, found.line, msgid, f"%({name})s")])
            raise TemplateError(f'{TEMPLATE}: the text "{msgid}" uses %({name})s, which its trans tag does '
                                f"not set: add {name}=... to the tag")

        # the catalog's text is escaped (a catalog can never inject markup); an English
        # fallback is marked <en>
        template = str(mark(text, found.fallback))
        return Markup(format_message(template, variables, lambda v: str(escape(v)), unknown))

    def plural_form(tr: Translator, found, singular: str, plural: str, n) -> str:
        if tr.is_source or found.fallback:
            return singular if n == 1 else plural
        forms = found.text.split("\x00")
        return forms[min(found.catalog.plural(n), len(forms) - 1)]

    @pass_context
    def gettext(__context, __string: str, /, **variables) -> Markup:
        tr: Translator = __context["_translator"]
        found = tr.find(__string, None, "template", __string)
        return render(found, __string, found.text, variables)

    @pass_context
    def ngettext(__context, __singular: str, __plural: str, __num: int, /, **variables) -> Markup:
        tr: Translator = __context["_translator"]
        variables.setdefault("num", __num)
        found = tr.find(__singular, None, "template", __singular)
        return render(found, __singular, plural_form(tr, found, __singular, __plural, __num), variables)

    @pass_context
    def pgettext(__context, __ctx: str, __string: str, /, **variables) -> Markup:
        tr: Translator = __context["_translator"]
        variables.setdefault("context", __ctx)
        found = tr.find(__string, __ctx, "template", __string)
        return render(found, __string, found.text, variables)

    @pass_context
    def npgettext(__context, __ctx: str, __singular: str, __plural: str, __num: int, /, **variables) -> Markup:
        tr: Translator = __context["_translator"]
        variables.setdefault("context", __ctx)
        variables.setdefault("num", __num)
        found = tr.find(__singular, __ctx, "template", __singular)
        return render(found, __singular, plural_form(tr, found, __singular, __plural, __num), variables)

    env.newstyle_gettext = True
    env.globals.update(gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext)

    def t(value: Text) -> Markup:
        text = mark(value.value, value.fallback)
        if NUMBER_START in text:  # a clinic's phone number: one unit, like a name
            text = Markup(str(text).replace(NUMBER_START, '<name field="clinic.number">').replace(NUMBER_END, "</name>"))
        return text

    env.filters["t"] = t

    @pass_context
    def date(ctx, value: _dt.date) -> str:
        return format_date(value, ctx["_translator"].lang)

    env.filters["date"] = date
    @pass_context
    def and_list(ctx, keys, phrases) -> Markup:
        # "in the morning and at bedtime", joined as the language joins a list (CLDR)
        items = [str(phrases[k]) for k in keys]
        return Markup(format_list(items, locale=ctx["_translator"].lang.replace("-", "_")))

    env.filters["and_list"] = and_list
    env.filters["capfirst"] = lambda s: s[:1].upper() + s[1:]
    env.filters["host"] = lambda url: urlsplit(url).hostname or url

    def personal(value, field: str) -> Markup:
        # a name (the patient's, the clinic's...): marked so that the layout can draw it in
        # another font where the handout's own font lacks its letters
        text = clean_name(str(value or ""))
        return Markup('<name field="%s">%s</name>') % (field, text) if text else Markup("")

    env.filters["personal"] = personal

    @pass_context
    def unit(ctx, value, field: str) -> Markup:
        # an amount written in Latin letters ("10 mL") inside right-to-left text: one unit, so
        # that the bidi algorithm does not pull "10" and "mL" apart around a strength in brackets
        text = str(value or "")
        if ctx.get("direction") != "rtl" or not text or has_rtl(text) or "<" in text:
            return Markup(value) if isinstance(value, Markup) else escape(text)
        return personal(Markup(value).unescape() if isinstance(value, Markup) else text, field)

    env.filters["unit"] = unit

    @pass_context
    def number(ctx, value) -> str:
        # a step's number as the language writes numbers
        return format_amount(Decimal(value), ctx["_translator"].lang)

    env.filters["number"] = number
    return env


def render_markup(
    handout: LocalizedHandout,
    tr: Translator,
    template_dirs: tuple[Path, ...],
    *,
    clinic: dict[str, Any] | None = None,
    print_date: _dt.date | None = None,
    language_name: str = "",
    direction: str = "ltr",
    english_follows: bool = False,
    personal: "Personal | None" = None,
) -> Rendered:
    """The handout as markup, and every string it prints in English for want of a translation."""
    env = environment(template_dirs)
    try:
        template = env.get_template(TEMPLATE)
    except TemplateNotFound:
        raise TemplateError(f"template '{TEMPLATE}' not found in {', '.join(map(str, template_dirs))}") from None
    except TemplateSyntaxError as err:
        raise TemplateError(f"{err.filename or TEMPLATE}:{err.lineno}: template error: {err.message}") from None
    unreviewed = not tr.is_source and not (tr.review and tr.review.reviewed)
    clinic = clinic or Clinic().as_template_vars()
    handout = with_numbers(handout, {k: clinic.get(k) or "" for k in NUMBER_PLACEHOLDERS})
    variables = dict(
        h=handout,
        lang=tr.lang,
        direction=direction,
        language_name=language_name,
        clinic=clinic or Clinic().as_template_vars(),
        review_date=format_date(handout.review_date, tr.lang),
        print_date=format_date(print_date, tr.lang) if print_date else None,
        unreviewed=unreviewed,
        english_follows=english_follows,
        p=personal_vars(personal, tr.lang),
    )
    has_fallback = bool(handout.problems)  # content strings printed in English
    try:
        lookups = Lookups(tr)
        markup = template.render(_translator=lookups, has_fallback=has_fallback, **variables)
        if lookups.problems and not has_fallback:
            # only template strings fell back: render again so page 1 carries the notice
            lookups = Lookups(tr)
            markup = template.render(_translator=lookups, has_fallback=True, **variables)
    except JinjaTemplateError as err:
        raise TemplateError(f"{TEMPLATE}: template error: {err}") from None
    return Rendered(_ATTRIBUTE.sub(_mark_in_attribute, markup), (*handout.problems, *lookups.problems))


_ATTRIBUTE = re.compile(r'(\s[a-z_]+=")([^"]*<en>[^"]*)(")')


def _mark_in_attribute(m: re.Match) -> str:
    """An English fallback inside an attribute (a section title) cannot be an element: mark it as text."""
    value = m.group(2).replace("<en>", "[EN]\u00a0").replace("</en>", "")
    return m.group(1) + value + m.group(3)
