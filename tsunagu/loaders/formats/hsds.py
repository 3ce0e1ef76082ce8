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
  by :mod:`tsunagu.loaders.formats.hsds_write` keeps beyond HSDS's columns;
- every record cites its HSDS rows (``metadata`` rows of a tsunagu export cite
  the original passages instead).

What cannot be mapped (an unknown taxonomy term, a service area that names no
municipality, a column tsunagu has no field for) is kept as a note on the
record and listed in the notices :func:`read_hsds` returns, never dropped
silently; a reason met on many rows is listed a few times, then counted
(「… ほか N 件」).

A record's id is its tsunagu id where the export gave one, else made from
its whole HSDS id (a UUID's 32 hex digits, or a hash of any other text), so
two records never share one. A value :mod:`tsunagu.loaders.formats.hsds_write` wrote with
OWASP's leading ``'`` (a name starting with ``=``) is read without it.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import uuid
from pathlib import Path

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.formats.yaml import LocatedDict

__all__ = ["is_hsds_directory", "read_hsds"]

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
    named by file and row; a value :mod:`tsunagu.loaders.formats.hsds_write` neutralised
    for spreadsheets (``'=...``) is read back as it was.
    """
    from tsunagu.loaders.limits import size_error
    from tsunagu.output import formula_restored

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
