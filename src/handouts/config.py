"""The clinic's configuration, ``handouts.toml``: a small declarative schema.

Found in the current folder, or given with ``--config``. Errors name the key and what is
expected. Relative paths in the file are relative to the file.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from handouts.errors import ConfigError, UsageError, shown, unsafe_char
from handouts.locate import display_path

CONFIG_NAME = "handouts.toml"
PAPERS = ("letter", "a4")

# CLDR supplemental measurement data: territories whose paper size is US-Letter.
LETTER_TERRITORIES = frozenset("BZ CA CL CO CR GT MX NI PA PH PR SV US VE".split())


#: the numbers a handout prints, with the US defaults: emergency services, the 988 Suicide &
#: Crisis Lifeline (calls and texts), Poison Control. A clinic elsewhere sets its own.
DEFAULT_NUMBERS = {"emergency_number": "911", "crisis_line": "988", "poison_control": "1-800-222-1222"}


@dataclass(frozen=True)
class Clinic:
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    logo: Path | None = None
    emergency_number: str = DEFAULT_NUMBERS["emergency_number"]
    crisis_line: str = DEFAULT_NUMBERS["crisis_line"]  # "" leaves the crisis-line sentence out
    crisis_text: bool = True  # the crisis line also takes text messages (988 does)
    poison_control: str = DEFAULT_NUMBERS["poison_control"]  # "" leaves the poison-control sentence out

    @property
    def numbers(self) -> dict[str, str]:
        return {"emergency_number": self.emergency_number, "crisis_line": self.crisis_line,
                "poison_control": self.poison_control}

    def as_template_vars(self) -> dict[str, Any]:
        return {"name": self.name, "phone": self.phone, "address": self.address,
                "logo": str(self.logo) if self.logo else None, "crisis_text": self.crisis_text,
                **self.numbers}


@dataclass(frozen=True)
class EmailSettings:
    """[email]: the clinic's SMTP relay. The password is never here: only the name of the
    environment variable that holds it (default HANDOUTS_SMTP_PASSWORD)."""

    host: str | None = None
    port: int | None = None  # default: 587 for starttls, 465 for tls, 25 for none
    security: str = "starttls"  # starttls | tls (implicit) | none (only with --insecure-smtp)
    username: str | None = None
    password_env: str = "HANDOUTS_SMTP_PASSWORD"
    ca_file: Path | None = None  # the clinic's own certificate authority, trusted besides the system's
    sender: str | None = None  # the From address
    sender_name: str | None = None  # default: the clinic's name
    rate: int = 0  # messages per minute (0: no limit)
    retries: int = 3  # tries after a temporary failure
    backoff: float = 2.0  # seconds before the first retry; doubled each time
    timeout: float = 30.0
    state: Path | None = None  # folder of the send ledger

    def resolved_port(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]


@dataclass(frozen=True)
class ServeSettings:
    """[serve]: the front desk's web page (``handouts serve``)."""

    printer: str | None = None  # the queue preselected in the page's Printer list
    host: str | None = None  # another address than 127.0.0.1 to listen on (needs a password)
    port: int = 8765
    #: the access password's hash ("scrypt$<salt hex>$<hash hex>", from handouts serve --hash-password)
    password_hash: str | None = None
    password_env: str = "HANDOUTS_SERVE_PASSWORD"  # or the password itself in this environment variable
    lang: str | None = None  # the page's own language (en or es; default: the browser's)


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    clinic: Clinic = field(default_factory=Clinic)
    email: EmailSettings = field(default_factory=EmailSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    paper: str | None = None
    content: Path | None = None
    locales: Path | None = None
    require_reviewed: bool = False  # refuse languages whose translation is not reviewed


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError("text")
    if any(unsafe_char(ch) for ch in value):
        # a line break in a name could add a line to an email header or a log
        raise TypeError("one line of text, without line breaks or control characters")
    return value.strip()


def _phone_number(value: Any, optional: bool = True) -> str:
    # digits and the signs numbers are written with: every handout font has them, in every script
    if not isinstance(value, str) or not re.fullmatch(r"[0-9+()./ -]{0,30}", value.strip()) or (
            value.strip() and not any(ch.isdigit() for ch in value)):
        raise TypeError('a phone number of digits, spaces and + - ( ) . / (e.g. "112"'
                        + (', or "" to leave the sentence out)' if optional else ")"))
    if not optional and not value.strip():
        raise TypeError('a phone number (e.g. "112"); it cannot be left out')
    return value.strip()


def _emergency_number(value: Any) -> str:
    return _phone_number(value, optional=False)


def parse_paper(value: str | None, where: str = "--paper") -> str | None:
    """A paper as someone wrote it (any case) -> "letter" or "a4"; None stays None. The one
    check of a paper's name: the command line, the config, a CSV row and the web page use it."""
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in PAPERS:
        raise UsageError(f"{where}: unknown paper '{shown(str(value))}'; use letter or a4")
    return value.lower()


def _paper(value: Any) -> str:
    try:
        return parse_paper(value, "paper")
    except UsageError:
        raise TypeError('"letter" or "a4"') from None


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false")
    return value


def _path(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError("a file or folder path")
    if any(unsafe_char(ch) for ch in value):
        raise TypeError("a file or folder path, without line breaks or control characters")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("a whole number, 0 or more")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise TypeError("a number, 0 or more")
    return float(value)


def _port(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise TypeError("a port number, 1 to 65535")
    return value


def _security(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in ("starttls", "tls", "none"):
        raise TypeError('"starttls", "tls" or "none"')
    return value.lower()


def _env_name(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise TypeError("the name of an environment variable, e.g. HANDOUTS_SMTP_PASSWORD")
    return value


def _password_hash(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}", value):
        raise TypeError('a hash made by handouts serve --hash-password ("scrypt$...$...")')
    return value


# section -> key -> (checker, what is expected)
SCHEMA: dict[str, dict[str, Callable[[Any], Any]]] = {
    "clinic": {"name": _text, "phone": _text, "address": _text, "logo": _path,
               "emergency_number": _emergency_number, "crisis_line": _phone_number, "crisis_text": _bool,
               "poison_control": _phone_number},
    "handouts": {"paper": _paper, "content": _path, "locales": _path, "require_reviewed": _bool},
    "email": {"host": _text, "port": _port, "security": _security, "username": _text, "password_env": _env_name,
              "ca_file": _path, "sender": _text, "sender_name": _text, "rate": _int, "retries": _int,
              "backoff": _number, "timeout": _number, "state": _path},
    "serve": {"printer": _text, "host": _text, "port": _port, "password_hash": _password_hash,
              "password_env": _env_name, "lang": _text},
}


def _kind(value: Any) -> str:
    return {str: "text", int: "a number", float: "a number", bool: "true/false", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def load_config(path: Path | None) -> Config:
    """``path`` given: it must exist. Not given: ``./handouts.toml`` if there is one."""
    if path is None:
        candidate = Path.cwd() / CONFIG_NAME
        if not candidate.is_file():
            return Config()
        path = candidate
    where = display_path(Path(path))
    import tomllib  # only when there is a config file to read
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a folder, a pipe or a device: never read
            raise ConfigError(f"{where}: not a file; give the clinic's handouts.toml")
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such config file; check the --config path") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{where}: not valid TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{where}: cannot read: {err}") from None
    values: dict[str, dict[str, Any]] = {}
    for section, content in raw.items():
        if section not in SCHEMA:
            raise ConfigError(f"{where}: [{section}]: unknown section; allowed: {', '.join(SCHEMA)}")
        if not isinstance(content, dict):
            raise ConfigError(f"{where}: {section}: expected a table [{section}], got {_kind(content)}")
        values[section] = {}
        for key, value in content.items():
            check = SCHEMA[section].get(key)
            if check is None and section == "email" and key == "password":
                raise ConfigError(f"{where}: email.password: never put the password in the file; set it in the "
                                  "environment variable named by email.password_env (default HANDOUTS_SMTP_PASSWORD)")
            if check is None:
                raise ConfigError(f"{where}: {section}.{key}: unknown key; allowed: {', '.join(SCHEMA[section])}")
            try:
                values[section][key] = check(value)
            except TypeError as expected:
                raise ConfigError(f"{where}: {section}.{key}: expected {expected}, "
                                  f"got {_kind(value)} {shown(repr(value))}") from None
    base = Path(path).resolve().parent
    clinic = values.get("clinic", {})
    opts = values.get("handouts", {})

    def rel(value: str | None, key: str, folder: bool) -> Path | None:
        if value is None:
            return None
        p = (base / value).resolve()
        ok = p.is_dir() if folder else p.is_file()
        if not ok:
            raise ConfigError(f"{where}: {key}: {'folder' if folder else 'file'} {p} does not exist")
        return p

    return Config(
        path=Path(path),
        clinic=Clinic(
            name=clinic.get("name"), phone=clinic.get("phone"), address=clinic.get("address"),
            logo=rel(clinic.get("logo"), "clinic.logo", folder=False),
            **{k: clinic[k] for k in (*DEFAULT_NUMBERS, "crisis_text") if k in clinic},
        ),
        paper=opts.get("paper"),
        content=rel(opts.get("content"), "handouts.content", folder=True),
        locales=rel(opts.get("locales"), "handouts.locales", folder=True),
        require_reviewed=opts.get("require_reviewed", False),
        email=_email_settings(values.get("email", {}), rel, base),
        serve=ServeSettings(**values.get("serve", {})),
    )


def _email_settings(e: dict[str, Any], rel, base: Path) -> EmailSettings:
    # (not resolved: a state folder that is a symbolic link must be seen, and refused)
    state = Path(os.path.abspath(base / e["state"])) if e.get("state") else None
    return EmailSettings(
        host=e.get("host"), port=e.get("port"), security=e.get("security", "starttls"),
        username=e.get("username"), password_env=e.get("password_env", "HANDOUTS_SMTP_PASSWORD"),
        ca_file=rel(e.get("ca_file"), "email.ca_file", folder=False),
        sender=e.get("sender"), sender_name=e.get("sender_name"), rate=e.get("rate", 0),
        retries=e.get("retries", 3), backoff=e.get("backoff", 2.0), timeout=e.get("timeout", 30.0), state=state,
    )


def paper_locale(environ: dict[str, str] | None = None) -> str | None:
    """The locale that decides the paper: the first of LC_ALL, LC_PAPER and LANG that is set."""
    env = os.environ if environ is None else environ
    return next((value for var in ("LC_ALL", "LC_PAPER", "LANG") if (value := env.get(var))), None)


def locale_territory(locale: str | None) -> tuple[str | None, bool]:
    """A locale's territory, and whether the locale names it: ``en_US.UTF-8`` -> ('US', True);
    ``en.UTF-8`` -> ('US', False) (CLDR's likely territory); ``C.UTF-8``, ``POSIX`` -> (None, False)."""
    if not locale:
        return None, False
    name = locale.split(".")[0].split("@")[0]
    if name in ("C", "POSIX"):
        return None, False
    parts = name.replace("-", "_").split("_")
    if len(parts) > 1 and parts[1].isalpha() and len(parts[1]) == 2:
        return parts[1].upper(), True
    try:
        # (Babel, 6 ms and its locale data: only when no paper is set)
        from babel import Locale

        return Locale.parse(parts[0]).territory or likely_territory(parts[0]), False
    except (ValueError, LookupError):
        return None, False


def machine_territory(environ: dict[str, str] | None = None) -> str | None:
    """The territory of the machine's paper locale (LC_ALL, LC_PAPER, LANG), e.g. 'US'."""
    return locale_territory(paper_locale(environ))[0]


def likely_territory(language: str) -> str | None:
    # (Babel: see locale_territory)
    from babel.core import get_global

    likely = get_global("likely_subtags").get(language)
    return likely.split("_")[-1] if likely else None


def paper_for(territory: str | None) -> str:
    """CLDR: US-Letter in the US, Canada, Mexico, the Philippines and a few more; A4 elsewhere."""
    return "letter" if territory in LETTER_TERRITORIES else "a4"


def default_paper(environ: dict[str, str] | None = None) -> str:
    """The paper of the machine's locale (see :func:`paper_for`)."""
    return paper_for(machine_territory(environ))
