"""The graph as Open Referral HSDS 3.0: tabular CSV files and the JSON form.

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
  so :mod:`tsunagu.loaders.formats.hsds` can read the export back into the same graph;
- every source passage becomes a ``metadata`` row (document, quote, date).

Identifiers are UUIDs derived from the graph's ids (``uuid5``), so exporting
again does not churn.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

__all__ = [
    "HSDS_TABLES",
    "TSUNAGU_TAXONOMIES",
    "hsds_uuid",
    "hsds_tables",
    "hsds_documents",
    "write_hsds",
]

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


def _type_label(kind):
    from tsunagu.ontology import load_ontology

    ontology = load_ontology()
    cls = ontology.class_named(kind)
    return (ontology.label(cls, "ja") if cls is not None else None) or kind


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


def _sources(tables, node, data, resource_id, resource_type):
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
        _sources(tables, node, data, org_id, "organization")
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
            _sources(tables, node, data, program_id, "program")
            if data.get("domains") or data.get("age_stated"):  # what every office of the scheme offers (Saposute: -49)
                _service(tables, graph, node, data, None, own=True)
            continue
        runner = _runner(graph, node)
        service_id = _service(tables, graph, node, data, hsds_uuid(runner) if runner else None, own=False)
        _fields_and_relations(tables, graph, node, data, service_id, "service", curated_names, field_map)
        _sources(tables, node, data, service_id, "service")
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
    from tsunagu.output import csv_text

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
