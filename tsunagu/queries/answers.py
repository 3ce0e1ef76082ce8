"""A referral answer as data, and its rendering in Japanese (default) or English.

:func:`tsunagu.queries.referral.referral_answer` returns a
:class:`ReferralAnswer`: data only, every reason a :class:`Reason` (a code
and its parameters). :func:`render_reason` turns a reason into a few words
of Japanese or English; :func:`answer_sections` shapes the table a
terminal shows (sized to its width) and :func:`answer_dict` the JSON. The
person's age and needs travel in :attr:`ReferralAnswer.person` only, which
neither :func:`answer_dict` nor :func:`answer_sections` writes out: only the
つなぎシート the user asks for shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from tsunagu.rules.reasons import Reason

if TYPE_CHECKING:
    from tsunagu.rules.judge import AgeRange

__all__ = [
    "Reason", "Contact", "Place", "Through", "Call", "FirstContact", "Option", "Person", "ReferralAnswer",
    "LEVEL_LABELS", "TIER_LABELS", "TIER_MARKS", "render_reason", "level_label", "path_text", "answer_dict",
    "answer_sections", "checked_text", "directory_notes", "where_reason", "option_contact_text", "call_reason",
    "first_contact_text",
    "text_width", "clip", "AnsweredMunicipality", "AskedFor", "Directory",
]


@dataclass
class Contact:
    """How to reach a place, with the source and date of each fact (absent when unknown)."""

    telephone: str | None = None
    fax: str | None = None
    email: str | None = None
    url: str | None = None
    address: str | None = None
    postal_code: str | None = None
    hours: str | None = None
    closed_days: str | None = None
    schedule: str | None = None
    methods: list[str] = field(default_factory=list)
    checked: str | None = None  # ISO date the directory last checked the row
    sources: list[dict[str, Any]] = field(default_factory=list)  # [{"document", "quote", "url", "as_of", "credit"...}]
    unverified: bool = False
    older_source: bool = False
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # [{"field", ...}]: where the lists disagree

    def reachable(self) -> bool:
        """True when the contact holds a phone, e-mail, web page or address."""
        return bool(self.telephone or self.email or self.url or self.address)


@dataclass
class Place:
    """An organisation, window or program, with what a caseworker needs to contact it."""

    id: str
    name: str
    kind: str
    kind_ja: str | None = None
    kind_en: str | None = None
    role: str | None = None
    domains: list[str] = field(default_factory=list)  # domain notations it states or its type typically serves
    domain_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # notation -> (ja, en)
    placeholder: bool = False
    contact: Contact = field(default_factory=Contact)


@dataclass
class Through:
    """A platform on the path and who runs it: its secretariat (事務局) and how to reach it."""

    platform: Place
    secretariats: list[Place]
    prefectural: bool = False  # the secretariat is a prefectural body (a wide-area platform's)


@dataclass
class Call:
    """The number to call for a place: its own, or (marked by ``whose``) its host department's, the town
    hall's, or the next window's when the data hold no number of the place itself."""

    telephone: str
    whose: str  # "own", "host" (the department running it), "town-hall", "next-window"
    place: Place  # whose number it is
    hours: str | None = None  # that place's 受付時間, when recorded


@dataclass
class FirstContact:
    """最初の相談先: where the caseworker or the family starts.

    ``call`` is the number to ring (None only when the data hold no phone of the place, its host, the town
    hall or any window serving the town); ``next_window`` the next window with a phone, to try when the
    first is not the right one; ``hours_note`` says that the hours are not recorded (never "closed").
    """

    place: Place
    basis: Reason  # window, self-reliance agency, platform secretariat, department, town hall...
    through: list[Through] = field(default_factory=list)
    call: Call | None = None
    next_window: Place | None = None
    hours_note: Reason | None = None


@dataclass
class Option:
    """One ranked option (or, in ``near_misses``, one excluded with why)."""

    rank: int
    tier: str  # "a" fits by stated domain and age, "b" by scheme or purpose, "c" a guess from the type
    organisation: Place | None
    program: Place | None
    level: str
    hops: int
    path: list[dict[str, Any]]  # of {"id", "name", "relation", "inverse"} and the relation's "label" (ja, en)
    age: AgeRange  # {"min", "max", "basis": stated|inherited|cohort|unstated, ...}
    needs: list[str]  # matched need notations
    reasons: list[Reason]
    flags: list[Reason] = field(default_factory=list)  # what is guessed or unstated
    excluded: list[Reason] = field(default_factory=list)  # near misses only
    through: list[Through] = field(default_factory=list)
    # where to find the one serving the town, when the data name no body with a phone (data/where_to_look.csv):
    # {"kind", "kind_ja", "publisher", "title", "url", "confirmed", "evidence"}
    where: dict[str, Any] | None = None


@dataclass
class Person:
    """What the caseworker typed: kept out of JSON, tables and logs."""

    age: int
    needs: list[str]


class AskedFor(TypedDict):
    """The ward asked for, when the answer is its city's."""

    id: str
    name: str | None
    code: str | None


class AnsweredMunicipality(TypedDict):
    """The municipality an answer is for: ``ReferralAnswer.municipality``."""

    id: str
    name: str | None
    code: str | None
    prefecture: str | None  # its prefecture's name
    asked_for: NotRequired[AskedFor]


class Directory(TypedDict):
    """The national directory an answer used: ``ReferralAnswer.directory``."""

    as_of: str | None  # the newest list date
    lists: list[dict[str, Any]]  # [{title, credit, licence, as_of, origin, fetched}]


@dataclass
class ReferralAnswer:
    """The whole answer for one person in one municipality."""

    municipality: AnsweredMunicipality
    as_of: str
    first_contact: FirstContact | None
    options: list[Option]
    fallback: list[Option]  # the prefecture's and the nation's, when nothing local fits
    notes: list[Reason]
    next_steps: list[Reason]
    near_misses: list[Option] | None = None  # with explain
    person: Person | None = field(default=None, repr=False)
    # the national directory the answer used: {"as_of": newest list date, "lists": [{title, credit, licence,
    # as_of, origin, fetched}]}; None for a build without the national lists
    directory: Directory | None = None



LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "municipality": ("市町村", "municipality"),
    "platform": ("市町村PF", "platform"),
    "wide-area": ("広域PF", "wide-area"),
    "prefecture": ("都道府県", "prefecture"),
    "national": ("国", "national"),
}
TIER_LABELS: dict[str, tuple[str, str]] = {"a": ("適合", "fits"), "b": ("制度上の対象", "by scheme"), "c": ("推定", "guess")}
TIER_MARKS: dict[str, str] = {"a": "◎", "b": "○", "c": "△"}


def level_label(level: str, lang: str = "ja") -> str:
    """``市町村``/``municipality`` for a level key."""
    pair = LEVEL_LABELS.get(level, (level, level))
    return pair[0] if lang == "ja" else pair[1]


def _join(items: Iterable[object], lang: str) -> str:
    texts = [str(i) for i in items if i]
    return ("、" if lang == "ja" else ", ").join(texts)


def _names(params: Mapping[str, Any], key: str, lang: str) -> str:
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        return _join([v[0] if lang == "ja" else v[1] for v in value] if value and isinstance(value[0], (list, tuple))
                     else value, lang)
    if isinstance(value, (list, tuple)) or value is None:
        return ""
    return str(value)


def _range(params: Mapping[str, Any], lang: str) -> str:
    """``15〜39歳``, ``49歳まで``, ``0歳以上`` (``15-39``, ``up to 49``, ``0 and over``)."""
    low, high = params.get("min"), params.get("max")
    if lang == "ja":
        if low is None:
            return f"{high}歳まで"
        return f"{low}歳以上" if high is None else f"{low}〜{high}歳"
    if low is None:
        return f"up to {high}"
    return f"{low} and over" if high is None else f"{low}-{high}"


# code -> (Japanese, English); {name} fields come from the reason's params.
_TEMPLATES: dict[str, tuple[str, str]] = {
    # fit
    "domain-stated": ("{needs}（明記）", "{needs} (stated)"),
    "domain-scheme": ("{needs}：{scheme}を実施", "{needs}: runs {scheme}"),
    "domain-purpose": ("{needs}の機関（{type}）", "{needs}: a {type}"),
    "domain-typical": ("{needs}（{type}の一般的な分野・推定）", "{needs} (typical of a {type}: a guess)"),
    "domain-not-covered": ("分野が合わない（{domains}）", "need not covered (covers: {domains})"),
    "age-stated": ("{age}歳は対象（{range}）", "age {age} within {range}"),
    "age-inherited": ("{age}歳は対象（{scheme}: {range}）", "age {age} within {range} ({scheme})"),
    "age-cohort": ("{age}歳は{cohort}（{year}年時点 {range}）", "age {age} in the {cohort} ({range} in {year})"),
    "age-unstated": ("対象年齢の記載なし", "age range not stated"),
    "age-lower-unstated": ("下限年齢の記載なし", "lower age bound not stated"),
    "age-outside": ("{age}歳は対象外（{range}）", "age {age} outside {range}"),
    "age-outside-inherited": ("{age}歳は対象外（{scheme}: {range}）", "age {age} outside {range} ({scheme})"),
    "age-outside-cohort": ("{age}歳は{cohort}でない（{year}年時点 {range}）",
                           "age {age} not in the {cohort} ({range} in {year})"),
    "below-working-age": ("{age}歳は就労支援の対象外（義務教育の年齢）", "age {age}: below working age (compulsory school)"),
    "area-serves": ("{areas}を対象", "serves {areas}"),
    "area-through": ("{via}経由（{level}）", "through {via} ({level})"),
    "area-not-served": ("{municipality}は対象外（{areas}）", "does not serve {municipality} (serves {areas})"),
    "coordinating": ("連携・調整の機関（{type}）：本人の紹介先ではない", "coordinating body ({type}): not a referral"),
    "unverified": ("出典で確認中の情報", "the source marks this row as under review"),
    "older-source": ("2023年の名簿のみが根拠", "backed only by the 2023 ministry list"),
    "placeholder": ("名称・連絡先は未収録", "name and contact not in the data"),
    # first contact
    "first-window": ("ひきこもり相談窓口（明確化済み）", "the clarified hikikomori consultation window"),
    "first-self-reliance": ("自立相談支援機関（ひきこもり相談を受け止める窓口）",
                            "self-reliance consultation support agency (takes hikikomori consultations)"),
    "first-secretariat": ("{platform}の事務局", "secretariat of {platform}"),
    "first-prefectural-agency": ("県設置の自立相談支援機関（町村に独自の窓口がない場合）",
                                 "the prefecture's self-reliance agency (for towns without their own)"),
    "first-department": ("町の担当部局", "the municipal department in charge"),
    "first-town-hall": ("役所・役場の代表窓口（担当が分からない場合）", "town hall switchboard (when the window is unknown)"),
    "first-regional-centre": ("都道府県のひきこもり地域支援センター", "the prefecture's hikikomori regional support centre"),
    "call-own": ("☎{telephone}", "tel {telephone}"),
    "call-host": ("☎{telephone}（担当課 {name} の番号）", "tel {telephone} (its department, {name})"),
    "call-town-hall": ("☎{telephone}（{name}の代表番号）", "tel {telephone} ({name}, main number)"),
    "call-next-window": ("☎{telephone}（{name}の番号）", "tel {telephone} ({name})"),
    "next-window": ("つながらないときは {name}（☎{telephone}）", "if that fails: {name} (tel {telephone})"),
    "hours-unrecorded": ("受付時間は未収録（電話で確認を）", "opening hours not recorded (ask by phone)"),
    "where-to-look": ("管轄の{kind}は{publisher}「{title}」で確認できます（{url}）",
                      "find the {kind} serving the town in {publisher}'s \"{title}\" ({url})"),
    "where-to-look-unconfirmed": ("管轄の{kind}は{publisher}「{title}」で確認できます（アドレス要確認：{url}）",
                                  "find the {kind} serving the town in {publisher}'s \"{title}\" ({url}; address to be confirmed)"),
    # notes and next steps
    "answered-for-city": ("{ward}は{city}の行政区：{city}として回答", "{ward} is a ward of {city}: answered for {city}"),
    "no-first-contact": ("{municipality}の相談窓口はデータにない", "no consultation window of {municipality} in the data"),
    "nothing-local": ("{municipality}とその連携の場には、合う支援がデータにありません。県と国の窓口を示します",
                      "nothing in {municipality} or its platform fits: the prefecture's and the nation's options follow"),
    "no-fit-at-all": ("条件に合う機関はデータにない", "no organisation in the data fits"),
    "coordinating-left-out": ("連携・調整の機関（{names}）は紹介先から除外", "coordinating bodies left out: {names}"),
    "guess-flagged": ("「推定」は機関の種別から推した分野", "'guess': the domain is typical of the type, not stated"),
    "next-call-first": ("まず{name}に相談し、つなぎを依頼する", "call {name} first and ask them to connect"),
    "next-regional-centre": ("専門的な相談・訪問支援は{name}へ", "specialist consultation and outreach: {name}"),
    "next-regional-centre-unknown": ("{prefecture}のひきこもり地域支援センター（名称・連絡先は未収録）に相談する",
                                     "ask {prefecture}'s hikikomori regional support centre (not in the data)"),
    "next-regional-centre-where": ("専門的な相談・訪問支援は{prefecture}のひきこもり地域支援センターへ（{publisher}「{title}」で確認できます）",
                                   "specialist consultation and outreach: {prefecture}'s hikikomori regional support centre "
                                   "(find it in {publisher}'s \"{title}\")"),
    "next-national": ("全国にある窓口：{names}（最寄りの所在地は未収録：各機関の案内で確認）",
                      "nationwide: {names} (nearest office not in the data: look it up)"),
    "next-age-limit": ("{names}は年齢で対象外：年齢を問わない窓口に相談する",
                       "{names}: outside the age range; ask a window that takes any age"),
    "next-under-working-age": ("就労は15歳から：教育・相談の窓口へ", "work starts at 15: ask an education or consultation window"),
    "next-under-working-age-named": ("就労は15歳から：教育・相談の窓口（{name}、☎{telephone}）へ",
                                     "work starts at 15: ask an education or consultation window ({name}, tel {telephone})"),
    "directory-date": ("全国の名簿は{date}時点（{names}。tsunagu sources で出典）",
                       "national directory as of {date} ({names}; see tsunagu sources)"),
}


def render_reason(reason: Reason, lang: str = "ja") -> str:
    """A reason in a few words of Japanese (``lang="ja"``, the default) or English.

    Parameters
    ----------
    reason : Reason
    lang : {"ja", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> render_reason(Reason("age-outside", {"age": 52, "min": None, "max": 49}))
    '52歳は対象外（49歳まで）'
    >>> render_reason(Reason("age-outside", {"age": 52, "min": None, "max": 49}), "en")
    'age 52 outside up to 49'
    """
    template = _TEMPLATES.get(reason.code)
    if reason.params.get("name") and f"{reason.code}-named" in _TEMPLATES:  # the same step, with a window named
        template = _TEMPLATES[f"{reason.code}-named"]
    if template is None:
        return reason.code
    params = reason.params
    values = {key: _names(params, key, lang) for key in ("needs", "domains", "areas", "names")}
    if "domains" in params and not values["domains"]:
        values["domains"] = "記載なし" if lang == "ja" else "none stated"
    for key in ("scheme", "type", "cohort", "platform", "via", "municipality", "ward", "city", "name", "prefecture",
                "telephone", "publisher", "title", "kind", "url"):
        value = params.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if lang == "ja" else value[1]
        values[key] = "" if value is None else value
    level = params.get("level")
    values["level"] = level_label(level, lang) if level else ""
    values["age"] = params.get("age", "")
    values["year"] = params.get("year", "")
    values["date"] = params.get("date", "")
    values["range"] = _range(params, lang)
    return template[0 if lang == "ja" else 1].format(**values)


def text_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (wide characters count two)."""
    from wcwidth import wcswidth

    width = wcswidth(text)
    return width if width >= 0 else len(text) * 2


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, with … when cut."""
    from wcwidth import wcwidth

    if text_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = max(wcwidth(char), 0)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def _wrap(text: str, width: int, lines: int = 2) -> str:
    """``text`` in at most ``lines`` lines of ``width`` columns, the last one clipped with ….

    Latin words stay whole where they fit; Japanese breaks between any two characters.

    Examples
    --------
    >>> print(_wrap("age 45 within up to 49", 10))
    age 45
    within up…
    """
    import re

    tokens = re.findall(r"[\x21-\x7e]+ *| +|.", text)
    rows, current = [], ""
    for token in tokens:
        if text_width(current + token.rstrip()) <= width:
            current += token
            continue
        if current.strip():
            rows.append(current.rstrip())
            current = ""
        token = token.lstrip()
        while text_width(token.rstrip()) > width:  # a word longer than the column
            cut = clip(token, width + 1)[:-1]
            rows.append(cut)
            token = token[len(cut):]
        current = token
    if current.strip():
        rows.append(current.rstrip())
    if len(rows) > lines:
        rows = rows[:lines - 1] + [clip(" ".join(rows[lines - 1:]) if rows[lines - 1].isascii() else "".join(rows[lines - 1:]),
                                        width)]
    return "\n".join(rows)


def _place_name(option: Option, lang: str) -> str:
    org = option.organisation
    name = org.name if org else ""  # names stay as the sources write them, in either language
    if option.program:
        name = f"{name}：{option.program.name}" if name else option.program.name
    return name


def checked_text(contact: Contact, lang: str = "ja") -> str | None:
    """When the directory last checked a contact, to the month: ``2026-07確認`` (``checked 2026-07``).

    Examples
    --------
    >>> checked_text(Contact(telephone="098-917-5348", checked="2026-07-27"))
    '2026-07確認'
    >>> checked_text(Contact()) is None
    True
    """
    if not contact.checked:
        return None
    month = contact.checked[:7]
    return f"{month}確認" if lang == "ja" else f"checked {month}"


def _contact_text(contact: Contact, lang: str, full: bool = False) -> str:
    parts = []
    if contact.telephone:
        parts.append(("☎" if lang == "ja" else "tel ") + contact.telephone)
        checked = checked_text(contact, lang)
        if checked:
            parts.append(checked)
    if contact.hours and full:
        parts.append(contact.hours)
    if contact.schedule:
        parts.append(contact.schedule)
    if contact.address:
        parts.append(contact.address)
    if not parts and contact.url:
        parts.append(contact.url)
    if not parts:
        parts.append("連絡先未収録" if lang == "ja" else "no contact in the data")
    return " ".join(parts)


def call_reason(call: Call) -> Reason:
    """The number to ring for a first contact, marked when it is not the place's own."""
    return Reason(f"call-{call.whose}", {"telephone": call.telephone, "name": call.place.name})


def first_contact_text(first: FirstContact, lang: str = "ja") -> str:
    """The first contact's number (its own, or marked as its host's, the town hall's or the next window's),
    its hours or 「受付時間は未収録（電話で確認を）」, and its address.

    Examples
    --------
    >>> place = Place("w", "こころの健康相談", "ConsultationWindow")
    >>> hall = Place("t", "三原市役所", "MunicipalOffice", contact=Contact(telephone="0848-64-2111"))
    >>> first_contact_text(FirstContact(place, Reason("first-window"), call=Call("0848-64-2111", "town-hall", hall),
    ...                                 hours_note=Reason("hours-unrecorded")))
    '☎0848-64-2111（三原市役所の代表番号） 受付時間は未収録（電話で確認を）'
    """
    contact = first.place.contact
    parts = [render_reason(call_reason(first.call), lang)] if first.call else []
    checked = checked_text(contact, lang)
    if first.call and first.call.whose == "own" and checked:
        parts.append(checked)
    hours = (first.call.hours if first.call else None) or contact.hours
    parts.append(hours if hours else render_reason(first.hours_note or Reason("hours-unrecorded"), lang))
    if contact.address:
        parts.append(contact.address)
    return " ".join(parts)


def where_reason(where: Mapping[str, Any]) -> Reason:
    """The one line that says where to find an unnamed body: a :class:`Reason` for ``Option.where``.

    Examples
    --------
    >>> render_reason(where_reason({"kind_ja": "ハローワーク", "publisher": "厚生労働省", "title": "全国ハローワークの所在案内",
    ...                             "url": "https://www.mhlw.go.jp/kyujin/hwmap.html", "confirmed": False}))
    '管轄のハローワークは厚生労働省「全国ハローワークの所在案内」で確認できます（アドレス要確認：https://www.mhlw.go.jp/kyujin/hwmap.html）'
    """
    code = "where-to-look" if where.get("confirmed") else "where-to-look-unconfirmed"
    return Reason(code, {"kind": where["kind_ja"], "publisher": where["publisher"], "title": where["title"],
                         "url": where["url"]})


def option_contact_text(option: Option, lang: str = "ja", full: bool = False) -> str:
    """What to show as an option's contact: its phone, hours and address, else the one line saying where to
    look for it (never both "no contact" and "where to look").

    Examples
    --------
    >>> option = Option(1, "b", None, None, "national", 0, [], {}, [], [],
    ...                 where={"kind_ja": "ハローワーク", "publisher": "厚生労働省", "title": "所在案内", "url": "https://x", "confirmed": True})
    >>> option_contact_text(option)
    '管轄のハローワークは厚生労働省「所在案内」で確認できます（https://x）'
    """
    contact = _option_contact(option)
    if option.where and not contact.telephone:
        return render_reason(where_reason(option.where), lang)
    return _contact_text(contact, lang, full)


def _option_contact(option: Option) -> Contact:
    contact = Contact()
    for place in (option.program, option.organisation):
        if place is None:
            continue
        for name in ("telephone", "url", "address", "hours", "schedule", "email"):
            if getattr(contact, name) is None and getattr(place.contact, name):
                setattr(contact, name, getattr(place.contact, name))
    return contact


def _through_text(through: Iterable[Through], lang: str) -> str:
    parts = []
    for item in through:
        for secretariat in item.secretariats:
            phone = f" ☎{secretariat.contact.telephone}" if secretariat.contact.telephone else ""
            if lang == "ja":
                label = "事務局（県の機関）" if item.prefectural else "事務局"
            else:
                label = "secretariat (prefectural body)" if item.prefectural else "secretariat"
            parts.append(f"{label} {secretariat.name}{phone}")
    return _join(parts, lang)


def path_text(path: Sequence[Mapping[str, Any]], lang: str = "ja") -> str:
    """A path in words: ``三原市 ← 対象地域 ← 三原市若者居場所づくり事業 → 委託先 → ちゃんくす``.

    An arrow points the way the edge does; the relation is named in ``lang``.

    Examples
    --------
    >>> path_text([{"id": "m", "name": "三原市", "relation": None},
    ...            {"id": "p", "name": "若者居場所", "relation": "servesArea", "inverse": True, "label": ["対象地域", "serves area"]}])
    '三原市 ←対象地域― 若者居場所'
    """
    parts = [path[0]["name"]] if path else []
    for hop in path[1:]:
        label = hop.get("label") or [hop["relation"], hop["relation"]]
        name = label[0] if lang == "ja" else label[1]
        parts.append(f"←{name}― {hop['name']}" if hop.get("inverse") else f"―{name}→ {hop['name']}")
    return " ".join(parts)


# Column budget of the default table: 順位 and 段階 are narrow, the rest shares what is left.
_HEADERS: dict[str, tuple[str, str, str, str]] = {"ja": ("順位", "機関・事業", "連絡先", "理由"), "en": ("rank", "organisation / program", "contact", "why")}


def _budget(width: int) -> tuple[int, int, int]:
    """Widths of the organisation, contact and reason columns for a table ``width`` columns wide."""
    width = max(width, 60)
    rest = width - 6 - 2 * 3 - 1  # rank column (順位, 参考○), the three gaps tabulate puts between columns, a margin
    organisation = int(rest * 0.34)
    contact = int(rest * 0.26)
    return organisation, contact, rest - organisation - contact


def answer_sections(answer: ReferralAnswer, lang: str = "ja", width: int = 100,
                    table: bool = True) -> dict[str, list[dict[str, str]]]:
    """The answer as titled sections of rows: what ``--format table`` (and csv, xlsx) shows.

    With ``table`` each cell is wrapped to fit a terminal ``width`` columns
    wide; without, cells hold the full text (CSV, spreadsheets).

    Examples
    --------
    >>> answer = ReferralAnswer({"id": "ino", "name": "いの町", "prefecture": "高知県", "code": "393860"},
    ...                         "2026-11-25", None, [], [], [], [])
    >>> list(answer_sections(answer))
    ['回答対象: いの町（高知県・393860）', '選択肢']
    """
    ja = lang == "ja"
    rank_h, name_h, contact_h, why_h = _HEADERS["ja" if ja else "en"]
    organisation_w, contact_w, why_w = _budget(width)

    def cell(text: str, w: int, lines: int = 2) -> str:
        return _wrap(text, w, lines) if table else text

    m = answer.municipality
    title = (f"回答対象: {m['name']}（{m.get('prefecture') or ''}・{m.get('code') or ''}）" if ja
             else f"Answer for: {m['name']} ({m.get('prefecture') or ''}, {m.get('code') or ''})")
    sections = {}
    head = []
    if answer.first_contact:
        first = answer.first_contact
        head.append({rank_h: "最初" if ja else "first", name_h: cell(first.place.name, organisation_w),
                     contact_h: cell(first_contact_text(first, lang), contact_w, 3),
                     why_h: cell(render_reason(first.basis, lang), why_w)})
        if first.next_window is not None:
            window = first.next_window
            head.append({rank_h: "次" if ja else "next", name_h: cell(window.name, organisation_w),
                         contact_h: cell(_contact_text(window.contact, lang, full=True), contact_w),
                         why_h: cell("つながらないときの窓口" if ja else "if the first cannot help", why_w)})
        for item in first.through:
            for secretariat in item.secretariats:
                if secretariat.id != first.place.id:
                    head.append({rank_h: "経由" if ja else "via", name_h: cell(secretariat.name, organisation_w),
                                 contact_h: cell(_contact_text(secretariat.contact, lang, full=True), contact_w),
                                 why_h: cell(render_reason(Reason("first-secretariat", {"platform": item.platform.name}),
                                                           lang), why_w)})
    sections[title] = head
    rows = []
    # a secretariat the first contact's rows already name is not repeated under every option (経由 once)
    named = {s.id for t in (answer.first_contact.through if answer.first_contact else ()) for s in t.secretariats}
    for option in answer.options + answer.fallback:
        why = [render_reason(r, lang) for r in option.reasons[:2]]
        through = _through_text([Through(t.platform, [s for s in t.secretariats if s.id not in named], t.prefectural)
                                 for t in option.through], lang)
        if through:
            why.append(through)
        mark = TIER_MARKS[option.tier]
        rank = f"{option.rank}{mark}" if option in answer.options else ("参考" if ja else "ref") + mark
        rows.append({rank_h: rank, name_h: cell(f"{_place_name(option, lang)}［{level_label(option.level, lang)}］"
                                                 if ja else f"{_place_name(option, lang)} [{level_label(option.level, lang)}]",
                                                 organisation_w),
                     # where to look is said whole, its address included: it is the way to reach the body
                     contact_h: cell(option_contact_text(option, lang), contact_w, 7 if option.where else 3),
                     why_h: cell(("、" if ja else "; ").join(why), why_w, 3)})
    sections["選択肢" if ja else "options"] = rows
    legend = ("◎ 分野・年齢とも明記　○ 制度・機関の目的で対象　△ 種別からの推定" if ja
              else "◎ stated domain and age   ○ by scheme or purpose   △ guessed from the type")
    notes = [{("補足" if ja else "note"): cell(render_reason(r, lang), width - 4)}
             for r in answer.notes + answer.next_steps + directory_notes(answer)]
    if rows:
        notes.append({("補足" if ja else "note"): legend})
    if notes:
        sections["補足・次の一手" if ja else "notes and next steps"] = notes
    if answer.near_misses is not None:
        sections["経路" if ja else "paths"] = [
            {rank_h: str(o.rank), ("経路" if ja else "path"): _wrap(path_text(o.path, lang), width - 10, lines=6) if table
             else path_text(o.path, lang)} for o in answer.options if o.path]
        sections["対象外（理由）" if ja else "near misses"] = [
            {rank_h: str(o.rank), name_h: cell(_place_name(o, lang), organisation_w),
             why_h: cell(("、" if ja else "; ").join(render_reason(r, lang) for r in o.excluded), contact_w + why_w)}
            for o in answer.near_misses]
    return sections


def directory_notes(answer: ReferralAnswer) -> list[Reason]:
    """The reason that says how old the national directory behind ``answer`` is (none without one).

    Examples
    --------
    >>> answer = ReferralAnswer({"id": "m"}, "2026-11-25", None, [], [], [], [],
    ...                         directory={"as_of": "2026-07-28", "lists": [{"title": "くらし支援ナビ",
    ...                                                                       "credit": "くらし支援ナビ（運営: JUNKBRANDING）"}]})
    >>> render_reason(directory_notes(answer)[0])
    '全国の名簿は2026-07-28時点（くらし支援ナビ（運営: JUNKBRANDING）。tsunagu sources で出典）'
    """
    directory = answer.directory
    if not directory or not directory.get("as_of"):
        return []
    names = [item["credit"] for item in directory.get("lists", ())
             if item.get("source") in (None, "fukushi_portal", "hokenjo", "mhlw_jiritsu_2023")]
    more = len(names) > 1
    short = [(names[0] + ("ほか" if more else ""), names[0] + (" and others" if more else ""))] if names else []
    return [Reason("directory-date", {"date": directory["as_of"], "names": short})]


def answer_dict(answer: ReferralAnswer, lang: str = "ja") -> dict[str, Any]:
    """The full answer as JSON-ready data, each reason with its ``text`` in ``lang``; no age, no needs.

    Examples
    --------
    >>> answer = ReferralAnswer({"id": "ino", "name": "いの町"}, "2026-11-25", None, [], [], [], [],
    ...                         person=Person(45, ["employment"]))
    >>> list(answer_dict(answer))
    ['municipality', 'as_of', 'directory', 'first_contact', 'options', 'fallback', 'notes', 'next_steps', 'near_misses']
    """
    data = asdict(answer)
    data.pop("person", None)  # what the caseworker typed about the person stays out of every output

    def with_text(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"code", "params"} and isinstance(value["code"], str):
                return dict(value, text=render_reason(Reason(value["code"], value["params"]), lang))
            return {k: with_text(v) for k, v in value.items()}
        if isinstance(value, list):
            return [with_text(v) for v in value]
        return value

    result = with_text(data)
    order = ["municipality", "as_of", "directory", "first_contact", "options", "fallback", "notes", "next_steps",
             "near_misses"]
    return {key: result[key] for key in order}
