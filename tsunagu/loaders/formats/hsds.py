"""Open Referral HSDS 3.0 tabular exports (a folder of CSV files) as an input.

Each HSDS table becomes curated records that go through the same checks as a
YAML file (:func:`tsunagu.loaders.curated.curated_from_data`), so a problem is
reported with the CSV file, its row and the field:

- ``organizations.csv``: organisations (their kind, from a ``tsunagu-types``
  attribute, else the generic ``Organisation``); the tsunagu id is taken from
  ``organization_identifiers`` (scheme ``tsunagu``), else made from the UUID;
- ``services.csv``: programs run by their organisation, with
  ``minimum_age``/``maximum_age`` as the age range (empty stays "not stated");
- ``programs.csv``: programs (national schemes when typed so);
- phones, addresses, schedules, languages, accessibility and service areas
  fill the contact fields; ``tsunagu-*`` attributes carry back what an export
  by the writer below keeps beyond HSDS's columns;
- every record cites its HSDS rows (``metadata`` rows of a tsunagu export cite
  the original passages instead).

What cannot be mapped (an unknown taxonomy term, a service area that names no
municipality, a column tsunagu has no field for) is kept as a note on the
record and listed in the notices :func:`read_hsds` returns, never dropped
silently; a reason met on many rows is listed a few times, then counted
(「… ほか N 件」).

A record's id is its tsunagu id where the export gave one, else made from
its whole HSDS id (a UUID's 32 hex digits, or a hash of any other text), so
two records never share one. A value the writer below wrote with
OWASP's leading ``'`` (a name starting with ``=``) is read without it.

Writing: the graph as Open Referral HSDS 3.0, tabular CSV files and the JSON form.

HSDS (the Human Services Data Specification) is the international format for
directories of human services. The export is a mapping, not a rewrite:

- every agent and area becomes an ``organization`` (its tsunagu id kept as an
  ``organization_identifier`` of scheme ``tsunagu``, its code as one of scheme
  ``全国地方公共団体コード``);
- every program becomes a ``service`` run by its organisation, and an
  organisation that states its own domains or ages gets a ``service`` of its
  own; a national scheme is a ``program``, with a ``service`` under it for
  what every office of the scheme offers (Saposute: up to 49);
- contacts map to ``phones``, ``addresses``/``locations``, ``schedules``,
  ``languages`` and ``accessibility`` by the ``tg:hsdsField`` annotations of
  the ontology (with the defaults below where the ontology says nothing);
- ages map to ``services.minimum_age``/``maximum_age`` (left empty when the
  source states none); support domains are a taxonomy; areas served are
  ``service_areas``;
- what HSDS has no column for (the kind of body, platform membership, who
  entrusts what) is kept as ``attributes`` under the ``tsunagu`` taxonomies,
  so the reader above can read the export back into the same graph;
- every source passage becomes a ``metadata`` row (document, quote, date).

Identifiers are UUIDs derived from the graph's ids (``uuid5``), so exporting
again does not churn.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import uuid
from pathlib import Path

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.formats.yaml import LocatedDict

__all__ = [
    "is_hsds_directory",
    "read_hsds",
    "HSDS_TABLES",
    "TSUNAGU_TAXONOMIES",
    "hsds_uuid",
    "hsds_tables",
    "hsds_documents",
    "write_hsds",
]

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# HSDS columns tsunagu keeps as a field (the rest of a non-empty row is noted).
_SERVICE_COLUMNS = {"url": "url", "email": "email", "eligibility_description": "eligibility",
                    "assured_date": "last_checked"}
_ORGANISATION_COLUMNS = {"email": "email", "website": "url"}
_IGNORED = {"id", "organization_id", "program_id", "name", "alternate_name", "description", "status",
            "minimum_age", "maximum_age", "application_process", "last_modified"}
_EXAMPLES_PER_REASON = 3  # notices listed for one reason before the rest are counted


def is_hsds_directory(path):
    """True when ``path`` is a folder holding an HSDS tabular export."""
    path = Path(path)
    return path.is_dir() and ((path / "organizations.csv").is_file() or (path / "services.csv").is_file())


def _read_table(directory, name):
    """Rows of one table as (row number in the file, dict); a missing table is empty.

    A row with more fields than the header (an unquoted comma) is refused,
    named by file and row; a value the writer below neutralised
    for spreadsheets (``'=...``) is read back as it was.
    """
    from tsunagu.loaders.limits import size_error
    from tsunagu.loaders.formats.tabular import formula_restored

    path = Path(directory) / f"{name}.csv"
    if not path.is_file():
        return []
    too_big = size_error(path)
    if too_big is not None:
        raise too_big
    rows = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            for index, row in enumerate(reader, start=2):
                extra = row.pop(None, None)
                if extra is not None:
                    raise DataError(path, f"見出し（{len(reader.fieldnames or ())} 列）より多い {len(extra)} 列があります: "
                                          "値の中のカンマは値ごと \"\" で囲んでください (more fields than the header)",
                                    line=index)
                rows.append((index, {key: formula_restored(value) if isinstance(value, str) else value
                                     for key, value in row.items()}))
    except UnicodeDecodeError as error:
        raise DataError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    except csv.Error as error:
        raise DataError(path, f"not a valid CSV file: {error}") from error
    return rows


def _located(values, line, fields=None):
    mapping = LocatedDict(values)
    mapping.line = line
    mapping.key_lines = {key: line for key in (fields or values)}
    return mapping


class _Import:
    """What is read from one HSDS folder, before it becomes curated records."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.tables = {name: _read_table(directory, name) for name in (
            "organizations", "organization_identifiers", "services", "programs", "phones", "locations",
            "addresses", "service_at_location", "schedules", "service_areas", "languages", "accessibility",
            "taxonomies", "taxonomy_terms", "attributes", "metadata")}
        self.notices = []
        self.terms = {row.get("id"): row for _, row in self.tables["taxonomy_terms"]}
        self.attributes = {}
        for _, row in self.tables["attributes"]:
            self.attributes.setdefault(row.get("link_id"), []).append(row)
        self.metadata = {}
        for _, row in self.tables["metadata"]:
            if row.get("last_action_type") == "source":
                self.metadata.setdefault(row.get("resource_id"), []).append(row)
        self.ids = {}  # HSDS uuid -> tsunagu id
        self.areas = {}  # service id -> its service_areas rows (one pass, not one per service)
        for line, row in self.tables["service_areas"]:
            self.areas.setdefault(row.get("service_id"), []).append((line, row))
        self.counted = {}  # reason -> how many notices it had

    def notice(self, table, row, field, why, reason=None):
        """One thing kept as a note; after a few of one ``reason`` (default ``why``), only counted."""
        key = (table, field, reason or why)
        count = self.counted[key] = self.counted.get(key, 0) + 1
        if count <= _EXAMPLES_PER_REASON:
            self.notices.append(f"{self.directory / (table + '.csv')}:{row}: {field}: {why}")

    def summarised_notices(self):
        """The notices, each reason met more often than shown closed by 「… ほか N 件」."""
        found = list(self.notices)
        for (table, field, reason), count in self.counted.items():
            if count > _EXAMPLES_PER_REASON:
                found.append(f"{self.directory / (table + '.csv')}: {field}: … ほか {count - _EXAMPLES_PER_REASON:,} 件"
                             f"（{reason}）")
        return found

    def tagged(self, link_id):
        """(taxonomy, code, value) of every attribute on one record."""
        for row in self.attributes.get(link_id, []):
            term = self.terms.get(row.get("taxonomy_term_id"), {})
            yield term.get("taxonomy") or row.get("link_type") or "", term.get("code") or term.get("name") or "", \
                row.get("value") or "", term

    def tsunagu_id(self, uuid_text, fallback_prefix):
        if uuid_text in self.ids:
            return self.ids[uuid_text]
        made = f"{fallback_prefix}-{_id_part(uuid_text)}"
        self.ids[uuid_text] = made
        return made


def _id_part(text):
    """The whole of an HSDS id as id characters: a UUID's 32 hex digits (two UUIDv7 of one
    millisecond share their first 12), an id already in ``[a-z0-9-]`` as it is, anything else
    a hash of it (never two ids alike)."""
    text = (text or "").strip()
    if not text:
        return "x"
    try:
        return uuid.UUID(text).hex
    except ValueError:
        pass
    if _ID_PATTERN.match(text) and len(text) <= 64:
        return text
    return "h" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _typed(spec, text):
    """A field value from its CSV text, as the YAML reader would have typed it (else the text, which
    the curated check names as not a number)."""
    if spec.kind in ("int",):
        return int(text) if re.fullmatch(r"-?[0-9]{1,30}", text) else text
    if spec.kind == "number":
        try:
            number = float(text) if "." in text else int(text)
        except (ValueError, OverflowError):
            return text
        return number if math.isfinite(number) else text
    if spec.kind == "bool":
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


def _fields_from_attributes(state, link_id, record, table, line):
    """Apply ``tsunagu-*`` attributes; keep other taxonomies' terms as labels in the note."""
    from tsunagu.loaders.curated import FIELDS

    labels = []
    for taxonomy, code, value, term in state.tagged(link_id):
        if taxonomy == "tsunagu-types":
            record["type"] = code
        elif taxonomy == "tsunagu-domains":
            record.setdefault("domains", []).append(code)
        elif taxonomy in ("tsunagu-fields", "tsunagu-relations"):
            if code in ("id", "own-service-of"):
                continue
            spec = FIELDS.get(code)
            if spec is None:
                state.notice(table, line, code, "no such tsunagu field; kept in the note")
                labels.append(f"{code}: {value}")
            elif spec.kind in ("refs", "domains", "texts"):
                record.setdefault(code, []).append(value)
            else:
                record[code] = _typed(spec, value)
        else:
            label = (term.get("name") or code or value).strip()
            if label:
                labels.append(f"{label}（{taxonomy or '分類'}）")
                state.notice(table, line, "attributes", f"term '{label}' of taxonomy '{taxonomy}' kept as a label",
                             reason="a term of another taxonomy, kept as a label")
    if labels:
        record["note"] = "; ".join(([record["note"]] if record.get("note") else []) + labels)


def _sources(state, link_id, table, line, name):
    """Source blocks for one record: the cited passages of a tsunagu export, else the HSDS row itself."""
    cited = state.metadata.get(link_id, [])
    if cited:
        return [(row.get("field_name") or f"{table}.csv", row.get("replacement_value") or name) for row in cited]
    return [(f"{state.directory.name}/{table}.csv", f"row {line}: {name}")]


def _contacts_of(state):
    """HSDS uuid of an organisation or service -> its contact fields, from the linked tables."""
    contacts = {}
    location_owner = {}
    for _, row in state.tables["locations"]:
        if row.get("organization_id"):
            location_owner[row.get("id")] = row["organization_id"]
    for _, row in state.tables["service_at_location"]:
        location_owner[row.get("location_id")] = row.get("service_id") or location_owner.get(row.get("location_id"))
    for _, row in state.tables["addresses"]:
        owner = location_owner.get(row.get("location_id"))
        if owner:
            if row.get("address_1"):
                contacts.setdefault(owner, {})["address"] = " ".join(
                    part for part in (row.get("address_1"), row.get("address_2")) if part)
            if row.get("postal_code"):
                contacts.setdefault(owner, {})["postal_code"] = row["postal_code"]
    for _, row in state.tables["phones"]:
        owner = row.get("service_id") or row.get("organization_id") or location_owner.get(row.get("location_id"))
        if owner and row.get("number"):
            field = "fax" if (row.get("type") or "").lower() == "fax" else "telephone"
            contacts.setdefault(owner, {}).setdefault(field, row["number"])
    for _, row in state.tables["schedules"]:
        owner = row.get("service_id") or location_owner.get(row.get("location_id"))
        if owner and (row.get("description") or row.get("notes")):
            if row.get("description"):
                contacts.setdefault(owner, {})["hours"] = row["description"]
            if row.get("notes"):
                contacts.setdefault(owner, {})["closed_days"] = row["notes"]
    for _, row in state.tables["languages"]:
        if row.get("service_id") and row.get("name"):
            contacts.setdefault(row["service_id"], {}).setdefault("languages", []).append(row["name"])
    for _, row in state.tables["accessibility"]:
        owner = location_owner.get(row.get("location_id"))
        if owner and row.get("description"):
            contacts.setdefault(owner, {})["accessibility"] = row["description"]
    return contacts


def _merge_contacts(record, found, is_program):
    for field, value in found.items():
        if field == "hours":
            field = "schedule" if is_program else "opening_hours"
        record.setdefault(field, value)


def _file(state, table, sources_blocks, records):
    """One curated "file" (a table of the folder) checked by the curated loader."""
    from tsunagu.loaders.curated import curated_from_data

    sources = LocatedDict()
    sources.line, sources.key_lines = 1, {}
    for key, (document, quote, line) in sources_blocks.items():
        sources[key] = _located({"document": document, "quote": quote}, line)
        sources.key_lines[key] = line
    data = _located({"sources": sources, "records": records}, 1)
    return curated_from_data(state.directory / f"{table}.csv", data)


def read_hsds(directory):
    """Read an HSDS tabular folder into checked curated files (one per table).

    Returns ``(files, notices)``: the :class:`~tsunagu.loaders.curated.CuratedFile`
    of each table, and one line per thing kept as a note rather than mapped.
    Raises :class:`~tsunagu.exceptions.DataErrors` naming the CSV file, row
    and field of every problem.
    """
    state = _Import(directory)
    for _, row in state.tables["organization_identifiers"]:
        if row.get("identifier_scheme") == "tsunagu" and _ID_PATTERN.match(row.get("identifier") or ""):
            state.ids[row.get("organization_id")] = row["identifier"]
    for table in ("services", "programs"):
        for _, row in state.tables[table]:
            for taxonomy, code, value, _term in state.tagged(row.get("id")):
                if taxonomy == "tsunagu-fields" and code == "id" and _ID_PATTERN.match(value):
                    state.ids[row.get("id")] = value
    contacts = _contacts_of(state)
    own_services, own_services_of = {}, {}
    for _, row in state.tables["services"]:
        for taxonomy, code, value, _term in state.tagged(row.get("id")):
            if taxonomy == "tsunagu-fields" and code == "own-service-of":
                own_services[row.get("id")] = value
                own_services_of.setdefault(value, []).append(row.get("id"))
    files, errors = [], []
    for table, prefix in (("organizations", "hsds-org"), ("programs", "hsds-program"), ("services", "hsds-service")):
        blocks, records = {}, []
        for line, row in state.tables[table]:
            if table == "services" and row.get("id") in own_services:
                continue  # an organisation's own service: the organisation's record holds it
            name = (row.get("name") or "").strip()
            record = {"id": state.tsunagu_id(row.get("id"), prefix), "name": name or None}
            record["type"] = {"organizations": "Organisation"}.get(table, "Program")
            if row.get("description") and row["description"].strip():
                record["note"] = row["description"].strip()
            _fields_from_attributes(state, row.get("id"), record, table, line)
            if record.get("note") and record["note"] == _type_label(record["type"]):
                del record["note"]  # the export's stand-in description for "no note"
            columns = _ORGANISATION_COLUMNS if table == "organizations" else _SERVICE_COLUMNS
            for column, field in columns.items():
                if row.get(column):
                    record.setdefault(field, row[column])
            if table == "services":
                if row.get("organization_id"):
                    owner = state.ids.get(row["organization_id"]) or state.tsunagu_id(row["organization_id"],
                                                                                      "hsds-org")
                    if owner not in record.get("run_by", []):
                        record.setdefault("run_by", []).append(owner)
                if "age" not in record and (row.get("minimum_age") or row.get("maximum_age")):
                    record["age"] = f"{_whole(row.get('minimum_age'))}-{_whole(row.get('maximum_age'))}"
                _service_areas(state, row, record)
            _merge_contacts(record, contacts.get(row.get("id"), {}), table != "organizations")
            if table == "organizations":
                for service_id in own_services_of.get(record["id"], ()):
                    _merge_contacts(record, contacts.get(service_id, {}), False)
            unmapped = sorted(column for column, value in row.items()
                              if value and column not in _IGNORED and column not in columns)
            for column in unmapped:
                state.notice(table, line, column, "no tsunagu field for this column; not imported")
            if not (row.get("id") or "").strip():
                errors.append(DataError(state.directory / f"{table}.csv", "id がありません (no id)", line=line,
                                        field="id"))
                continue
            keys = []
            for index, (document, quote) in enumerate(_sources(state, row.get("id"), table, line, name or "?")):
                key = f"{table}-{line}-{index}"
                blocks[key] = (document, quote, line)
                keys.append(key)
            record["sources"] = keys
            records.append(_located({k: v for k, v in record.items() if v is not None}, line))
        if records:
            try:
                files.append(_file(state, table, blocks, records))
            except DataErrors as many:
                errors.extend(many.errors)
    if errors:
        raise DataErrors(errors)
    return files, state.summarised_notices()


def _whole(text):
    text = (text or "").strip()
    if not text:
        return ""
    try:
        return str(int(float(text)))
    except (ValueError, OverflowError):  # "abc", "nan"; "inf", "1e400"
        return text  # the age check names the field


def _service_areas(state, row, record):
    """Areas a service serves: tsunagu ids where the export gave them, else a note naming each area."""
    if record.get("serves"):
        return
    for area_line, area in state.areas.get(row.get("id"), ()):
        text = area.get("name") or area.get("description") or area.get("extent") or "?"
        state.notice("service_areas", area_line, "name", f"area '{text[:60]}' names no municipality; kept in the note",
                     reason="an area that names no municipality, kept in the note")
        record["note"] = "; ".join(([record["note"]] if record.get("note") else []) + [f"対象地域: {text}"])


def _type_label(kind):
    from tsunagu.ontology import load_ontology

    ontology = load_ontology()
    cls = ontology.class_named(kind) if isinstance(kind, str) else None
    return (ontology.label(cls, "ja") if cls is not None else None) or kind


# --- writing ---------------------------------------------------------------

# The tabular form's files and columns, in the order of the HSDS 3.0 schemas.
HSDS_TABLES = {
    "organizations": ["id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id",
                      "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id"],
    "organization_identifiers": ["id", "organization_id", "identifier_scheme", "identifier_type", "identifier"],
    "programs": ["id", "organization_id", "name", "alternate_name", "description"],
    "services": ["id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email",
                 "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
                 "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date",
                 "assurer_email", "licenses", "alert", "last_modified"],
    "locations": ["id", "location_type", "url", "organization_id", "name", "alternate_name", "description",
                  "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type"],
    "service_at_location": ["id", "service_id", "location_id", "description"],
    "addresses": ["id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province",
                  "postal_code", "country", "address_type"],
    "phones": ["id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number",
               "extension", "type", "description"],
    "schedules": ["id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart",
                  "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday",
                  "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes"],
    "service_areas": ["id", "service_id", "name", "description", "extent", "extent_type", "uri"],
    "languages": ["id", "service_id", "location_id", "phone_id", "name", "code", "note"],
    "accessibility": ["id", "location_id", "description", "details", "url"],
    "taxonomies": ["id", "name", "description", "uri", "version"],
    "taxonomy_terms": ["id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id",
                       "term_uri"],
    "attributes": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"],
    "metadata": ["id", "resource_id", "resource_type", "last_action_date", "last_action_type", "field_name",
                 "previous_value", "replacement_value", "updated_by"],
}
# The schema file each table's records are checked against.
SCHEMA_OF_TABLE = {
    "organizations": "organization", "organization_identifiers": "organization_identifier", "programs": "program",
    "services": "service", "locations": "location", "service_at_location": "service_at_location",
    "addresses": "address", "phones": "phone", "schedules": "schedule", "service_areas": "service_area",
    "languages": "language", "accessibility": "accessibility", "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term", "attributes": "attribute", "metadata": "metadata",
}
# Taxonomies of the export: the support domains (a real classification a
# caseworker filters by) and three that carry what HSDS has no column for.
TSUNAGU_TAXONOMIES = {
    "tsunagu-domains": "支援分野（内閣府の5分野とひきこもり支援の機能）",
    "tsunagu-types": "tsunagu の機関・地域・事業の種類（オントロジーのクラス）",
    "tsunagu-fields": "HSDS に列のない tsunagu の項目（値は tsunagu の書式）",
    "tsunagu-relations": "tsunagu の関係（値は相手の tsunagu id）",
}
# Where a contact attribute goes when the ontology has no tg:hsdsField for it.
_DEFAULT_FIELDS = {
    "telephone": "phones.number", "faxNumber": "phones.number", "email": "organizations.email",
    "url": "organizations.website", "address": "addresses.address_1", "postalCode": "addresses.postal_code",
    "openingHours": "schedules.description", "closedDays": "schedules.notes", "schedule": "schedules.description",
    "availableLanguage": "languages.name", "accessibility": "accessibility.description",
    "eligibility": "services.eligibility_description", "accessMethods": "services.application_process",
    "lastChecked": "services.assured_date",
}
_FACT_KINDS = {"DutyStatus", "AnnualFigure", "SurveyFigure", "SupportDomain"}
# Node attributes that are computed by the build, not facts of the source.
_DERIVED = {"kind", "types", "domains", "sources", "type_domains", "age_stated", "age_min", "age_max", "name",
            "name_en", "role", "conflicts", "notation"}


def hsds_uuid(node, part=""):
    """The stable UUID of ``node`` (a graph id), or of one of its parts.

    >>> hsds_uuid("ino") == hsds_uuid("ino")
    True
    >>> hsds_uuid("ino") != hsds_uuid("ino", "service")
    True
    """
    from tsunagu.ontology import entity_iri

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entity_iri(node)}#{part}" if part else str(entity_iri(node))))


def _field_map():
    """attribute local name -> "table.field", from the ontology's tg:hsdsField annotations."""
    from tsunagu.ontology import load_ontology
    from tsunagu.ontology.namespace import TG

    mapping = dict(_DEFAULT_FIELDS)
    ontology = load_ontology()
    try:
        annotation = TG.hsdsField
    except AttributeError:  # an ontology without the annotation: the defaults hold
        return mapping
    for prop, field in ontology.graph.subject_objects(annotation):
        text = str(prop)
        mapping[text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]] = str(field)
    return mapping


def _curated_field_names():
    """projected attribute / relation name -> curated field name (for the ``tsunagu-fields`` attributes)."""
    from tsunagu.loaders.curated import FIELDS

    names = {}
    for name, spec in FIELDS.items():
        local = str(spec.predicate).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if not spec.inverse:
            names.setdefault(local, name)
    names["windowOf"] = "municipality"  # a window's municipality (see curated._WINDOW_MUNICIPALITY)
    names["accessMethods"] = names.get("accessMethod", "access_methods")  # projected under a plural name
    return names




def _exported(graph):
    """The nodes that become organizations (agents and areas) and services/programs (programs)."""
    organisations, programs = [], []
    for node, data in sorted(graph.nodes(data=True)):
        types = set(data.get("types", ()))
        if data.get("kind") in _FACT_KINDS:
            continue
        if "Program" in types:
            programs.append(node)
        elif types & {"Agent", "Area"}:
            organisations.append(node)
    return organisations, programs


def _runner(graph, program):
    """Whom a program's service belongs to: its (first) runner, else its entrustee, else None."""
    for relation in ("runs",):
        runners = sorted(s for s, _, k, d in graph.in_edges(program, keys=True, data=True)
                         if k == relation and not d.get("inferred"))
        if runners:
            return runners[0]
    entrusted = sorted(t for _, t, k in graph.out_edges(program, keys=True) if k == "entrustedTo")
    return entrusted[0] if entrusted else None


class _Tables:
    def __init__(self):
        self.rows = {name: [] for name in HSDS_TABLES}
        self.terms = {}

    def add(self, table, row):
        self.rows[table].append(row)
        return row

    def term(self, taxonomy, code, name, description=None):
        key = (taxonomy, code)
        if key not in self.terms:
            term_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu:{taxonomy}:{code}"))
            self.terms[key] = term_id
            self.add("taxonomy_terms", {
                "id": term_id, "code": code, "name": name, "description": description or name,
                "taxonomy": taxonomy, "language": "ja",
                "taxonomy_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu:{taxonomy}")),
            })
        return self.terms[key]

    def attribute(self, link_id, entity, taxonomy, code, value=None, name=None):
        term = self.term(taxonomy, code, name or code)
        serial = len(self.rows["attributes"])
        row = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{link_id}#attribute-{taxonomy}-{code}-{value}-{serial}")),
               "link_id": link_id, "taxonomy_term_id": term, "link_type": taxonomy, "link_entity": entity}
        if value is not None:
            row["value"] = str(value)
        self.add("attributes", row)


def _contacts(tables, graph, node, data, field_map, *, organization_id=None, service_id=None, own_service=False):
    """phones, a location with its address, schedules, languages and accessibility for one node.

    An organisation's own service shares the organisation's location and
    phones instead of repeating them.
    """
    has_place = bool(data.get("address") or data.get("postalCode"))
    location_id = hsds_uuid(node, "location") if has_place else None
    if has_place and not own_service:
        tables.add("locations", {"id": location_id, "location_type": "physical", "name": data.get("name"),
                                 "organization_id": organization_id})
        city, prefecture = _area_names(graph, node)
        tables.add("addresses", {"id": hsds_uuid(node, "address"), "location_id": location_id,
                                 "address_1": data.get("address") or "", "city": city or "",
                                 "state_province": prefecture or "", "postal_code": data.get("postalCode") or "",
                                 "country": "JP", "address_type": "physical"})
    if has_place and service_id:
        tables.add("service_at_location", {"id": hsds_uuid(node, "service-at-location"),
                                           "service_id": service_id, "location_id": location_id})
    if own_service:
        return
    link = {"service_id": service_id} if service_id else {"organization_id": organization_id}
    for attribute, kind in (("telephone", "voice"), ("faxNumber", "fax")):
        if data.get(attribute) and str(field_map.get(attribute, "")).startswith("phones.number"):
            tables.add("phones", {"id": hsds_uuid(node, attribute), **link, "number": str(data[attribute]),
                                  "type": kind})
    hours = [str(data[a]) for a in ("openingHours", "schedule") if data.get(a)]
    where = {"service_id": service_id} if service_id else {"location_id": location_id} if location_id else None
    if (hours or data.get("closedDays")) and where:
        tables.add("schedules", {"id": hsds_uuid(node, "schedule"), **where,
                                 "description": " / ".join(hours) or None, "notes": data.get("closedDays")})
    if data.get("availableLanguage") and service_id:
        for index, language in enumerate(_as_list(data["availableLanguage"])):
            tables.add("languages", {"id": hsds_uuid(node, f"language-{index}"), "service_id": service_id,
                                     "name": str(language)})
    if data.get("accessibility") and location_id:
        tables.add("accessibility", {"id": hsds_uuid(node, "accessibility"), "location_id": location_id,
                                     "description": str(data["accessibility"])})


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _area_names(graph, node):
    """(municipality name, prefecture name) of the area a node serves or is located in, where single."""
    areas = [t for _, t, k in graph.out_edges(node, keys=True) if k in ("servesArea", "locatedIn", "windowOf")]
    city = prefecture = None
    for area in areas:
        types = set(graph.nodes[area].get("types", ()))
        if "Municipality" in types and city is None:
            city = graph.nodes[area].get("name")
            prefecture = next((graph.nodes[p].get("name") for _, p, k in graph.out_edges(area, keys=True)
                               if k == "partOfPrefecture"), None)
        elif "Prefecture" in types and prefecture is None:
            prefecture = graph.nodes[area].get("name")
    return city, prefecture


def _fields_and_relations(tables, graph, node, data, link_id, entity, curated_names, field_map):
    """What HSDS has no column for, as ``tsunagu-types``/``-fields``/``-relations`` attributes."""
    tables.attribute(link_id, entity, "tsunagu-types", data["kind"], name=_type_label(data["kind"]))
    if entity != "organization":  # organisations carry their id as an organization_identifier
        tables.attribute(link_id, entity, "tsunagu-fields", "id", node)
    for attribute, value in sorted(data.items()):
        if attribute in _DERIVED or value is None:
            continue
        field = curated_names.get(attribute)
        if field is None:
            continue
        for item in _as_list(value):
            tables.attribute(link_id, entity, "tsunagu-fields", field, item)
    if data.get("age_stated"):
        low, high = data.get("age_min"), data.get("age_max")
        tables.attribute(link_id, entity, "tsunagu-fields", "age",
                         f"{'' if low is None else low}-{'' if high is None else high}")
    for domain in data.get("domains", ()):
        tables.attribute(link_id, entity, "tsunagu-domains", domain, name=graph.nodes.get(f"domain:{domain}", {})
                         .get("name") or domain)
    for _, target, key, edge in sorted(graph.out_edges(node, keys=True, data=True)):
        if edge.get("inferred") or key == "coversDomain":
            continue
        field = curated_names.get(key)
        if field is not None:
            tables.attribute(link_id, entity, "tsunagu-relations", field, target)


def _metadata_rows(tables, node, data, resource_id, resource_type):
    for index, source in enumerate(data.get("sources", ())):
        tables.add("metadata", {
            "id": hsds_uuid(node, f"source-{index}"), "resource_id": resource_id, "resource_type": resource_type,
            "last_action_date": source.get("as_of") or data.get("lastChecked") or "",
            "last_action_type": "source", "field_name": source.get("document") or "",
            "previous_value": "", "replacement_value": source.get("quote") or "",
            "updated_by": source.get("credit") or source.get("dataset") or source.get("document") or "",
        })


def hsds_tables(graph):
    """The graph as HSDS 3.0 tables: ``{table name: [record, ...]}``.

    Records hold only the fields that have a value; :func:`write_hsds` writes
    them with every column of the table.

    >>> from tsunagu.compile import compile_graph
    >>> tables = hsds_tables(compile_graph(lists=False).graph)
    >>> next(s for s in tables["services"] if s["name"] == "三原市若者居場所づくり事業")["minimum_age"]
    15
    """
    field_map = _field_map()
    curated_names = _curated_field_names()
    tables = _Tables()
    for taxonomy, description in TSUNAGU_TAXONOMIES.items():
        tables.add("taxonomies", {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"tsunagu:{taxonomy}")),
                                  "name": taxonomy, "description": description, "version": "1"})
    organisations, programs = _exported(graph)
    for node in organisations:
        data = graph.nodes[node]
        org_id = hsds_uuid(node)
        tables.add("organizations", {
            "id": org_id, "name": data.get("name") or node, "alternate_name": data.get("name_en"),
            "description": data.get("note") or _type_label(data["kind"]),
            "email": data.get("email"), "website": data.get("homepage") or data.get("url"),
        })
        tables.add("organization_identifiers", {"id": hsds_uuid(node, "identifier"), "organization_id": org_id,
                                                "identifier_scheme": "tsunagu", "identifier_type": "id",
                                                "identifier": node})
        if data.get("code"):
            tables.add("organization_identifiers", {"id": hsds_uuid(node, "code"), "organization_id": org_id,
                                                    "identifier_scheme": "全国地方公共団体コード",
                                                    "identifier_type": "local-government-code",
                                                    "identifier": data["code"]})
        _contacts(tables, graph, node, data, field_map, organization_id=org_id)
        _fields_and_relations(tables, graph, node, data, org_id, "organization", curated_names, field_map)
        _metadata_rows(tables, node, data, org_id, "organization")
        if "Organisation" in data.get("types", ()) and (data.get("domains") or data.get("age_stated")):
            _service(tables, graph, node, data, org_id, own=True)
    for node in programs:
        data = graph.nodes[node]
        if "NationalScheme" in data.get("types", ()):
            program_id = hsds_uuid(node)
            tables.add("programs", {"id": program_id, "name": data.get("name") or node,
                                    "alternate_name": data.get("name_en"),
                                    "description": data.get("note") or _type_label(data["kind"])})
            _fields_and_relations(tables, graph, node, data, program_id, "program", curated_names, field_map)
            _metadata_rows(tables, node, data, program_id, "program")
            if data.get("domains") or data.get("age_stated"):  # what every office of the scheme offers (Saposute: -49)
                _service(tables, graph, node, data, None, own=True)
            continue
        runner = _runner(graph, node)
        service_id = _service(tables, graph, node, data, hsds_uuid(runner) if runner else None, own=False)
        _fields_and_relations(tables, graph, node, data, service_id, "service", curated_names, field_map)
        _metadata_rows(tables, node, data, service_id, "service")
    return {name: rows for name, rows in tables.rows.items()}


def _service(tables, graph, node, data, organization_id, *, own):
    """One service row (with ages, areas, domains and contacts); returns its id."""
    service_id = hsds_uuid(node, "service") if own else hsds_uuid(node)
    schemes = sorted(t for _, t, k in graph.out_edges(node, keys=True) if k == "underScheme")
    row = {"id": service_id, "organization_id": organization_id, "name": data.get("name") or node,
           "alternate_name": data.get("name_en"), "description": data.get("note") or _type_label(data["kind"]),
           "status": "active", "program_id": hsds_uuid(schemes[0]) if schemes else None}
    if "NationalScheme" in data.get("types", ()):
        row["program_id"] = hsds_uuid(node)
    for attribute, column in (("url", "url"), ("email", "email"), ("eligibility", "eligibility_description"),
                              ("lastChecked", "assured_date")):
        if data.get(attribute):
            row[column] = data[attribute]
    if data.get("accessMethods"):
        row["application_process"] = "・".join(_as_list(data["accessMethods"]))
    if data.get("age_stated"):
        if data.get("age_min") is not None:
            row["minimum_age"] = data["age_min"]
        if data.get("age_max") is not None:
            row["maximum_age"] = data["age_max"]
    tables.add("services", row)
    if own:
        tables.attribute(service_id, "service", "tsunagu-fields", "own-service-of", node)
    for index, area in enumerate(sorted(t for _, t, k in graph.out_edges(node, keys=True) if k == "servesArea")):
        tables.add("service_areas", {"id": hsds_uuid(node, f"area-{index}"), "service_id": service_id,
                                     "name": graph.nodes[area].get("name") or area,
                                     "extent": graph.nodes[area].get("code"),
                                     "extent_type": "全国地方公共団体コード" if graph.nodes[area].get("code") else None})
    for domain in data.get("domains", ()):
        if own:  # the organisation's own row carries its domains already; the service repeats them for HSDS tools
            tables.attribute(service_id, "service", "tsunagu-domains", domain,
                             name=graph.nodes.get(f"domain:{domain}", {}).get("name") or domain)
    _contacts(tables, graph, node, data, _field_map(), organization_id=organization_id, service_id=service_id,
              own_service=own)
    return service_id


def _clean(record):
    return {key: value for key, value in record.items() if value is not None}


def hsds_documents(tables):
    """The JSON form: full organization and service objects with their nested records."""
    def group(table, key):
        index = {}
        for row in tables[table]:
            if row.get(key):
                index.setdefault(row[key], []).append(_clean(row))
        return index

    phones_by_org, phones_by_service = group("phones", "organization_id"), group("phones", "service_id")
    addresses = group("addresses", "location_id")
    locations = {}
    for row in tables["locations"]:
        location = _clean(row)
        location["addresses"] = addresses.get(row["id"], [])
        if row.get("organization_id"):
            locations.setdefault(row["organization_id"], []).append(location)
    identifiers = group("organization_identifiers", "organization_id")
    attributes, metadata = group("attributes", "link_id"), group("metadata", "resource_id")
    schedules, areas = group("schedules", "service_id"), group("service_areas", "service_id")
    organisations = []
    for row in tables["organizations"]:
        document = _clean(row)
        document.update(phones=phones_by_org.get(row["id"], []), locations=locations.get(row["id"], []),
                        organization_identifiers=identifiers.get(row["id"], []),
                        attributes=attributes.get(row["id"], []), metadata=metadata.get(row["id"], []))
        organisations.append(document)
    services = []
    for row in tables["services"]:
        document = _clean(row)
        document.update(phones=phones_by_service.get(row["id"], []), schedules=schedules.get(row["id"], []),
                        service_areas=areas.get(row["id"], []), attributes=attributes.get(row["id"], []),
                        metadata=metadata.get(row["id"], []))
        services.append(document)
    return {"organizations": organisations, "services": services}


def _csv_value(value):
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def write_hsds(graph, directory):
    """Write the tabular form (one CSV per table, UTF-8) and the JSON form into ``directory``.

    The CSV files go through :func:`tsunagu.output.csv_text`: a name or
    phone starting like a formula gets OWASP's leading ``'``, which
    :mod:`tsunagu.loaders.formats.hsds` takes off again. Returns ``{table: record count}``.
    """
    from tsunagu.loaders.formats.tabular import csv_text

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tables = hsds_tables(graph)
    for name, columns in HSDS_TABLES.items():
        unknown = {key for row in tables[name] for key in row} - set(columns)
        if unknown:  # what DictWriter's extrasaction="raise" caught: a column the table does not have
            raise ValueError(f"HSDS table {name} has no column {sorted(unknown)}")
        rows = [{column: _csv_value(row.get(column)) for column in columns} for row in tables[name]]
        with open(directory / f"{name}.csv", "w", encoding="utf-8", newline="") as stream:
            stream.write(csv_text(rows, columns, lineterminator="\r\n"))
    documents = hsds_documents(tables)
    json_dir = directory / "json"
    json_dir.mkdir(exist_ok=True)
    for name, items in documents.items():
        (json_dir / f"{name}.json").write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    _write_credits(directory, graph.graph.get("lists") or [], list(HSDS_TABLES))
    return {name: len(rows) for name, rows in tables.items()}


def _write_credits(directory, lists, tables):
    """The credits the lists' licences ask for, beside the tables: ``出典.txt`` for a reader and a
    Frictionless ``datapackage.json`` (resources, licenses, sources) for a tool."""
    from tsunagu.loaders.sources.carried import credit_lines

    lines = ["このデータは tsunagu（ひきこもり支援資源の知識グラフ）が次の一覧と政府の資料から作ったものです（加工あり）。"]
    lines += [f"- {line}" for line in credit_lines(lists)]
    (directory / "出典.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    package = {
        "name": "tsunagu-hsds", "title": "tsunagu: ひきこもり支援資源（HSDS 3.0）", "profile": "tabular-data-package",
        "resources": [{"name": name, "path": f"{name}.csv", "format": "csv", "encoding": "utf-8"} for name in tables],
        "licenses": [{"name": item.get("licence"), "path": item.get("licence_url") or "", "title": item.get("credit")}
                     for item in lists],
        "sources": [{"title": item.get("credit"), "path": item.get("page") or ""} for item in lists],
    }
    (directory / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
