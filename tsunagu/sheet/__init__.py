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

__all__ = ["sheet_html", "place_summary", "SHEET_OPTIONS"]

# How many options fit on one A4 page beside the first contact.
SHEET_OPTIONS = 5


def place_summary(place, program=None, lang="ja"):
    """What a place does, in one sentence built from its kind and domains.

    Examples
    --------
    >>> from tsunagu.queries.answers import Place
    >>> place_summary(Place("x", "ハローワーク", "HelloWork", kind_ja="ハローワーク", kind_en="Hello Work",
    ...                     domains=["employment"], domain_names={"employment": ("雇用", "employment")}))
    'ハローワーク。雇用の相談・支援を行う。'
    """
    ja = lang == "ja"
    source = program or place
    names = [source.domain_names.get(d, (d, d))[0 if ja else 1] for d in source.domains]
    kind = (place.kind_ja if ja else place.kind_en) if place else None
    if ja:
        text = f"{kind}。" if kind and kind not in ("機関・団体",) else ""
        if program is not None:
            text += f"「{program.name}」を実施。"
        return text + (f"{'・'.join(names)}の相談・支援を行う。" if names else "")
    text = f"{kind}. " if kind else ""
    if program is not None:
        text += f"Runs {program.name}. "
    return (text + (f"Support for {', '.join(names)}." if names else "")).strip()


def _facts(place):
    """(label, value, source text) rows of a place's contact for the sheet."""
    contact = place.contact
    source = _source_text(contact)
    rows = []
    for label, value in (("電話", contact.telephone), ("受付時間", contact.hours), ("休み", contact.closed_days),
                         ("実施日", contact.schedule), ("所在地", " ".join(filter(None, (
                             f"〒{contact.postal_code}" if contact.postal_code else None, contact.address)))),
                         ("ウェブ", contact.url), ("メール", contact.email),
                         ("相談方法", "・".join(contact.methods) if contact.methods else None)):
        if value:
            rows.append((label, value))
    return rows, source


def _source_text(contact):
    """Each distinct source once, with its date: 「くらし支援ナビ…（2026-07-26時点）」."""
    parts = []
    for source in contact.sources:
        name = source.get("title") or source.get("dataset") or source.get("document")
        date = source.get("as_of") or contact.checked
        text = f"{name}{f'（{date}時点）' if date else ''}"
        if text not in parts:
            parts.append(text)
    if contact.checked and not any(contact.checked in p for p in parts):
        parts.append(f"最終確認 {contact.checked}")
    return "、".join(parts[:3])


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

    from tsunagu.queries.answers import directory_notes, level_label, render_reason

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
        chosen.append({
            "name": place.name, "program": program.name if program else None,
            "summary": place_summary(option.organisation, program, lang) if option.organisation
            else place_summary(option.program, None, lang),
            "level": level_label(option.level, lang), "facts": rows, "source": source,
            "why": "、".join(render_reason(r, lang) for r in option.reasons[:2]),
            "flags": "、".join(render_reason(r, lang) for r in option.flags),
            "through": [(s.name, s.contact.telephone) for s in through],
            "placeholder": place.placeholder or any(f.code == "placeholder" for f in option.flags),
        })
    first = None
    if answer.first_contact:
        place = answer.first_contact.place
        rows, source = _facts(place)
        first = {"name": place.name, "basis": render_reason(answer.first_contact.basis, lang), "facts": rows,
                 "source": source, "summary": place_summary(place, None, lang),
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
        needs = [labels.get(n, (n, n))[0 if lang == "ja" else 1] for n in person.needs]
    steps = [render_reason(r, lang) for r in answer.next_steps]
    notes = [render_reason(r, lang) for r in answer.notes if r.code in ("nothing-local", "no-first-contact",
                                                                        "answered-for-city", "no-fit-at-all")]
    credits = sorted({s["credit"] for o in answer.options + answer.fallback for p in (o.organisation, o.program)
                      if p is not None for s in p.contact.sources if s.get("credit")})
    if answer.first_contact:
        credits = sorted(set(credits) | {s["credit"] for s in answer.first_contact.place.contact.sources
                                         if s.get("credit")})
    directory = [render_reason(r, lang) for r in directory_notes(answer)]
    return env.get_template("sheet.html").render(
        lang=lang, municipality=answer.municipality, as_of=answer.as_of, first=first, options=chosen,
        age=person.age if person else None, needs=needs, steps=steps, notes=notes, credits=credits,
        directory=directory[0] if directory else None)
