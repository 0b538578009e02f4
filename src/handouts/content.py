"""Drug monographs: load a YAML file, check it against the schema, return frozen data.

Every problem in a file is collected and reported together, each as
``content/baclofen.yaml:14: side_effects.serious[2]: expected text, got a list``.

The schema below is also the list of translatable fields: the Babel extractor
(``handouts.i18n.extract``) and the localizer (``handouts.i18n.localize``) both read
``TRANSLATABLE_FIELDS`` from here, so what is extracted is exactly what is looked up.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from handouts.errors import ContentError
from handouts.locate import (  # noqa: F401 (part of this module's interface)
    DRUG_ID,
    MAX_CONTENT_BYTES,
    available_drugs,
    check_drug_id,
    content_dirs,
    display_path,
    find_monograph,
    refuse_aliases,
    yaml_loader,
)

SCHEMA_VERSION = 1

# name, minimum items, maximum items, purpose (becomes the translator comment)
TEXT_LIST_FIELDS: tuple[tuple[str, int, int, str], ...] = (
    ("warning", 1, 6, "Boxed 'most important information' warning, shown first."),
    ("uses", 1, 4, "What the medicine is and what it is approved for."),
    ("off_label", 1, 5, "Use in addiction recovery (off-label) and how strong the evidence is."),
    ("how_to_take", 1, 6, "How to take the medicine (bullet)."),
    ("missed_dose", 1, 4, "What to do about a missed dose (bullet)."),
    ("stopping", 1, 4, "Why and how not to stop suddenly (bullet, beside a stop sign)."),
    ("steps.title", 1, 1, "Heading of numbered steps, each with a picture (e.g. how to give the nasal spray)."),
    ("steps.items", 2, 8, "One numbered step, printed beside its picture: one action, said plainly."),
    ("group.title", 1, 1, "Heading of a group of lines for some patients only (e.g. pump users)."),
    ("group.items", 1, 6, "A line for the patients of the group heading above (bullet)."),
    ("side_effects.common", 2, 10, "A common side effect (short bullet)."),
    ("side_effects.call_doctor", 1, 10, "A sign to call the doctor right away (bullet)."),
    ("side_effects.emergency", 1, 6, "A sign to call the emergency number / get emergency help (bullet)."),
    ("precautions", 2, 10, "A precaution or interaction: alcohol, other medicines, driving, pregnancy..."),
    ("storage", 1, 4, "How to store the medicine (bullet)."),
    ("questions", 6, 12, "A question the patient can ask the doctor or pharmacist."),
    ("key_points", 3, 6, "A key point to remember (very short bullet)."),
)

#: single translatable strings: name, purpose
TEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Generic name of the medicine as written in this language (e.g. Spanish 'baclofeno')."),
)

#: every translatable field, in handout order (extraction and localization both use this)
TRANSLATABLE_FIELDS: tuple[str, ...] = tuple(n for n, _ in TEXT_FIELDS) + tuple(
    n for n, *_ in TEXT_LIST_FIELDS
)
FIELD_PURPOSE: dict[str, str] = {n: p for n, p in TEXT_FIELDS} | {
    n: p for n, _a, _b, p in TEXT_LIST_FIELDS
}
#: fields whose statements need a cited source
CITED_FIELDS: tuple[str, ...] = (
    "warning", "uses", "off_label", "how_to_take", "missed_dose", "stopping",
    "side_effects", "precautions", "storage",
)
#: fields that may be left out (with their citation)
OPTIONAL_CITED = ("group", "steps", "off_label", "missed_dose", "stopping")
TOP_LEVEL_KEYS = (
    "schema", "drug", "name", "brand_names", "pronunciation", "review_date", "medlineplus",
    "audience", "warning", "uses", "steps", "off_label", "how_to_take", "missed_dose", "stopping", "group",
    "side_effects",
    "precautions", "storage", "questions", "key_points", "sources", "citations",
)
#: sections a drug may leave out where they do not apply (naloxone, used by a bystander, has no
#: missed dose; an FDA-approved addiction medicine has no off-label section)
OPTIONAL_KEYS = ("pronunciation", "audience", "group", "steps", "off_label", "missed_dose", "stopping")
#: whom a handout speaks to: the patient, or (naloxone) the family and friends who may give it
AUDIENCES = ("patient", "family")
SIDE_EFFECT_KEYS = ("common", "call_doctor", "emergency")
GROUP_KEYS = ("title", "items")
#: the pictures of numbered steps (``steps.items``: ``{text: ..., icon: spray}``), drawn by the project
STEP_PICTURES = ("shout", "phone", "spray", "rescue-breath", "side", "repeat", "stay", "tongue", "rinse")
#: small drawings a list item may carry beside it (``{text: ..., icon: syringe}``)
ITEM_ICONS = ("syringe", "breathing", "calendar", *STEP_PICTURES)
#: numbers a text may name by placeholder; the clinic's configuration gives them
#: (``[clinic] emergency_number`` ...), so no number is written into the content
NUMBER_PLACEHOLDERS = ("emergency_number", "crisis_line", "poison_control")
ITEM_KEYS = ("text", "icon")
SOURCE_KEYS = ("id", "title", "url", "accessed")
MAX_TEXT = 400
#: a phone number written into a text (it belongs in the clinic's configuration)
_PHONE = re.compile(r"(?<![\w.,/-])(?:911|988|112|999|1-800-\d{3}-\d{4})(?![\w/-]|[.,]\d)")


def context(drug: str, field: str) -> str:
    """The gettext msgctxt of a content string: ``baclofen:side_effects.common``."""
    return f"{drug}:{field}"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str
    accessed: _dt.date


@dataclass(frozen=True)
class Monograph:
    """One drug's English source content, checked."""

    drug: str
    path: Path
    name: str
    brand_names: tuple[str, ...]
    pronunciation: str | None
    review_date: _dt.date
    medlineplus: tuple[tuple[str, str], ...]  # (language, url)
    texts: tuple[tuple[str, tuple[str, ...]], ...]  # (field, items) for every TEXT_LIST_FIELD
    sources: tuple[Source, ...]
    citations: tuple[tuple[str, tuple[str, ...]], ...]
    icons: tuple[tuple[str, int, str], ...] = ()  # (field, index, icon) drawn beside an item
    audience: str = "patient"  # or "family": whom the handout speaks to (see AUDIENCES)

    def items(self, field: str) -> tuple[str, ...]:
        return dict(self.texts)[field]

    def medlineplus_url(self, lang: str) -> tuple[str, str] | None:
        """(language of the page, url): the page in ``lang`` if there is one, else English."""
        urls = dict(self.medlineplus)
        base = lang.split("-")[0]
        for key in (lang, base, "en"):
            if key in urls:
                return key, urls[key]
        return None

    def strings(self) -> Iterator[tuple[str, str, int]]:
        """Every translatable (field, English text, index) in handout order."""
        yield "name", self.name, 0
        for field, items in self.texts:
            for i, text in enumerate(items):
                yield field, text, i


# --------------------------------------------------------------------------- YAML with lines


@dataclass
class _Doc:
    data: Any
    lines: dict[str, int]


def parse_yaml(text: str, where: str) -> _Doc:
    """Parse YAML keeping the line of every value (path -> 1-based line)."""
    refuse_aliases(text, where)
    loader = yaml_loader()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        raise ContentError(
            f"{where}:{line}: not valid YAML: {err.problem or err}; fix the file's syntax"
        ) from None
    except yaml.YAMLError as err:
        raise ContentError(f"{where}: not valid YAML: {err}") from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    dupes: list[str] = []
    if node is not None:
        _walk(node, "", lines, dupes)
    if dupes:
        raise ContentError(
            f"{where}: {len(dupes)} duplicate key(s); remove the repeated ones",
            details=[f"{where}:{d}" for d in dupes],
        )
    return _Doc(data, lines)


def _walk(node, path: str, lines: dict[str, int], dupes: list[str]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key in seen:
                dupes.append(f"{key_node.start_mark.line + 1}: {sub}: duplicate key")
            seen.add(key)
            _walk(value_node, sub, lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{path}[{i}]", lines, dupes)


# --------------------------------------------------------------------------- validation


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return "a date"
    return type(value).__name__


class _SchemaChecker:
    def __init__(self, where: str, doc: _Doc):
        self.where = where
        self.lines = doc.lines
        self.errors: list[tuple[int, str]] = []
        self.icons: list[tuple[str, int, str]] = []

    def error(self, path: str, message: str) -> None:
        line = self.lines.get(path)
        if line is None:  # a missing key: point at its parent
            parent = path.rsplit(".", 1)[0] if "." in path else ""
            line = self.lines.get(parent, 1)
        self.errors.append((line, f"{self.where}:{line}: {path or '(file)'}: {message}"))

    def mapping(self, value: Any, path: str, keys: Iterable[str], optional=()) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, got {_kind(value)}")
            return None
        keys = tuple(keys)
        for key in value:
            if key not in keys:
                hint = difflib.get_close_matches(str(key), keys, n=1)
                more = f" (did you mean '{hint[0]}'?)" if hint else ""
                self.error(_join(path, key), f"unknown field{more}; allowed: {', '.join(keys)}")
        for key in keys:
            if key not in value and key not in optional:
                self.error(_join(path, key), "missing; this field is required")
        return value

    def text(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str):
            self.error(path, f"expected text, got {_kind(value)}")
            return None
        text = unicodedata.normalize("NFC", value).strip()
        if not text:
            self.error(path, "is empty; write the text or remove the item")
            return None
        if "\n" in text:
            self.error(path, "expected one line of text; join the lines or split into items")
            return None
        if len(text) > MAX_TEXT:
            self.error(path, f"is {len(text)} characters; keep an item under {MAX_TEXT}")
            return None
        for name in re.findall(r"%\((\w+)\)s", text):
            if name not in NUMBER_PLACEHOLDERS:
                self.error(path, f"%({name})s is not a number handouts knows; use one of: "
                                 + ", ".join(f"%({n})s" for n in NUMBER_PLACEHOLDERS))
                return None
        if _PHONE.search(text):
            self.error(path, "writes a phone number; use %(emergency_number)s, %(crisis_line)s or "
                             "%(poison_control)s (the clinic's configuration gives the number)")
            return None
        return text

    def text_list(self, value: Any, path: str, lo: int, hi: int) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.error(path, f"expected a list of text, got {_kind(value)}")
            return ()
        if not lo <= len(value) <= hi:
            self.error(path, f"has {len(value)} items; expected {lo} to {hi}")
        out = []
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            if isinstance(item, dict):
                # {text: ..., icon: syringe}: an item with a drawing beside it
                if self.mapping(item, where, ITEM_KEYS) is None:
                    continue
                icon = item.get("icon")
                if icon not in ITEM_ICONS:
                    self.error(f"{where}.icon", f"expected one of: {', '.join(ITEM_ICONS)}, got {icon!r}")
                if "text" in item:
                    self.icons.append((path, len(out), icon))  # (an unknown one is an error above)
                text = self.text(item.get("text"), f"{where}.text") if "text" in item else None
            else:
                text = self.text(item, where)
            if text is not None:
                out.append(text)
        return tuple(out)

    def date(self, value: Any, path: str) -> _dt.date | None:
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(path, f"expected a date like 2026-11-23, got {_kind(value)}")
        return None

    def url(self, value: Any, path: str) -> str | None:
        text = self.text(value, path)
        if text is not None and not re.match(r"^https?://[^\s/]+\.[^\s]+$", text):
            self.error(path, f"expected a web address starting with https://, got '{text}'")
            return None
        return text


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def check_monograph(doc: _Doc, where: str, path: Path, expected_drug: str) -> Monograph:
    c = _SchemaChecker(where, doc)
    data = c.mapping(doc.data, "", TOP_LEVEL_KEYS, OPTIONAL_KEYS)
    if data is None:
        raise ContentError(c.errors[0][1])
    get = data.get

    if "schema" in data and get("schema") != SCHEMA_VERSION:
        c.error("schema", f"expected {SCHEMA_VERSION}, got {get('schema')!r}")
    drug = c.text(get("drug"), "drug") if "drug" in data else None
    if drug is not None and drug != expected_drug:
        c.error("drug", f"is '{drug}' but the file is named {path.name}; make them match")
    name = c.text(get("name"), "name") if "name" in data else None
    brands: tuple[str, ...] = ()
    if "brand_names" in data:
        value = get("brand_names")
        if isinstance(value, list):
            brands = tuple(t for i, v in enumerate(value) if (t := c.text(v, f"brand_names[{i}]")))
        else:
            c.error("brand_names", f"expected a list of text, got {_kind(value)}")
    pron = c.text(get("pronunciation"), "pronunciation") if "pronunciation" in data else None
    audience = get("audience", "patient")
    if audience not in AUDIENCES:
        c.error("audience", f"expected one of: {', '.join(AUDIENCES)}, got {audience!r}")
        audience = "patient"
    review = c.date(get("review_date"), "review_date") if "review_date" in data else None

    links: list[tuple[str, str]] = []
    if "medlineplus" in data:
        value = get("medlineplus")
        if isinstance(value, dict) and value:
            for lang, url in value.items():
                if not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", str(lang)):
                    c.error(f"medlineplus.{lang}", "expected a language code like en or es")
                elif (u := c.url(url, f"medlineplus.{lang}")) is not None:
                    links.append((str(lang), u))
            if "en" not in value:
                c.error("medlineplus.en", "missing; the English page is the fallback link")
        else:
            c.error("medlineplus", f"expected a mapping of language to web address, got {_kind(value)}")

    texts: list[tuple[str, tuple[str, ...]]] = []
    parents = {"side_effects": SIDE_EFFECT_KEYS, "group": GROUP_KEYS, "steps": GROUP_KEYS}
    for parent, keys in parents.items():
        if parent in data:
            c.mapping(get(parent), parent, keys)
    for field, lo, hi, _purpose in TEXT_LIST_FIELDS:
        if "." in field:
            parent, key = field.split(".")
            node = get(parent)
            if not isinstance(node, dict) or key not in node:
                texts.append((field, ()))
                continue
            value = node[key]
            if field.endswith(".title"):
                text = c.text(value, field)
                texts.append((field, (text,) if text else ()))
                continue
        else:
            if field not in data:
                texts.append((field, ()))
                continue
            value = data[field]
        texts.append((field, c.text_list(value, field, lo, hi)))
        if field == "steps.items":
            drawn = {i for f, i, _icon in c.icons if f == field}
            for i in range(len(texts[-1][1])):
                if i not in drawn:
                    c.error(f"{field}[{i}]", "needs its picture: write it as {text: ..., icon: ...} with one of: "
                                             + ", ".join(STEP_PICTURES))

    sources: list[Source] = []
    if "sources" in data:
        value = get("sources")
        if not isinstance(value, list) or not value:
            c.error("sources", f"expected a list of sources, got {_kind(value)}")
        else:
            for i, item in enumerate(value):
                p = f"sources[{i}]"
                if c.mapping(item, p, SOURCE_KEYS) is None:
                    continue
                sid = c.text(item.get("id"), f"{p}.id") if "id" in item else None
                if sid is not None and not re.match(r"^[a-z0-9][a-z0-9-]*$", sid):
                    c.error(f"{p}.id", f"expected lower-case letters, digits and dashes, got '{sid}'")
                    sid = None
                if sid is not None and any(s.id == sid for s in sources):
                    c.error(f"{p}.id", f"'{sid}' is used twice; give each source its own id")
                title = c.text(item.get("title"), f"{p}.title") if "title" in item else None
                url = c.url(item.get("url"), f"{p}.url") if "url" in item else None
                accessed = c.date(item.get("accessed"), f"{p}.accessed") if "accessed" in item else None
                if sid and title and url and accessed:
                    sources.append(Source(sid, title, url, accessed))

    cites: list[tuple[str, tuple[str, ...]]] = []
    if "citations" in data:
        optional = ("questions", "key_points", *OPTIONAL_CITED)
        value = c.mapping(get("citations"), "citations", CITED_FIELDS + optional, optional=optional)
        for field in OPTIONAL_CITED:
            if field in data and isinstance(value, dict) and field not in value:
                c.error(f"citations.{field}", f"missing; cite the sources of the {field} lines")
        known = {s.id for s in sources}
        for field, ids in (value or {}).items():
            p = f"citations.{field}"
            if not isinstance(ids, list) or not ids:
                c.error(p, f"expected a list of source ids, got {_kind(ids)}")
                continue
            for i, sid in enumerate(ids):
                if sid not in known:
                    c.error(f"{p}[{i}]", f"unknown source '{sid}'; known: {', '.join(sorted(known))}")
            cites.append((str(field), tuple(str(s) for s in ids)))

    if c.errors:
        c.errors.sort(key=lambda e: e[0])
        messages = [m for _, m in c.errors]
        summary = messages[0] if len(messages) == 1 else f"{messages[0]} (and {len(messages) - 1} more)"
        raise ContentError(summary, details=messages)

    assert drug and name and review is not None
    return Monograph(
        drug=drug,
        path=path,
        name=name,
        brand_names=brands,
        pronunciation=pron,
        review_date=review,
        medlineplus=tuple(links),
        texts=tuple(texts),
        sources=tuple(sources),
        citations=tuple(cites),
        icons=tuple(c.icons),
        audience=audience,
    )


_LOADED: dict[tuple, Monograph] = {}


def load_monograph(path: Path, drug: str | None = None) -> Monograph:
    """Read and check one content file (kept per process by path, size and mtime: it is frozen)."""
    try:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size, drug)
    except OSError:
        key = None
    if key in _LOADED:
        return _LOADED[key]
    mono = _load_monograph(path, drug)
    if key is not None:
        _LOADED[key] = mono
    return mono


def _load_monograph(path: Path, drug: str | None = None) -> Monograph:
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ContentError(f"{where}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    except OSError as err:
        raise ContentError(f"{where}: cannot read: {err.strerror}") from None
    doc = parse_yaml(text, where)
    return check_monograph(doc, where, path, drug or path.stem)
