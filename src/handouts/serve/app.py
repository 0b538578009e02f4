"""The front desk's page: make, preview, download, print and email a handout; the languages
and their translation status; the routes of every page (the batch's in :mod:`.batches`).

Server-rendered forms that work without JavaScript; one small script of our own streams a
batch's progress (server-sent events) where scripts run. Every library call is the one the
command line makes: :func:`handouts.handout.make_handout`, :func:`handouts.deliver.mail.email_handout`,
:func:`handouts.deliver.batch.run_batch`, :func:`handouts.deliver.printer.send_to_printer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request as WebRequest
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from handouts.config import Config
from handouts.deliver import mail
from handouts.deliver.printer import job_number, send_to_printer
from handouts.errors import HandoutsError
from handouts.handout import make_handout
from handouts.resources import templates_dir
from handouts.serve import batches, security
from handouts.serve.forms import MakeForm, read_make_form
from handouts.serve.guard import Guard
from handouts.serve.page import Page, print_queues
from handouts.serve.previews import Preview
from handouts.serve.warmup import FontWarmup

STATIC = {"style.css": "text/css; charset=utf-8", "batch.js": "text/javascript; charset=utf-8"}


async def make_page(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    printers, printer_error = print_queues(page)
    values = {"lang": "en", "printer": page.config.serve.printer or ""}
    return page.render(request, "make.html.j2", form=MakeForm(values), printers=printers,
                       printer_error=printer_error, drugs=page.drugs, languages=page.languages)


async def make_post(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    posted = await page.form(request)
    action = posted.get("action", "preview")
    form = read_make_form(posted, page.config, page.drug_dirs, page.catalog_dirs)
    answer: dict[str, Any] = {}
    status = 200
    if form.request is not None:
        waiting = page.warmup.waiting_for(form.request.lang)
        if waiting:
            answer["waiting"] = waiting
        else:
            try:
                answer.update(await asyncio.to_thread(_act, page, form, action))
            except HandoutsError as err:
                answer["failure"] = err.message
                status = 422
            if isinstance(answer.get("download"), Response):
                return answer["download"]
    if form.errors:
        status = 422
    form.values["pdf_password"] = ""  # never sent back to the browser
    printers, printer_error = print_queues(page)  # (lpstat: only for a page, not for a download)
    return page.render(request, "make.html.j2", status=status, form=form, printers=printers,
                       printer_error=printer_error, drugs=page.drugs, languages=page.languages, **answer)


def _act(page: Page, form: MakeForm, action: str) -> dict[str, Any]:
    req = form.request
    if action == "email":
        if not form.values["to"]:
            form.errors["to"] = "missing; write the patient's email address"
            return {}
        settings = mail.settings_from(page.config)
        try:
            done = mail.email_handout(req, form.values["to"], settings=settings,
                                      pdf_password=form.values["pdf_password"] or None)
        except mail.AddressError as err:
            form.errors["to"] = err.message.removeprefix("--to: ")
            return {}
        except HandoutsError as err:
            if err.message.startswith("--to: "):
                form.errors["to"] = err.message.removeprefix("--to: ")
                return {}
            raise
        report = done.report
        if report.already:
            return {"sent": "already"}
        if report.sent:
            return {"sent": "sent"}
        problem = next(iter({**report.deferred, **report.failed}.values()), "") or "it may have been sent"
        return {"failure": f"not sent: {problem}"}
    result = make_handout(req)
    if action == "download":
        response = Response(result.pdf, media_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{result.filename}"'})
        return {"download": response}
    if action == "print":
        printer = form.values["printer"]
        if not printer:
            form.errors["printer"] = "choose a printer"
            return {}
        with tempfile.TemporaryDirectory(prefix="handouts-print-") as folder:
            path = Path(folder) / result.filename
            path.write_bytes(result.pdf)
            os.chmod(path, 0o600)
            reply = send_to_printer(path, printer)
        return {"printed": {"printer": printer, "job": job_number(reply)}}
    preview = Preview(result.pdf)
    token = page.previews.put(preview)
    return {"preview": {"token": token, "pages": preview.pages}, "result": result}


async def preview_picture(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    preview = page.previews.get(request.path_params["token"])
    n = request.path_params["n"]
    if preview is None or not 1 <= n <= preview.pages:
        raise HTTPException(404, "this preview has expired; press Preview again")
    return Response(await asyncio.to_thread(preview.picture, n), media_type="image/png")


# ---------------------------------------------------------------------- languages

async def languages_page(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    from handouts.status import drug_language_status

    def table():
        return [(drug, [drug_language_status(drug, lang.tag, page.drug_dirs, page.catalog_dirs)
                        for lang in page.languages]) for drug in page.drugs]

    if page.last_check is None:
        page.start_check()
    return page.render(request, "languages.html.j2", languages=page.languages, table=await asyncio.to_thread(table),
                       last_check=page.last_check, checking=page.checking)


async def languages_check(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    await page.form(request)
    page.start_check()
    return RedirectResponse("/languages", status_code=303)


# ---------------------------------------------------------------------- the rest

async def static(request: WebRequest) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        raise HTTPException(404, "no such file")
    return Response((templates_dir() / "web" / name).read_bytes(), media_type=STATIC[name],
                    headers={"Cache-Control": "max-age=3600"})


async def login_page(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    return page.render(request, "login.html.j2")


async def login_post(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    posted = await page.form(request)
    if not page.access.check(str(posted.get("password", ""))):
        return page.render(request, "login.html.j2", status=403, login_error="wrong password")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(security.SESSION_COOKIE, page.access.session(), httponly=True, samesite="strict", path="/")
    return response


async def _error(request: WebRequest, exc: HTTPException) -> Response:
    return PlainTextResponse(f"{exc.status_code}: {exc.detail}", status_code=exc.status_code)


def create_app(config: Config, host: str = "127.0.0.1", port: int = 8765, warmup: FontWarmup | None = None):
    page = Page(config, host, port, warmup)
    routes = [
        Route("/", make_page, methods=["GET"]),
        Route("/", make_post, methods=["POST"]),
        Route("/preview/{token}/{n:int}.png", preview_picture),
        Route("/batch", batches.batch_page, methods=["GET"]),
        Route("/batch", batches.batch_check, methods=["POST"]),
        Route("/batch/{token}", batches.batch_status, methods=["GET"]),
        Route("/batch/{token}/make", batches.batch_make, methods=["POST"]),
        Route("/batch/{token}/events", batches.batch_events),
        Route("/batch/{token}/print.pdf", batches.batch_print_file),
        Route("/batch/{token}/print", batches.batch_print, methods=["POST"]),
        Route("/batch/{token}/email", batches.batch_email, methods=["POST"]),
        Route("/languages", languages_page, methods=["GET"]),
        Route("/languages/check", languages_check, methods=["POST"]),
        Route("/static/{name}", static),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        page.previews.clear()  # a batch's private folder is removed with it
        page.batches.clear()

    app = Starlette(routes=routes, exception_handlers={HTTPException: _error}, lifespan=lifespan)
    app.state.page = page
    return Guard(app, page), page
