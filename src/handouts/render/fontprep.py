"""Static fonts made once from variable fonts (Noto Sans Arabic, Noto Sans CJK...).

ReportLab draws only the default instance of a variable font (for Noto Sans SC that is Thin,
and bold comes out regular), so a family in ``styles.toml`` with ``variable = "..."`` is
instanced to a static Regular and Bold, each with a PostScript name of its own. A large
family (``subset = true``: the CJK ones, 17,000 to 31,000 glyphs) is first cut down to
exactly the characters asked for, which is what makes it quick: a handout's few thousand
characters take one to three seconds (a name's few, made in memory by
:func:`handouts.render.fonts.name_font`, a fraction of a second).

Each set of files has a key, the hash of everything it is made from (the source font, the
family's settings and what decides the characters), and lives in
``<fonts folder>/<family>-<key>-<face>.ttf``; the manifest records each file's SHA-256, and a
damaged or missing file is made again. The same inputs give the same file.

Two processes may ask for the same font at once (two batch workers, a server and a command):
preparation holds a lock per key, writes under temporary names of its own and renames into
place; the second process waits for the lock and then uses the first one's files.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from platformdirs import user_cache_dir

from handouts import locks
from handouts.errors import TemplateError
from handouts.output import write_atomic

if TYPE_CHECKING:
    from handouts.render.styles import FontFamily

MANIFEST = "manifest.json"
_HINT = "set HANDOUTS_FONTS_DIR to a folder you can write"
MANIFEST_VERSION = 2


def fonts_dir() -> Path:
    """Where prepared fonts are kept: ``HANDOUTS_FONTS_DIR``, else the user's cache folder.

    Unlike other cached data, prepared fonts are kept even with ``HANDOUTS_CACHE_DIR=off``
    (a handout cannot be made without them).
    """
    env = os.environ.get("HANDOUTS_FONTS_DIR")
    if env:
        folder = Path(env)
    else:
        root = os.environ.get("HANDOUTS_CACHE_DIR")
        if not root or root == "off":
            root = user_cache_dir("handouts", appauthor=False)
        folder = Path(root) / "fonts"
    if folder.exists() and not folder.is_dir():
        raise TemplateError(f"the fonts folder {folder} is a file, not a folder; set HANDOUTS_FONTS_DIR "
                            "to a folder you can write")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise TemplateError(
            f"cannot create the fonts folder {folder}: {err.strerror}; set HANDOUTS_FONTS_DIR "
            "to a folder you can write"
        ) from None
    return folder


def source_identity(family: FontFamily, source: Path) -> str:
    """The source font file as it is installed: its package, name and size."""
    return f"{family.package}/{family.variable}:{source.stat().st_size}"


def key_for(family: FontFamily, source: Path, *what: object) -> str:
    """The key of a set of prepared files: the source, the family's settings and ``what``
    decides the characters (a hash of the catalogs, or the characters themselves)."""
    ident = json.dumps([family.name, source_identity(family, source), family.axes, family.subset,
                        [str(w) for w in what]], sort_keys=True)
    return hashlib.sha256(ident.encode()).hexdigest()[:12]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _log(message: str) -> None:
    """Preparation is said on standard error, a whole line at a time (also in a log)."""
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ making

def instance(font, family: FontFamily, face: str, axes: dict[str, float], key: str):
    """One static face of a (subset) variable font, named after the family, face and key.

    Each face needs a PostScript name of its own: ReportLab embeds fonts by that name, and
    two faces under one name would share one font program (bold printed as regular).
    """
    # (fontTools, 116 ms: only when a font is made)
    from fontTools.varLib import instancer

    style = "Bold" if face == "bold" else "Regular"
    ps_name = f"Handouts{family.name.title().replace('-', '')}-{style}-{key[:6]}"
    static = instancer.instantiateVariableFont(font, axes, inplace=False)
    name = static["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 2, 3, 4, 6, 16, 17, 25):
            name.removeNames(nameID=rec.nameID)
    family_name = f"Handouts {family.name}"
    for nid, value in ((1, family_name), (2, style), (3, ps_name), (4, f"{family_name} {style}"), (6, ps_name)):
        name.setName(value, nid, 3, 1, 0x409)
        name.setName(value, nid, 1, 0, 0)
    # the same inputs give the same file: keep the source's timestamps instead of "now"
    static.recalcTimestamp = False
    if "head" in font:
        static["head"].created = font["head"].created
        static["head"].modified = font["head"].modified
    return static


def subset_font(source: Path, keep: Iterable[int] | None):
    """The source font (fontTools), cut to the code points ``keep`` (None: all of it),
    with every layout feature those characters use."""
    # (fontTools: see instance)
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source))
    if keep is not None:
        opts = subset.Options()
        opts.layout_features = ["*"]
        opts.name_IDs = ["*"]
        opts.name_languages = ["*"]
        opts.notdef_outline = True
        opts.glyph_names = False
        opts.hinting = False
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=list(keep))
        sub.subset(font)
    return font


def _make_faces(source: Path, family: FontFamily, keep: list[int] | None, key: str,
                faces: dict[str, Path]) -> None:
    """Subset the source once (``keep``: code points, None for all), then instance each face."""
    font = subset_font(source, keep)
    for face, axes in (family.axes or {}).items():
        buf = io.BytesIO()
        instance(font, family, face, axes, key).save(buf)
        write_atomic(faces[face], buf.getvalue(), 0o644, hint=_HINT)


# ------------------------------------------------------------------------------ the manifest

def _read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": MANIFEST_VERSION, "fonts": {}}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION or not isinstance(data.get("fonts"), dict):
        return {"version": MANIFEST_VERSION, "fonts": {}, "old": data if isinstance(data, dict) else {}}
    return data


def _write_manifest(folder: Path, manifest: dict) -> None:
    manifest = {k: v for k, v in manifest.items() if k != "old"}
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode(), 0o644, hint=_HINT)


def _intact(folder: Path, entry_id: str, faces: dict[str, Path]) -> bool:
    entry = _read_manifest(folder)["fonts"].get(entry_id)
    if not isinstance(entry, dict):
        return False
    sums = entry.get("sha256", {})
    try:
        return all(p.is_file() and sums.get(face) == _sha256(p) for face, p in faces.items())
    except OSError:
        return False


def _remove(folder: Path, files: Iterable[str]) -> None:
    for name in files:
        if "/" in name or "\\" in name or name.startswith("."):
            continue  # only our own file names, in this folder
        try:
            (folder / name).unlink()
        except OSError:
            pass


def _record(folder: Path, entry_id: str, family: FontFamily, source: Path,
            faces: dict[str, Path], characters: int) -> None:
    """Add the new files to the manifest; drop what an older font package left behind.
    Under the manifest's own lock (read, change, write)."""
    with locks.exclusive(folder / ".manifest.lock"):
        manifest = _read_manifest(folder)
        fonts = manifest["fonts"]
        old = manifest.get("old") or {}
        for fam, entry in old.items():  # the earlier manifest's files: one set per family
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                _remove(folder, [f"{fam}-{entry['key']}-{face}.ttf" for face in ("regular", "bold")])
        ident = source_identity(family, source)
        for other_id, entry in list(fonts.items()):
            if entry.get("family") == family.name and entry.get("source") != ident:
                _remove(folder, entry.get("files", {}).values())
                del fonts[other_id]
        fonts[entry_id] = {
            "family": family.name, "source": ident, "characters": characters,
            "files": {face: p.name for face, p in faces.items()},
            "sha256": {face: _sha256(p) for face, p in faces.items()},
        }
        _write_manifest(folder, manifest)


# ------------------------------------------------------------------------------ the entry point

def prepared_faces(family: FontFamily, source: Path, key: str, characters: Callable[[], Iterable[int]] | None, *,
                   what: str, log: Callable[[str], None] = _log) -> dict[str, Path]:
    """Static files (face -> path) for a variable family under ``key``, made now if need be.

    ``characters``: called only when the files must be made; the code points to keep, or
    None for the whole font. ``what`` says in the log line what the font is for.
    """
    folder = fonts_dir()
    entry_id = f"{family.name}-{key}"
    faces = {face: folder / f"{entry_id}-{face}.ttf" for face in (family.axes or {})}
    if _intact(folder, entry_id, faces):
        return faces

    waited: list[float] = []

    def waiting() -> None:
        waited.append(time.monotonic())
        log(f"handouts: waiting for another process preparing the {family.name} font...")

    with locks.exclusive(folder / f".{entry_id}.lock", on_wait=waiting):
        if _intact(folder, entry_id, faces):  # made by another process while this one waited
            if waited:
                log(f"handouts: the {family.name} font is ready (waited {time.monotonic() - waited[0]:.1f} s)")
            return faces
        keep = sorted(set(characters())) if characters is not None else None
        count = f"{len(keep):,} characters" if keep is not None else "all characters"
        log(f"handouts: preparing the {family.name} font for {what} ({count}; once)...")
        started = time.monotonic()
        try:
            _make_faces(source, family, keep, key, faces)
        except Exception as err:  # fontTools raises many kinds; any of them means no usable font
            raise TemplateError(
                f"could not prepare the {family.name} font from {source}: {err.__class__.__name__}: "
                f"{str(err)[:200]}; reinstall the package {family.package.replace('_', '-')}"
            ) from None
        _record(folder, entry_id, family, source, faces, len(keep) if keep is not None else 0)
        log(f"handouts: the {family.name} font is ready ({time.monotonic() - started:.1f} s)")
    return faces
