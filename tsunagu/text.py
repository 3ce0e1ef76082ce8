"""Display text for answers: what a front end (the CLI, a web page) shows a reader.

The library returns data (:mod:`tsunagu.api`'s dataclasses); this module turns
it into table rows and marks in the reader's language (Japanese by default,
English with ``lang="en"``). Nothing here queries the graph.
"""

from __future__ import annotations

__all__ = [
    "LANGS",
    "STATE_MARKS",
    "LEVEL_MARKS",
    "DUTY_LABELS",
    "DUTY_SHORT",
    "STATUS_LABELS",
    "KIND_LABELS",
    "KIND_SHORT",
    "EVIDENCE_LABELS",
    "set_language",
    "bilingual",
    "english_of",
    "language",
    "say",
    "label",
    "vocabulary",
    "document_label",
    "source_label",
    "count_text",
    "count_cell",
    "tally_rows",
    "tally_table",
    "rollup_rows",
    "rollup_table",
    "coverage_rows",
    "coverage_tables",
    "coverage_legend",
    "coverage_providers",
    "duty_rows",
    "gaps_table",
    "evidence_text",
    "duty_legend",
    "fill_in_lines",
    "attribute_label",
    "error_text",
]

LANGS = ("ja", "en")
STATE_MARKS = {"full": "●", "partial": "◐", "unknown": "?", "none": "·", "no-data": "－"}
LEVEL_MARKS = {"municipality": "M", "platform": "P", "wide-area": "W", "prefecture": "Pr", "national": "N"}

# What a person reads for the keys the data uses: (Japanese, English)
DUTY_LABELS = {
    "window-clarified": ("①窓口の明確化", "① window clarified"),
    "window-publicised": ("①窓口の周知", "① window publicised"),
    "needs-survey": ("②実態把握", "② needs survey"),
    "platform": ("③プラットフォーム", "③ platform"),
}
# The same, short, for the columns of the gaps table (its legend says them in full)
DUTY_SHORT = {
    "window-clarified": ("①明確化", "①clarified"),
    "window-publicised": ("①周知", "①publicised"),
    "needs-survey": ("②実態把握", "②survey"),
    "platform": ("③PF", "③platform"),
}
STATUS_LABELS = {"yes": ("実施", "done"), "no": ("未実施", "not done"), "unknown": ("不明", "not known")}
KIND_LABELS = {"designated": ("指定都市", "designated city"), "core": ("中核市", "core city"), "city": ("市", "city"),
               "ward": ("特別区", "special ward"), "town": ("町", "town"), "village": ("村", "village"),
               "all": ("合計", "all")}
# The same, short, for a table's column (a legend says them in full)
KIND_SHORT = {"designated": ("指定", "desig."), "core": ("中核", "core"), "ward": ("区", "ward"), "village": ("村", "vill.")}
# What the national directory shows of a municipality (tsunagu.queries.duties.duty_evidence): never a duty
EVIDENCE_LABELS = {"self-reliance": ("自立☎", "SR☎"), "town-hall": ("役場☎", "TH☎")}

_LANGUAGE = ["ja"]
_ENGLISH: dict = {}  # a help text in Japanese -> its English (see bilingual)


def bilingual(ja, en):
    """Register ``en`` as the English of the help text ``ja``, and return ``ja``: what the
    command line shows, in English with ``--lang en`` (see :func:`english_of`)."""
    import inspect

    _ENGLISH[inspect.cleandoc(ja)] = inspect.cleandoc(en)
    return ja


def english_of(text):
    """The English registered for the Japanese help ``text`` by :func:`bilingual`, or None."""
    import inspect

    return _ENGLISH.get(inspect.cleandoc(text)) if text else None


def set_language(lang):
    """Make ``lang`` ("ja" or "en") the language of what this process shows a reader."""
    _LANGUAGE[0] = "en" if lang == "en" else "ja"


def language():
    """The language set by :func:`set_language`: ``"ja"`` unless English was asked for."""
    return _LANGUAGE[0]


def say(ja, en, lang=None):
    """``ja`` or ``en``, in ``lang`` or else the language set for the process.

    Examples
    --------
    >>> say("不明", "not known", "en")
    'not known'
    """
    return en if (lang or language()) == "en" else ja


def label(table, key, lang=None):
    """The reader's word for ``key`` in one of the label tables above (the key itself when it has none).

    Examples
    --------
    >>> label(DUTY_LABELS, "platform"), label(STATUS_LABELS, "unknown", "en")
    ('③プラットフォーム', 'not known')
    """
    pair = table.get(key)
    return key if pair is None else say(*pair, lang=lang)


def vocabulary():
    """Labels from the ontology: ``classes`` and ``properties`` (local name -> (ja, en)),
    ``domains`` (notation -> (ja, en)), ``groups`` ([(ja, en, notations)] of the chart's two
    column groups) and ``bands`` (notation -> (ja, en)). Read once."""
    if not _VOCABULARY:
        from rdflib import OWL, RDF, SKOS

        from tsunagu.ontology import load_ontology
        from tsunagu.ontology.namespace import TGD

        ontology = load_ontology()
        graph = ontology.graph

        def pair(iri):
            return ontology.label(iri, "ja"), ontology.label(iri, "en")

        def local(iri):
            return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]

        classes = {local(c): pair(c) for c in graph.subjects(RDF.type, OWL.Class)}
        properties = {local(p): pair(p) for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                      for p in graph.subjects(RDF.type, kind)}
        notations = {iri: notation for notation, iri in ontology.domains.items()}
        groups = []
        for collection in (TGD.HikikomoriSupportFunctions, TGD.CabinetOfficeDomains):
            members = {notations[m] for m in graph.objects(collection, SKOS.member) if m in notations}
            groups.append((*pair(collection), members))
        bands = {row[0]: pair(row[1]) for rows in ontology.age_bands.values() for row in rows}
        _VOCABULARY.update(classes=classes, properties=properties, groups=groups, bands=bands,
                           domains={n: pair(iri) for n, iri in ontology.domains.items()})
    return _VOCABULARY


_VOCABULARY: dict = {}


def kind_label(kind, lang=None):
    """A class's name for a reader (ひきこもり地域支援センター for RegionalSupportCentre)."""
    found = vocabulary()["classes"].get(kind)
    return say(*found, lang=lang) if found and found[0] else kind


def domain_label(notation, lang=None):
    """A support domain's name for a reader (居場所づくり for safe-place)."""
    found = vocabulary()["domains"].get(notation)
    return say(*found, lang=lang) if found and found[0] else notation


def document_label(document, lang=None):
    """A source document as a reader names it: the seeds' meeting materials by their number
    (会議資料 002), anything else as it is titled.

    Examples
    --------
    >>> document_label("002_551d311390b905b2.txt"), document_label("002_551d311390b905b2.txt", "en")
    ('会議資料 002', 'meeting material 002')
    >>> document_label("令和3年度 広島県調査")
    '令和3年度 広島県調査'
    """
    import re

    seed = re.fullmatch(r"(\d{3})_[0-9a-f]{8,}\.txt", document or "")
    if seed:
        return say(f"会議資料 {seed.group(1)}", f"meeting material {seed.group(1)}", lang)
    return document or ""


def source_label(source, lang=None):
    """A source dict (``document``, ``title``...) as a reader names it: a list's title, else the document."""
    return source.get("title") or document_label(source.get("document"), lang)


_WORDS = {
    "ja": {
        "unknown": "不明", "unknown_n": "不明 {n}", "no rows": "0/0",
        "full": "充足（記載の年齢で全体を覆う）", "partial": "一部（年齢の一部のみ）",
        "unknown_state": "不明（年齢の記載なし）", "none": "なし（調べた資料に該当なし：空白）",
        "no-data": "データなし（この市区町村の資源は未収録：空白かどうか不明）",
        "municipality": "市区町村", "platform": "プラットフォーム", "wide-area": "広域", "prefecture": "都道府県",
        "national": "国", "stated": "記載", "not stated": "記載なし", "typical": "種別からの推定（{kind}）",
        "scheme": "制度・機関の目的",
    },
    "en": {
        "unknown": "unknown", "unknown_n": "{n} unknown", "no rows": "0/0",
        "full": "full (the stated ages cover the band)", "partial": "partial (part of the band)",
        "unknown_state": "unknown (age range not stated)", "none": "none (nothing in the sources read: a gap)",
        "no-data": "no data (this municipality's resources are not in the data: gap or not unknown)",
        "municipality": "municipality", "platform": "platform", "wide-area": "wide-area", "prefecture": "prefecture",
        "national": "national", "stated": "stated", "not stated": "not stated", "typical": "typical of {kind}",
        "scheme": "by scheme or purpose",
    },
}


def _words(lang):
    return _WORDS["en" if lang == "en" else "ja"]


def count_text(count, lang="ja"):
    """One tally cell: ``448/735 (61.0%)``; with unknowns, never a percentage of a guess.

    Examples
    --------
    >>> from tsunagu.queries.tally import Count
    >>> count_text(Count(448, 287, 0))
    '448/735 (61.0%)'
    >>> count_text(Count(0, 0, 20))
    '不明 (20)'
    >>> count_text(Count(1, 0, 734), lang="en")
    '1/735 (734 unknown)'
    """
    words = _words(lang)
    if not count.total:
        return words["no rows"]
    if not count.known:
        return f"{words['unknown']} ({count.total})"
    if count.unknown:
        return f"{count.yes}/{count.total} ({words['unknown_n'].format(n=count.unknown)})"
    return f"{count.yes}/{count.total} ({100 * count.yes / count.total:.1f}%)"


def count_cell(count, lang=None):
    r"""A tally cell for a screen: the count on one line, the share or the unknowns under it.

    Examples
    --------
    >>> from tsunagu.queries.tally import Count
    >>> count_cell(Count(448, 287, 0))
    '448/735\n(61.0%)'
    >>> count_cell(Count(1, 0, 734), "en")
    '1/735\n(734 not known)'
    """
    if not count.total:
        return "0/0"
    if not count.known:
        return say(f"不明\n({count.total})", f"not known\n({count.total})", lang)
    if count.unknown:
        return f"{count.yes}/{count.total}\n" + say(f"(不明 {count.unknown})", f"({count.unknown} not known)", lang)
    return f"{count.yes}/{count.total}\n({100 * count.yes / count.total:.1f}%)"


def tally_rows(rows, lang="ja"):
    """Rows for :func:`tsunagu.queries.tally.duty_tally`'s rows as CSV carries them: duty and source keys
    (``window-clarified``, ``graph`` or ``survey 2020-05 (002)``) that scripts read, one cell per column."""
    out = []
    for row in rows:
        source = "graph" if row.source == "graph" else f"survey {row.as_of} (002)"  # a key scripts read too
        out.append({"duty": row.duty, "source": source} | {c: count_text(n, lang) for c, n in row.counts.items()})
    return out


_COLUMN_LABELS = {"指定都市": "designated", "中核市": "core", "市・区": "city/ward", "町・村": "town/village", "合計": "all"}


def _survey_name(as_of, lang):
    year, _, month = (as_of or "").partition("-")
    return say(f"国の調査 {year}年{int(month)}月" if month else "国の調査",
               f"national survey {as_of}" if as_of else "national survey", lang)


def tally_table(rows, lang=None, short=False):
    """The tally as a person reads it: duty and source in words, each cell two short lines.

    ``short``: the duties by their short names (①明確化), for a terminal; :func:`tally_legend`
    says them in full. A web page has the room for the full names (①窓口の明確化).
    """
    out = []
    for row in rows:
        source = say("このデータ", "this data", lang) if row.source == "graph" else _survey_name(row.as_of, lang)
        flat = {say("取組", "duty", lang): label(DUTY_SHORT if short else DUTY_LABELS, row.duty, lang),
                say("出典", "source", lang): source}
        for column, count in row.counts.items():
            flat[say(column, _COLUMN_LABELS.get(column, column), lang)] = count_cell(count, lang)
        out.append(flat)
    return out


def tally_legend(lang=None):
    """What a tally cell says, and that an unknown is never a "not done"."""
    return [duty_legend(lang),
            say("a/b = 実施が分かっている市区町村 / その種別の市区町村（周知は明確化した窓口のうち）。",
                "a/b = municipalities known to have done it / all of that kind (publicised: of the clarified).", lang),
            say("不明 = 実施とも未実施とも分からない数。未実施には数えず、割合も出しません。",
                "not known = neither done nor not done is known; never counted as not done, no share given.", lang)]


def rollup_rows(rows, by="kind", lang="ja"):
    """Rows for :func:`tsunagu.queries.duties.duty_rollup` as CSV carries them: each duty's cell, the survey's beside it."""
    out = []
    for row in rows:
        flat = {by: row.group, "municipalities": row.municipalities}
        for duty, count in row.counts.items():
            flat[duty] = count_text(count, lang)
            if duty in row.survey:
                flat[f"{duty} survey 2020-05"] = count_text(row.survey[duty], lang)
        out.append(flat)
    return out


def rollup_table(rows, by="kind", lang=None, survey_as_of=None):
    """The roll-up as a person reads it: one section per duty, a row per group, the survey beside.

    ``survey_as_of`` (``2020-05``) dates the survey's column; the caller passes it, as this module
    imports no query (the tally query reads :func:`tally_rows` from here).
    """
    group_header = say("種別", "kind", lang) if by == "kind" else say("都道府県", "prefecture", lang)
    sections = {}
    duties = list(rows[0].counts) if rows else []
    for duty in duties:
        table = []
        for row in rows:
            group = label(KIND_LABELS, row.group, lang) if by == "kind" or row.group == "all" else row.group
            flat = {group_header: group, say("市区町村数", "municipalities", lang): row.municipalities,
                    say("このデータ（実施/総数）", "this data (done/all)", lang): count_text(row.counts[duty], lang)}
            if any(duty in r.survey for r in rows):
                flat[_survey_name(survey_as_of, lang)] = count_text(row.survey[duty], lang) if duty in row.survey else ""
            table.append(flat)
        sections[label(DUTY_LABELS, duty, lang)] = table
    sections[say("凡例", "legend", lang)] = tally_legend(lang)
    return sections


def _band(band, lang):
    return band  # the row key ("40-49") reads the same in both languages and lines up in a column


def coverage_rows(coverage, domains=None, lang=None):
    """One row per age band, one column per domain (``domains``: only these), cells like ``●M``."""
    by_key = {(c.band, c.domain): c for c in coverage.cells}
    rows = []
    for band in coverage.bands:
        row = {say("年齢", "ages", lang): _band(band, lang)}
        for domain, name in coverage.columns:
            if domains is not None and domain not in domains:
                continue
            cell = by_key[(band, domain)]
            row[name if (lang or language()) == "ja" else domain_label(domain, "en")] = \
                STATE_MARKS[cell.state] + (LEVEL_MARKS[cell.level] if cell.level else "")
        rows.append(row)
    return rows


def coverage_tables(coverage, lang=None):
    """The matrix split by the chart's two column groups (the hikikomori support project's
    functions, the Cabinet Office's five domains): ``{title: rows}``, so each fits a screen."""
    place = coverage.municipality.name
    sections = {}
    shown = set()
    for ja, en, members in vocabulary()["groups"]:
        domains = [d for d, _ in coverage.columns if d in members]
        if domains:
            title = say(f"{place} の年齢×分野: {ja}", f"coverage of {place}: {en}", lang)
            sections[title] = coverage_rows(coverage, set(domains), lang)
            shown.update(domains)
    rest = [d for d, _ in coverage.columns if d not in shown]
    if rest:
        sections[say(f"{place} の年齢×分野: その他", f"coverage of {place}: other", lang)] = coverage_rows(coverage, set(rest), lang)
    return sections


def coverage_legend(lang="ja"):
    """What each mark of the coverage matrix means: rows of mark and meaning."""
    words = _words(lang)
    mark, meaning = say("記号", "mark", lang), say("意味", "meaning", lang)
    rows = [{mark: STATE_MARKS[s], meaning: words["unknown_state" if s == "unknown" else s]} for s in STATE_MARKS]
    rows += [{mark: m, meaning: words[level]} for level, m in LEVEL_MARKS.items()]
    return rows


def _age_words(age, lang):
    """``15-39`` -> 15〜39歳, ``0-`` -> 0歳以上, ``-49`` -> 49歳まで (English: 15-39, 0 and over, up to 49)."""
    if age == "not stated":
        return _words(lang)["not stated"]
    low, _, high = age.partition("-")
    if low and high:
        return say(f"{low}〜{high}歳", f"{low}-{high}", lang)
    if low:
        return say(f"{low}歳以上", f"{low} and over", lang)
    return say(f"{high}歳まで", f"up to {high}", lang) if high else age


def coverage_providers(coverage, lang="ja"):
    """Each provider once, with the domains it fills in the matrix and how that is known, in words."""
    words = _words(lang)
    providers = {}
    for cell in coverage.cells:
        for p in cell.providers:
            how = words["typical"].format(kind=kind_label(p.kind, lang)) if p.how == "typical" else words[p.how]
            entry = providers.setdefault(p.id, {say("機関・事業", "organisation or program", lang): p.name,
                                                say("段階", "tier", lang): words[p.level],
                                                say("対象年齢", "ages served", lang): _age_words(p.age, lang),
                                                "_domains": [],
                                                say("根拠", "known from", lang): how})
            if cell.domain not in entry["_domains"]:
                entry["_domains"].append(cell.domain)
    domains_key = say("分野", "domains", lang)
    out = []
    for entry in providers.values():
        row = {k: v for k, v in entry.items() if k != "_domains"}
        named = say("、", ", ", lang).join(domain_label(d, lang) for d in entry["_domains"])
        out.append(dict(list(row.items())[:3] + [(domains_key, named)] + list(row.items())[3:]))
    return out


def duty_rows(rows, evidence=None):
    """Flat rows for :class:`tsunagu.api.DutyRow` as CSV carries them (machine keys, ids): each duty,
    its as-of date and its first source; with ``evidence`` (id -> items of
    :func:`tsunagu.queries.duties.duty_evidence`) the directory's windows after them."""
    out = []
    for row in rows:
        flat = {"id": row.id, "name": row.name, "code": row.code, "prefecture": row.prefecture, "kind": row.kind}
        for duty, fact in row.duties.items():
            flat[duty] = fact.status
            flat[f"{duty} as of"] = fact.as_of
            flat[f"{duty} source"] = fact.source
        if evidence is not None:
            items = {item["kind"]: item for item in evidence.get(row.id, ())}
            for kind in EVIDENCE_LABELS:
                item = items.get(kind) or {}
                flat[f"evidence {kind}"] = item.get("name")
                flat[f"evidence {kind} telephone"] = item.get("telephone")
                flat[f"evidence {kind} source"] = item.get("source")
                flat[f"evidence {kind} as of"] = item.get("as_of")
        out.append(flat)
    return out


def evidence_text(items, lang=None):
    """The evidence cell: what the directory shows (自立☎ 役場☎), or a dash."""
    kinds = {item["kind"] for item in items or ()}
    return " ".join(label(EVIDENCE_LABELS, kind, lang) for kind in EVIDENCE_LABELS if kind in kinds) or "－"


# What the short duty headers stand for, in the legend under the gaps table
_DUTY_WORDS = {
    "window-clarified": ("相談窓口の明確化", "consultation window clarified"),
    "window-publicised": ("相談窓口の周知", "window publicised"),
    "needs-survey": ("実態・ニーズの把握", "needs survey"),
    "platform": ("プラットフォームの設置", "platform set up"),
}


def duty_legend(lang=None):
    """The line that says what the short duty headers (:data:`DUTY_SHORT`) stand for."""
    return say("取組: ", "duties: ", lang) + say("、", "; ", lang).join(
        f"{label(DUTY_SHORT, duty, lang)} = {say(*_DUTY_WORDS[duty], lang=lang)}" for duty in DUTY_SHORT)


def _split_source(text):
    """A DutyFact's source text ``document: quote`` as (document, quote)."""
    document, sep, quote = (text or "").partition(": ")
    return (document, quote) if sep else (text or "", "")


def fill_in_lines(prefecture=None, lang=None):
    """How a prefecture fills what is not known: the survey to download, fill in and import."""
    pref = prefecture or say("都道府県名", "PREFECTURE", lang)
    slug = prefecture or "survey"
    return [
        say("「不明」は、このデータに実施とも未実施とも記録がないことです（未実施ではありません）。",
            "\"not known\" means the data records neither done nor not done (it is not \"not done\").", lang),
        say("都道府県は市区町村の回答を調査票に記入して取り込めます（市区町村ごとに1行、コードと名前は記入済み）:",
            "A prefecture fills it in from its municipalities' answers (one row each, code and name filled in):", lang),
        f"  tsunagu template survey --prefecture {pref} -o {slug}.csv",
        f"  tsunagu build --survey {slug}.csv",
        say("Excel のブックなら（窓口・プラットフォーム・取組状況のシート）:",
            "Or as an Excel workbook (windows, platform and duty sheets):", lang),
        f"  tsunagu template workbook --prefecture {pref} -o {slug}.xlsx",
        f"  tsunagu build {slug}.xlsx",
    ]


def gaps_table(rows, evidence=None, prefecture=None, lang=None):
    """The duties as a person reads them: one row per municipality, each duty 実施 / 未実施 / 不明
    with a numbered note giving its source and date, the directory's evidence in a column of its
    own (never a duty), then the notes, a legend and how to fill in what is not known.

    Parameters
    ----------
    rows : list of tsunagu.api.DutyRow
    evidence : dict, optional
        Municipality id -> items of :func:`tsunagu.queries.duties.duty_evidence`; None leaves
        the column out (a build without the national directory, or a Bolt server).
    prefecture : str, optional
        The prefecture asked for, named in the commands that fill the rest in.

    Returns
    -------
    dict
        Sections: the table, 出典 (notes), 凡例 and 不明を埋めるには.
    """
    notes = {}
    table = []
    has_evidence = bool(evidence) and any(evidence.values())
    # one prefecture's towns (--prefecture, or one town): the prefecture goes in the title, not a column
    prefectures = {row.prefecture for row in rows}
    one_prefecture = prefectures.pop() if len(prefectures) == 1 else None
    # A national table is 17,000 rows of a few kinds and facts: each header, kind and fact's cell is
    # worded once (the notes numbered in the order the rows meet them, as before).
    code, name, prefecture_ = say("コード", "code", lang), say("市区町村", "municipality", lang), say("都道府県", "prefecture", lang)
    kind_, directory = say("種別", "kind", lang), say("一覧の窓口", "directory", lang)
    kinds, duty_heads, cells = {}, {}, {}
    for row in rows:
        flat = {code: row.code, name: row.name}
        if not one_prefecture:
            flat[prefecture_] = row.prefecture
        kind = kinds.get(row.kind)
        if kind is None:
            kind = kinds[row.kind] = label(KIND_SHORT if row.kind in KIND_SHORT else KIND_LABELS, row.kind, lang)
        flat[kind_] = kind
        for duty, fact in row.duties.items():
            cell = cells.get(fact)
            if cell is None:
                cell = label(STATUS_LABELS, fact.status, lang)
                if fact.status != "unknown" and (fact.source or fact.as_of):
                    document, quote = _split_source(fact.source)
                    key = (document_label(document, lang), fact.as_of or "", quote)
                    cell += f"[{notes.setdefault(key, len(notes) + 1)}]"
                cells[fact] = cell
            head = duty_heads.get(duty)
            if head is None:
                head = duty_heads[duty] = label(DUTY_SHORT, duty, lang)
            flat[head] = cell
        if has_evidence:
            flat[directory] = evidence_text(evidence.get(row.id), lang)
        table.append(flat)
    title = say("3つの取組（市区町村ごと）", "the three duties, by municipality", lang)
    if one_prefecture:
        title = say(f"3つの取組（{one_prefecture}の市区町村）", f"the three duties, municipalities of {one_prefecture}", lang)
    sections = {title: table}
    if notes:
        sections[say("出典", "sources", lang)] = [
            {say("注", "note", lang): f"[{number}]", say("時点", "as of", lang): as_of or say("日付なし", "undated", lang),
             say("資料", "document", lang): document, say("引用", "quote", lang): quote}
            for (document, as_of, quote), number in notes.items()]
    legend = [duty_legend(lang),
              say("実施[n]・未実施[n] = 出典のある事実（[n] は出典の注）。不明 = 記録なし。",
                  "done[n], not done[n] = a fact with a source (note [n]). not known = nothing recorded.", lang),
              say("種別: 指定 = 指定都市、中核 = 中核市、区 = 特別区。", "kind: desig. = designated city, "
                  "core = core city, vill. = village.", lang)]
    if has_evidence:
        # each list once, with the span of its rows' dates (a list is gathered over some days)
        lists = {}
        for item in (item for items in evidence.values() for item in items):
            lists.setdefault(item["source"], set()).add(item["as_of"] or "")
        legend.append(say("一覧の窓口 = 全国の一覧にある窓口（参考）。3つの取組の実施には数えません。",
                          "directory = windows the national lists show (for reference); never counted as a duty.", lang))
        legend.append(say("  自立☎ = 電話番号のある自立相談支援機関（ひきこもりの相談も受け止める窓口）",
                          "  SR☎ = a self-reliance support agency with a phone (takes hikikomori "
                          "consultations too)", lang))
        legend.append(say("  役場☎ = 役所・役場の代表電話", "  TH☎ = the town hall's main phone", lang))
        for title, days in sorted(lists.items(), key=lambda item: str(item[0])):
            days = sorted(day for day in days if day)
            span = days[0] if len(days) == 1 else f"{days[0]}〜{days[-1]}" if days else say("日付なし", "undated", lang)
            legend.append("  " + say(f"出典: {title}（{span} 時点）", f"source: {title} (as of {span})", lang))
    sections[say("凡例", "legend", lang)] = legend
    if any(fact.status == "unknown" for row in rows for fact in row.duties.values()):
        sections[say("不明を埋めるには", "filling in what is not known", lang)] = fill_in_lines(prefecture, lang)
    return sections


def relation_label(relation, lang=None):
    """A relation's name for a reader (担当地域 for servesArea), from the ontology."""
    found = vocabulary()["properties"].get(relation)
    return say(*found, lang=lang) if found and found[0] else relation


# Attributes shown for an entity that are not properties of the ontology (projected names)
_ATTRIBUTE_LABELS = {"kind": ("種類", "kind"), "name": ("名称", "name"), "name_en": ("英語名", "English name"),
                     "kana": ("よみ", "reading"), "code": ("コード", "code"), "id": ("ID", "id")}


def attribute_label(key, lang=None):
    """An entity's attribute for a reader (名称 for name, 対象地域 for servesArea): the key when it has no word."""
    found = _ATTRIBUTE_LABELS.get(key) or vocabulary()["properties"].get(key)
    return say(*found, lang=lang) if found and found[0] else key


def entity_sections(entity, lang=None):
    """What ``show`` puts on screen for a :class:`tsunagu.api.Entity`: its facts, its neighbours and its
    sources, with the ontology's words for classes and relations (the ids stay in JSON)."""
    field, value = say("項目", "field", lang), say("内容", "value", lang)
    facts = []
    for key, item in entity.attributes.items():
        if key == "id":
            continue
        shown = kind_label(item, lang) if key == "kind" else item
        facts.append({field: attribute_label(key, lang), value: shown})
    neighbours = [{say("向き", "direction", lang): n.get("direction"),
                   say("関係", "relation", lang): relation_label(n.get("relation"), lang),
                   say("名称", "name", lang): n.get("name") or "",
                   say("種類", "kind", lang): kind_label(n.get("kind"), lang),
                   say("推論", "inferred", lang): say("推論", "inferred", lang) if n.get("inferred") else ""}
                  for n in entity.neighbours]
    sources = [{say("資料", "document", lang): source_label(s, lang), say("引用", "quote", lang): s.get("quote")}
               for s in entity.sources]
    return {say("事実", "facts", lang): facts, say("つながり", "neighbours", lang): neighbours,
            say("出典", "sources", lang): sources}


def _without_id(described):
    """``那覇市 (沖縄県, 472018, id m-472018)`` -> ``那覇市 (沖縄県, 472018)``: the code names it; an
    entity without a code keeps its id, the only other way to name it."""
    import re

    return re.sub(r"(\d{6}), id [^,)]+\)$", r"\1)", described)


def error_text(error, lang=None, listed=True):
    """A library error in the reader's language: the exceptions carry what was typed and what
    would fit, and their own text holds both languages and the ids that scripts match on.

    ``listed``: the places a :class:`~tsunagu.exceptions.NameNotFound` suggests or an
    :class:`~tsunagu.exceptions.AmbiguousName` fits are named in the text (the command line);
    False leaves them to the caller (a web page lists them as links).

    Examples
    --------
    >>> from tsunagu.exceptions import NameNotFound
    >>> error_text(NameNotFound("那覇氏", ["那覇市 (沖縄県, 472018, id m-472018)"]))
    '「那覇氏」はデータにありません。もしかして: 那覇市 (沖縄県, 472018)'
    >>> error_text(NameNotFound("那覇氏", ["那覇市 (沖縄県, 472018, id m-472018)"]), "en", listed=False)
    "No entity called '那覇氏' in the graph."
    """
    from tsunagu.exceptions import (AmbiguousName, InvalidAge, InvalidDate, NameNotFound, NotAMunicipality, UnknownNeed,
                                    WrongCheckDigit)

    if isinstance(error, WrongCheckDigit):
        return say(f"コード {error.text} は検査数字（6桁目）が違います: {error.name} のコードは {error.right_code} です",
                   f"wrong check digit in {error.text}: {error.name} is {error.right_code}", lang)
    if isinstance(error, NameNotFound):
        if error.suggestions and not listed:
            return say(f"「{error.text}」はデータにありません。", f"No entity called '{error.text}' in the graph.", lang)
        names = [_without_id(s) for s in error.suggestions]
        if names:
            return say(f"「{error.text}」はデータにありません。もしかして: {'、'.join(names)}",
                       f"No entity called '{error.text}' in the graph. Did you mean: {', '.join(names)}?", lang)
        return say(f"「{error.text}」はデータにありません。名前（漢字・かな）か6桁コードを確かめてください。",
                   f"No entity called '{error.text}' in the graph: check the name (kanji or kana) or the 6-digit code.",
                   lang)
    if isinstance(error, AmbiguousName):
        import re

        if not listed:
            return say(f"「{error.text}」に当たるものが複数あります。次のどれかを選んでください。",
                       f"'{error.text}' is ambiguous; choose one of these:", lang)
        names = "\n".join(f"  {_without_id(c)}" for c in error.candidates)
        # a town shared by two prefectures is also named with its prefecture (広島県府中市)
        town = re.match(r"(.+?) \((.+?), \d{6}", error.candidates[0]) if error.candidates else None
        ja_example = f"か、都道府県名を付けた名前（{town.group(2)}{town.group(1)}）" if town else ""
        en_example = f" or the name with its prefecture ({town.group(2)}{town.group(1)})" if town else ""
        return say(f"「{error.text}」に当たるものが複数あります。次のどれかのコード{ja_example}で指定してください:\n{names}",
                   f"'{error.text}' is ambiguous; give the code{en_example} of one of:\n{names}", lang)
    if isinstance(error, NotAMunicipality):  # the library's own text names the class by its id (Prefecture)
        what = kind_label(error.kind, lang) if error.kind in vocabulary()["classes"] else None
        return say((f"「{error.text}」は{what}の名前です。" if what else f"「{error.text}」は市区町村ではありません。")
                   + "市区町村の名前か6桁のコードを指定してください。",
                   f"'{error.text}' is not a municipality{f' ({what})' if what else ''}: "
                   "give a municipality's name or its 6-digit code.", lang)
    if isinstance(error, InvalidAge):
        return say(str(error), f"The age '{error.age}' must be a whole number from 0 to 130.", lang)
    if isinstance(error, InvalidDate):
        return say(str(error), f"The date '{error.day}' must be YYYY-MM-DD (e.g. 2026-04-01).", lang)
    if isinstance(error, UnknownNeed):
        if not error.need:
            return say("ニーズを1つ以上指定してください（--need 相談 など）。", "give at least one need (--need consultation, ...).",
                       lang)
        known = [domain_label(notation, lang) for notation in error.known]
        return say(f"ニーズ「{error.need}」は支援分野にありません。使えるもの: {'、'.join(known)}",
                   f"'{error.need}' is not a support domain. Known: {', '.join(known)}", lang)
    return str(error)
