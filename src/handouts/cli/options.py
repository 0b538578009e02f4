"""The command line's option blocks, each defined once.

A command names a block as a parameter's default (``personal=PERSONAL``); :func:`blocks`
puts the block's options in that place of the command's signature, and hands the command one
value made from them (a :class:`Personal`, the folders and config, ...).
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from handouts.config import Config, load_config, parse_paper
from handouts.errors import UsageError
from handouts.personal import FieldError, personal_from_fields


class Block:
    """Options that several commands take; ``make`` turns their values into one value."""

    def __init__(self, make: Callable[..., Any], **options: tuple[Any, Any]):
        self.make = make
        self.options = options  # name -> (type, typer.Option(...))

    def parameters(self) -> list[inspect.Parameter]:
        return [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=info, annotation=kind)
                for name, (kind, info) in self.options.items()]


def blocks(command: Callable) -> Callable:
    """``command`` with each parameter whose default is a :class:`Block` replaced by the block's options."""
    hints = typing.get_type_hints(command)
    params: list[inspect.Parameter] = []
    used: dict[str, Block] = {}
    for p in inspect.signature(command).parameters.values():
        if isinstance(p.default, Block):
            used[p.name] = p.default
            params += p.default.parameters()
        else:
            params.append(p.replace(annotation=hints.get(p.name, p.annotation)))

    @functools.wraps(command)
    def run(**values: Any) -> Any:
        for name, block in used.items():
            values[name] = block.make(**{option: values.pop(option) for option in block.options})
        return command(**values)

    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run.__annotations__ = {}
    return run


# ------------------------------------------------------------------------------ the blocks

@dataclass(frozen=True)
class Folders:
    config: Config
    content_dirs: tuple[Path, ...]
    locales_dirs: tuple[Path, ...]

    def request(self) -> dict[str, Any]:
        """As :class:`handouts.handout.Request`'s fields."""
        return {"config": self.config, "content_dirs": self.content_dirs, "locales_dirs": self.locales_dirs}


def _folders(content: Path | None, locales: Path | None, config: Path | None) -> Folders:
    return Folders(load_config(config), tuple(p for p in [content] if p), tuple(p for p in [locales] if p))


FOLDERS = Block(
    _folders,
    content=(Optional[Path], typer.Option(
        None, "--content", metavar="DIR",
        help="A folder of the clinic's own drug files (YAML); they add to or override the shipped ones.")),
    locales=(Optional[Path], typer.Option(
        None, "--locales", metavar="DIR",
        help="A folder of the clinic's own translation catalogs (locales/<ll>/LC_MESSAGES/messages.po).")),
    config=(Optional[Path], typer.Option(
        None, "--config", metavar="FILE",
        help="The clinic's handouts.toml (default: ./handouts.toml if there is one).")),
)


def _handout(paper: str | None, large_print: bool, allow_fallback: bool, require_reviewed: bool) -> dict[str, Any]:
    return {"paper": parse_paper(paper), "large_print": large_print, "allow_fallback": allow_fallback,
            "require_reviewed": require_reviewed}


#: what every handout of a command gets (as Request's fields)
HANDOUT = Block(
    _handout,
    paper=(Optional[str], typer.Option(
        None, "--paper", metavar="letter|a4",
        help="The clinic's paper (default: the config, else the machine's locale).")),
    large_print=(bool, typer.Option(False, "--large-print", help="Large print: body text 18 pt.")),
    allow_fallback=(bool, typer.Option(
        False, "--allow-fallback",
        help="Print missing or stale translations in English, each marked [EN], with a notice on page 1.")),
    require_reviewed=(bool, typer.Option(
        False, "--require-reviewed",
        help="Refuse a translation that a qualified translator has not reviewed "
             "(also: require_reviewed in the config).")),
)


def _personal(**fields: str | None):
    try:
        return personal_from_fields(fields) or None
    except FieldError as err:
        raise UsageError(f"--{err.field}: {err.reason}") from None


#: the patient and the dose: a personal handout
PERSONAL = Block(
    _personal,
    patient=(Optional[str], typer.Option(None, "--patient", metavar="NAME",
                                         help="The patient's name, printed at the top.")),
    prescriber=(Optional[str], typer.Option(None, "--prescriber", metavar="NAME",
                                            help="Who prescribed it, printed at the top.")),
    dose=(Optional[str], typer.Option(None, "--dose", metavar="AMOUNT",
                                      help="How much per dose, e.g. 1, 0.5 or 5 "
                                           "(with --form and --times: a dose chart).")),
    form=(Optional[str], typer.Option(None, "--form", metavar="FORM", help="tablet, capsule, ml or packet.")),
    times=(Optional[str], typer.Option(None, "--times", metavar="N|TIMES",
                                       help="Times a day (e.g. 3) or times of day: morning,noon,evening,bedtime.")),
    food=(Optional[str], typer.Option(None, "--food", metavar="with|without|either",
                                      help="Take it with food, without, or either.")),
    start=(Optional[str], typer.Option(None, "--start", metavar="YYYY-MM-DD", help="The day to start taking it.")),
    strength=(Optional[str], typer.Option(
        None, "--strength", metavar="STRENGTH",
        help='The strength of one tablet, capsule or packet, or of the liquid: "25 mg", "5 mg/mL".')),
    schedule=(Optional[str], typer.Option(
        None, "--schedule", metavar="STEPS",
        help='A dose that changes (build-up or taper), in place of --dose and --times: steps '
             '"DOSE TIMES DURATION; ..." (DURATION 10d or 2w; the last step may go on), e.g. '
             '"1 1 2w; 2 1 2w; 2 morning,bedtime". With --form and --start: step dates and a calendar.')),
)


@dataclass(frozen=True)
class Sending:
    dry_run: Path | None
    resend: bool
    state: Path | None
    insecure: bool

    @property
    def any(self) -> bool:
        return bool(self.dry_run or self.resend or self.state or self.insecure)


#: how emails are sent (handouts email, handouts batch --email)
SENDING = Block(
    lambda dry_run, resend, state, insecure_smtp: Sending(dry_run, resend, state, insecure_smtp),
    dry_run=(Optional[Path], typer.Option(None, "--dry-run", metavar="DIR",
                                          help="Write each message as an .eml file here; send nothing.")),
    resend=(bool, typer.Option(False, "--resend", help="Send again a handout the ledger says was sent.")),
    state=(Optional[Path], typer.Option(None, "--state", metavar="DIR", help="Folder of the send ledger (default: "
                                        "email.state, else .handouts-state next to the output).")),
    insecure_smtp=(bool, typer.Option(
        False, "--insecure-smtp",
        help="Allow plain, unencrypted SMTP (email.security = none), for a local relay only.")),
)


def parse_date(value: str | None, option: str = "--date") -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: '{value}' is not a date; use YYYY-MM-DD, e.g. 2026-11-23") from None
