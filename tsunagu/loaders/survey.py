"""The analysts' survey file: one CSV row per municipality, loaded as duty-status facts.

Columns (``tsunagu template survey`` writes an empty file with them):

====================  =====================================================
code                  6-digit local government code (required)
name                  the municipality's name, checked against the code
window_clarified      yes / no / empty (unknown): ひきこもり相談窓口の明確化
window_publicised     yes / no / empty: 相談窓口の周知
publicity_methods     how it is publicised: 広報紙, HP, リーフレット... (free text)
needs_survey          yes / no / empty: 実態・ニーズの把握
survey_method         how: 民生委員アンケート, 全戸調査... (free text)
platform              yes / no / empty: 市町村プラットフォームの設置
platform_since        when the platform was set up: 2019-11-01, 2019-11 or 2019
wide_area_platform    id of the wide-area platform that serves as it, if any
source                where the row's answers come from (required with any answer)
as_of                 the date the answers hold for (required with any answer)
====================  =====================================================

``yes`` also reads ``y``, ``true``, ``1``, ``はい``, ``○``; ``no`` reads ``n``,
``false``, ``0``, ``いいえ``, ``×``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, PROV, RDF

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.curated import _date_literal, document_iri
from tsunagu.ontology import ID, TG, entity_iri, load_ontology

__all__ = ["SURVEY_COLUMNS", "DUTY_COLUMNS", "read_survey", "survey_template_rows"]

SURVEY_COLUMNS = ("code", "name", "window_clarified", "window_publicised", "publicity_methods", "needs_survey",
                  "survey_method", "platform", "platform_since", "wide_area_platform", "source", "as_of")
DUTY_COLUMNS = {"window_clarified": "window-clarified", "window_publicised": "window-publicised",
                "needs_survey": "needs-survey", "platform": "platform"}
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


def read_survey(path, municipalities, wide_area_platforms=frozenset()):
    """Duty-status facts from a survey CSV.

    ``municipalities`` maps each code to ``(IRI, Japanese name)``;
    ``wide_area_platforms`` holds the ids of the wide-area platforms in the
    graph. Raises :class:`DataErrors` naming file, line and column.
    """
    path = Path(path)
    ontology = load_ontology()
    errors = []
    graph = Graph()
    seen = {}
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise DataError(path, f"cannot read: {error.strerror}") from error
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except UnicodeDecodeError as error:
            raise DataError(path, "not UTF-8 text", line=1) from error
        missing = [c for c in SURVEY_COLUMNS if c not in header]
        unknown = [c for c in header if c not in SURVEY_COLUMNS]
        if missing or unknown:
            problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + (
                [f"unknown column(s) {', '.join(unknown)}"] if unknown else [])
            raise DataError(path, "; ".join(problems) + " (see `tsunagu template survey`)", line=1)
        try:
            for line, row in enumerate(reader, start=2):
                row = {k: (v or "").strip() for k, v in row.items() if k is not None}
                if not any(row.values()):
                    continue

                def fail(message, column):
                    errors.append(DataError(path, message, line=line, record=row.get("code") or None, field=column))

                code = row["code"].zfill(6) if row["code"].isdigit() else row["code"]
                if code not in municipalities:
                    fail(f"no municipality with code '{row['code']}' in the graph (build with --municipalities)", "code")
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
                        dates[column] = _date_literal(row[column]) if row[column] else None
                    except ValueError as error:
                        fail(str(error), column)
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
        except UnicodeDecodeError as error:
            raise DataError(path, "not UTF-8 text") from error
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
