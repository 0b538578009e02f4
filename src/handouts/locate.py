"""Finding drugs and showing paths: the light part of content handling (no schema).

A drug is asked for by its generic name (the content file's name, ``baclofen``), in any case
and with spaces around it, or by a brand name listed in its content file (``brand_names:``).
Brand names are read only when the name is not a drug's file name.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from pathlib import Path
from typing import Iterable

from handouts.errors import ContentError, UsageError, shown
from handouts.resources import content_dir, data_root

#: a drug identifier: lower-case letters, digits and dashes; checked before any file access
DRUG_ID = re.compile(r"^[a-z][a-z0-9-]{0,62}[a-z0-9]$")

#: inputs longer than this are not compared for a suggestion (difflib is quadratic)
_SUGGEST_MAX = 100


def display_path(path: Path) -> str:
    """A path as a user wants to read it: a shipped file by its path in the repository
    (``content/baclofen.yaml``, wherever the package is installed), another file relative
    to the current folder, else in full."""
    root = data_root().resolve()
    full = Path(os.path.abspath(path))
    for shipped in ("content", "templates", "locales"):
        try:
            return str(Path(shipped) / full.resolve().relative_to(root / shipped))
        except (ValueError, OSError):
            continue
    try:
        return str(full.relative_to(Path(os.path.abspath(Path.cwd()))))
    except ValueError:
        return str(path)


def check_drug_id(drug: str) -> str:
    if not DRUG_ID.match(drug):
        raise UsageError(
            f"'{shown(drug)}' is not a drug name; use the generic name in lower case, "
            "letters, digits and dashes only (e.g. baclofen)"
        )
    return drug


def content_dirs(extra: Iterable[Path] = ()) -> list[Path]:
    """Clinic folders first (they override), then the shipped content."""
    return [*extra, content_dir()]


def available_drugs(dirs: Iterable[Path]) -> list[str]:
    return list(_drug_files(list(dirs)))


def find_monograph(drug: str, dirs: Iterable[Path]) -> Path:
    check_drug_id(drug)
    dirs = list(dirs)
    for d in dirs:
        candidate = d / f"{drug}.yaml"
        if candidate.is_file():
            return candidate
    import difflib  # (only for a typo: a suggestion)

    known = available_drugs(dirs)
    hint = difflib.get_close_matches(drug, known, n=1, cutoff=0.6)
    did = f"; did you mean '{hint[0]}'?" if hint else "."
    raise UsageError(f"unknown drug '{drug}'{did} Known: {', '.join(known) or 'none'}")


# ----------------------------------------------------------------- generic and brand names


def resolve_drug(text: str, dirs: Iterable[Path], *, echo: bool = True) -> tuple[str, str | None]:
    """The drug id for a generic or brand name, and a note to show when it was a brand name.

    ``"baclofen"``, ``" Baclofen "`` -> ``("baclofen", None)``;
    ``"LAMICTAL xr"`` -> ``("lamotrigine", "Lamictal XR is lamotrigine")``.
    ``dirs`` are the content folders, clinic folders first: their files add drugs and brand
    names, and a clinic's file for a drug replaces the shipped one (its brand names too).
    Brand names are read only when ``text`` is not a drug's file name. Anything else is a
    one-line :class:`UsageError` naming the closest generic or brand name and the known drugs;
    ``echo=False``: without repeating ``text`` (a batch's cell may hold anything, even a name).
    """
    dirs = list(dirs)
    key = text.strip().lower()
    if DRUG_ID.match(key) and any((d / f"{key}.yaml").is_file() for d in dirs):
        return key, None
    files = _drug_files(dirs)
    wanted = _fold(text)
    for drug in files:
        if _fold(drug) == wanted:  # "Baclofen Pump" for baclofen-pump
            return drug, None
    names = _names(files)
    found = names.get(wanted, [])
    drugs = sorted({drug for drug, _name in found})
    if len(drugs) == 1:
        drug, name = found[0]
        return drug, f"{shown(name)} is {drug}"
    if drugs:
        what = f"'{shown(text.strip())}' is" if echo else "that is"
        raise UsageError(f"{what} a brand of more than one drug ({', '.join(drugs)}); use the generic name")
    raise UsageError(_unknown(text, files, names, echo))


def _unknown(text: str, files: dict[str, Path], names: dict[str, list[tuple[str, str]]], echo: bool = True) -> str:
    """The message for a name that is no drug: the closest generic or brand name, the known drugs."""
    import difflib  # (only for a typo: a suggestion)

    known = sorted(files)
    wanted = _fold(text)
    did = "; use a generic or brand name."
    if wanted and len(wanted) <= _SUGGEST_MAX:
        choices = {_fold(d): f"'{d}'" for d in known}
        for folded, found in names.items():
            drug, name = found[0]
            choices.setdefault(folded, f"'{shown(name)}' ({drug})")
        close = difflib.get_close_matches(wanted, list(choices), n=1, cutoff=0.6)
        if close:
            did = f"; did you mean {choices[close[0]]}?"
    what = f" '{shown(text.strip())}'" if echo else ""
    return f"unknown drug{what}{did} Known: {', '.join(known) or 'none'}"


def _drug_files(dirs: list[Path]) -> dict[str, Path]:
    """Drug id -> its content file: the first folder that has one (clinic folders come first)."""
    files: dict[str, Path] = {}
    for d in dirs:
        if d.is_dir():
            for p in sorted(d.glob("*.yaml")):
                if DRUG_ID.match(p.stem) and p.is_file():
                    files.setdefault(p.stem, p)
    return dict(sorted(files.items()))


_MARKS = dict.fromkeys(map(ord, "\u00ae\u2122\u00a9"))  # (R), TM, (C)


def _fold(name: str) -> str:
    """A name compared without case, accents, trade marks, or the kind of spaces and dashes."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name.translate(_MARKS)).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\s\-_\u2010-\u2015]+", " ", text).split())


def _names(files: dict[str, Path]) -> dict[str, list[tuple[str, str]]]:
    """Folded name -> [(drug, the name as its file writes it)], from each file's ``name`` and
    ``brand_names`` (not the drug's own id)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for drug, path in files.items():
        for name in _file_names(path):
            folded = _fold(name)
            if folded and folded != _fold(drug):
                out.setdefault(folded, [])
                if drug not in (d for d, _n in out[folded]):
                    out[folded].append((drug, name))
    return out


#: path -> (mtime_ns, size, names): a file is read again only when it changes
_NAMES_READ: dict[str, tuple[int, int, tuple[str, ...]]] = {}
_WANTED_KEYS = re.compile(r"(name|brand_names)\s*:(\s|$)")


def _file_names(path: Path) -> tuple[str, ...]:
    """A content file's ``name`` and ``brand_names``; nothing if it cannot be read.

    Only those two top-level keys (with their indented or ``-`` lines) are parsed, with
    PyYAML's safe loader; the whole file is parsed only if that part does not parse alone.
    A broken file is reported when its drug is made, not here.
    """
    try:
        st = os.stat(path)
    except OSError:
        return ()
    if not stat.S_ISREG(st.st_mode):  # a pipe or a device named *.yaml: never read
        return ()
    cached = _NAMES_READ.get(str(path))
    if cached and cached[:2] == (st.st_mtime_ns, st.st_size):
        return cached[2]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    part, keep = [], False
    for line in text.splitlines():
        if line[:1] in ("", " ", "\t", "#") or (line[:1] == "-" and not line.startswith("---")):
            if keep:
                part.append(line)
            continue
        keep = bool(_WANTED_KEYS.match(line))
        if keep:
            part.append(line)
    data = _safe_yaml("\n".join(part))
    if not isinstance(data, dict) or ("brand_names" in text and "brand_names" not in data):
        data = _safe_yaml(text)
    names: list[str] = []
    if isinstance(data, dict):
        if isinstance(data.get("name"), str):
            names.append(data["name"].strip())
        brands = data.get("brand_names")
        if isinstance(brands, list):
            names.extend(b.strip() for b in brands if isinstance(b, str))
    result = tuple(n for n in names if n)
    _NAMES_READ[str(path)] = (st.st_mtime_ns, st.st_size, result)
    return result


def _safe_yaml(text: str):
    # (PyYAML, 20 ms: only when a brand name is looked up)
    import yaml

    try:
        refuse_aliases(text, "")  # a file of nested aliases would take minutes
    except ContentError:
        return None
    try:
        return yaml.load(text, Loader=yaml_loader())
    except yaml.YAMLError:
        return None


def yaml_loader():
    # (PyYAML: see _safe_yaml)
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: a content file is a few kilobytes; anything this large is not one
MAX_CONTENT_BYTES = 1_000_000


def refuse_aliases(text: str, where: str) -> None:
    """Content files need no YAML anchors or aliases (``&a``, ``*a``), and a file of nested
    aliases can grow to gigabytes when read ("billion laughs"): refuse them, before reading."""
    # (PyYAML: see _safe_yaml)
    import yaml

    if len(text) > MAX_CONTENT_BYTES:
        raise ContentError(f"{where}: the file is {len(text):,} characters, larger than any content file "
                           f"({MAX_CONTENT_BYTES:,} at most); check that it is the right file")
    if "&" not in text and "*" not in text:
        return
    try:
        for token in yaml.scan(text, Loader=yaml_loader()):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                mark = "*" if isinstance(token, yaml.AliasToken) else "&"
                raise ContentError(f"{where}:{token.start_mark.line + 1}: a YAML anchor or alias "
                                   f"({mark}{token.value}); write the value out in full instead")
    except yaml.MarkedYAMLError:
        return  # a syntax error: parsing reports it with its line
