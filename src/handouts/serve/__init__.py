"""``handouts serve``: the front desk's web page on this computer (see :mod:`handouts.serve.app`).

One process serves every page and keeps fonts, catalogs and made markup warm; the large
fonts are prepared in the background at start. It listens on 127.0.0.1 unless told
otherwise, and then only with an access password.
"""

from __future__ import annotations

from handouts import i18n
from handouts.config import Config
from handouts.errors import UsageError

WEB_EXTRA = "pip install 'handouts[web]'"


def serve(config: Config, host: str | None = None, port: int | None = None,
          say=lambda line: None) -> None:
    """Start the page and serve until Ctrl-C."""
    try:
        import multipart  # noqa: F401 (python-multipart: the forms and the CSV upload)
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        raise UsageError(f"handouts serve needs the web page's packages; install them with {WEB_EXTRA}") from None
    from handouts.handout import resolve_dirs
    from handouts.serve import security
    from handouts.serve.app import create_app
    from handouts.serve.warmup import FontWarmup

    host = host or config.serve.host or "127.0.0.1"
    port = port or config.serve.port
    security.check_listen(host, security.Access(config.serve))
    _drugs, catalog_dirs = resolve_dirs(config)
    warmup = FontWarmup(i18n.available_languages(catalog_dirs)).start()
    app, page = create_app(config, host, port, warmup)
    page.start_check()  # the Languages page's "Last check", ready in a few seconds
    shown_host = f"[{host}]" if ":" in host else host
    say(f"handouts: the page is at http://{shown_host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False)
