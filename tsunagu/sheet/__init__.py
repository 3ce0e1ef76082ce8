"""つなぎシート: one printable A4 page to hand to the person and their family.

:func:`sheet_html` renders a :class:`~tsunagu.queries.answers.ReferralAnswer`
into a self-contained HTML page (Jinja2 template, CSS ``@page`` A4, no
script, no external resource, a Content-Security-Policy that forbids both):
the first contact, then the chosen options, each with its contact, hours,
what it does in a sentence, and the source and date of each fact. It is the
only output that shows the person's age and needs, and only because the
user asked for it.
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["sheet_html", "place_summary", "SHEET_OPTIONS", "document_title", "seed_documents"]

# How many options fit on one A4 page beside the first contact.
SHEET_OPTIONS = 5


def place_summary(place, program=None, lang="ja"):
    """What a place does, in one plain sentence built from its kind and domains.

    Examples
    --------
    >>> from tsunagu.queries.answers import Place
    >>> place_summary(Place("x", "ハローワーク", "HelloWork", kind_ja="ハローワーク", kind_en="Hello Work",
    ...                     domains=["employment"], domain_names={"employment": ("雇用", "employment")}))
    'ハローワーク。仕事についての相談ができます。'
    >>> place_summary(Place("y", "窓口", "SelfRelianceSupportAgency", kind_ja="自立相談支援機関",
    ...                     domains=["consultation", "welfare"], domain_names={}))
    '自立相談支援機関。暮らしについての相談ができます。'
    """
    ja = lang == "ja"
    source = program or place
    kind = (place.kind_ja if ja else place.kind_en) if place else None
    if ja:
        names = [_PLAIN.get(d, source.domain_names.get(d, (d, d))[0]) for d in source.domains]
        names = list(dict.fromkeys(n for n in names if n))
        kind = "全国にある窓口" if place is not None and place.kind == "NationalScheme" else kind
        text = f"{kind}。" if kind and kind not in ("機関・団体",) else ""
        if program is not None:
            text += f"「{program.name}」を行っています。"
        return text + (f"{'・'.join(names)}についての相談ができます。" if names else "相談ができます。")
    names = [source.domain_names.get(d, (d, d))[1] for d in source.domains]
    text = f"{kind}. " if kind else ""
    if program is not None:
        text += f"Runs {program.name}. "
    return (text + (f"Support for {', '.join(names)}." if names else "")).strip()


# Domains in a family's words (None: said by 「相談ができます」 itself).
_PLAIN = {"consultation": None, "welfare": "暮らし", "employment": "仕事", "education": "学校・学び",
          "health": "心と体の健康", "safe-place": "居場所", "family-support": "家族の集まり・学び",
          "outreach": "家への訪問", "supporter-dispatch": "家への訪問", "correction": "立ち直りの支え"}


@lru_cache(maxsize=1)
def seed_documents():
    """Seed file -> {"publisher", "title", "date"}: how the sheet cites a seed (by title and date, from the
    documents' own text), never by its file name.

    Examples
    --------
    >>> seed_documents()["002_551d311390b905b2.txt"]["title"]
    '市町村障害保健福祉担当者会議資料'
    """
    import csv
    from importlib import resources

    text = (resources.files(__name__) / "documents.csv").read_text(encoding="utf-8")
    return {row["document"]: row for row in csv.DictReader(text.splitlines())}


def document_title(source):
    """A source as a family reads it: 「厚生労働省「ひきこもり支援の推進について」（令和3年度）」 for a seed,
    the list's title and the date it was checked for a national list; never a file name.

    Examples
    --------
    >>> document_title({"document": "000_afc4931a99622001.txt"})
    '厚生労働省「ひきこもり支援の推進について」（令和3年度）'
    >>> document_title({"document": "fukushi_portal/offices.csv", "title": "くらし支援ナビ 全国の相談窓口データ",
    ...                 "as_of": "2026-07-27"})
    'くらし支援ナビ 全国の相談窓口データ（2026-07-27時点）'
    """
    known = seed_documents().get(source.get("document") or "")
    if known:
        return f"{known['publisher']}「{known['title']}」（{known['date']}）"
    name = source.get("title") or source.get("credit") or source.get("dataset") or "出典"
    date = source.get("as_of")
    return f"{name}{f'（{date}時点）' if date else ''}"


def _facts(place):
    """(label, value) rows of a place's contact for the sheet, and its sources' text."""
    contact = place.contact
    rows = []
    for label, value in (("電話", contact.telephone), ("受付時間", contact.hours), ("休み", contact.closed_days),
                         ("実施日", contact.schedule), ("所在地", " ".join(filter(None, (
                             f"〒{contact.postal_code}" if contact.postal_code else None, contact.address)))),
                         ("ウェブ", contact.url), ("メール", contact.email)):
        if value:
            rows.append((label, value))
    return rows, _source_text(contact)


def _source_text(contact):
    """Each distinct source once, by title and date."""
    parts = []
    for source in contact.sources:
        text = document_title(source)
        if text not in parts:
            parts.append(text)
    return "、".join(parts[:3])


# The first contact and the next steps in a family's words (the CLI's wording is for caseworkers).
_FIRST = {
    "first-window": "{town}のひきこもり相談窓口です。年齢を問わず、本人でも家族でも相談できます。",
    "first-self-reliance": "暮らしや仕事の困りごとを受け止めて、ほかの窓口へつないでくれる窓口（自立相談支援機関）です。",
    "first-secretariat": "{town}の支援のつなぎ役をしている窓口です。",
    "first-prefectural-agency": "県が{town}のために置いている相談窓口（自立相談支援機関）です。",
    "first-department": "{town}の担当の課です。",
    "first-town-hall": "役所・役場の代表の電話です。「ひきこもりの相談をしたい」と伝えてください。",
    "first-regional-centre": "県のひきこもり専門の相談窓口です。",
}


def _call_text(first):
    """The number to ring, in words: whose it is when it is not the window's own."""
    call = first.call
    if call is None:
        return None
    if call.whose == "own":
        return call.telephone
    return f"{call.telephone}（{call.place.name}の番号です。「{first.place.name}」につないでもらってください）"


def _step_text(reason):
    from tsunagu.queries.answers import render_reason

    p = reason.params
    if reason.code == "next-call-first":
        return f"まず{p['name']}に電話して、困っていることを話してください。合う窓口につないでもらえます。"
    if reason.code == "next-regional-centre":
        return f"専門の相談や家への訪問は、{p['name']}にも頼めます。"
    if reason.code == "next-regional-centre-where":
        return (f"専門の相談や家への訪問は、{p['prefecture']}のひきこもり地域支援センターにも頼めます"
                f"（{p['publisher']}の「{p['title']}」で探せます）。")
    if reason.code == "next-under-working-age" and p.get("name"):
        return f"仕事の支援は15歳からです。いまは学校や相談の窓口（{p['name']}、☎{p['telephone']}）に相談してください。"
    if reason.code == "next-under-working-age":
        return "仕事の支援は15歳からです。いまは学校や相談の窓口に相談してください。"
    if reason.code == "next-age-limit":
        return "年齢で使えない窓口もあります。年齢を問わない窓口（最初の相談先）に相談してください。"
    if reason.code == "next-national":
        return f"全国にある窓口（{render_reason(reason).split('：', 1)[-1].split('（')[0]}）も使えます。近くの場所は最初の相談先に尋ねてください。"
    return render_reason(reason)


def _ages(age):
    """「対象：15〜49歳」 when the option's ages are known, else None."""
    if not age or age.get("basis") in (None, "unstated"):
        return None
    low, high = age.get("min"), age.get("max")
    if low is None and high is None:
        return None
    if low is None:
        return f"{high}歳まで"
    return f"{low}歳から" if high is None else f"{low}〜{high}歳"


def sheet_html(answer, lang="ja", options=SHEET_OPTIONS):
    """The つなぎシート of ``answer`` as one self-contained HTML page (A4, prints on one page).

    Parameters
    ----------
    answer : ReferralAnswer
    lang : {"ja", "en"}
    options : int
        How many ranked options to list after the first contact.

    Returns
    -------
    str
    """
    from jinja2 import Environment, PackageLoader, select_autoescape

    from tsunagu.queries.answers import directory_notes, render_reason

    env = Environment(loader=PackageLoader("tsunagu.sheet", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    chosen = []
    first_id = answer.first_contact.place.id if answer.first_contact else None
    first_through = {s.id for t in (answer.first_contact.through if answer.first_contact else ()) for s in t.secretariats}
    listed = [o for o in answer.options + answer.fallback if not (o.organisation and o.organisation.id == first_id)]
    for option in listed[:options]:
        place = option.organisation or option.program
        program = option.program if option.organisation else None
        rows, source = _facts(place)
        if program is not None:
            program_rows, program_source = _facts(program)
            rows = program_rows + [r for r in rows if r[0] not in {p[0] for p in program_rows}]
            source = "、".join(dict.fromkeys(filter(None, "、".join(filter(None, (program_source, source))).split("、"))))
        # a secretariat already named under the first contact is not repeated under every option
        through = [s for t in option.through for s in t.secretariats if s.id not in first_through]
        where = option.where if not any(label == "電話" for label, _ in rows) else None
        chosen.append({
            "name": place.name, "program": program.name if program else None,
            "summary": place_summary(option.organisation, program, lang) if option.organisation
            else place_summary(option.program, None, lang),
            "facts": rows, "source": source, "ages": _ages(option.age),
            "where": (f"近くの{where['kind_ja']}は、{where['publisher']}の「{where['title']}」（{where['url']}）で探せます。"
                      if where else None),
            "through": [(s.name, s.contact.telephone) for s in through],
            "placeholder": place.placeholder or any(f.code == "placeholder" for f in option.flags),
        })
    first = None
    if answer.first_contact:
        place = answer.first_contact.place
        rows, source = _facts(place)
        contact = answer.first_contact
        if lang == "ja":
            rows = [(label, value) for label, value in rows if label not in ("電話", "受付時間")]
            hours = (contact.call.hours if contact.call else None) or place.contact.hours
            rows = [("電話", _call_text(contact) or "")] * bool(contact.call) + \
                [("受付時間", hours or "受付時間は未収録（電話で確認を）")] + rows
        nxt = contact.next_window
        first = {"name": place.name, "basis": _FIRST.get(contact.basis.code, "").format(town=answer.municipality["name"])
                 if lang == "ja"
                 else render_reason(contact.basis, lang), "facts": rows,
                 "source": source, "summary": "",
                 "next": (nxt.name, nxt.contact.telephone) if nxt is not None else None,
                 "through": [(s.name, s.contact.telephone) for t in answer.first_contact.through
                             for s in t.secretariats if s.id != place.id]}
    person = answer.person
    needs = []
    if person is not None:
        labels = {}
        for option in answer.options + answer.fallback:
            for place in (option.organisation, option.program):
                if place is not None:
                    labels.update(place.domain_names)
        needs = [(_PLAIN.get(n) or labels.get(n, (n, n))[0] if n != "consultation" else "相談") if lang == "ja"
                 else labels.get(n, (n, n))[1] for n in person.needs]
    steps = [_step_text(r) if lang == "ja" else render_reason(r, lang) for r in answer.next_steps]
    plain = {"nothing-local": "町の中には合う窓口が見つかりませんでした。県や国の窓口を紹介します。",
             "no-fit-at-all": "合う窓口が見つかりませんでした。最初の相談先に相談してください。"}
    notes = [plain.get(r.code) or render_reason(r, lang) if lang == "ja" else render_reason(r, lang)
             for r in answer.notes if r.code in ("nothing-local", "no-first-contact", "answered-for-city", "no-fit-at-all")]
    credits = sorted({s["credit"] for o in answer.options + answer.fallback for p in (o.organisation, o.program)
                      if p is not None for s in p.contact.sources if s.get("credit")})
    if answer.first_contact:
        credits = sorted(set(credits) | {s["credit"] for s in answer.first_contact.place.contact.sources
                                         if s.get("credit")})
    directory = [f"連絡先は{r.params['date']}時点の全国の名簿によります" if lang == "ja" else render_reason(r, lang)
                 for r in directory_notes(answer)]
    return env.get_template("sheet.html").render(
        lang=lang, municipality=answer.municipality, as_of=answer.as_of, first=first, options=chosen,
        age=person.age if person else None, needs=needs, steps=steps, notes=notes, credits=credits,
        directory=directory[0] if directory else None)
