"""The email's texts in the patient's language: subject, plain text, and an HTML part that
carries the handout's whole text (as headings and lists, for a screen reader); from
``templates/email/``. Building and sending the message is :mod:`handouts.deliver.mail`'s job.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import Markup

from handouts.i18n import is_rtl
from handouts.i18n.catalog import Lookups, Translator
from handouts.render.html import html_from_markup
from handouts.render.markup import environment


class EmailTexts(NamedTuple):
    lang: str
    subject: str
    text: str  # the plain-text part
    html: str  # the HTML part: the message, then the whole handout
    attachment_name: str  # the PDF's file name, e.g. "Baclofen - Information for patients.pdf"


def email_texts(markup: str, tr: Translator, template_dirs: tuple[Path, ...], *, clinic: dict[str, Any],
                patient: str = "", encrypted: bool = False, fallback_drug: str = "") -> EmailTexts:
    """The texts of the email that carries the handout ``markup``; a missing translation is an
    error (a :class:`TranslationError`) unless ``tr`` allows the English."""
    env = environment(template_dirs)
    lookups = Lookups(tr)
    title = _first(markup, "title")
    subtitle = _first(markup, "subtitle")
    common = dict(_translator=lookups, lang=tr.lang, direction="rtl" if is_rtl(tr.lang) else "ltr", drug=title,
                  patient=patient, clinic=clinic, encrypted=encrypted)
    subject = _text(env.get_template("email/subject.txt.j2").render(**common)).strip()
    text = _text(env.get_template("email/body.txt.j2").render(**common)).strip() + "\n"
    body_html = env.get_template("email/body.html.j2").render(
        subject=subject, handout_html=Markup(html_from_markup(markup)), **common)
    tr.check_complete("email", lookups.problems)
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", f"{title} - {subtitle}").strip() or fallback_drug
    return EmailTexts(tr.lang, subject, text, body_html, f"{name}.pdf")


def _text(rendered: str) -> str:
    """A text template's output: the environment escapes for markup; plain text must not be."""
    rendered = re.sub(r"<en>(.*?)</en>", r"[EN] \1", rendered, flags=re.S)
    return html.unescape(rendered)


def _first(markup: str, tag: str) -> str:
    el = ET.fromstring(markup).find(tag)
    return " ".join("".join(el.itertext()).split()) if el is not None else ""
