"""Static fonts made once from variable fonts (Noto Sans Arabic, Noto Sans CJK...).

ReportLab draws only the default instance of a variable font (for Noto Sans SC that is Thin,
and bold comes out regular), so a family in ``styles.toml`` with ``variable = "..."`` is
instanced to a static Regular and Bold, each with a PostScript name of its own. Large fonts
are first subset to the characters of the language's usual character sets (e.g. GBK for
Simplified Chinese, all 11,172 Hangul syllables for Korean) plus every character the
catalogs use, which makes instancing several times cheaper.

Prepared files live in ``<fonts folder>/<family>-<key>-<face>.ttf`` beside a manifest with
their SHA-256; a damaged or missing file is rebuilt. The key is a hash of the source file's
identity, the spec and the extra characters, so an update of the font package or the spec
makes new files. ``handouts fonts prepare`` does all of this ahead of time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from handouts.errors import TemplateError

if TYPE_CHECKING:
    from handouts.render.styles import FontFamily

#: always kept: ASCII, Latin-1, general punctuation, CJK punctuation, kana, full-width forms
_BASE_RANGES = ((0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x2070), (0x2190, 0x2200), (0x3000, 0x3100),
                (0xFF00, 0xFFF0))
#: a named range usable in ``charset`` besides Python codec names
_NAMED_RANGES = {"hangul": ((0xAC00, 0xD7A4), (0x1100, 0x1200), (0x3130, 0x3190))}
MANIFEST = "manifest.json"


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
            from platformdirs import user_cache_dir

            root = user_cache_dir("handouts", appauthor=False)
        folder = Path(root) / "fonts"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise TemplateError(
            f"cannot create the fonts folder {folder}: {err.strerror}; set HANDOUTS_FONTS_DIR "
            "to a folder you can write"
        ) from None
    return folder


def charset(names: Iterable[str]) -> set[int]:
    """Code points of the named character sets (Python codecs such as ``gbk`` or ``hangul``)."""
    points: set[int] = set()
    for lo, hi in _BASE_RANGES:
        points.update(range(lo, hi))
    for name in names:
        if name in _NAMED_RANGES:
            for lo, hi in _NAMED_RANGES[name]:
                points.update(range(lo, hi))
            continue
        for b1 in range(0x81, 0xFF):
            for b2 in range(0x40, 0xFF):
                try:
                    text = bytes((b1, b2)).decode(name)
                except (UnicodeDecodeError, LookupError):
                    continue
                points.update(map(ord, text))
    return points


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _key(family: FontFamily, source: Path, extra: str) -> str:
    st = source.stat()
    ident = json.dumps([family.name, family.package, family.variable, str(st.st_size),
                        family.axes, family.charset, extra], sort_keys=True)
    return hashlib.sha256(ident.encode()).hexdigest()[:12]


def _make_face(source: str, axes: dict[str, float], keep: list[int] | None, ps_name: str,
               family_name: str, style: str, out: str) -> str:
    """Subset (optional) and instance one face; runs in a worker process."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(source)
    if keep is not None:
        opts = subset.Options()
        opts.layout_features = ["*"]
        opts.name_IDs = ["*"]
        opts.name_languages = ["*"]
        opts.notdef_outline = True
        opts.glyph_names = False
        opts.hinting = False
        sub = subset.Subsetter(opts)
        sub.populate(unicodes=keep)
        sub.subset(font)
    static = instancer.instantiateVariableFont(font, axes, inplace=False)
    name = static["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 2, 3, 4, 6, 16, 17, 25):
            name.removeNames(nameID=rec.nameID)
    full = f"{family_name} {style}"
    for nid, value in ((1, family_name), (2, style), (3, ps_name), (4, full), (6, ps_name)):
        name.setName(value, nid, 3, 1, 0x409)
        name.setName(value, nid, 1, 0, 0)
    # the same inputs give the same file: keep the source's timestamps instead of "now"
    static.recalcTimestamp = False
    if "head" in font:
        static["head"].created = font["head"].created
        static["head"].modified = font["head"].modified
    tmp = out + ".part"
    static.save(tmp)
    os.replace(tmp, out)
    return out


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{message}", end="", file=sys.stderr, flush=True)


def _read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_manifest(folder: Path, manifest: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".manifest-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    os.replace(tmp, folder / MANIFEST)


def prepared_faces(family: FontFamily, source: Path, extra: str = "",
                   log: Callable[[str], None] = _progress) -> dict[str, Path]:
    """Static ``regular`` and ``bold`` files for a variable family, made now if needed.

    ``extra``: characters to keep beyond the family's character sets (e.g. those a
    catalog uses). Files are checked against the manifest's SHA-256 and rebuilt if damaged.
    """
    folder = fonts_dir()
    manifest = _read_manifest(folder)
    entry = manifest.get(family.name, {})
    # a face prepared earlier with more characters serves as well
    extra = "".join(sorted(set(extra) | set(entry.get("extra", ""))))
    key = _key(family, source, extra)
    faces = {face: folder / f"{family.name}-{key}-{face}.ttf" for face in family.axes}
    if entry.get("key") == key and all(
        p.is_file() and entry.get("sha256", {}).get(face) == _sha256(p) for face, p in faces.items()
    ):
        return faces

    keep = None
    if family.charset:
        keep = sorted(charset(family.charset) | {ord(c) for c in extra})
    jobs = []
    for face, axes in family.axes.items():
        style = "Bold" if face == "bold" else "Regular"
        ps = f"Handouts{family.name.title().replace('-', '')}-{style}-{key[:6]}"
        jobs.append((str(source), axes, keep, ps, f"Handouts {family.name}", style, str(faces[face])))
    log(f"handouts: preparing the {family.name} font once (about a minute for CJK)... ")
    workers = min(len(jobs), os.cpu_count() or 1)
    try:
        if workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                list(pool.map(_make_face, *zip(*jobs)))
        else:
            for job in jobs:
                _make_face(*job)
    except Exception as err:  # fontTools raises many kinds; any of them means no usable font
        raise TemplateError(
            f"could not prepare the {family.name} font from {source}: {err}; "
            f"reinstall the package {family.package.replace('_', '-')}"
        ) from None
    log(f"handouts: preparing the {family.name} font once... done\n")
    manifest = _read_manifest(folder)  # another process may have written meanwhile
    old = manifest.get(family.name, {})
    manifest[family.name] = {
        "key": key, "extra": extra, "source": str(source),
        "sha256": {face: _sha256(p) for face, p in faces.items()},
    }
    _write_manifest(folder, manifest)
    if old.get("key") and old["key"] != key:
        for p in folder.glob(f"{family.name}-{old['key']}-*.ttf"):
            p.unlink(missing_ok=True)
    return faces
