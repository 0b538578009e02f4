"""What keeps the page the front desk's own: the Host header (no DNS rebinding), a CSRF token
on every form, an access password when the page listens beyond this computer, and headers
that let the page load only its own scripts, styles and images."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from handouts.config import ServeSettings
from handouts.errors import UsageError

CSRF_COOKIE = "handouts_csrf"
SESSION_COOKIE = "handouts_session"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # a page or a PDF with a patient's name is never kept by the browser
}


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers the page answers: 127.0.0.1, localhost and the configured host, with the port."""
    names = {"127.0.0.1", "localhost", "[::1]", host if ":" not in host else f"[{host}]"}
    return {f"{name}:{port}" for name in names} | ({"127.0.0.1", "localhost"} if port == 80 else set())


def hash_password(password: str) -> str:
    """``scrypt$<salt>$<hash>`` for [serve] password_hash."""
    salt = secrets.token_bytes(16)
    return f"scrypt${salt.hex()}${_scrypt(password, salt).hex()}"


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


class Access:
    """The access password (from [serve] password_hash, or the environment variable named by
    password_env), and the sessions of those who gave it; none: the page is open to this
    computer's own users only (it listens on 127.0.0.1)."""

    def __init__(self, settings: ServeSettings, environ: dict[str, str] | None = None):
        env = os.environ if environ is None else environ
        self._hash = settings.password_hash
        self._plain = env.get(settings.password_env) or None
        self._secret = secrets.token_bytes(32)  # sessions end when the server stops

    @property
    def required(self) -> bool:
        return bool(self._hash or self._plain)

    def check(self, password: str) -> bool:
        if self._hash:
            _, salt, digest = self._hash.split("$")
            return hmac.compare_digest(_scrypt(password, bytes.fromhex(salt)).hex(), digest)
        return bool(self._plain) and hmac.compare_digest(password.encode(), self._plain.encode())

    def session(self) -> str:
        token = secrets.token_hex(16)
        return f"{token}.{hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()}"

    def valid(self, cookie: str | None) -> bool:
        if not cookie or "." not in cookie:
            return False
        token, mac = cookie.split(".", 1)
        return hmac.compare_digest(hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest(), mac)


def check_listen(host: str, access: Access) -> None:
    """Listening beyond this computer needs an access password."""
    if host not in LOOPBACK and not access.required:
        raise UsageError(f"--host {host}: the page would be open to the whole network; set an access password "
                         "first ([serve] password_hash from 'handouts serve --hash-password', or the environment "
                         "variable HANDOUTS_SERVE_PASSWORD), or listen on 127.0.0.1")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same_token(cookie: str | None, field: str | None) -> bool:
    return bool(cookie) and bool(field) and hmac.compare_digest(cookie.encode(), field.encode())
