"""The "Make a handout" form: its fields as a request, or each error next to its field in the
same words as the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from handouts import i18n
from handouts.config import Config, parse_paper
from handouts.errors import GlyphError, UsageError
from handouts.handout import Request, check_names
from handouts.locate import resolve_drug
from handouts.personal import FIELDS, FieldError, personal_from_fields

#: the form's fields, in the page's order
MAKE_FIELDS = ("drug", "lang", "paper", "large_print", "bilingual", "patient", "prescriber", "dose", "form",
               "times", "food", "start", "schedule", "strength", "to", "pdf_password", "printer")


@dataclass
class MakeForm:
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)  # field -> message
    request: Request | None = None
    notes: list[str] = field(default_factory=list)  # e.g. "Lioresal is baclofen"


def read_make_form(form: dict[str, str], config: Config, drug_dirs: list[Path], catalog_dirs: list[Path]) -> MakeForm:
    values = {name: (form.get(name) or "").strip() for name in MAKE_FIELDS}
    values["pdf_password"] = form.get("pdf_password") or ""  # (never shown again, never stripped)
    out = MakeForm(values)
    drug = lang = paper = None
    if not values["drug"]:
        out.errors["drug"] = "missing; write the generic or brand name, e.g. baclofen"
    else:
        try:
            drug, note = resolve_drug(values["drug"], drug_dirs)
            if note:
                out.notes.append(note)
        except UsageError as err:
            out.errors["drug"] = err.message
    try:
        lang = i18n.negotiate_language(values["lang"] or i18n.SOURCE_LANGUAGE, catalog_dirs)
    except UsageError as err:
        out.errors["lang"] = err.message
    try:
        paper = parse_paper(values["paper"] or None, "paper")
    except UsageError as err:
        out.errors["paper"] = err.message
    try:
        personal = personal_from_fields({k: values[k] or None for k in FIELDS}) or None
    except FieldError as err:
        out.errors[err.field] = err.reason
        personal = None
    if personal and lang:
        try:  # a name no font can print (an emoji): beside its field, before anything is made
            check_names(lang, personal)
        except GlyphError as err:
            field, _, reason = err.message.partition(": ")
            out.errors[field if field in ("patient", "prescriber") else "patient"] = reason or err.message
    if not out.errors:
        out.request = Request(drug=drug, lang=lang, paper=paper, large_print=bool(values["large_print"]),
                              bilingual=bool(values["bilingual"]), config=config, personal=personal)
    return out
