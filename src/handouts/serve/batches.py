"""The Batch page: an uploaded CSV checked row by row, then made in a thread of the server
with its progress as server-sent events; its print file, Print all and Email all."""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request as WebRequest
from starlette.responses import RedirectResponse, Response, StreamingResponse

from handouts.deliver import mail
from handouts.deliver.batch import BatchOptions, EmailOptions, Options, Progress, email_rows, run_batch
from handouts.deliver.printer import job_number, send_to_printer
from handouts.deliver.rows import check_rows, read_csv_bytes
from handouts.errors import HandoutsError
from handouts.serve.page import MAX_UPLOAD, Page, print_queues


@dataclass
class Batch:
    rows: list
    folder: Path  # private, removed with the batch
    checked: Any = None  # (jobs, outcome)
    events: list[Progress] = field(default_factory=list)
    done: bool = False
    total: int = 0
    made: int = 0
    result: Any = None
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


async def batch_page(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    return page.render(request, "batch.html.j2")


async def batch_check(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    posted = await page.form(request)
    upload = posted.get("csv")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page.render(request, "batch.html.j2", status=422, csv_error="choose the CSV file of the day")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return page.render(request, "batch.html.j2", status=413,
                           csv_error="the file is larger than 5 MB; split the CSV into smaller ones")
    try:
        rows = read_csv_bytes(data, Path(upload.filename).name)
    except HandoutsError as err:
        return page.render(request, "batch.html.j2", status=422, csv_error=err.message)
    folder = Path(tempfile.mkdtemp(prefix="handouts-batch-"))  # 0700
    batch = Batch(rows=rows, folder=folder)
    options = Options(out=folder / "handouts", config=page.config)
    batch.checked = await asyncio.to_thread(check_rows, rows, options)
    token = page.batches.put(batch)
    jobs, outcome, _note = batch.checked
    return page.render(request, "batch.html.j2", token=token, good=len(jobs),
                       failed=[outcome.failed[r] for r in sorted(outcome.failed)], blank=len(outcome.blank))


def _batch(page: Page, request: WebRequest) -> Batch:
    batch = page.batches.get(request.path_params["token"])
    if batch is None:
        raise HTTPException(404, "this batch has expired; upload the CSV again")
    return batch


async def batch_make(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    await page.form(request)
    batch = _batch(page, request)
    with batch.lock:
        started = batch.result is not None or batch.total or batch.events
    if not started:
        options = BatchOptions(rows=Options(out=batch.folder / "handouts", config=page.config),
                               print_file=batch.folder / "print.pdf")
        threading.Thread(target=_run, args=(batch, options), daemon=True).start()
    return RedirectResponse(f"/batch/{request.path_params['token']}", status_code=303)


def _run(batch: Batch, options: BatchOptions) -> None:
    def progress(event: Progress) -> None:
        with batch.lock:
            batch.events.append(event)
            if event.kind == "start":
                batch.total = event.total
            elif event.kind == "row":
                batch.made = event.done

    try:
        result = run_batch(batch.rows, options, progress)
    except HandoutsError as err:
        result, batch.error = None, err.message
    except Exception as err:  # noqa: BLE001 - reported on the page; no row's data in it
        result, batch.error = None, f"internal error ({err.__class__.__name__}); nothing more was made"
    with batch.lock:
        batch.result = result
        batch.done = True


async def batch_status(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    return await _batch_page(request, page, _batch(page, request))


def _state(batch: Batch) -> dict[str, Any]:
    with batch.lock:
        result = batch.result
        failed = [result.outcome.failed[r] for r in sorted(result.outcome.failed)] if result else []
        return {"done": batch.done, "total": batch.total, "made": batch.made, "failed": failed,
                "error": batch.error, "has_print_file": bool(result and result.print_file),
                "summary": result.outcome.summary() if result else ""}


async def batch_events(request: WebRequest) -> Response:
    """Server-sent events: the counts as they change, then "done"."""
    page: Page = request.app.state.page
    batch = _batch(page, request)

    async def stream():
        last = None
        while True:
            state = _state(batch)
            now = (state["made"], state["total"], state["done"])
            if now != last:
                last = now
                yield f"data: {json.dumps({k: state[k] for k in ('made', 'total', 'done', 'summary')})}\n\n"
            if state["done"] or await request.is_disconnected():
                return
            await asyncio.sleep(0.2)

    return StreamingResponse(stream(), media_type="text/event-stream")


async def batch_print(request: WebRequest) -> Response:
    """Print all: the batch's print file to the chosen queue."""
    page: Page = request.app.state.page
    posted = await page.form(request)
    batch = _batch(page, request)
    state: dict[str, Any] = {}
    if not batch.done or batch.result is None or not batch.result.print_file:
        state["action_error"] = "no print file yet: the batch has not finished or made nothing"
    elif not posted.get("printer"):
        state["action_error"] = "choose a printer"
    else:
        try:
            reply = await asyncio.to_thread(send_to_printer, batch.result.print_file, str(posted["printer"]))
            state["printed"] = {"printer": posted["printer"], "job": job_number(reply)}
        except HandoutsError as err:
            state["action_error"] = err.message
    return await _batch_page(request, page, batch, **state)


async def batch_email(request: WebRequest) -> Response:
    """Email all: each made handout to its row's address, at most once (the send ledger)."""
    page: Page = request.app.state.page
    await page.form(request)
    batch = _batch(page, request)
    state: dict[str, Any] = {}
    if not batch.done or batch.result is None:
        state["action_error"] = "the batch has not finished"
    else:
        try:
            report = await asyncio.to_thread(_email_all, page, batch)
            state["mailed"] = report.summary().removeprefix("email: ")
        except HandoutsError as err:
            state["action_error"] = err.message
    return await _batch_page(request, page, batch, **state)


def _email_all(page: Page, batch: Batch):
    settings = mail.settings_from(page.config)
    mail.check_settings(settings, False, False)
    options = Options(out=batch.folder / "handouts", config=page.config, email=True)
    jobs, _outcome, _note = check_rows(batch.rows, options)
    return email_rows(jobs, batch.result.outcome, EmailOptions(settings=settings), Path.cwd())


async def _batch_page(request: WebRequest, page: Page, batch: Batch, **extra: Any) -> Response:
    printers, printer_error = print_queues(page)
    return page.render(request, "batch_run.html.j2", token=request.path_params["token"], printers=printers,
                       printer_error=printer_error, default_printer=page.config.serve.printer or "",
                       **_state(batch), **extra)


async def batch_print_file(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    batch = _batch(page, request)
    if not batch.done or batch.result is None or not batch.result.print_file:
        raise HTTPException(404, "no print file yet: the batch has not finished or made nothing")
    return Response(batch.result.print_file.read_bytes(), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="handouts-print.pdf"'})
