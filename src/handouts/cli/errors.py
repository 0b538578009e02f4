"""Errors on the command line: one line on standard error and an exit code, never a traceback
(``HANDOUTS_DEBUG=1`` shows it) and never a detail that could hold a patient's data."""

from __future__ import annotations

import os
import sys
import traceback

import typer

from handouts.errors import HandoutsError, one_line, shown


def _fail(message: str, code: int, details: list[str] | None = None) -> None:
    # whatever a message holds (a path, a value someone typed), it stays one line on a terminal
    typer.echo(f"handouts: error: {one_line(message)}", err=True)
    for line in details or []:
        typer.echo(f"  {one_line(line)}", err=True)
    sys.exit(code)


def _where(err: BaseException) -> str:
    """The place in handouts' own code where an unexpected error came from (file:line)."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "handouts" in f.filename.replace("\\", "/")]
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{frame.filename.replace(chr(92), '/').rsplit('/handouts/', 1)[-1]}:{frame.lineno}"


def run(app, argv: list[str] | None = None) -> None:
    """Run the command line ``app``; every error is one line on standard error and an exit code."""
    try:
        rv = app(args=argv, prog_name="handouts", standalone_mode=False)
    except HandoutsError as err:
        details = err.details if len(err.details) > 1 else []
        _fail(err.message, err.exit_code, details)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:  # the reader of the output went away (| head): nothing more to say
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        finally:
            sys.exit(1)
    except Exception as err:
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):  # the parser's own usage errors
            ctx = getattr(err, "ctx", None)
            where = getattr(ctx, "command_path", "handouts") if ctx else "handouts"
            _fail(f"{err.format_message()} (see '{where} --help')", int(err.exit_code))
        if type(err).__name__ == "Abort":
            _fail("aborted", 1)
        if os.environ.get("HANDOUTS_DEBUG"):
            raise
        if isinstance(err, ImportError):  # a broken installation
            _fail(f"a package handouts needs cannot be loaded ({shown(err, 100)}); reinstall handouts "
                  "(pip install --force-reinstall handouts)", 1)
        if isinstance(err, OSError) and err.strerror:
            _fail(f"{err.strerror}; check the files and folders given, and the free disk space", 1)
        # a fault of handouts itself: one line, and no detail that could hold a patient's data
        _fail(f"internal error ({err.__class__.__name__} at {_where(err)}); nothing was written. Please report "
              "it with the command you ran (set HANDOUTS_DEBUG=1 to see the details)", 70)
    sys.exit(rv if isinstance(rv, int) else 0)
