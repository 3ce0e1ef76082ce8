"""The web app's pages: each a view over the library facade, rendered from a Jinja2 template.

:class:`Views` holds the facade the app answers from and the little every
page shares (the form's needs, the places for suggestions); each method is
one route's handler. No query logic lives here: a view resolves what the
request names through the facade, asks it one question and renders the
dataclasses it returns. :mod:`tsunagu.web.app` wires the routes and the
middleware.

Every page is Japanese, or English when the reader asks (``?lang=en``, then
the ``lang`` cookie: see :mod:`tsunagu.web.app`). Each word a page shows is a
pair, chosen by :func:`tsunagu.text.say` as the CLI's are: in the templates
through the ``say`` and ``label`` globals and the ``reason`` and ``level``
filters, which read the page's ``lang``.
"""

from __future__ import annotations

import functools
import threading
from urllib.parse import quote, urlencode

from starlette.requests import ClientDisconnect
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from tsunagu.api import Place
from tsunagu.exceptions import TsunaguError
from tsunagu.text import KIND_LABELS, LEVEL_MARKS, STATE_MARKS, STATUS_LABELS, label, say

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
# (Japanese, English) of what a person reads for the data's keys; a duty's status and a kind are the CLI's words
_DUTY_LABELS = {"window-clarified": ("相談窓口の明確化", "window clarified"),
                "window-publicised": ("窓口の周知", "window publicised"), "needs-survey": ("実態把握", "needs survey"),
                "platform": ("プラットフォーム", "platform")}
_KINDS = tuple(kind for kind in KIND_LABELS if kind != "all")  # "all" names the tally's total, not a kind
# What the national directory shows of a town, beside its duties: short in the analyst's table, whole elsewhere
_EVIDENCE_SHORT = {"self-reliance": ("自立相談", "self-reliance"), "town-hall": ("役場", "town hall")}
_EVIDENCE_LABELS = {"self-reliance": ("自立相談支援窓口", "self-reliance support window"),
                    "town-hall": ("役所・役場", "town hall")}
_LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}  # each in itself: the reader who wants it reads it
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
    from jinja2 import Environment, PackageLoader, pass_context, select_autoescape

    environment = Environment(loader=PackageLoader("tsunagu.web", "templates"), autoescape=select_autoescape(["html"]))
    from tsunagu.queries.answers import Reason, call_reason, directory_notes, level_label, render_reason
    from tsunagu.text import attribute_label, domain_label, kind_label, relation_label, source_label

    def in_page_language(function):
        """``function(..., lang)`` as a filter or global that takes its ``lang`` from the page being rendered."""
        return pass_context(lambda context, *args: function(*args, context.get("lang", "ja")))

    environment.filters.update(
        reason=in_page_language(render_reason), level=in_page_language(level_label),
        call_text=in_page_language(lambda call, lang: render_reason(call_reason(call), lang)),
        directory_notes=directory_notes)
    environment.globals.update(
        say=in_page_language(say), label=in_page_language(label), kind_name=in_page_language(kind_label),
        domain_name=in_page_language(domain_label), relation_name=in_page_language(relation_label),
        attribute_name=in_page_language(attribute_label), source_name=in_page_language(source_label),
        duty_labels=_DUTY_LABELS, kinds=_KINDS, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
        duties=_DUTIES, evidence_short=_EVIDENCE_SHORT, evidence_labels=_EVIDENCE_LABELS, state_marks=STATE_MARKS,
        level_marks=LEVEL_MARKS, hours_unrecorded=Reason("hours-unrecorded"))
    return environment


def _page(name, status_code=200, **context):
    html = _templates().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": CSP})


def _language(request):
    """The language the reader asked for (set by :mod:`tsunagu.web.app`'s middleware): "ja" or "en"."""
    return getattr(request.state, "lang", "ja")


def _switch(request, lang):
    """The link to the same page in the other language, named in that language: ``href``, ``text`` and
    ``lang``. Its address is the page's path and query with ``lang`` swapped; a page answering a POST
    (the referral's answer) links to the empty form: what was sent is never put in an address."""
    other = "ja" if lang == "en" else "en"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] if request.method != "POST" else []
    path = "/" + quote(request.scope["path"], safe="/").lstrip("/")  # one slash: "//host/..." is another site
    return {"href": path + "?" + urlencode(query + [("lang", other)]), "text": _LANGUAGE_NAMES[other], "lang": other}


def _error_message(error, lang, listed):
    """What the error page says: the CLI's words for the library's errors (:func:`tsunagu.text.error_text`;
    ``listed``: naming the places it suggests, when the page does not list them), and a page's own for what
    only a page meets. Never the ids nor the English line the library's own text adds for scripts."""
    from tsunagu.exceptions import UnknownNeed
    from tsunagu.text import error_text

    if isinstance(error, UnknownNeed) and not error.need:  # the form's boxes, not the command line's --need
        return say("ニーズを1つ以上選んでください。", "Choose at least one need.", lang)
    return error_text(error, lang, listed).split("\n(", 1)[0]


def _with_where(name, where, lang):
    """A place named with where it is: 那覇市（沖縄県）, or 那覇市 (沖縄県) in English."""
    return say(f"{name}（{where}）", f"{name} ({where})", lang) if where else name


def _split_url(text, url):
    """``text`` around the first ``url`` in it: (before, url, after), or (text, None, "") without one."""
    if url and url in text:
        before, _, after = text.partition(url)
        return before, url, after
    return text, None, ""


def _option_cards(answer, explain=False, lang="ja"):
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
            text = render_reason(where_reason(option.where), lang)
            where = _split_url(text, option.where.get("url"))
        # the badge 「名称・連絡先は未収録」 is on the organisation's card, or on the program's when it has one
        badge = where is None and any(p.placeholder for p in places if p is option.organisation
                                      or p.contact.reachable() or p.contact.schedule)
        flags = [f for f in option.flags if f not in option.reasons and not (f.code == "placeholder" and
                                                                              (badge or where))]
        through = [(t.platform, s) for t in option.through for s in t.secretariats if s.id not in named]
        said = {p.name for p in places} | {t.platform.name for t in option.through} | \
            {render_reason(r, lang) for r in option.reasons}
        steps = [hop["name"] for hop in option.path[1:-1]]
        unsaid = [name for name in steps if not any(name in text for text in said)]
        path = path_text(option.path, lang) if option.path and (explain or unsaid) else None
        cards.append({"option": option, "ranked": option in answer.options, "where": where, "flags": flags,
                      "through": through, "path": path})
    return cards


def _need_notations():
    """The needs the form offers: those the ontology names (the page shows each by its domain's name)."""
    from tsunagu.text import vocabulary

    return [n for n in _NEEDS if n in vocabulary()["domains"]]


class _MapPages:
    """The dot map pages written last, each for one duty table (the build's) and the page's parameters:
    Japan's page is every municipality's dot (17,410 at synthetic 10x: half a second to write), the same
    until the build changes."""

    KEPT = 8

    def __init__(self):
        self._pages = {}
        self._lock = threading.Lock()

    def page(self, table, parameters, write):
        key = (id(table), parameters)
        with self._lock:
            found = self._pages.pop(key, None)
            if found is not None and found[0] is table:  # the same table, not one made since at its address
                self._pages[key] = found  # the most recent last
                return found[1]
        page = write()
        with self._lock:
            self._pages[key] = (table, page)
            while len(self._pages) > self.KEPT:
                self._pages.pop(next(iter(self._pages)))
        return page


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
        self.needs = _need_notations()  # the form's choices, the same for every page
        self._maps = _MapPages()

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

    def page(self, request, name, status_code=200, **context):
        """A page in the reader's language, with the link to the other; saying so when the last build
        answers because a newer input failed to build."""
        lang = _language(request)
        stale = self.library.stale_summary()  # the library says it in Japanese
        if stale and lang == "en":
            stale = "The latest input has an error: these answers come from the previous build (tell the administrator)."
        return _page(name, status_code, lang=lang, switch=_switch(request, lang), stale=stale,
                     static=self.static_href, **context)

    def error_page(self, request, error, status_code=400, *, suggest=None, **context):
        """A message for a user's mistake (unknown name, bad age...) in the reader's language: never a
        stack trace. With ``suggest`` (a key of ``_SUGGEST``) each place it suggests is a link there,
        and the message no longer lists them as text.

        Not stored by the browser: the page repeats what was typed (and refills
        the referral form with an age and needs).
        """
        lang = _language(request)
        suggested = self._suggested(getattr(error, "suggestions", None), suggest, lang)
        choices = self._suggested(getattr(error, "candidates", None), suggest, lang)
        message = _error_message(error, lang, listed=not (suggested or choices))
        response = self.page(request, "error.html", status_code, suggested=suggested, choices=choices,
                             message=message, **context)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _suggested(self, suggestions, suggest, lang="ja"):
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
                shown = _with_where(name, where, lang)
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
            shown = _with_where(str(place.name or place.id), place.prefecture, lang)
            items.append({"text": shown, "value": value, "href": href(value)})
        return items

    def _found(self, text, kind):
        try:
            return self.library.resolve(text, kind)
        except TsunaguError:
            return None

    def sources_page(self, request):
        return self.page(request, "sources.html", title=say("出典", "Sources", _language(request)),
                         sources=self.library.sources(), lists=self.library.lists_used())

    def places_json(self, request):
        return Response(self.places, media_type="application/json; charset=utf-8",
                        headers={"Cache-Control": "max-age=3600"})

    def home_page(self, request):
        return self.page(request, "home.html", title="tsunagu つなぐ", needs=self.needs)

    async def refer_page(self, request):
        lang = _language(request)
        title = say("相談（つなぎ先を探す）", "Referral (where to connect)", lang)
        if request.method == "GET":  # an empty form (a municipality from a link at most): nothing about a person
            return self.page(request, "refer.html", title=title, needs=self.needs,
                             answer=None, form={"municipality": request.query_params.get("municipality", "")})
        length = request.headers.get("content-length", "")
        if not length.isdigit() or int(length) > _MAX_FORM_BYTES:  # read no body of unknown or absurd size
            status = 411 if not length.isdigit() else 413
            return self.error_page(request, TsunaguError(say(
                "送信された内容を受け取れません（大きすぎるか、長さが分かりません）。フォームから送り直してください。",
                "What was sent cannot be read (too large, or of unknown length): send the form again.", lang)),
                status_code=status, title=title)
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
                raise TsunaguError(say(f"「市区町村」が長すぎます（{len(typed):,} 文字）。"
                                       f"{_MAX_MUNICIPALITY_CHARS} 文字までの市区町村名かコードを入力してください。",
                                       f"The municipality is too long ({len(typed):,} characters): enter a name "
                                       f"or code of at most {_MAX_MUNICIPALITY_CHARS} characters.", lang))
            answer = self.library.refer(typed, fields["age"], chosen, explain=fields["explain"])
        except TsunaguError as error:
            return self.error_page(request, error, form=fields, needs=self.needs, title=title, suggest="refer")
        if form.get("sheet") == "1":
            from tsunagu.sheet import sheet_html

            return Response(sheet_html(answer, lang), media_type="text/html; charset=utf-8",
                            headers={"Content-Security-Policy": DIAGRAM_CSP.replace("script-src 'unsafe-inline'; ", ""),
                                     "Cache-Control": "no-store"})
        response = self.page(request, "refer.html", title=say("相談: ", "Referral: ", lang) + str(answer.municipality["name"]),
                             needs=self.needs, answer=answer, form=fields,
                             cards=_option_cards(answer, fields["explain"], lang))
        response.headers["Cache-Control"] = "no-store"  # the answer shows what was typed about a person
        return response

    def municipality_page(self, request):
        lang = _language(request)
        try:
            place = self.library.resolve(request.path_params["name"], "municipality")
            duties = self.library.gaps(municipality=place.id)
            coverage = self.library.coverage(place.id)
            contacts = self.library.first_contact(place.id)
        except TsunaguError as error:
            return self.error_page(request, error, status_code=404, title=say("市区町村", "Municipality", lang),
                                   suggest="municipality")
        try:
            entity = self.library.entity(place.id)
        except TsunaguError:  # a Bolt backend answers the questions above, not entity rows: no source list then
            entity = None
        return self.page(request, "municipality.html", title=_with_where(place.name, place.prefecture, lang), place=place,
                     duty=duties[0] if duties else None, coverage=coverage, entity=entity, contacts=contacts,
                     evidence=(self._evidence([place.id]) or {}).get(place.id, []),
                     fill_in_href="/analyst?" + urlencode({"prefecture": place.prefecture} if place.prefecture else {})
                     + "#h-fill")

    def diagram_page(self, request):
        from tsunagu.diagrams import municipality_view, prefecture_view
        from tsunagu.diagrams.render import SHARED_ASSETS, diagram_html

        lang = _language(request)
        title = say("ネットワーク図", "Network diagram", lang)
        try:
            place = self.library.resolve(request.path_params["name"], "area")
        except TsunaguError as error:
            return self.error_page(request, error, status_code=404, title=title, suggest="diagram")
        if SHARED_ASSETS["js"] not in self.static:
            return self.error_page(request, TsunaguError(say(
                "ネットワーク図を描くには pyvis が要ります（pip install 'tsunagu[diagram]'）。",
                "Drawing a network diagram needs pyvis (pip install 'tsunagu[diagram]').", lang)),
                status_code=503, title=title)
        graph = self.library.graph()
        view = (municipality_view if "Municipality" in place.types else prefecture_view)(graph, place.id)
        # vis-network (690 kB) and the drawing script from /static/, cached: the page is its data alone
        assets = {key: self.static_href(name) for key, name in SHARED_ASSETS.items()}
        return HTMLResponse(diagram_html(graph, view, assets=assets, lang=lang, switch=_switch(request, lang)),
                            headers={"Content-Security-Policy": NETWORK_CSP})

    def analyst_page(self, request):
        params = request.query_params
        prefecture, kind, missing = params.get("prefecture") or None, params.get("kind") or None, \
            params.get("missing") or None
        sort, fmt = params.get("sort") or "code", params.get("format")
        lang = _language(request)
        try:
            if kind and kind not in _KINDS:
                raise TsunaguError(say(f"種別「{kind}」はありません。{'、'.join(_KINDS)} のいずれかです。",
                                       f"No kind '{kind}': one of {', '.join(_KINDS)}.", lang))
            if missing and missing not in (*_DUTIES, "any"):
                raise TsunaguError(say(f"取組「{missing}」はありません。{'、'.join(_DUTIES)} のいずれかです。",
                                       f"No duty '{missing}': one of {', '.join(_DUTIES)}.", lang))
            rows = self.library.gaps(prefecture=prefecture, kind=kind, missing=missing)
            tally = self.library.tally(prefecture=prefecture)
        except TsunaguError as error:
            return self.error_page(request, error, status_code=400, title=say("都道府県・全国", "Prefectures and Japan", lang),
                                   suggest="analyst")
        from tsunagu.text import tally_rows, tally_table

        rows = _sorted(rows, sort)
        table = params.get("table")
        if table in ("survey", "workbook"):  # the forms a prefecture fills in for what is 不明
            return self._fill_in_download(request, table, prefecture)
        evidence = self._evidence([row.id for row in rows])
        if fmt in ("csv", "xlsx"):
            if table == "tally":
                return _download(tally_rows(tally, lang), fmt, f"tally-{prefecture or 'japan'}", lang)
            return _download(_duty_table(rows, evidence, lang), fmt, f"gaps-{prefecture or 'japan'}", lang)
        query = {k: v for k, v in (("prefecture", prefecture), ("kind", kind), ("missing", missing),
                                   ("sort", sort)) if v}
        place = {"prefecture": prefecture} if prefecture else {}
        unknown = any(f.status == "unknown" for row in rows for f in row.duties.values())
        title = say(f"取組状況: {prefecture or '全国'}", f"Duties: {prefecture or 'Japan'}", lang)
        return self.page(request, "analyst.html", title=title, rows=rows, tally=tally_table(tally, lang),
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

    def _fill_in_download(self, request, table, prefecture):
        """The survey CSV (one empty row per municipality, code and name filled in, read back by
        ``tsunagu build --survey``) or, for one prefecture, the input workbook (``tsunagu build FILE.xlsx``):
        what ``tsunagu template survey`` and ``tsunagu template workbook`` write."""
        from tsunagu.loaders.formats.survey import survey_template_rows
        from tsunagu.loaders.formats.workbook import template_areas, template_workbook_bytes

        lang = _language(request)
        if self.library.backend:
            return self.error_page(request, TsunaguError(say(
                "調査票は、この端末のビルドから答えるときだけ作れます（tsunagu template survey）。",
                "The survey is made only when answering from this computer's build (tsunagu template survey).", lang)),
                status_code=400, title=say("調査票", "Survey", lang))
        graph = self.library.graph()
        place = self.library.resolve(prefecture, "prefecture") if prefecture else None
        stem = f"survey-{place.name}" if place else "survey-japan"
        if table == "survey":
            return _download(survey_template_rows(graph, place.id if place else None), "csv", stem)
        if place is None:  # every municipality of Japan in one workbook is not a form anyone fills in
            return self.error_page(request, TsunaguError(say(
                "入力ブックは都道府県を選んでからダウンロードしてください。",
                "Choose a prefecture before downloading the input workbook.", lang)),
                status_code=400, title=say("入力ブック", "Input workbook", lang))
        body = template_workbook_bytes(graph, template_areas(graph, None, place.id), title=f"tsunagu 入力ブック: {place.name}")
        return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": _disposition(f"workbook-{place.name}.xlsx")})

    def map_page(self, request):
        from tsunagu.diagrams.dotmap import dot_map_html

        prefecture = request.query_params.get("prefecture") or None
        lang = _language(request)
        try:
            key = self.library.resolve(prefecture, "prefecture").id if prefecture else None
        except TsunaguError as error:
            return self.error_page(request, error, status_code=404, title=say("地図", "Map", lang), suggest="map")
        fill_in = "/analyst?" + urlencode({"prefecture": prefecture} if prefecture else {}) + "#h-fill"
        switch, table = _switch(request, lang), self.library.duty_table()
        page = self._maps.page(table, (key, lang, fill_in, tuple(switch.items())), lambda: dot_map_html(
            table, key, fill_in_href=fill_in, lang=lang, switch=switch))
        return HTMLResponse(page, headers={"Content-Security-Policy": DIAGRAM_CSP})

    def entity_page(self, request):
        try:
            entity = self.library.entity(request.path_params["name"])
        except TsunaguError as error:
            return self.error_page(request, error, status_code=404, title=say("機関", "Organisation", _language(request)),
                                   suggest="entity")
        return self.page(request, "entity.html", title=str(entity.attributes.get("name") or entity.id), entity=entity)

    def static_file(self, request):
        name = request.path_params["name"]
        path = self.static.get(name)
        if path is None:
            return PlainTextResponse(say("見つかりません", "Not found", _language(request)), status_code=404)
        current = request.query_params.get("v") == self.versions[name]
        return FileResponse(path, headers={"Cache-Control": _CACHED if current else "max-age=3600"})

    def not_found(self, request, exc):
        lang = _language(request)
        return self.page(request, "error.html", 404, title=say("見つかりません", "Not found", lang),
                         message=say("このページはありません。", "There is no such page.", lang), suggested=[], choices=[])


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


def _duty_table(rows, evidence=None, lang="ja"):
    """The analyst's table as a download: its headers and statuses in the reader's words."""
    table = []
    as_of, source = say(" 時点", " as of", lang), say(" 出典", " source", lang)
    for row in rows:
        line = {say("コード", "code", lang): row.code, say("市区町村", "municipality", lang): row.name,
                say("都道府県", "prefecture", lang): row.prefecture, say("種別", "kind", lang): label(KIND_LABELS, row.kind, lang)}
        for duty in _DUTIES:
            fact, name = row.duties[duty], label(_DUTY_LABELS, duty, lang)
            line[name] = label(STATUS_LABELS, fact.status, lang)
            line[name + as_of] = fact.as_of or ""
            line[name + source] = fact.source or ""
        if evidence is not None:  # after the duties, in columns of their own: evidence, never a duty
            items = {item["kind"]: item for item in evidence.get(row.id, ())}
            for kind in _EVIDENCE_LABELS:
                item, name = items.get(kind, {}), say("参考: ", "evidence: ", lang) + label(_EVIDENCE_LABELS, kind, lang)
                line[name] = item.get("name") or ""
                line[name + say(" 電話", " phone", lang)] = item.get("telephone") or ""
                line[name + source] = item.get("source") or ""
                line[name + as_of] = item.get("as_of") or ""
        table.append(line)
    return table


def _disposition(filename):
    """An attachment's name: ASCII for old clients, the Japanese name for the rest (RFC 6266)."""
    stem, _, ext = filename.rpartition(".")
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem) + f".{ext}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _download(rows, fmt, stem, lang="ja"):
    """A table as CSV that Excel on Japanese Windows opens (UTF-8 with BOM) or as XLSX."""
    from tsunagu.output import render, workbook_bytes

    disposition = _disposition(f"{stem}.{fmt}")
    if fmt == "xlsx":
        return Response(workbook_bytes({say("取組状況", "duties", lang): rows}),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": disposition})
    text = render(rows, "csv")
    return Response(("\ufeff" + text + "\r\n").encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})
