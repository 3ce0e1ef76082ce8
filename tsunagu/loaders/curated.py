"""The curated YAML format (see ``tsunagu/data/FORMAT.md``) to RDF.

Reading happens in two steps so that every problem is reported with its file,
line, record and field: :func:`read_curated` checks one file on its own, then
:func:`curated_to_rdf` checks what needs every file at once (duplicate ids,
references, the class of what a reference points at) and only then writes
triples. Nothing is returned unless every file is clean.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.formats.yaml import LocatedDict, load_yaml
from tsunagu.ontology import ID, SDO, TG, canonical, entity_iri, load_ontology
from tsunagu.store.rdf import adder, data_graph

__all__ = [
    "Record",
    "Source",
    "CuratedFile",
    "read_curated",
    "curated_from_data",
    "curated_to_rdf",
    "Conversion",
    "check_digit",
    "parse_age",
    "document_iri",
]

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_AGE_PATTERN = re.compile(r"^\s*(\d{1,3})?\s*-\s*(\d{1,3})?\s*$")
_DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_MAX_AGE = 130


@dataclass(frozen=True)
class Spec:
    """How one YAML field becomes triples."""

    predicate: URIRef
    kind: str  # text, texts, int, number, bool, date, code, age, domains, duty, class, ref, refs
    on: tuple = ()  # class local names the field is allowed on ((): any)
    inverse: bool = False  # the record is the object of the triple
    target: str | None = None  # class local name a reference must point at
    lang: str | None = None

    def __post_init__(self):
        # the process's one object for the predicate (ontology.canonical): the store then finds it by
        # identity, where ``TG.servesArea`` read anew compares through rdflib's ``__eq__``
        object.__setattr__(self, "predicate", canonical(self.predicate))


FIELDS = {
    "name": Spec(RDFS.label, "text", lang="ja"),
    "name_en": Spec(RDFS.label, "text", lang="en"),
    "kana": Spec(TG.kana, "text"),
    "note": Spec(TG.note, "text"),
    "code": Spec(TG.code, "code", on=("Prefecture", "Municipality")),
    "prefecture": Spec(TG.partOfPrefecture, "ref", on=("Municipality",), target="Prefecture"),
    "population": Spec(TG.population, "int", on=("Area",)),
    "population_as_of": Spec(TG.populationAsOf, "date", on=("Area",)),
    "members": Spec(TG.memberOf, "refs", on=("Agent",), inverse=True, target="Agent"),
    "secretariat": Spec(TG.secretariatOf, "ref", on=("Platform",), inverse=True, target="Agent"),
    "built_on": Spec(TG.builtOn, "refs", on=("Platform",), target="ExistingBody"),
    "member_of": Spec(TG.memberOf, "refs", on=("Agent",), target="Agent"),
    "secretariat_of": Spec(TG.secretariatOf, "refs", on=("Agent",), target="Platform"),
    "advises": Spec(TG.advises, "refs", on=("Agent",), target="Agent"),
    "serves": Spec(TG.servesArea, "refs", on=("Agent", "Program"), target="Area"),
    "located_in": Spec(TG.locatedIn, "ref", on=("Agent",), target="Area"),
    "hosted_by": Spec(TG.hostedBy, "ref", on=("Agent",), target="Agent"),
    "satellite_of": Spec(TG.satelliteOf, "ref", on=("RegionalSupportCentreSatellite",), target="RegionalSupportCentre"),
    "runs": Spec(TG.runs, "refs", on=("Agent",)),
    "run_by": Spec(TG.runs, "refs", on=("Program", "Agent"), inverse=True, target="Agent"),
    "entrusted_to": Spec(TG.entrustedTo, "refs", on=("Program",), target="Agent"),
    "scheme": Spec(TG.underScheme, "ref", on=("Program",), target="NationalScheme"),
    "delivered_by_type": Spec(TG.deliveredByType, "class", on=("Program",)),
    "municipality": Spec(TG.ofMunicipality, "ref", on=("DutyStatus", "ConsultationWindow"), target="Municipality"),
    "age": Spec(TG.targetsAge, "age", on=("Program", "Agent")),
    "domains": Spec(TG.coversDomain, "domains", on=("Program", "Agent")),
    "chart_row": Spec(TG.chartRow, "text", on=("Program", "Agent")),
    "subsidy_rate": Spec(TG.subsidyRate, "text", on=("Program",)),
    "schedule": Spec(TG.schedule, "text", on=("Program",)),
    "address": Spec(TG.address, "text", on=("Program", "Agent")),
    # Contacts (schema.org terms; the ontology names each one's HSDS 3.0 field).
    "telephone": Spec(SDO.telephone, "text", on=("Program", "Agent")),
    "fax": Spec(SDO.faxNumber, "text", on=("Program", "Agent")),
    "email": Spec(SDO.email, "text", on=("Program", "Agent")),
    "url": Spec(SDO.url, "text", on=("Program", "Agent")),
    "postal_code": Spec(SDO.postalCode, "text", on=("Program", "Agent")),
    "opening_hours": Spec(SDO.openingHours, "text", on=("Program", "Agent")),
    "closed_days": Spec(TG.closedDays, "text", on=("Program", "Agent")),
    "access_methods": Spec(TG.accessMethod, "texts", on=("Program", "Agent")),
    "languages": Spec(SDO.availableLanguage, "texts", on=("Program", "Agent")),
    "accessibility": Spec(TG.accessibility, "text", on=("Program", "Agent")),
    "eligibility": Spec(TG.eligibility, "text", on=("Program", "Agent")),
    "last_checked": Spec(TG.lastChecked, "date", on=("Program", "Agent")),
    "since": Spec(TG.since, "date", on=("Platform", "Program", "DutyStatus", "Agent")),
    "duty": Spec(TG.duty, "duty", on=("DutyStatus", "SurveyFigure")),
    "fulfilled": Spec(TG.fulfilled, "bool", on=("DutyStatus",)),
    "as_of": Spec(TG.asOf, "date", on=("DutyStatus", "SurveyFigure")),
    "method": Spec(TG.method, "text", on=("DutyStatus",)),
    "wide_area_platform": Spec(TG.widerPlatform, "ref", on=("DutyStatus",), target="WideAreaPlatform"),
    "program": Spec(TG.ofProgram, "ref", on=("AnnualFigure",), target="Program"),
    "fiscal_year": Spec(TG.fiscalYear, "int", on=("AnnualFigure",)),
    "measure": Spec(TG.measure, "text", on=("AnnualFigure",)),
    "value": Spec(TG.value, "number", on=("AnnualFigure", "SurveyFigure")),
    "total": Spec(TG.total, "int", on=("SurveyFigure",)),
    "area": Spec(TG.ofMunicipality, "ref", on=("SurveyFigure",), target="Area"),
    "kind": Spec(TG.municipalityKind, "class", on=("SurveyFigure",)),
}
# A window's municipality is the one it serves as a window, not a fact's subject.
_WINDOW_MUNICIPALITY = Spec(TG.windowOf, "ref", target="Municipality")
# The process's one object for each predicate and class written below, as Spec's (ontology.canonical).
_TYPE, _DERIVED, _PART_OF, _IDENTIFIER = map(canonical, (RDF.type, PROV.wasDerivedFrom, DCTERMS.isPartOf,
                                                         DCTERMS.identifier))
_QUOTE, _PASSAGE, _DOCUMENT = map(canonical, (TG.quote, TG.SourcePassage, TG.SourceDocument))
_AGE_RANGE, _MIN_AGE_P, _MAX_AGE_P = map(canonical, (TG.AgeRange, TG.minAge, TG.maxAge))
_FACT_CLASSES = ("DutyStatus", "AnnualFigure", "SurveyFigure")
_RESERVED = {"id", "type", "sources"}


@dataclass(frozen=True)
class Source:
    key: str
    document: str
    quote: str
    file: str
    line: int


@dataclass
class Record:
    file: str
    line: int
    id: str
    type: URIRef
    fields: dict
    field_lines: dict
    sources: list = field(default_factory=list)

    def error(self, message, field_name=None):
        line = self.field_lines.get(field_name, self.line) if field_name else self.line
        return DataError(self.file, message, line=line, record=self.id, field=field_name)


@dataclass
class CuratedFile:
    path: str
    records: list
    sources: dict


def check_digit(code5):
    """The check digit of a 5-digit local government code (総務省's rule)."""
    total = sum(int(digit) * weight for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def parse_age(text):
    """``"15-39"`` -> (15, 39); ``"0-"`` -> (0, None); ``"-49"`` -> (None, 49)."""
    match = _AGE_PATTERN.match(str(text))
    if not match or (match.group(1) is None and match.group(2) is None):
        raise ValueError(f"'{text}' is not an age range like 15-39, 0- or -49")
    low = None if match.group(1) is None else int(match.group(1))
    high = None if match.group(2) is None else int(match.group(2))
    for bound in (low, high):
        if bound is not None and bound > _MAX_AGE:
            raise ValueError(f"age {bound} is above {_MAX_AGE}")
    if low is not None and high is not None and low > high:
        raise ValueError(f"age min {low} is above its max {high}")
    return low, high


def _date_literal(value):
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return Literal(value, datatype=XSD.date)
    if isinstance(value, int) and 1800 <= value <= 2200:
        return Literal(f"{value:04d}", datatype=XSD.gYear)
    match = _DATE_PATTERN.match(str(value))
    if not match:
        raise ValueError(f"'{value}' is not a date like 2019-11-01, 2019-11 or 2019")
    year, month, day = match.groups()
    try:
        if day:
            return Literal(dt.date(int(year), int(month), int(day)), datatype=XSD.date)
        if month:
            dt.date(int(year), int(month), 1)
            return Literal(f"{year}-{month}", datatype=XSD.gYearMonth)
    except ValueError as error:
        raise ValueError(f"'{value}' is not a valid date: {error}") from None
    return Literal(year, datatype=XSD.gYear)


def document_iri(document):
    return ID["document/" + hashlib.sha1(document.encode("utf-8")).hexdigest()[:12]]


def _passage_iri(source):
    digest = hashlib.sha1(f"{source.document}\n{source.quote}".encode("utf-8")).hexdigest()
    return ID["source/" + digest[:16]]


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _read_sources(path, block, errors):
    sources = {}
    if block is None:
        return sources
    if not isinstance(block, dict):
        errors.append(DataError(path, "'sources' must be a mapping of key: {document, quote}", field="sources"))
        return sources
    for key, body in block.items():
        line = block.line_of(key) if isinstance(block, LocatedDict) else None
        if not isinstance(body, dict):
            errors.append(DataError(path, "must be a mapping with 'document' and 'quote'", line=line, field=f"sources.{key}"))
            continue
        missing = [name for name in ("document", "quote") if not isinstance(body.get(name), str) or not body.get(name).strip()]
        if missing:
            errors.append(DataError(path, f"needs a non-empty {' and '.join(missing)}", line=line, field=f"sources.{key}"))
            continue
        extra = set(body) - {"document", "quote"}
        if extra:
            errors.append(DataError(path, f"unknown key(s) {sorted(map(str, extra))}", line=line, field=f"sources.{key}"))
            continue
        sources[str(key)] = Source(str(key), body["document"].strip(), body["quote"].strip(), str(path), line)
    return sources


def _check_value(spec, value, ontology):
    """Check a field's value on its own; return an error message or None."""
    kind = spec.kind
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            return "must be non-empty text"
    elif kind == "texts":
        if not all(isinstance(v, str) and v.strip() for v in _as_list(value)) or value == []:
            return "must be non-empty text or a list of texts"
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return "must be a whole number, 0 or more"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a number"
    elif kind == "bool":
        if not isinstance(value, bool):
            return "must be true or false"
    elif kind == "date":
        try:
            _date_literal(value)
        except ValueError as error:
            return str(error)
    elif kind == "code":
        if not isinstance(value, str):
            return "must be a quoted 6-digit string (unquoted, YAML reads 010006 as a number)"
        if not re.fullmatch(r"\d{6}", value):
            return f"'{value}' is not a 6-digit local government code"
        if check_digit(value[:5]) != int(value[5]):
            return f"'{value}' has a wrong check digit (expected {value[:5]}{check_digit(value[:5])})"
    elif kind == "age":
        try:
            parse_age(value)
        except ValueError as error:
            return str(error)
    elif kind == "domains":
        for item in _as_list(value):
            if str(item) not in ontology.domains:
                return f"unknown domain '{item}'; known: {' '.join(sorted(ontology.domains))}"
    elif kind == "duty":
        if str(value) not in ontology.duties:
            return f"unknown duty '{value}'; known: {' '.join(ontology.duties)}"
    elif kind == "class":
        if not isinstance(value, str) or ontology.class_named(value) is None:
            return f"'{value}' is not a class of the ontology"
    elif kind in ("ref", "refs"):
        values = _as_list(value) if kind == "refs" else [value]
        if kind == "ref" and isinstance(value, list):
            return "takes one id, not a list"
        for item in values:
            if not isinstance(item, str) or not _ID_PATTERN.match(item):
                return f"'{item}' is not an id (lower-case letters, digits, '-')"
    return None


def read_curated(path):
    """Read and check one curated YAML file on its own.

    Raises :class:`DataErrors` listing every problem found in the file.
    """
    return curated_from_data(path, load_yaml(path))


def curated_from_data(path, data):
    """Check curated data already parsed into :class:`LocatedDict` mappings
    (by the YAML reader, or by a loader of another format that keeps rows as
    lines); ``path`` names where it came from in every error.

    Raises :class:`DataErrors` listing every problem found.
    """
    path = Path(path)
    ontology = load_ontology()
    errors = []
    if not isinstance(data, dict):
        raise DataErrors([DataError(path, "must be a mapping with 'sources' and 'records'", line=1)])
    unknown_top = set(data) - {"sources", "records"}
    if unknown_top:
        errors.append(DataError(path, f"unknown top-level key(s) {sorted(map(str, unknown_top))}; expected 'sources' and 'records'", line=1))
    sources = _read_sources(path, data.get("sources"), errors)
    block = data.get("records")
    if not isinstance(block, list):
        errors.append(DataError(path, "'records' must be a list of records", line=data.line_of("records") if isinstance(data, LocatedDict) else 1, field="records"))
        raise DataErrors(errors)
    records = []
    used_sources = set()
    for index, raw in enumerate(block, start=1):
        if not isinstance(raw, LocatedDict):
            errors.append(DataError(path, f"record #{index} must be a mapping", line=None))
            continue
        record_id = raw.get("id")
        if not isinstance(record_id, str) or not _ID_PATTERN.match(record_id):
            errors.append(DataError(path, f"record #{index} needs an 'id' of lower-case letters, digits and '-' (got {record_id!r})", line=raw.line_of("id"), field="id"))
            continue
        type_name = raw.get("type")
        cls = ontology.class_named(type_name) if isinstance(type_name, str) else None
        record = Record(str(path), raw.line, record_id, cls, {}, dict(raw.key_lines))
        if cls is None:
            errors.append(record.error(f"unknown type {type_name!r}; it must be a class of the ontology such as Town, HelloWork, MunicipalPlatform, Program", "type"))
            continue
        local_classes = {str(c).rsplit("#", 1)[-1] for c in ontology.superclasses[cls]}
        is_fact = bool(local_classes & set(_FACT_CLASSES))
        cited = raw.get("sources")
        if not cited:
            errors.append(record.error("every record cites at least one source key", "sources"))
        else:
            for key in _as_list(cited):
                if str(key) not in sources:
                    errors.append(record.error(f"unknown source key '{key}'; this file defines: {', '.join(sources) or 'none'}", "sources"))
                else:
                    record.sources.append(sources[str(key)])
                    used_sources.add(str(key))
        if not is_fact and "name" not in raw:
            errors.append(record.error("a name is required", "name"))
        for name, value in raw.items():
            if name in _RESERVED:
                continue
            spec = FIELDS.get(name)
            if spec is None:
                close = difflib.get_close_matches(str(name), FIELDS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                errors.append(record.error(f"unknown field{hint}", str(name)))
                continue
            if spec.on and not local_classes & set(spec.on):
                errors.append(record.error(f"not a field of {type_name} (it goes on {', '.join(spec.on)})", name))
                continue
            if value is None:
                errors.append(record.error("is empty; leave the field out when the source does not say", name))
                continue
            problem = _check_value(spec, value, ontology)
            if problem:
                errors.append(record.error(problem, name))
                continue
            record.fields[name] = value
        records.append(record)
    if errors:
        raise DataErrors(errors)
    return CuratedFile(str(path), records, sources)


def _spec_for(record, name, ontology):
    if name == "municipality" and ontology.is_a(record.type, TG.ConsultationWindow):
        return _WINDOW_MUNICIPALITY
    return FIELDS[name]


def _check_references(files, ontology, known_types):
    errors = []
    for curated in files:
        for record in curated.records:
            for name, value in record.fields.items():
                if name not in _REFERENCE_FIELDS:
                    continue  # most fields: without looking their spec up
                spec = _spec_for(record, name, ontology)
                for target in _as_list(value):
                    target_type = known_types.get(target)
                    if target_type is None:
                        close = difflib.get_close_matches(target, known_types, n=3)
                        hint = f"; did you mean {', '.join(close)}?" if close else ""
                        errors.append(record.error(f"unknown reference '{target}'{hint}", name))
                    elif spec.target and not ontology.is_a(target_type, TG[spec.target]):
                        errors.append(record.error(
                            f"'{target}' is a {str(target_type).rsplit('#', 1)[-1]}, not a {spec.target}", name))
    return errors


# the fields that name other records (a window's municipality too: _spec_for)
_REFERENCE_FIELDS = frozenset(name for name, spec in FIELDS.items() if spec.kind in ("ref", "refs"))


def curated_to_rdf(files, existing_ids=None):
    """Turn checked :class:`CuratedFile` objects into one RDF graph.

    ``existing_ids`` maps ids already defined elsewhere (Turtle or JSON-LD
    inputs) to their class, so that references to them resolve.
    Returns ``(graph, locations)`` where ``locations`` maps each entity IRI to
    its record, for error reports on the built graph.
    """
    return Conversion().finished(files, existing_ids)


class Conversion:
    """Curated files to triples, in the files' order: the first files' triples may be written
    (:meth:`write`) while the rest are still being read, as a build does; :meth:`finished` checks every
    file together (ids, references) before returning anything, as :func:`curated_to_rdf`.

    >>> from tsunagu.compile.inputs import embedded_data_files
    >>> files = [read_curated(p) for p in embedded_data_files()[:2]]
    >>> conversion = Conversion()
    >>> conversion.write(files[:1])
    >>> graph, _ = conversion.finished(files)
    >>> len(graph) == len(curated_to_rdf(files)[0])
    True
    """

    def __init__(self):
        self._ontology = load_ontology()
        self._graph = data_graph()
        self._add = adder(self._graph)
        self._locations = {}
        self._passages = {}  # (document, quote) -> its passage, described once: a file's records cite a few passages
        self._made = _Made()
        self._written = []

    def write(self, files):
        """Write the triples of ``files``, the next ones in order, each checked on its own (:func:`read_curated`)."""
        for curated in files:
            for record in curated.records:
                self._write_record(record)
            self._written.append(curated)

    def finished(self, files, existing_ids=None):
        """``(graph, locations)`` of ``files``, every one (those written first among them, the same objects
        in the same order), once their ids and references are checked together; raises
        :class:`~tsunagu.exceptions.DataErrors` else. ``existing_ids`` as :func:`curated_to_rdf`'s."""
        errors = _cross_file_errors(files, self._ontology, existing_ids)
        if errors:
            raise DataErrors(errors)
        written = self._written
        if len(written) > len(files) or any(a is not b for a, b in zip(written, files, strict=False)):
            return Conversion().finished(files, existing_ids)  # written ahead of a list that changed since
        self.write(files[len(written):])
        return self._graph, self._locations

    def _write_record(self, record):
        add, made, passages = self._add, self._made, self._passages
        subject = made.iri(record.id)
        self._locations[subject] = record
        add((subject, _TYPE, record.type))
        for source in record.sources:
            passage = passages.get((source.document, source.quote))
            if passage is None:
                passage = passages[source.document, source.quote] = _passage_iri(source)
                document = document_iri(source.document)
                add((passage, _TYPE, _PASSAGE))
                add((passage, _QUOTE, Literal(source.quote)))
                add((passage, _PART_OF, document))
                add((document, _TYPE, _DOCUMENT))
                add((document, _IDENTIFIER, Literal(source.document)))
            add((subject, _DERIVED, passage))
        for name, value in record.fields.items():
            _add_field(add, subject, record, _spec_for(record, name, self._ontology), value, self._ontology, made)


def _cross_file_errors(files, ontology, existing_ids=None):
    """What needs every file at once: duplicate ids and references to ids no file (or ``existing_ids``) defines."""
    known_types = dict(existing_ids or {})
    seen = {}
    errors = []
    for curated in files:
        for record in curated.records:
            if record.id in seen:
                first = seen[record.id]
                errors.append(record.error(f"duplicate id '{record.id}', first defined at {first.file}:{first.line}", "id"))
                continue
            if record.id in known_types:
                errors.append(record.error(f"duplicate id '{record.id}', already defined in an RDF input", "id"))
                continue
            seen[record.id] = record
            known_types[record.id] = record.type
    errors.extend(_check_references(files, ontology, known_types))
    return errors


class _Made:
    """The terms one conversion has made, each made once: an id's IRI (a prefecture is named by
    thousands of records) and the literal of a value that repeats (a date, a flag, an age bound). The
    same object each time, which the store then finds by identity; free text is made as it comes.
    Cached by value and its type (``typed``: True == 1, and Literal(True) is not Literal(1))."""

    def __init__(self):
        self.iri = functools.cache(entity_iri)
        self.literal = functools.lru_cache(maxsize=None, typed=True)(Literal)
        self.date = functools.lru_cache(maxsize=None, typed=True)(_date_literal)


def _add_field(add, subject, record, spec, value, ontology, made):
    kind, predicate = spec.kind, spec.predicate
    if kind in ("ref", "refs"):
        for target in _as_list(value):
            obj = made.iri(target)
            add((obj, predicate, subject) if spec.inverse else (subject, predicate, obj))
    elif kind == "text":
        add((subject, predicate, Literal(value.strip(), lang=spec.lang)))
    elif kind == "texts":
        for item in _as_list(value):
            add((subject, predicate, Literal(item.strip())))
    elif kind in ("int", "number", "bool", "code"):
        add((subject, predicate, made.literal(value)))
    elif kind == "date":
        add((subject, predicate, made.date(value)))
    elif kind == "age":
        low, high = parse_age(value)
        age = URIRef(str(subject) + "/age")
        add((subject, predicate, age))
        add((age, _TYPE, _AGE_RANGE))
        if low is not None:
            add((age, _MIN_AGE_P, made.literal(low)))
        if high is not None:
            add((age, _MAX_AGE_P, made.literal(high)))
    elif kind == "domains":
        for item in _as_list(value):
            add((subject, predicate, ontology.domains[str(item)]))
    elif kind == "duty":
        add((subject, predicate, ontology.duties[str(value)]))
    elif kind == "class":
        add((subject, predicate, ontology.class_named(value)))
