"""The one input hash: a key for whatever is made from a handout's inputs.

The localized-markup cache, the PDF cache and the batch ledger each key an entry by what it
was made from; all three build that key here, from plain values (never a request object),
so the three cannot drift apart. Each part is labelled and length-prefixed: no two different
inputs give the same bytes to hash.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable


class Inputs:
    """A hash of labelled inputs, added in order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, label: str, data: bytes | str) -> "Inputs":
        data = data.encode() if isinstance(data, str) else data
        self._hash.update(f"{label}:{len(data)}:".encode())
        self._hash.update(data)
        return self

    def add_json(self, label: str, value: Any) -> "Inputs":
        """A value of plain data (lists, dicts, text, numbers), written the same way every time."""
        return self.add(label, json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))

    def add_files(self, label: str, paths: Iterable[Path], names: bool = True) -> "Inputs":
        """Each file's bytes, after its path (or only its name, for template folders)."""
        for path in paths:
            self.add(label, str(path) if names else path.name)
            self.add(f"{label}-bytes", path.read_bytes())
        return self

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def handout_inputs(*, version: str, options: Any, content_file: Path, catalogs: Iterable[Path],
                   templates: Iterable[Path]) -> Inputs:
    """What every made form of a handout depends on: the package version, the options that
    change the text, the drug's content file, the language's catalogs and the templates."""
    inputs = Inputs().add("version", version).add_json("options", options)
    inputs.add("content", content_file.read_bytes())
    inputs.add_files("catalog", catalogs)
    inputs.add_files("template", sorted(templates), names=False)
    return inputs
