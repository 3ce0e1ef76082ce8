"""The analysts' survey file: one CSV row per municipality, loaded as duty-status facts.

Columns (``tsunagu template survey`` writes an empty file with them):

====================  =====================================================
code                  6-digit local government code (a lost leading zero is restored);
                      may be empty when ``name`` alone names one municipality
name                  the municipality's name, checked against the code
window_clarified      yes / no / empty (unknown): ひきこもり相談窓口の明確化
window_publicised     yes / no / empty: 相談窓口の周知
publicity_methods     how it is publicised: 広報紙, HP, リーフレット... (free text)
needs_survey          yes / no / empty: 実態・ニーズの把握
survey_method         how: 民生委員アンケート, 全戸調査... (free text)
platform              yes / no / empty: 市町村プラットフォームの設置
platform_since        when the platform was set up: 2019-11-01, 2019/11/1, 令和元年11月1日,
                      2019-11 or 2019
wide_area_platform    id of the wide-area platform that serves as it, if any
source                where the row's answers come from (required with any answer)
as_of                 the date the answers hold for (required with any answer)
====================  =====================================================

The file may be UTF-8 (with or without a BOM) or cp932, as Excel saves it;
dates may be typed in any form :func:`tsunagu.loaders.formats.tabular.iso_date`
reads. Only ``code``, the four duties, ``source`` and ``as_of`` are required
columns. A municipality is any in the graph: with ``--municipalities`` every
one in Japan, named by code or by name, without being declared anywhere else.

``yes`` also reads ``y``, ``true``, ``1``, ``はい``, ``○``; ``no`` reads ``n``,
``false``, ``0``, ``いいえ``, ``×``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDF

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.curated import _date_literal, document_iri
from tsunagu.loaders.formats.tabular import csv_records, iso_date
from tsunagu.ontology import ID, TG, entity_iri, load_ontology
from tsunagu.store.rdf import data_graph

__all__ = ["SURVEY_COLUMNS", "DUTY_COLUMNS", "read_survey", "survey_template_rows"]

SURVEY_COLUMNS = ("code", "name", "window_clarified", "window_publicised", "publicity_methods", "needs_survey",
                  "survey_method", "platform", "platform_since", "wide_area_platform", "source", "as_of")
DUTY_COLUMNS = {"window_clarified": "window-clarified", "window_publicised": "window-publicised",
                "needs_survey": "needs-survey", "platform": "platform"}
_OPTIONAL_COLUMNS = {"name", "publicity_methods", "survey_method", "platform_since", "wide_area_platform"}
_METHOD_COLUMNS = {"window_publicised": "publicity_methods", "needs_survey": "survey_method"}
_YES = {"yes", "y", "true", "1", "はい", "○", "◯"}
_NO = {"no", "n", "false", "0", "いいえ", "×"}


def _answer(text):
    value = text.strip().lower()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise ValueError(f"'{text}' is not yes, no or empty")


def _row_code(row, municipalities, by_name, fail):
    """The 6-digit code a row means: its code (Excel may have dropped the leading zero), else its name."""
    raw = row["code"]
    if raw:
        code = raw.zfill(6) if raw.isdigit() else raw
        if code not in municipalities:
            fail(f"no municipality with code '{raw}' in the graph (build with --municipalities)", "code")
            return None
        return code
    name = row["name"]
    if not name:
        fail("give the municipality's code or name", "code")
        return None
    codes = by_name.get(name, [])
    if len(codes) == 1:
        return codes[0]
    if codes:
        fail(f"'{name}' names several municipalities ({', '.join(sorted(codes))}): give the code", "name")
    else:
        fail(f"no municipality called '{name}' in the graph (build with --municipalities)", "name")
    return None


def read_survey(path, municipalities, wide_area_platforms=frozenset()):
    """Duty-status facts from a survey CSV.

    ``municipalities`` maps each code to ``(IRI, Japanese name)``;
    ``wide_area_platforms`` holds the ids of the wide-area platforms in the
    graph. Raises :class:`DataErrors` naming file, line and column.
    """
    path = Path(path)
    ontology = load_ontology()
    errors = []
    graph = data_graph()
    seen = {}
    by_name = {}
    for code, (_, name) in municipalities.items():
        by_name.setdefault(name, []).append(code)
    header, records, _ = csv_records(path)
    missing = [c for c in SURVEY_COLUMNS if c not in header and c not in _OPTIONAL_COLUMNS]
    unknown = [c for c in header if c not in SURVEY_COLUMNS]
    if missing or unknown:
        problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
            [f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
        raise DataError(path, "; ".join(problems) + " (see `tsunagu template survey`)", line=1)
    for line, row in records:
        row = {column: row.get(column, "") for column in SURVEY_COLUMNS}

        def fail(message, column, line=line, row=row):
            errors.append(DataError(path, message, line=line, record=row.get("code") or row.get("name") or None,
                                    field=column))

        code = _row_code(row, municipalities, by_name, fail)
        if code is None:
            continue
        if code in seen:
            fail(f"code {code} again (first at line {seen[code]})", "code")
            continue
        seen[code] = line
        iri, name = municipalities[code]
        if row["name"] and row["name"] != name:
            fail(f"code {code} is {name}, not {row['name']}", "name")
        answers = {}
        for column in DUTY_COLUMNS:
            try:
                answers[column] = _answer(row[column])
            except ValueError as error:
                fail(str(error), column)
        given = {c: a for c, a in answers.items() if a is not None}
        if not given:
            continue
        for column in ("source", "as_of"):
            if not row[column]:
                fail("required when the row answers any duty", column)
        dates = {}
        for column in ("as_of", "platform_since"):
            try:
                dates[column] = _date_literal(iso_date(row[column])) if row[column] else None
            except ValueError as error:
                fail(f"not a valid date: {error}", column)
        if len(dates) < 2:
            continue
        as_of, since = dates["as_of"], dates["platform_since"]
        if given.get("window_publicised") and answers.get("window_clarified") is False:
            fail("publicised, but the window is not clarified", "window_publicised")
        wide = row["wide_area_platform"]
        if wide and wide not in wide_area_platforms:
            fail(f"'{wide}' is not a wide-area platform in the graph", "wide_area_platform")
        if not row["source"] or not row["as_of"]:
            continue
        digest = hashlib.sha1(f"{row['source']}\n{line}".encode("utf-8")).hexdigest()[:16]
        passage = ID[f"source/{digest}"]
        document = document_iri(row["source"])
        graph.add((passage, RDF.type, TG.SourcePassage))
        graph.add((passage, TG.quote, Literal(f"{path.name} line {line}: " + ",".join(row[c] for c in SURVEY_COLUMNS))))
        graph.add((passage, DCTERMS.isPartOf, document))
        graph.add((document, RDF.type, TG.SourceDocument))
        graph.add((document, DCTERMS.identifier, Literal(row["source"])))
        for column, fulfilled in given.items():
            fact = entity_iri(f"survey-{code}-{DUTY_COLUMNS[column]}")
            graph.add((fact, RDF.type, TG.DutyStatus))
            graph.add((fact, TG.ofMunicipality, iri))
            graph.add((fact, TG.duty, ontology.duties[DUTY_COLUMNS[column]]))
            graph.add((fact, TG.fulfilled, Literal(fulfilled)))
            graph.add((fact, TG.asOf, as_of))
            graph.add((fact, PROV.wasDerivedFrom, passage))
            method = row.get(_METHOD_COLUMNS.get(column, ""), "")
            if method:
                graph.add((fact, TG.method, Literal(method)))
            if column == "platform" and since is not None:
                graph.add((fact, TG.since, since))
            if column == "platform" and wide:
                graph.add((fact, TG.widerPlatform, entity_iri(wide)))
    if errors:
        raise DataErrors(errors)
    return graph


def survey_template_rows(graph, prefecture=None):
    """One empty row per municipality (of ``prefecture``), code and name filled in."""
    rows = []
    for node, data in graph.nodes(data=True):
        if "Municipality" not in data.get("types", ()):
            continue
        prefectures = {t for _, t, k in graph.out_edges(node, keys=True) if k == "partOfPrefecture"}
        if prefecture and prefecture not in prefectures:
            continue
        rows.append({column: "" for column in SURVEY_COLUMNS} | {"code": data.get("code", ""), "name": data.get("name", "")})
    return sorted(rows, key=lambda r: r["code"])
