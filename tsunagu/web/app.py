"""The web app: pages for caseworkers and analysts over one :func:`tsunagu.open`.

Every page calls the library facade and renders its dataclasses; no query
logic lives here. Nothing is written anywhere: the referral form is sent by
POST so the age and needs a caseworker types stay out of URLs, histories and
access logs (the server runs with access logs off), and they are not kept
after the answer is sent. Every script, style and picture comes from this
server (no CDN); the Content-Security-Policy forbids other origins.

Pages are Japanese unless the reader asks for English: ``?lang=en`` (or
``?lang=ja``) on any page sets a ``lang`` cookie that later pages follow. The
cookie holds the language alone, nothing about a person or a question.

Every response says ``X-Content-Type-Options: nosniff``; every page that shows
what was typed (the referral form's answer, an error page refilling the form)
says ``Cache-Control: no-store``. Only the Host names the server was started
for are answered (:func:`allowed_hosts`), so a web page elsewhere cannot read
these pages through a DNS name of its own (DNS rebinding).
"""

from __future__ import annotations

import os

from tsunagu.web.views import CSP, DIAGRAM_CSP, Views

__all__ = ["create_app", "allowed_hosts", "CSP", "DIAGRAM_CSP", "HOSTS_VARIABLE", "LANG_COOKIE"]

HOSTS_VARIABLE = "TSUNAGU_ALLOWED_HOSTS"  # more names the app answers to: an office's DNS name, the PC's address
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_WILDCARDS = ("0.0.0.0", "::", "[::]", "")
LANG_COOKIE = "lang"  # "ja" or "en": the reader's language, kept between pages
_LANG_MAX_AGE = 365 * 24 * 3600  # the choice is kept for a year


def allowed_hosts(host="127.0.0.1", extra=None):
    """The Host header values the app answers: the address served, this PC's loopback names, and ``extra``.

    Parameters
    ----------
    host : str
        The address ``tsunagu serve --host`` listens on. A wildcard
        (``0.0.0.0``, ``::``) adds this PC's name and the addresses it
        resolves to.
    extra : str, optional
        More names, separated by commas or spaces (an office's DNS name);
        default ``$TSUNAGU_ALLOWED_HOSTS``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> allowed_hosts("192.168.1.20", extra="tsunagu.office.example")
    ['127.0.0.1', '192.168.1.20', '[::1]', 'localhost', 'tsunagu.office.example']
    """
    import socket

    extra = os.environ.get(HOSTS_VARIABLE, "") if extra is None else extra
    names = set(_LOOPBACK) | {name.lower() for name in extra.replace(",", " ").split()}
    host = (host or "").strip().lower()
    if host in _WILDCARDS:  # every address of this PC: its name, and what that name resolves to
        try:
            name = socket.gethostname()
            names.add(name.lower())
            names.update(address for address in socket.gethostbyname_ex(name)[2])
        except OSError:
            pass
    else:
        names.add(f"[{host.strip('[]')}]" if ":" in host else host)
    return sorted(names)


class _Headers:
    """ASGI middleware: ``X-Content-Type-Options: nosniff`` on every response, and a client
    that went away while sending its form ends quietly (no traceback in the server's log)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        from starlette.datastructures import MutableHeaders
        from starlette.requests import ClientDisconnect

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Content-Type-Options"] = "nosniff"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            pass  # nobody is left to answer


class _Language:
    """ASGI middleware: the reader's language in ``request.state.lang``: ``?lang=en`` or ``?lang=ja``,
    else the ``lang`` cookie, else Japanese. A ``?lang=`` that differs from the cookie sets it, so the pages
    after it (and the referral form's POST, which carries no query) keep the language."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        from starlette.datastructures import MutableHeaders
        from starlette.requests import HTTPConnection

        from tsunagu.text import LANGS

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        asked = connection.query_params.get("lang")
        asked = asked if asked in LANGS else None
        kept = connection.cookies.get(LANG_COOKIE)
        connection.state.lang = asked or (kept if kept in LANGS else "ja")

        async def send_with_cookie(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(
                    "Set-Cookie", f"{LANG_COOKIE}={asked}; Max-Age={_LANG_MAX_AGE}; Path=/; SameSite=Lax; HttpOnly")
            await send(message)

        await self.app(scope, receive, send_with_cookie if asked and asked != kept else send)


def create_app(home=None, *, backend=None, user=None, password=None, database=None, hosts=None):
    """The Starlette application answering from the build in ``home`` (or a Bolt server).

    ``hosts`` are the Host header values it answers (default
    :func:`allowed_hosts` for 127.0.0.1); any other gets 400.

    Examples
    --------
    >>> app = create_app()
    >>> sorted(route.path for route in app.routes)[:3]
    ['/', '/analyst', '/diagram/{name}']
    """
    import tsunagu
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.routing import Route

    library = tsunagu.open(home, backend=backend, user=user, password=password, database=database)
    views = Views(library)
    routes = [
        Route("/", views.home_page),
        Route("/refer", views.refer_page, methods=["GET", "POST"]),
        Route("/m/{name}", views.municipality_page),
        Route("/diagram/{name}", views.diagram_page),
        Route("/analyst", views.analyst_page),
        Route("/map", views.map_page),
        Route("/e/{name}", views.entity_page),
        Route("/static/{name}", views.static_file),
        Route("/places.json", views.places_json),
        Route("/sources", views.sources_page),
    ]
    middleware = [Middleware(_Headers),  # outermost: the Host check's refusals carry nosniff too
                  Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts or allowed_hosts()), www_redirect=False),
                  Middleware(_Language)]
    app = Starlette(routes=routes, exception_handlers={404: views.not_found}, middleware=middleware)
    app.state.library = library
    return app
