"""The built wheel carries its content, templates and catalogs: it works from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from conftest import ROOT, flat, pdf_text


def test_wheel_runs_from_another_folder(tmp_path):
    dist = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    wheel = next(dist.glob("handouts-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("handouts/_data/content/baclofen.yaml", "handouts/_data/templates/handout.xml.j2",
                   "handouts/_data/templates/styles.toml", "handouts/_data/locales/es/LC_MESSAGES/messages.po"):
        assert needed in names, needed
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import handouts, handouts.resources as r; "
        "assert handouts.__file__.startswith(sys.argv[1]), handouts.__file__; "
        "assert str(r.data_root()).startswith(sys.argv[1]); "
        "from handouts.cli import main; sys.argv = ['handouts', 'make', '--drug', 'baclofen', '--lang', 'es']; main()"
    )
    env = dict(os.environ, HANDOUTS_CACHE_DIR="off")
    proc = subprocess.run([sys.executable, "-c", code, str(site)], cwd=elsewhere, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    text = flat(" ".join(pdf_text(elsewhere / "baclofen-es.pdf")))
    assert "Información más importante" in text
