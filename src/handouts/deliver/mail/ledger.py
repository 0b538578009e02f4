"""The send ledger: who was sent what, so that a message is never sent twice."""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
import secrets
import sqlite3
from pathlib import Path

from handouts.config import EmailSettings
from handouts.errors import OutputError, shown

LEDGER_NAME = "sent.sqlite3"


def shown_path(path: Path) -> str:
    """A path for a message: relative to the current folder when it is inside it, escaped, cut."""
    text = str(path)
    if path.is_absolute():
        try:
            text = str(path.relative_to(Path.cwd()))
        except ValueError:
            pass
    return shown(text)


class StateFolder(type(Path())):
    """The ledger's folder, remembering where it was chosen (``--state``, ``email.state`` or the
    default) so that an error about it names that place."""

    origin = "default"


def _ledger_place(folder: Path) -> tuple[str, str]:
    """How an error names the ledger's folder, and how to choose another one."""
    origin = getattr(folder, "origin", "--state")
    where = shown_path(folder)
    if origin == "--state":
        return f"--state {where}", "choose another folder with --state"
    if origin == "email.state":
        return f"email.state {where}", "set email.state (or --state) to another folder"
    return f"the send ledger's folder {where} (the default)", "choose another folder with --state"


#: files SQLite keeps beside the ledger
_LEDGER_COMPANIONS = ("-wal", "-shm", "-journal")


class SendLedger:
    """Who was sent what, in SQLite (``<state>/sent.sqlite3``); addresses kept only as keyed hashes.

    The folder is made owner-only if missing. Neither the folder nor the ledger file (nor the
    journal files beside it) may be a symbolic link: the ledger is never opened through one.
    Anything that keeps the ledger from being used is an :class:`OutputError` that names the
    folder's option and path.
    """

    def __init__(self, folder: Path):
        where, fix = _ledger_place(folder)
        link = "is a symbolic link, and the send ledger is never opened through a link"
        if folder.is_symlink():
            raise OutputError(f"{where}: {link}; {fix}")
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{where}: is a file, not a folder; move the file away, or {fix}")
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as err:
            raise OutputError(f"{where}: cannot make the folder ({err.strerror}); {fix}") from None
        self.path = folder / LEDGER_NAME
        for path in [self.path] + [self.path.with_name(LEDGER_NAME + c) for c in _LEDGER_COMPANIONS]:
            if path.is_symlink():
                raise OutputError(f"{where}: {path.name} {link}; put the ledger file itself there, or {fix}")
        if self.path.exists() and not self.path.is_file():
            raise OutputError(f"{where}: {LEDGER_NAME} is not a file; move it away, or {fix}")
        made = not self.path.exists()
        try:
            # made here, owner-only, without following a link; SQLite gives its journal files the same mode
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600, follow_symlinks=False)
        except OSError as err:
            raise OutputError(f"{where}: cannot write {LEDGER_NAME} ({err.strerror}); {fix}") from None
        self.db = None
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            self.db.execute("""CREATE TABLE IF NOT EXISTS sends (
                key TEXT PRIMARY KEY, drug TEXT, lang TEXT, status TEXT, attempts INTEGER,
                reply TEXT, message_id TEXT, updated TEXT)""")
            row = self.db.execute("SELECT value FROM meta WHERE name='salt'").fetchone()
            if row is None:
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
                row = self.db.execute("SELECT value FROM meta WHERE name='salt'").fetchone()
            self._salt = bytes.fromhex(row[0])
        except sqlite3.Error as err:
            if self.db is not None:
                self.db.close()
            if made:  # an empty file made just now: not left behind
                for path in [self.path] + [self.path.with_name(LEDGER_NAME + c) for c in _LEDGER_COMPANIONS]:
                    try:
                        path.unlink()
                    except OSError:
                        pass
            reason = shown(str(err))
            if "locked" in reason or "busy" in reason:
                raise OutputError(f"{where}: the send ledger is in use by another run ({reason}); wait for it "
                                  "to finish, then run again") from None
            if isinstance(err, sqlite3.DatabaseError) and "not a database" in reason:
                raise OutputError(f"{where}: {LEDGER_NAME} is not a send ledger ({reason}); move it away, "
                                  f"or {fix}") from None
            raise OutputError(f"{where}: cannot use {LEDGER_NAME} ({reason}); {fix}") from None

    def id_for(self, key: str) -> str:
        return hmac.new(self._salt, key.encode(), hashlib.sha256).hexdigest()

    def status(self, key: str) -> tuple[str, str] | None:
        row = self.db.execute("SELECT status, updated FROM sends WHERE key=?", (self.id_for(key),)).fetchone()
        return (row[0], row[1]) if row else None

    def mark(self, key: str, status: str, *, drug: str, lang: str, reply: str = "", attempts: int = 0,
             message_id: str = "") -> None:
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.db.execute(
            "INSERT INTO sends VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET status=excluded.status, "
            "attempts=sends.attempts+excluded.attempts, reply=excluded.reply, message_id=excluded.message_id, "
            "updated=excluded.updated",
            (self.id_for(key), drug, lang, status, attempts, reply[:500], message_id, now))

    def close(self) -> None:
        self.db.close()


def state_folder(explicit: Path | None, settings: EmailSettings, near: Path) -> Path:
    """--state, else email.state, else a folder next to the output (a :class:`StateFolder` that
    remembers which, for the ledger's errors)."""
    if explicit:
        folder, origin = StateFolder(explicit), "--state"
    elif settings.state:
        folder, origin = StateFolder(settings.state), "email.state"
    else:
        folder, origin = StateFolder(near / ".handouts-state"), "default"
    folder.origin = origin
    return folder
