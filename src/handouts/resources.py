"""Where the shipped content, templates and catalogs are.

In an installed wheel they live in ``handouts/_data/``; in a source checkout
(editable install, tests) they are the top-level folders of the repository.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    installed = _PACKAGE / "_data"
    if (installed / "templates").is_dir():
        return installed
    checkout = _PACKAGE.parent.parent
    if (checkout / "templates").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise RuntimeError(f"handouts is installed without its data folder ({installed})")


def content_dir() -> Path:
    return data_root() / "content"


def templates_dir() -> Path:
    return data_root() / "templates"


def locales_dir() -> Path:
    return data_root() / "locales"
