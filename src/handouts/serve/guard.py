"""Every request passes here first: a known Host header (400 otherwise: no DNS rebinding),
the access password when one is set (the sign-in page), and the page's security headers."""

from __future__ import annotations

from starlette.requests import Request as WebRequest

from handouts.serve import security
from handouts.serve.page import Page


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
