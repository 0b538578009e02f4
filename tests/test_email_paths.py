"""Where email writes: the --dry-run folder and the send ledger's folder (--state, email.state,
or the default .handouts-state). A file, a place nobody can write to, or a symbolic link is
one error line naming the option, the path and what to do; nothing is sent and nothing is
left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from smtp_server import PASSWORD, SMTPServer, ledger_statuses

ENV = {"HANDOUTS_SMTP_PASSWORD": PASSWORD}
TO = "kim@example.org"


@pytest.fixture
def smtp(tmp_path):
    server = SMTPServer(tmp_path).start()
    yield server
    server.stop()


def _tree(folder: Path) -> dict[str, bytes | str | None]:
    """Every path under a folder, links not followed: a file's bytes, a link's target, None for a folder."""
    found: dict[str, bytes | str | None] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            rel = str(p.relative_to(folder))
            found[rel] = os.readlink(p) if p.is_symlink() else None if p.is_dir() else p.read_bytes()
    return found


def _email(cli, smtp, tmp_path, *extra, env=ENV, config_extra=""):
    return cli("email", "--drug", "baclofen", "--to", TO, "--config", str(smtp.config(tmp_path, config_extra)),
               *extra, env=env)


def _one_error_line(r) -> str:
    assert r.code == 1, r
    assert r.out == "" and r.err.startswith("handouts: error: ") and r.err.count("\n") == 1, r
    assert "Traceback" not in r.err and TO not in r.err
    return r.err.strip()


# what is there before the run -> (the options, the error line that must come out)
CASES = {
    "dry-run folder is a file": (
        lambda t: (t / "out").write_text("notes\n"),
        ("--dry-run", "out"),
        "handouts: error: --dry-run out: is a file, not a folder; give a folder for the .eml files "
        "(it is made if missing)"),
    "dry-run folder under a file": (
        lambda t: (t / "notes.txt").write_text("notes\n"),
        ("--dry-run", "notes.txt/out"),
        "handouts: error: --dry-run notes.txt/out: cannot make the folder (Not a directory); "
        "choose a folder you can write to"),
    "state folder is a file": (
        lambda t: (t / "state").write_text("notes\n"),
        ("--state", "state"),
        "handouts: error: --state state: is a file, not a folder; move the file away, or choose another "
        "folder with --state"),
    "state folder under a file": (
        lambda t: (t / "notes.txt").write_text("notes\n"),
        ("--state", "notes.txt/state"),
        "handouts: error: --state notes.txt/state: cannot make the folder (Not a directory); choose another "
        "folder with --state"),
    "state folder is a link": (
        lambda t: ((t / "real").mkdir(), (t / "state").symlink_to("real")),
        ("--state", "state"),
        "handouts: error: --state state: is a symbolic link, and the send ledger is never opened through a "
        "link; choose another folder with --state"),
    "ledger file is a link": (
        lambda t: ((t / "state").mkdir(), (t / "elsewhere.sqlite3").write_bytes(b""),
                   (t / "state" / "sent.sqlite3").symlink_to("../elsewhere.sqlite3")),
        ("--state", "state"),
        "handouts: error: --state state: sent.sqlite3 is a symbolic link, and the send ledger is never opened "
        "through a link; put the ledger file itself there, or choose another folder with --state"),
    "ledger file is a dangling link": (
        lambda t: ((t / "state").mkdir(), (t / "state" / "sent.sqlite3").symlink_to("../nowhere.sqlite3")),
        ("--state", "state"),
        "handouts: error: --state state: sent.sqlite3 is a symbolic link, and the send ledger is never opened "
        "through a link; put the ledger file itself there, or choose another folder with --state"),
    "ledger file is a folder": (
        lambda t: (t / "state" / "sent.sqlite3").mkdir(parents=True),
        ("--state", "state"),
        "handouts: error: --state state: sent.sqlite3 is not a file; move it away, or choose another folder "
        "with --state"),
    "ledger file is not a ledger": (
        lambda t: ((t / "state").mkdir(), (t / "state" / "sent.sqlite3").write_bytes(b"not a database\n" * 200)),
        ("--state", "state"),
        "handouts: error: --state state: sent.sqlite3 is not a send ledger (file is not a database); move it "
        "away, or choose another folder with --state"),
    "default state folder is a file": (
        lambda t: (t / ".handouts-state").write_text("notes\n"),
        (),
        "handouts: error: the send ledger's folder .handouts-state (the default): is a file, not a folder; "
        "move the file away, or choose another folder with --state"),
    "default state folder is a link": (
        lambda t: ((t / "real").mkdir(), (t / ".handouts-state").symlink_to("real")),
        (),
        "handouts: error: the send ledger's folder .handouts-state (the default): is a symbolic link, and the "
        "send ledger is never opened through a link; choose another folder with --state"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_folder_that_cannot_be_used_is_one_clear_error_and_nothing_is_left(cli, tmp_path, smtp, case):
    make, options, expected = CASES[case]
    smtp.config(tmp_path)
    make(tmp_path)
    before = _tree(tmp_path)
    r = _email(cli, smtp, tmp_path, *options)
    assert _one_error_line(r) == expected
    assert _tree(tmp_path) == before  # nothing made, nothing changed, no temporary file
    assert smtp.received == []


def test_email_state_in_the_config_is_named_in_the_error(cli, tmp_path, smtp):
    (tmp_path / "ledger").write_text("notes\n")
    smtp.config(tmp_path, 'state = "ledger"\n')
    before = _tree(tmp_path)
    r = _email(cli, smtp, tmp_path, config_extra='state = "ledger"\n')
    assert _one_error_line(r) == ("handouts: error: email.state ledger: is a file, not a folder; move the file "
                                  "away, or set email.state (or --state) to another folder")
    assert _tree(tmp_path) == before and smtp.received == []


def test_a_control_character_in_the_path_is_shown_escaped(cli, tmp_path, smtp):
    (tmp_path / "out\x1b[2J").write_text("notes\n")
    r = _email(cli, smtp, tmp_path, "--dry-run", "out\x1b[2J")
    assert _one_error_line(r).startswith("handouts: error: --dry-run out\\x1b[2J: is a file, not a folder;")


def _read_only(path: Path) -> None:
    """A folder nobody can write into, root included (immutable), or a test that says why not."""
    import subprocess

    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o500)
    elif subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("no way here to make a folder that root cannot write into (chattr +i)")


def _writable_again(path: Path) -> None:
    import subprocess

    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    path.chmod(0o700)


def test_a_read_only_folder_is_one_clear_error(cli, tmp_path, smtp):
    names = ("ro-out", "ro-state")
    for name in names:
        _read_only(tmp_path / name)
    try:
        r = _email(cli, smtp, tmp_path, "--dry-run", "ro-out")
        assert _one_error_line(r).startswith("handouts: error: --dry-run ro-out: cannot write baclofen-en.eml (")
        assert _one_error_line(r).endswith("); choose a folder you can write to")
        r = _email(cli, smtp, tmp_path, "--state", "ro-state")
        assert _one_error_line(r).startswith("handouts: error: --state ro-state: cannot write sent.sqlite3 (")
        (tmp_path / "day.csv").write_text("drug,lang\nbaclofen,en\n", encoding="utf-8")
        r = cli("batch", "day.csv", "--out", "ro-out", "-j", "1", "--paper", "letter")
        assert r.code == 1 and r.err == ("handouts: error: --out ro-out: cannot write in this folder; "
                                         "choose a folder you can write to\n"), r
        assert list((tmp_path / "ro-out").iterdir()) == [] and list((tmp_path / "ro-state").iterdir()) == []
    finally:
        for name in names:
            _writable_again(tmp_path / name)


def test_a_batch_with_a_bad_dry_run_folder_is_one_clear_error(cli, tmp_path, smtp):
    (tmp_path / "day.csv").write_text("drug,lang,email\nbaclofen,en,kim@example.org\n", encoding="utf-8")
    (tmp_path / "mail").write_text("notes\n")
    r = cli("batch", "day.csv", "--email", "--dry-run", "mail", "--config", str(smtp.config(tmp_path)), "-j", "1",
            env=ENV)
    assert r.code == 1, r
    assert r.err == ("handouts: error: --dry-run mail: is a file, not a folder; give a folder for the .eml files "
                     "(it is made if missing)\n")
    assert (tmp_path / "mail").read_text() == "notes\n" and smtp.received == []


def test_a_good_state_folder_is_made_owner_only_and_used(cli, tmp_path, smtp):
    r = _email(cli, smtp, tmp_path, "--state", "ledger/here")
    assert r.code == 0, r
    ledger = tmp_path / "ledger" / "here" / "sent.sqlite3"
    assert (tmp_path / "ledger" / "here").stat().st_mode & 0o777 == 0o700
    assert ledger.stat().st_mode & 0o777 == 0o600
    assert ledger_statuses(ledger) == ["sent"] and len(smtp.received) == 1
