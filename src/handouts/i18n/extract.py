"""Babel extractor for drug monographs (``content/<drug>.yaml``).

Registered in ``babel.cfg`` as ``handouts.i18n.extract:extract_monograph`` and as the
``handouts_yaml`` entry point. Each translatable string becomes a message whose msgctxt
names the drug and field (``baclofen:side_effects.common``), with the field's purpose as
the translator comment. The field list is ``handouts.content.TRANSLATABLE_FIELDS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Iterator

from handouts.content import FIELD_PURPOSE, check_monograph, context, parse_yaml


def extract_monograph(
    fileobj: BinaryIO, keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    name = getattr(fileobj, "name", "monograph.yaml")
    path = Path(name)
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    doc = parse_yaml(text, str(name))
    # A broken file is an error here too: never extract half a monograph.
    mono = check_monograph(doc, str(name), path, path.stem)
    for field, msgid, index in mono.strings():
        line_key = field if field in ("name", "group.title") else _yaml_path(field, index)
        line = doc.lines.get(line_key, 1)
        comment = f"{FIELD_PURPOSE[field]} Drug: {mono.name}."
        if "%(" in msgid:
            comment += (" %(emergency_number)s, %(crisis_line)s and %(poison_control)s are the clinic's"
                        " phone numbers: keep them as they are, never write a number.")
        yield line, "pgettext", (context(mono.drug, field), msgid), [comment]


def _yaml_path(field: str, index: int) -> str:
    return f"{field}[{index}]"
