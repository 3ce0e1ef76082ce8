"""The web app's pages: each a view over the library facade, rendered from a Jinja2 template.

:class:`Views` holds the facade the app answers from and the little every
page shares (the form's needs, the places for suggestions); each method is
one route's handler. No query logic lives here: a view resolves what the
request names through the facade, asks it one question and renders the
dataclasses it returns. :mod:`tsunagu.web.app` wires the routes and the
middleware.
"""

from __future__ import annotations

import functools
from urllib.parse import quote, urlencode

from starlette.requests import ClientDisconnect
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from tsunagu.api import Place
from tsunagu.exceptions import TsunaguError

__all__ = ["Views", "CSP", "DIAGRAM_CSP", "NETWORK_CSP"]

_MAX_FORM_BYTES = 16 * 1024  # the referral form is a municipality, an age and a few needs: well under 1 KB
_MAX_MUNICIPALITY_CHARS = 100  # the longest municipality name with its prefecture is under 20 characters

# Pages: only this origin, no inline script. The map inlines its script (DIAGRAM_CSP). A network
# diagram loads vis-network and its drawing script from /static/ and carries only its data, as JSON
# that is never run (names stay data, never markup: see diagrams.render); its legend's colours and
# vis-network's own elements are styled inline.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")
DIAGRAM_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
               "base-uri 'none'; frame-ancestors 'self'")
NETWORK_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src data:; font-src data:; "
               "base-uri 'none'; frame-ancestors 'self'")
_CACHED = "public, max-age=31536000, immutable"  # a file asked for by its content's hash (?v=) never changes
_NEEDS = ("consultation", "employment", "safe-place", "family-support", "health", "welfare", "education",
          "outreach", "correction")
_DUTIES = ("window-clarified", "window-publicised", "needs-survey", "platform")
_DUTY_LABELS = {"window-clarified": "相談窓口の明確化", "window-publicised": "窓口の周知", "needs-survey": "実態把握",
                "platform": "プラットフォーム"}
_KINDS = {"designated": "指定都市", "core": "中核市", "city": "市", "ward": "特別区", "town": "町", "village": "村"}
_STATUS = {"yes": "済", "no": "未", "unknown": "不明"}
# What a name found instead of a municipality (NotAMunicipality.kind, a class of the ontology)
_NOT_A_MUNICIPALITY = {"Prefecture": "都道府県", "AdministrativeWard": "行政区", "Organisation": "機関・団体", "Program": "事業"}
# Where a suggested place links, by the page that did not find the name: (what is resolved, href of a value).
# The referral form is only refilled by the link (GET): the age and needs stay in the page's form, sent by POST.
_SUGGEST = {
    "refer": ("municipality", lambda value: "/refer?" + urlencode({"municipality": value})),
    "municipality": ("municipality", lambda value: "/m/" + quote(value, safe="")),
    "diagram": ("area", lambda value: "/diagram/" + quote(value, safe="")),
    "map": ("prefecture", lambda value: "/map?" + urlencode({"prefecture": value})),
    "entity": (None, lambda value: "/e/" + quote(value, safe="")),  # by the id it was suggested by
    "analyst": ("prefecture", lambda value: "/analyst?" + urlencode({"prefecture": value})),
}


@functools.lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("tsunagu.web", "templates"), autoescape=select_autoescape(["html"]))
    from tsunagu.queries.answers import Reason, call_reason, directory_notes, level_label, render_reason

    environment.filters["reason"] = lambda reason, lang="ja": render_reason(reason, lang)
    environment.filters["call_text"] = lambda call: render_reason(call_reason(call))
    environment.filters["directory_notes"] = directory_notes
    environment.filters["level"] = lambda level: level_label(level, "ja")
    environment.globals.update(duty_labels=_DUTY_LABELS, kinds=_KINDS, status_labels=_STATUS, duties=_DUTIES,
                               evidence_labels={"self-reliance": "自立相談", "town-hall": "役場"},
                               hours_unrecorded=Reason("hours-unrecorded"))
    return environment


def _page(name, status_code=200, **context):
    html = _templates().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": CSP})


def _error_page(error, status_code=400, **context):
    """A Japanese message for a user's mistake (unknown name, bad age...): never a stack trace.

    Not stored by the browser: the page repeats what was typed (and refills
    the referral form with an age and needs).
    """
    context.setdefault("message", str(error))
    response = _page("error.html", status_code=status_code, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _split_url(text, url):
    """``text`` around the first ``url`` in it: (before, url, after), or (text, None, "") without one."""
    if url and url in text:
        before, _, after = text.partition(url)
        return before, url, after
    return text, None, ""


def _option_cards(answer, explain=False):
    """Each option (and fallback) as the page shows it, saying each thing once (as the CLI's table does).

    A dict per option: ``option``; ``ranked`` (an option, not a fallback); ``where`` (the line saying where
    to find the body serving the town, as (before, url, after), when the data give it no phone; then
    neither a "not in the data" badge nor hint); ``flags`` (the option's flags that its reasons do not
    already say, and the placeholder flag only where no badge says it); ``through`` (the secretariats on
    the way that the first contact's card does not already name); ``path`` (the path in words, only where
    it names a step that the card does not, or when the caseworker asked why).
    """
    from tsunagu.queries.answers import path_text, render_reason, where_reason

    first = answer.first_contact
    named = set()
    if first is not None:
        named = {first.place.id} | {s.id for t in first.through for s in t.secretariats}
        if first.next_window is not None:
            named.add(first.next_window.id)
    cards = []
    for option in answer.options + answer.fallback:
        places = [p for p in (option.organisation, option.program) if p is not None]
        where = None
        if option.where and not any(p.contact.telephone for p in places):
            text = render_reason(where_reason(option.where))
            where = _split_url(text, option.where.get("url"))
        # the badge 「名称・連絡先は未収録」 is on the organisation's card, or on the program's when it has one
        badge = where is None and any(p.placeholder for p in places if p is option.organisation
                                      or p.contact.reachable() or p.contact.schedule)
        flags = [f for f in option.flags if f not in option.reasons and not (f.code == "placeholder" and
                                                                              (badge or where))]
        through = [(t.platform, s) for t in option.through for s in t.secretariats if s.id not in named]
        said = {p.name for p in places} | {t.platform.name for t in option.through} | \
            {render_reason(r) for r in option.reasons}
        steps = [hop["name"] for hop in option.path[1:-1]]
        unsaid = [name for name in steps if not any(name in text for text in said)]
        path = path_text(option.path) if option.path and (explain or unsaid) else None
        cards.append({"option": option, "ranked": option in answer.options, "where": where, "flags": flags,
                      "through": through, "path": path})
    return cards


def _need_labels():
    """(notation, Japanese name) of the needs the form offers, from the ontology."""
    from tsunagu.ontology import load_ontology

    ontology = load_ontology()
    return [(n, ontology.label(ontology.domains[n], "ja") or n) for n in _NEEDS if n in ontology.domains]


class Views:
    """The pages of one app, answering from ``library`` (a :class:`tsunagu.api.Tsunagu`).

    Made once when the app starts: it reads the places for suggestions then,
    so a build that cannot be read stops the server before it answers anyone.
    """

    def __init__(self, library):
        self.library = library
        self.static = _static_files()
        self.versions = {name: _digest(path) for name, path in self.static.items()}
        self.places = self._places_bytes()  # read (or first build) the data before the server answers anyone
        self.needs = _need_labels()  # the form's choices, the same for every page

    def _places_bytes(self):
        """The suggestions of the municipality field as JSON, made once. Pages load them from
        /places.json (cached by the browser) instead of carrying some 1,900 <option>s, 90 KB, each."""
        import json

        # a Bolt backend keeps no list of places: no suggestions, the form still works; an embedded build
        # that cannot be read (an unusable home) stops the server here, before it answers anyone
        found = [] if self.library.backend else self.library.places()
        return json.dumps([[p.name, f"{p.prefecture or ''} {p.code or ''}".strip()] for p in found],
                          ensure_ascii=False).encode("utf-8")


    def static_href(self, name):
        """``/static/<name>?v=<hash of its content>``: cached for a year, and a new version is a new address."""
        return f"/static/{name}?v={self.versions[name]}"

    def page(self, name, status_code=200, **context):
        """A page, saying so when the last build answers because a newer input failed to build."""
        return _page(name, status_code, stale=self.library.stale_summary(), static=self.static_href, **context)

    def error_page(self, error, status_code=400, *, suggest=None, **context):
        """The error page; with ``suggest`` (a key of ``_SUGGEST``) each place it suggests is a link there,
        and the message no longer lists them as text."""
        from tsunagu.exceptions import AmbiguousName, NameNotFound, NotAMunicipality

        suggested = self._suggested(getattr(error, "suggestions", None), suggest)
        choices = self._suggested(getattr(error, "candidates", None), suggest)
        # The library's messages add an English line and the ids for the CLI's --lang en and scripts: a
        # page says it in Japanese alone, and the places are listed below it by name.
        if isinstance(error, NameNotFound):
            message = f"「{error.text}」はデータにありません。" + (
                "" if suggested else "名前（漢字・かな）か6桁のコードを確かめてください。")
        elif isinstance(error, AmbiguousName):
            message = f"「{error.text}」に当たるものが複数あります。次のどれかを選んでください。"
        elif isinstance(error, NotAMunicipality):
            what = _NOT_A_MUNICIPALITY.get(error.kind)
            message = (f"「{error.text}」は{what}の名前です。" if what else f"「{error.text}」は市区町村ではありません。") + \
                "市区町村の名前か6桁のコードを入力してください。"
        else:
            message = str(error).split("\n(", 1)[0]
        return _error_page(error, status_code, stale=self.library.stale_summary(), static=self.static_href,
                           suggested=suggested, choices=choices, message=message, **context)

    def _suggested(self, suggestions, suggest):
        """Suggested places (close names, or the places an ambiguous name fits) as dicts of the ``text``
        shown, the ``value`` a link carries and its ``href`` (None: plain text), each place once.

        A suggestion names its place as ``name (prefecture, code, id ...)``: the place is found again
        through the facade, shown by name and prefecture, and linked by the name when the name alone
        finds it, else by its code. One that finds nothing, or on a page without ``suggest``, stays text.
        """
        import re

        items, seen = [], set()
        kind, href = _SUGGEST.get(suggest, (None, None))
        for text in suggestions or []:
            text = str(text).strip()
            found = re.fullmatch(r"(?P<name>.+?)\s*\((?P<details>[^()]*)\)", text)
            name, details = (found["name"], found["details"].split(", ")) if found else (text, [])
            ident = next((d[3:] for d in details if d.startswith("id ")), None)
            code = next((d for d in details if re.fullmatch(r"\d{6}", d)), None)
            if href is None or (kind is None and ident is None):
                place = None
            elif kind is None:  # an organisation: the id it was suggested by
                where = next((d for d in details if d != code and not d.startswith("id ")), None)
                place = Place(ident, name, code, where)
            else:
                place = self._found(ident or code or name, kind)
            if place is None:  # shown by its name and where it is, without the code and id the CLI lists
                where = next((d for d in details if d != code and not d.startswith("id ")), None)
                shown = f"{name}（{where}）" if where else name
                if shown not in seen:
                    seen.add(shown)
                    items.append({"text": shown, "value": None, "href": None})
                continue
            if place.id in seen:
                continue
            seen.add(place.id)
            if kind is None:
                value = place.id
            else:
                by_name = place.name and getattr(self._found(place.name, kind), "id", None) == place.id
                value = place.name if by_name else place.code or place.id  # two 府中市: the code tells them apart
            shown = f"{place.name}（{place.prefecture}）" if place.prefecture else str(place.name or place.id)
            items.append({"text": shown, "value": value, "href": href(value)})
        return items

    def _found(self, text, kind):
        try:
            return self.library.resolve(text, kind)
        except TsunaguError:
            return None

    def sources_page(self, request):
        return self.page("sources.html", title="出典", sources=self.library.sources(), lists=self.library.lists_used())

    def places_json(self, request):
        return Response(self.places, media_type="application/json; charset=utf-8",
                        headers={"Cache-Control": "max-age=3600"})

    def home_page(self, request):
        return self.page("home.html", title="tsunagu つなぐ", needs=self.needs)

    async def refer_page(self, request):
        if request.method == "GET":  # an empty form (a municipality from a link at most): nothing about a person
            return self.page("refer.html", title="相談（つなぎ先を探す）", needs=self.needs,
                             answer=None, form={"municipality": request.query_params.get("municipality", "")})
        title = "相談（つなぎ先を探す）"
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > _MAX_FORM_BYTES:  # read no body of unknown or absurd size
            status = 411 if not length.isdigit() else 413
            return self.error_page(TsunaguError("送信された内容を受け取れません（大きすぎるか、長さが分かりません）。"
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
            answer = self.library.refer(typed, fields["age"], chosen, explain=fields["explain"])
        except TsunaguError as error:
            return self.error_page(error, form=fields, needs=self.needs, title=title, suggest="refer")
        if form.get("sheet") == "1":
            from tsunagu.sheet import sheet_html

            return Response(sheet_html(answer), media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": DIAGRAM_CSP.replace("script-src 'unsafe-inline'; ", ""),
                                     "Cache-Control": "no-store"})
        response = self.page("refer.html", title=f"相談: {answer.municipality['name']}",
                             needs=self.needs, answer=answer, form=fields,
                             cards=_option_cards(answer, fields["explain"]))
        response.headers["Cache-Control"] = "no-store"  # the answer shows what was typed about a person
        return response

    def municipality_page(self, request):
        try:
            place = self.library.resolve(request.path_params["name"], "municipality")
            duties = self.library.gaps(municipality=place.id)
            coverage = self.library.coverage(place.id)
            contacts = self.library.first_contact(place.id)
        except TsunaguError as error:
            return self.error_page(error, status_code=404, title="市区町村", suggest="municipality")
        try:
            entity = self.library.entity(place.id)
        except TsunaguError:  # a Bolt backend answers the questions above, not entity rows: no source list then
            entity = None
        return self.page("municipality.html", title=f"{place.name}（{place.prefecture or ''}）", place=place,
                     duty=duties[0] if duties else None, coverage=coverage, entity=entity, contacts=contacts,
                     evidence=(self._evidence([place.id]) or {}).get(place.id, []),
                     fill_in_href="/analyst?" + urlencode({"prefecture": place.prefecture} if place.prefecture else {})
                     + "#h-fill")

    def diagram_page(self, request):
        from tsunagu.diagrams import municipality_view, prefecture_view
        from tsunagu.diagrams.render import SHARED_ASSETS, diagram_html

        try:
            place = self.library.resolve(request.path_params["name"], "area")
        except TsunaguError as error:
            return self.error_page(error, status_code=404, title="ネットワーク図", suggest="diagram")
        if SHARED_ASSETS["js"] not in self.static:
            return self.error_page(TsunaguError("ネットワーク図を描くには pyvis が要ります"
                                                "（pip install 'tsunagu[diagram]'）。"), status_code=503, title="ネットワーク図")
        graph = self.library.graph()
        view = (municipality_view if "Municipality" in place.types else prefecture_view)(graph, place.id)
        # vis-network (690 kB) and the drawing script from /static/, cached: the page is its data alone
        assets = {key: self.static_href(name) for key, name in SHARED_ASSETS.items()}
        return HTMLResponse(diagram_html(graph, view, assets=assets), headers={"Content-Security-Policy": NETWORK_CSP})

    def analyst_page(self, request):
        params = request.query_params
        prefecture, kind, missing = params.get("prefecture") or None, params.get("kind") or None, \
            params.get("missing") or None
        sort, fmt = params.get("sort") or "code", params.get("format")
        try:
            if kind and kind not in _KINDS:
                raise TsunaguError(f"種別「{kind}」はありません。{'、'.join(_KINDS)} のいずれかです。")
            if missing and missing not in (*_DUTIES, "any"):
                raise TsunaguError(f"取組「{missing}」はありません。{'、'.join(_DUTIES)} のいずれかです。")
            rows = self.library.gaps(prefecture=prefecture, kind=kind, missing=missing)
            tally = self.library.tally(prefecture=prefecture)
        except TsunaguError as error:
            return self.error_page(error, status_code=400, title="都道府県・全国", suggest="analyst")
        from tsunagu.text import tally_rows, tally_table

        rows = _sorted(rows, sort)
        table = params.get("table")
        if table in ("survey", "workbook"):  # the forms a prefecture fills in for what is 不明
            return self._fill_in_download(table, prefecture)
        evidence = self._evidence([row.id for row in rows])
        if fmt in ("csv", "xlsx"):
            if table == "tally":
                return _download(tally_rows(tally), fmt, f"tally-{prefecture or 'japan'}")
            return _download(_duty_table(rows, evidence), fmt, f"gaps-{prefecture or 'japan'}")
        query = {k: v for k, v in (("prefecture", prefecture), ("kind", kind), ("missing", missing),
                                   ("sort", sort)) if v}
        place = {"prefecture": prefecture} if prefecture else {}
        unknown = any(f.status == "unknown" for row in rows for f in row.duties.values())
        return self.page("analyst.html", title=f"取組状況: {prefecture or '全国'}", rows=rows, tally=tally_table(tally, "ja"),
                     query=query, prefecture=prefecture or "", kind=kind or "", missing=missing or "", sort=sort,
                     evidence=evidence, unknown=unknown,
                     with_window=sum(1 for items in (evidence or {}).values()
                                     if any(item["kind"] == "self-reliance" for item in items)),
                     csv_href="?" + urlencode({**query, "format": "csv"}),
                     xlsx_href="?" + urlencode({**query, "format": "xlsx"}),
                     tally_csv_href="?" + urlencode({**query, "format": "csv", "table": "tally"}),
                     tally_xlsx_href="?" + urlencode({**query, "format": "xlsx", "table": "tally"}),
                     survey_href="?" + urlencode({**place, "format": "csv", "table": "survey"}),
                     workbook_href="?" + urlencode({**place, "format": "xlsx", "table": "workbook"}) if prefecture else None,
                     map_href="/map" + ("?" + urlencode({"prefecture": prefecture}) if prefecture else ""))

    def _evidence(self, ids):
        """What the national directory shows of these municipalities (the self-reliance window with a
        phone, the town hall): shown beside the duties, never counted as one. None when nothing is
        shown (a build without the directory, or a Bolt server's graph, which holds only the duties)."""
        found = self.library.evidence(ids)
        return found if any(found.values()) else None

    def _fill_in_download(self, table, prefecture):
        """The survey CSV (one empty row per municipality, code and name filled in, read back by
        ``tsunagu build --survey``) or, for one prefecture, the input workbook (``tsunagu build FILE.xlsx``):
        what ``tsunagu template survey`` and ``tsunagu template workbook`` write."""
        from tsunagu.loaders.formats.survey import survey_template_rows
        from tsunagu.loaders.formats.workbook import template_areas, template_workbook_bytes

        if self.library.backend:
            return self.error_page(TsunaguError("調査票は、この端末のビルドから答えるときだけ作れます"
                                                "（tsunagu template survey）。"), status_code=400, title="調査票")
        graph = self.library.graph()
        place = self.library.resolve(prefecture, "prefecture") if prefecture else None
        stem = f"survey-{place.name}" if place else "survey-japan"
        if table == "survey":
            return _download(survey_template_rows(graph, place.id if place else None), "csv", stem)
        if place is None:  # every municipality of Japan in one workbook is not a form anyone fills in
            return self.error_page(TsunaguError("入力ブックは都道府県を選んでからダウンロードしてください。"),
                                   status_code=400, title="入力ブック")
        body = template_workbook_bytes(graph, template_areas(graph, None, place.id), title=f"tsunagu 入力ブック: {place.name}")
        return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": _disposition(f"workbook-{place.name}.xlsx")})

    def map_page(self, request):
        from tsunagu.diagrams.dotmap import dot_map_html

        prefecture = request.query_params.get("prefecture") or None
        try:
            key = self.library.resolve(prefecture, "prefecture").id if prefecture else None
        except TsunaguError as error:
            return self.error_page(error, status_code=404, title="地図", suggest="map")
        fill_in = "/analyst?" + urlencode({"prefecture": prefecture} if prefecture else {}) + "#h-fill"
        return HTMLResponse(dot_map_html(self.library.graph(), key, fill_in_href=fill_in),
                            headers={"Content-Security-Policy": DIAGRAM_CSP})

    def entity_page(self, request):
        try:
            entity = self.library.entity(request.path_params["name"])
        except TsunaguError as error:
            return self.error_page(error, status_code=404, title="機関", suggest="entity")
        return self.page("entity.html", title=str(entity.attributes.get("name") or entity.id), entity=entity)

    def static_file(self, request):
        name = request.path_params["name"]
        path = self.static.get(name)
        if path is None:
            return PlainTextResponse("見つかりません", status_code=404)
        current = request.query_params.get("v") == self.versions[name]
        return FileResponse(path, headers={"Cache-Control": _CACHED if current else "max-age=3600"})

    def not_found(self, request, exc):
        return self.page("error.html", status_code=404, title="見つかりません", message="このページはありません。",
                     suggested=[], choices=[])


def _static_files():
    """name -> path of every file the pages load: the app's own style and scripts, and the diagrams'
    shared files (vis-network from the installed pyvis, the drawing script)."""
    from importlib import resources

    from tsunagu.diagrams.render import asset_paths

    root = resources.files("tsunagu.web") / "static"
    files = {entry.name: str(entry) for entry in root.iterdir() if entry.is_file()}
    try:
        files.update((name, str(path)) for name, path in asset_paths().items())
    except (ImportError, TsunaguError):  # no pyvis (or one without vis-network): the pages work, a diagram says so
        pass
    return files


def _digest(path):
    import hashlib

    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:16]


def _sorted(rows, sort):
    if sort == "name":
        return sorted(rows, key=lambda r: (r.name or "", r.code or ""))
    if sort in _DUTIES:  # missing first: what an analyst looks for
        order = {"no": 0, "unknown": 1, "yes": 2}
        return sorted(rows, key=lambda r: (order.get(r.duties[sort].status, 3), r.code or ""))
    return sorted(rows, key=lambda r: r.code or "")


_EVIDENCE_LABELS = {"self-reliance": "自立相談支援窓口", "town-hall": "役所・役場"}


def _duty_table(rows, evidence=None):
    table = []
    for row in rows:
        line = {"コード": row.code, "市区町村": row.name, "都道府県": row.prefecture, "種別": _KINDS.get(row.kind, row.kind)}
        for duty in _DUTIES:
            fact = row.duties[duty]
            line[_DUTY_LABELS[duty]] = _STATUS.get(fact.status, fact.status)
            line[f"{_DUTY_LABELS[duty]} 時点"] = fact.as_of or ""
            line[f"{_DUTY_LABELS[duty]} 出典"] = fact.source or ""
        if evidence is not None:  # after the duties, in columns of their own: evidence, never a duty
            items = {item["kind"]: item for item in evidence.get(row.id, ())}
            for kind, label in _EVIDENCE_LABELS.items():
                item = items.get(kind, {})
                line[f"参考: {label}"] = item.get("name") or ""
                line[f"参考: {label} 電話"] = item.get("telephone") or ""
                line[f"参考: {label} 出典"] = item.get("source") or ""
                line[f"参考: {label} 時点"] = item.get("as_of") or ""
        table.append(line)
    return table


def _disposition(filename):
    """An attachment's name: ASCII for old clients, the Japanese name for the rest (RFC 6266)."""
    stem, _, ext = filename.rpartition(".")
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem) + f".{ext}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _download(rows, fmt, stem):
    """A table as CSV that Excel on Japanese Windows opens (UTF-8 with BOM) or as XLSX."""
    from tsunagu.output import render, workbook_bytes

    disposition = _disposition(f"{stem}.{fmt}")
    if fmt == "xlsx":
        return Response(workbook_bytes({"取組状況": rows}),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": disposition})
    text = render(rows, "csv")
    return Response(("\ufeff" + text + "\r\n").encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})
