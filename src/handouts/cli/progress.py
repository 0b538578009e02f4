"""How ``handouts batch`` shows a running batch: a progress bar on a terminal, plain lines in a
log. It draws the :class:`handouts.deliver.batch.Progress` events; never a patient's name."""

from __future__ import annotations

import typer

from handouts.deliver.batch import Progress


class BatchProgressBar:
    def __init__(self, tty: bool, printer: str | None = None):
        self.tty, self.printer = tty, printer
        self._bar = None
        self._task = None

    def __enter__(self) -> "BatchProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    def _start(self, total: int) -> None:
        if self.tty and total:
            from rich.console import Console  # (Rich: only on a terminal)
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("handouts"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            transient=True, console=Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task("batch", total=total)

    def _stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def _error_line(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        else:
            typer.echo(text, err=True)

    def __call__(self, event: Progress) -> None:
        if event.kind == "note":
            self._error_line(f"handouts: {event.text}")
        elif event.kind == "start":
            self._start(event.total)
        elif event.kind == "row":
            if self._bar is not None:
                self._bar.advance(self._task)
                if event.text not in ("made", "up to date"):
                    self._error_line(event.text)
                if event.done == event.total:
                    self._stop()
            elif event.text in ("made", "up to date"):
                typer.echo(f"[{event.done}/{event.total}] row {event.row}: {event.text} {event.file}")
            # (without a bar, errors are listed at the end, in row order)
        else:
            self._stop()
            if event.kind == "print-file":
                typer.echo(f"print file: {event.text} ({event.done} pages)")
            elif event.kind == "printer":
                typer.echo(f"sent to {self.printer}: {event.text}")
            elif event.kind == "email":
                typer.echo(event.text)
