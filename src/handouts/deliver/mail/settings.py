"""The relay's settings: the config's [email] table and the ``HANDOUTS_SMTP_*`` variables."""

from __future__ import annotations

import os
from dataclasses import replace

from handouts.config import Config, EmailSettings
from handouts.deliver.mail.addresses import check_address
from handouts.errors import HandoutsError, shown


class MailError(HandoutsError):
    """The email settings or the relay cannot be used (for every message, not one)."""


_ENV = {"host": "HANDOUTS_SMTP_HOST", "port": "HANDOUTS_SMTP_PORT", "security": "HANDOUTS_SMTP_SECURITY",
        "username": "HANDOUTS_SMTP_USERNAME", "sender": "HANDOUTS_SMTP_SENDER"}


def settings_from(config: Config, environ: dict[str, str] | None = None) -> EmailSettings:
    """The config's [email] table, with HANDOUTS_SMTP_* variables taking precedence."""
    env = os.environ if environ is None else environ
    s = config.email
    changes: dict = {}
    for key, var in _ENV.items():
        value = env.get(var)
        if not value:
            continue
        if key == "port":
            if not value.isdigit() or not 1 <= int(value) <= 65535:
                raise MailError(f"{var}: '{shown(value)}' is not a port number; use a number from 1 to 65535")
            changes[key] = int(value)
        elif key == "security":
            if value.lower() not in ("starttls", "tls", "none"):
                raise MailError(f"{var}: use starttls, tls or none, not '{shown(value)}'")
            changes[key] = value.lower()
        else:
            changes[key] = value
    s = replace(s, **changes)
    if not s.sender_name and config.clinic.name:
        s = replace(s, sender_name=config.clinic.name)
    return s


def check_settings(s: EmailSettings, insecure: bool, dry_run: bool) -> None:
    if not s.sender:
        raise MailError("no sender address: set email.sender in handouts.toml (or HANDOUTS_SMTP_SENDER)")
    check_address(s.sender, "email.sender")
    if dry_run:
        return
    if not s.host:
        raise MailError("no SMTP server: set email.host in handouts.toml (or HANDOUTS_SMTP_HOST)")
    if s.security == "none" and not insecure:
        raise MailError("email.security is none (plain, unencrypted SMTP): allowed only for a local relay, "
                        "with --insecure-smtp")
    if s.username and not os.environ.get(s.password_env):
        raise MailError(f"email.username is set but the password is not: set the environment variable "
                        f"{shown(s.password_env)} (never a flag or the config file)")
