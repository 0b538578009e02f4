"""The page's state, shared by every route: the clinic's config, the languages, the page's
own translations, what was made for browsers, the last check; and rendering a page with its
CSRF token."""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request as WebRequest
from starlette.responses import HTMLResponse

from handouts import i18n
from handouts.config import Config
from handouts.deliver.printer import printer_queues
from handouts.errors import HandoutsError
from handouts.handout import resolve_dirs
from handouts.i18n.catalog import Lookups, Translator, load_catalog
from handouts.i18n.names import english_name
from handouts.locate import available_drugs
from handouts.render.markup import environment
from handouts.resources import locales_dir, templates_dir
from handouts.serve import security
from handouts.serve.store import Store
from handouts.serve.warmup import FontWarmup

MAX_UPLOAD = 5 * 1024 * 1024  # bytes of a CSV
PAGE_LANGUAGES = ("en", "es")


@dataclass
class Language:
    tag: str
    own: str  # its name in itself
    english: str
    draft: bool



class Page:
    """The server's state: the clinic's config, the languages, what was made for browsers."""

    def __init__(self, config: Config, host: str, port: int, warmup: FontWarmup | None = None):
        self.config = config
        self.host, self.port = host, port
        self.hosts = security.allowed_hosts(host, port)
        self.access = security.Access(config.serve)
        self.drug_dirs, self.catalog_dirs = resolve_dirs(config)
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


def _languages(catalog_dirs: list[Path]) -> list[Language]:
    out = []
    for tag in i18n.available_languages(catalog_dirs):
        paths = [] if tag == i18n.SOURCE_LANGUAGE else i18n.catalog_paths(tag, catalog_dirs)
        draft = bool(paths) and not load_catalog(paths[0], tag).review.reviewed
        own = i18n.language_name(tag)
        out.append(Language(tag, own[:1].upper() + own[1:], english_name(tag), draft))
    return sorted(out, key=lambda lang: (lang.tag != i18n.SOURCE_LANGUAGE, lang.english))


def print_queues(page: Page) -> tuple[list[str], str | None]:
    try:
        return printer_queues(), None
    except HandoutsError as err:
        return [], err.message
