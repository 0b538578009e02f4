"""The front desk's page: make, preview, download, print and email a handout; check and run a
day's batch with its progress; the languages and their translation status.

Server-rendered forms that work without JavaScript; one small script of our own streams a
batch's progress (server-sent events) where scripts run. Every library call is the one the
command line makes: :func:`handouts.handout.make_handout`, :func:`handouts.deliver.mail.email_handout`,
:func:`handouts.deliver.batch.run_batch`, :func:`handouts.deliver.printer.send_to_printer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request as WebRequest
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from handouts import i18n
from handouts.config import Config
from handouts.deliver import mail
from handouts.deliver.batch import BatchOptions, EmailOptions, Options, Progress, email_rows, run_batch
from handouts.deliver.printer import printer_queues, send_to_printer
from handouts.deliver.rows import check_rows, read_csv_bytes
from handouts.errors import HandoutsError
from handouts.handout import make_handout
from handouts.i18n.catalog import Lookups, Translator, load_catalog
from handouts.i18n.names import english_name
from handouts.locate import available_drugs
from handouts.render.markup import environment
from handouts.resources import locales_dir, templates_dir
from handouts.serve import security
from handouts.serve.forms import MakeForm, read_make_form
from handouts.serve.previews import Preview
from handouts.serve.store import Store
from handouts.serve.warmup import FontWarmup

MAX_UPLOAD = 5 * 1024 * 1024  # bytes of a CSV
PAGE_LANGUAGES = ("en", "es")
STATIC = {"style.css": "text/css; charset=utf-8", "batch.js": "text/javascript; charset=utf-8"}


@dataclass
class Language:
    tag: str
    own: str  # its name in itself
    english: str
    draft: bool


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


class Page:
    """The server's state: the clinic's config, the languages, what was made for browsers."""

    def __init__(self, config: Config, host: str, port: int, warmup: FontWarmup | None = None):
        self.config = config
        self.host, self.port = host, port
        self.hosts = security.allowed_hosts(host, port)
        self.access = security.Access(config.serve)
        self.drug_dirs, self.catalog_dirs = _dirs(config)
        self.drugs = available_drugs(self.drug_dirs)
        self.languages = _languages(self.catalog_dirs)
        self.env = environment((templates_dir(),))
        self.previews = Store()
        self.batches = Store()
        self.warmup = warmup or FontWarmup(None)
        self._translators: dict[str, Translator] = {}
        self.last_check: dict[str, Any] | None = None  # the last `handouts check --no-layout`
        self.checking = False
        self._check_lock = threading.Lock()

    def start_check(self) -> None:
        """Run `handouts check --no-layout` in the background (3 s); the Languages page shows it."""
        with self._check_lock:
            if self.checking:
                return
            self.checking = True
        threading.Thread(target=self._check, daemon=True).start()

    def _check(self) -> None:
        import datetime as _dt

        from handouts import check as _check  # (textstat and the checks: loaded for this only)

        try:
            report = _check.run(config=self.config, layout=False)
            problems = sorted(report.problems, key=lambda p: (p.level != "error", p.where))
            self.last_check = {
                "at": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "errors": len(report.errors),
                "warnings": len(report.warnings), "lines": [(p.level, str(p)) for p in problems],
                "cells": {(p.drug, p.lang): 1 for p in report.errors if p.drug and p.lang},
            }
        except Exception as err:  # noqa: BLE001 - shown on the page; the content has no patient data
            self.last_check = {"at": "", "errors": 1, "warnings": 0, "cells": {},
                               "lines": [("error", f"the check could not run: {err.__class__.__name__}")]}
        finally:
            self.checking = False

    # ------------------------------------------------------------------ rendering a page

    def page_lang(self, request: WebRequest) -> str:
        if self.config.serve.lang in PAGE_LANGUAGES:
            return self.config.serve.lang
        for part in request.headers.get("accept-language", "").split(","):
            tag = part.split(";")[0].strip().lower()[:2]
            if tag in PAGE_LANGUAGES:
                return tag
        return "en"

    def translator(self, lang: str) -> Translator:
        if lang not in self._translators:
            path = locales_dir() / lang / "LC_MESSAGES" / "web.po"
            self._translators[lang] = Translator(lang, [load_catalog(path, lang)] if path.is_file() else [])
        return self._translators[lang]

    def render(self, request: WebRequest, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        lang = self.page_lang(request)
        token = request.cookies.get(security.CSRF_COOKIE) or security.new_token()
        html = self.env.get_template(f"web/{template}").render(
            _translator=Lookups(self.translator(lang)), page_lang=lang, csrf=token, path=request.url.path,
            clinic=self.config.clinic.name or "", preparing=self.warmup.preparing(), **values)
        response = HTMLResponse(html, status_code=status)
        if request.cookies.get(security.CSRF_COOKIE) != token:
            response.set_cookie(security.CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    async def form(self, request: WebRequest) -> dict[str, Any]:
        """The posted form, after its CSRF token (403 without it)."""
        if int(request.headers.get("content-length") or 0) > MAX_UPLOAD + 64 * 1024:
            raise HTTPException(413, "the file is larger than 5 MB; split the CSV into smaller ones")
        form = await request.form(max_files=1, max_fields=100, max_part_size=MAX_UPLOAD + 1)
        if not security.same_token(request.cookies.get(security.CSRF_COOKIE), form.get("csrf")):
            raise HTTPException(403, "this form has expired or did not come from this page; reload the page and "
                                     "try again")
        return dict(form)


def _dirs(config: Config):
    from handouts.handout import resolve_dirs

    return resolve_dirs(config)


def _languages(catalog_dirs: list[Path]) -> list[Language]:
    out = []
    for tag in i18n.available_languages(catalog_dirs):
        paths = [] if tag == i18n.SOURCE_LANGUAGE else i18n.catalog_paths(tag, catalog_dirs)
        draft = bool(paths) and not load_catalog(paths[0], tag).review.reviewed
        own = i18n.language_name(tag)
        out.append(Language(tag, own[:1].upper() + own[1:], english_name(tag), draft))
    return sorted(out, key=lambda lang: (lang.tag != i18n.SOURCE_LANGUAGE, lang.english))


# ---------------------------------------------------------------------- make a handout

def _printers(page: Page) -> tuple[list[str], str | None]:
    try:
        return printer_queues(), None
    except HandoutsError as err:
        return [], err.message


async def make_page(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    printers, printer_error = _printers(page)
    values = {"lang": "en", "printer": page.config.serve.printer or ""}
    return page.render(request, "make.html.j2", form=MakeForm(values), printers=printers,
                       printer_error=printer_error, drugs=page.drugs, languages=page.languages)


async def make_post(request: WebRequest) -> Response:
    page: Page = request.app.state.page
    posted = await page.form(request)
    action = posted.get("action", "preview")
    form = read_make_form(posted, page.config, page.drug_dirs, page.catalog_dirs)
    printers, printer_error = _printers(page)
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
    else:
        status = 422
    form.values["pdf_password"] = ""  # never sent back to the browser
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
        job = reply.split()[3] if reply.startswith("request id is ") else reply
        return {"printed": {"printer": printer, "job": job.rsplit("-", 1)[-1]}}
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


# ---------------------------------------------------------------------- batch

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
            job = reply.split()[3] if reply.startswith("request id is ") else reply
            state["printed"] = {"printer": posted["printer"], "job": job.rsplit("-", 1)[-1]}
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
    printers, printer_error = _printers(page)
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


class Guard:
    """Every request: a known Host header (400), the access password when one is set (the
    login page), and the page's security headers."""

    def __init__(self, app, page: Page):
        self.app, self.page = app, page

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "").lower() not in self.page.hosts:
            return await _plain(send, 400, "400: unknown Host header; open the page at http://127.0.0.1:"
                                           f"{self.page.port}/")
        if self.page.access.required and scope["path"] not in ("/login", "/static/style.css"):
            cookies = WebRequest(scope).cookies
            if not self.page.access.valid(cookies.get(security.SESSION_COOKIE)):
                await send({"type": "http.response.start", "status": 303,
                            "headers": [(b"location", b"/login"), *_security_headers()]})
                return await send({"type": "http.response.body", "body": b""})

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_security_headers()]
            await send(message)

        return await self.app(scope, receive, with_headers)


def _security_headers() -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode(), v.encode()) for k, v in security.HEADERS.items()]


async def _plain(send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), *_security_headers()]})
    await send({"type": "http.response.body", "body": text.encode()})


def create_app(config: Config, host: str = "127.0.0.1", port: int = 8765, warmup: FontWarmup | None = None):
    page = Page(config, host, port, warmup)
    routes = [
        Route("/", make_page, methods=["GET"]),
        Route("/", make_post, methods=["POST"]),
        Route("/preview/{token}/{n:int}.png", preview_picture),
        Route("/batch", batch_page, methods=["GET"]),
        Route("/batch", batch_check, methods=["POST"]),
        Route("/batch/{token}", batch_status, methods=["GET"]),
        Route("/batch/{token}/make", batch_make, methods=["POST"]),
        Route("/batch/{token}/events", batch_events),
        Route("/batch/{token}/print.pdf", batch_print_file),
        Route("/batch/{token}/print", batch_print, methods=["POST"]),
        Route("/batch/{token}/email", batch_email, methods=["POST"]),
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
