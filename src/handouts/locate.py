"""Finding drugs and showing paths: the light part of content handling (no YAML, no schema)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from handouts.errors import UsageError

#: a drug identifier: lower-case letters, digits and dashes; checked before any file access
DRUG_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}[a-z0-9]$")



def display_path(path: Path) -> str:
    """A path as a user wants to read it: relative to the current folder, or to the data root."""
    from handouts.resources import data_root

    for base in (Path.cwd(), data_root()):
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)


def check_drug_id(drug: str) -> str:
    if not DRUG_ID.match(drug):
        raise UsageError(
            f"'{drug}' is not a drug name; use the generic name in lower case, "
            "letters, digits and dashes only (e.g. baclofen)"
        )
    return drug


def content_dirs(extra: Iterable[Path] = ()) -> list[Path]:
    """Clinic folders first (they override), then the shipped content."""
    from handouts.resources import content_dir

    return [*extra, content_dir()]


def available_drugs(dirs: Iterable[Path]) -> list[str]:
    found: set[str] = set()
    for d in dirs:
        if d.is_dir():
            found.update(p.stem for p in d.glob("*.yaml") if DRUG_ID.match(p.stem))
    return sorted(found)


def find_monograph(drug: str, dirs: Iterable[Path]) -> Path:
    check_drug_id(drug)
    dirs = list(dirs)
    for d in dirs:
        candidate = d / f"{drug}.yaml"
        if candidate.is_file():
            return candidate
    import difflib

    known = available_drugs(dirs)
    hint = difflib.get_close_matches(drug, known, n=1, cutoff=0.6)
    did = f"; did you mean '{hint[0]}'?" if hint else "."
    raise UsageError(f"unknown drug '{drug}'{did} Known: {', '.join(known) or 'none'}")


