"""The web app: pages for caseworkers and analysts over one :func:`tsunagu.open`.

Every page calls the library facade and renders its dataclasses; no query
logic lives here. Nothing is written anywhere: the referral form is sent by
POST so the age and needs a caseworker types stay out of URLs, histories and
access logs (the server runs with access logs off), and they are not kept
after the answer is sent. Every script, style and picture comes from this
server (no CDN); the Content-Security-Policy forbids other origins.

Every response says ``X-Content-Type-Options: nosniff``; every page that shows
what was typed (the referral form's answer, an error page refilling the form)
says ``Cache-Control: no-store``. Only the Host names the server was started
for are answered (:func:`allowed_hosts`), so a web page elsewhere cannot read
these pages through a DNS name of its own (DNS rebinding).
"""

from __future__ import annotations

import functools
import os
from urllib.parse import quote, urlencode

__all__ = ["create_app", "allowed_hosts", "CSP", "DIAGRAM_CSP", "HOSTS_VARIABLE"]

HOSTS_VARIABLE = "TSUNAGU_ALLOWED_HOSTS"  # more names the app answers to: an office's DNS name, the PC's address
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_WILDCARDS = ("0.0.0.0", "::", "[::]", "")
_MAX_FORM_BYTES = 16 * 1024  # the referral form is a municipality, an age and a few needs: well under 1 KB
_MAX_MUNICIPALITY_CHARS = 100  # the longest municipality name with its prefecture is under 20 characters

# Pages: only this origin, no inline script. Diagram pages inline vis-network
# and their data (names stay JSON data, never markup: see diagrams.render).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")
DIAGRAM_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
               "base-uri 'none'; frame-ancestors 'self'")
_NEEDS = ("consultation", "employment", "safe-place", "family-support", "health", "welfare", "education",
          "outreach", "correction")
_DUTIES = ("window-clarified", "window-publicised", "needs-survey", "platform")
_DUTY_LABELS = {"window-clarified": "相談窓口の明確化", "window-publicised": "窓口の周知", "needs-survey": "実態把握",
                "platform": "プラットフォーム"}
_KINDS = {"designated": "指定都市", "core": "中核市", "city": "市", "ward": "特別区", "town": "町", "village": "村"}
_STATUS = {"yes": "済", "no": "未", "unknown": "不明"}


@functools.lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("tsunagu.web", "templates"), autoescape=select_autoescape(["html"]))
    from tsunagu.queries.answers import directory_notes, level_label, render_reason

    environment.filters["reason"] = lambda reason, lang="ja": render_reason(reason, lang)
    environment.filters["directory_notes"] = directory_notes
    environment.filters["level"] = lambda level: level_label(level, "ja")
    environment.globals.update(duty_labels=_DUTY_LABELS, kinds=_KINDS, status_labels=_STATUS, duties=_DUTIES)
    return environment


def _page(name, status_code=200, **context):
    from starlette.responses import HTMLResponse

    html = _templates().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": CSP})


def _error_page(error, status_code=400, **context):
    """A Japanese message for a user's mistake (unknown name, bad age...): never a stack trace.

    Not stored by the browser: the page repeats what was typed (and refills
    the referral form with an age and needs).
    """
    response = _page("error.html", status_code=status_code, message=str(error),
                     suggestions=getattr(error, "suggestions", []) or [],
                     candidates=getattr(error, "candidates", []) or [], **context)
    response.headers["Cache-Control"] = "no-store"
    return response


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


def _need_labels():
    """(notation, Japanese name) of the needs the form offers, from the ontology."""
    from tsunagu.ontology import load_ontology

    ontology = load_ontology()
    return [(n, ontology.label(ontology.domains[n], "ja") or n) for n in _NEEDS if n in ontology.domains]


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
    from starlette.requests import ClientDisconnect
    from starlette.responses import FileResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from tsunagu.exceptions import TsunaguError

    library = tsunagu.open(home, backend=backend, user=user, password=password, database=database)
    static = _static_files()

    @functools.lru_cache(maxsize=1)
    def places():
        """The suggestions of the municipality field as JSON, made once. Pages load them from
        /places.json (cached by the browser) instead of carrying some 1,900 <option>s, 90 KB, each."""
        import json

        # a Bolt backend keeps no list of places: no suggestions, the form still works; an embedded build
        # that cannot be read (an unusable home) stops the server here, before it answers anyone
        found = [] if backend else library.places()
        return json.dumps([[p.name, f"{p.prefecture or ''} {p.code or ''}".strip()] for p in found],
                          ensure_ascii=False).encode("utf-8")

    places()  # read (or first build) the data before the server answers anyone
    needs = _need_labels()  # the form's choices, the same for every page

    def page(name, status_code=200, **context):
        """A page, saying so when the last build answers because a newer input failed to build."""
        return _page(name, status_code, stale=library.stale_summary(), **context)

    def error_page(error, status_code=400, **context):
        return _error_page(error, status_code, stale=library.stale_summary(), **context)

    def sources_page(request):
        return page("sources.html", title="出典", sources=library.sources(), lists=library.lists_used())

    def places_json(request):
        return Response(places(), media_type="application/json; charset=utf-8",
                        headers={"Cache-Control": "max-age=3600"})

    def home_page(request):
        return page("home.html", title="tsunagu つなぐ", needs=needs)

    async def refer_page(request):
        if request.method == "GET":  # an empty form (a municipality from a link at most): nothing about a person
            return page("refer.html", title="相談（つなぎ先を探す）", needs=needs,
                         answer=None, form={"municipality": request.query_params.get("municipality", "")})
        title = "相談（つなぎ先を探す）"
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > _MAX_FORM_BYTES:  # read no body of unknown or absurd size
            status = 411 if not length.isdigit() else 413
            return error_page(TsunaguError("送信された内容を受け取れません（大きすぎるか、長さが分かりません）。"
                                            "フォームから送り直してください。"), status_code=status, title=title)
        try:
            form = await request.form()
        except ClientDisconnect:
            return Response(status_code=400)  # the client went away mid-form; nobody reads this
        chosen = form.getlist("need")
        fields = {"municipality": str(form.get("municipality") or "").strip(), "age": str(form.get("age") or "").strip(),
                  "needs": chosen, "explain": form.get("explain") == "1"}
        typed = fields["municipality"]
        try:
            if len(typed) > _MAX_MUNICIPALITY_CHARS:  # nor matched against every name, letter by letter
                fields["municipality"] = ""
                raise TsunaguError(f"「市区町村」が長すぎます（{len(typed):,} 文字）。"
                                   f"{_MAX_MUNICIPALITY_CHARS} 文字までの市区町村名かコードを入力してください。")
            answer = library.refer(typed, fields["age"], chosen, explain=fields["explain"])
        except TsunaguError as error:
            return error_page(error, form=fields, needs=needs, title=title)
        if form.get("sheet") == "1":
            from tsunagu.sheet import sheet_html

            return Response(sheet_html(answer), media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": DIAGRAM_CSP.replace("script-src 'unsafe-inline'; ", ""),
                                     "Cache-Control": "no-store"})
        response = page("refer.html", title=f"相談: {answer.municipality['name']}",
                         needs=needs, answer=answer, form=fields)
        response.headers["Cache-Control"] = "no-store"  # the answer shows what was typed about a person
        return response

    def municipality_page(request):
        try:
            place = library.resolve(request.path_params["name"], "municipality")
            duties = library.gaps(municipality=place.id)
            coverage = library.coverage(place.id)
            contacts = library.first_contact(place.id)
        except TsunaguError as error:
            return error_page(error, status_code=404, title="市区町村")
        try:
            entity = library.entity(place.id)
        except TsunaguError:  # a Bolt backend answers the questions above, not entity rows: no source list then
            entity = None
        return page("municipality.html", title=f"{place.name}（{place.prefecture or ''}）", place=place,
                     duty=duties[0] if duties else None, coverage=coverage, entity=entity, contacts=contacts)

    def diagram_page(request):
        from starlette.responses import HTMLResponse

        from tsunagu.diagrams import municipality_view, prefecture_view
        from tsunagu.diagrams.render import diagram_html

        try:
            place = library.resolve(request.path_params["name"], "area")
        except TsunaguError as error:
            return error_page(error, status_code=404, title="ネットワーク図")
        graph = library.graph()
        view = (municipality_view if "Municipality" in place.types else prefecture_view)(graph, place.id)
        return HTMLResponse(diagram_html(graph, view), headers={"Content-Security-Policy": DIAGRAM_CSP})

    def analyst_page(request):
        params = request.query_params
        prefecture, kind, missing = params.get("prefecture") or None, params.get("kind") or None, \
            params.get("missing") or None
        sort, fmt = params.get("sort") or "code", params.get("format")
        try:
            if kind and kind not in _KINDS:
                raise TsunaguError(f"種別「{kind}」はありません。{'、'.join(_KINDS)} のいずれかです。")
            if missing and missing not in (*_DUTIES, "any"):
                raise TsunaguError(f"取組「{missing}」はありません。{'、'.join(_DUTIES)} のいずれかです。")
            rows = library.gaps(prefecture=prefecture, kind=kind, missing=missing)
            tally = library.tally(prefecture=prefecture)
        except TsunaguError as error:
            return error_page(error, status_code=400, title="都道府県・全国")
        from tsunagu.text import tally_rows

        rows = _sorted(rows, sort)
        if fmt in ("csv", "xlsx"):
            if params.get("table") == "tally":
                return _download(tally_rows(tally), fmt, f"tally-{prefecture or 'japan'}")
            return _download(_duty_table(rows), fmt, f"gaps-{prefecture or 'japan'}")
        query = {k: v for k, v in (("prefecture", prefecture), ("kind", kind), ("missing", missing),
                                   ("sort", sort)) if v}

        return page("analyst.html", title=f"取組状況: {prefecture or '全国'}", rows=rows, tally=tally_rows(tally),
                     query=query, prefecture=prefecture or "", kind=kind or "", missing=missing or "", sort=sort,
                     csv_href="?" + urlencode({**query, "format": "csv"}),
                     xlsx_href="?" + urlencode({**query, "format": "xlsx"}),
                     tally_csv_href="?" + urlencode({**query, "format": "csv", "table": "tally"}),
                     tally_xlsx_href="?" + urlencode({**query, "format": "xlsx", "table": "tally"}),
                     map_href="/map" + ("?" + urlencode({"prefecture": prefecture}) if prefecture else ""))

    def map_page(request):
        from starlette.responses import HTMLResponse

        from tsunagu.diagrams.dotmap import dot_map_html

        prefecture = request.query_params.get("prefecture") or None
        try:
            key = library.resolve(prefecture, "prefecture").id if prefecture else None
        except TsunaguError as error:
            return error_page(error, status_code=404, title="地図")
        return HTMLResponse(dot_map_html(library.graph(), key), headers={"Content-Security-Policy": DIAGRAM_CSP})

    def entity_page(request):
        try:
            entity = library.entity(request.path_params["name"])
        except TsunaguError as error:
            return error_page(error, status_code=404, title="機関")
        return page("entity.html", title=str(entity.attributes.get("name") or entity.id), entity=entity)

    def static_file(request):
        path = static.get(request.path_params["name"])
        if path is None:
            return PlainTextResponse("見つかりません", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "max-age=3600"})

    def not_found(request, exc):
        return page("error.html", status_code=404, title="見つかりません", message="このページはありません。",
                     suggestions=[], candidates=[])

    routes = [
        Route("/", home_page),
        Route("/refer", refer_page, methods=["GET", "POST"]),
        Route("/m/{name}", municipality_page),
        Route("/diagram/{name}", diagram_page),
        Route("/analyst", analyst_page),
        Route("/map", map_page),
        Route("/e/{name}", entity_page),
        Route("/static/{name}", static_file),
        Route("/places.json", places_json),
        Route("/sources", sources_page),
    ]
    middleware = [Middleware(_Headers),  # outermost: the Host check's refusals carry nosniff too
                  Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts or allowed_hosts()), www_redirect=False)]
    app = Starlette(routes=routes, exception_handlers={404: not_found}, middleware=middleware)
    app.state.library = library
    return app


def _static_files():
    """name -> path of every file the pages load: the app's own style and script."""
    from importlib import resources

    root = resources.files("tsunagu.web") / "static"
    return {entry.name: str(entry) for entry in root.iterdir() if entry.is_file()}


def _sorted(rows, sort):
    if sort == "name":
        return sorted(rows, key=lambda r: (r.name or "", r.code or ""))
    if sort in _DUTIES:  # missing first: what an analyst looks for
        order = {"no": 0, "unknown": 1, "yes": 2}
        return sorted(rows, key=lambda r: (order.get(r.duties[sort].status, 3), r.code or ""))
    return sorted(rows, key=lambda r: r.code or "")


def _duty_table(rows):
    table = []
    for row in rows:
        line = {"コード": row.code, "市区町村": row.name, "都道府県": row.prefecture, "種別": _KINDS.get(row.kind, row.kind)}
        for duty in _DUTIES:
            fact = row.duties[duty]
            line[_DUTY_LABELS[duty]] = _STATUS.get(fact.status, fact.status)
            line[f"{_DUTY_LABELS[duty]} 時点"] = fact.as_of or ""
            line[f"{_DUTY_LABELS[duty]} 出典"] = fact.source or ""
        table.append(line)
    return table


def _download(rows, fmt, stem):
    """A table as CSV that Excel on Japanese Windows opens (UTF-8 with BOM) or as XLSX."""
    from starlette.responses import Response

    from tsunagu.output import render, workbook_bytes

    filename = f"{stem}.{fmt}"
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem) + f".{fmt}"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    if fmt == "xlsx":
        return Response(workbook_bytes({"取組状況": rows}),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": disposition})
    text = render(rows, "csv")
    return Response(("\ufeff" + text + "\r\n").encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})
