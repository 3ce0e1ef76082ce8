"""The national directory being assembled from several lists, and its RDF.

Loaders add :class:`Entry` objects (one per window, town hall, health
office...) that cite the rows they come from. Two rows describing the same
window become one entry; where they disagree, every value is kept with its
source and date (:meth:`Directory.to_rdf` writes the newest as the value and
the rest as a ``tg:conflict``). Nothing is written to the graph until every
source has loaded, so a failing source leaves the previous build in place.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from pathlib import Path
from dataclasses import dataclass, field

from rdflib import BNode, Literal
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from tsunagu.loaders.curated import document_iri
from tsunagu.ontology import ID, SDO, TG, TGD, canonical, entity_id
from tsunagu.store.rdf import adder, data_graph, subject_index

__all__ = [
    "Row",
    "Entry",
    "SourceReport",
    "Directory",
    "normalise_phone",
    "normalise_label",
    "split_methods",
    "FIELD_PREDICATES",
]

# Entry field -> predicate (schema.org where it has the term; see tsunagu.ttl for the HSDS fields).
FIELD_PREDICATES = {
    "name": RDFS.label,
    "telephone": SDO.telephone,
    "faxNumber": SDO.faxNumber,
    "email": SDO.email,
    "url": SDO.url,
    "address": TG.address,
    "postalCode": SDO.postalCode,
    "openingHours": SDO.openingHours,
    "closedDays": TG.closedDays,
    "availableLanguage": SDO.availableLanguage,
    "accessibility": TG.accessibility,
    "eligibility": TG.eligibility,
    "department": TG.department,
}
# Fields compared loosely: a difference in width, spaces or hyphens is not a disagreement.
_PHONE_FIELDS = {"telephone", "faxNumber", "postalCode"}
# Fields on which two sources' disagreement is recorded (a web page differs by design).
_COMPARED = {"name", "telephone", "faxNumber", "address", "email"}
# Old or variant kanji one list uses for a municipality's name (惠庭市 for 恵庭市, 花卷市 for 花巻市).
_VARIANTS = str.maketrans({"惠": "恵", "卷": "巻", "藏": "蔵", "澤": "沢", "邊": "辺", "邉": "辺", "髙": "高", "﨑": "崎", "檮": "梼"})
_PREFECTURE_PREFIX = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)")
_DASHES = re.compile(r"[\-‐‑‒–—―−－ｰ]")


def normalise_phone(text):
    """Digits only, after NFKC: ``"０８２‐１２３"`` and ``"082-123"`` compare equal.

    Examples
    --------
    >>> normalise_phone("０８４８－６７－６０５９")
    '0848676059'
    """
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isdigit())


@functools.lru_cache(maxsize=1 << 16)  # the lists compare the same few thousand names again and again
def normalise_label(text):
    """NFKC, no spaces or hyphens, ヶ as ケ: how two lists' spellings of one name are compared.

    Examples
    --------
    >>> normalise_label("龍ヶ崎市 社会福祉協議会") == normalise_label("龍ケ崎市社会福祉協議会")
    True
    """
    text = unicodedata.normalize("NFKC", text or "").replace("ヶ", "ケ").replace("ヵ", "カ")
    text = text.translate(_VARIANTS).replace("塩釜", "塩竈")
    return _DASHES.sub("", "".join(text.split()))


def split_methods(text):
    """``"電話・来所・メール"`` -> ``["電話", "来所", "メール"]``.

    Examples
    --------
    >>> split_methods("電話・来所、メール")
    ['電話', '来所', 'メール']
    """
    parts = re.split(r"[・、,／/]", unicodedata.normalize("NFKC", text or ""))
    return [p.strip() for p in parts if p.strip()]


def clean_cell(text):
    """A cell's text with line breaks folded to one space and outer spaces dropped."""
    return " ".join((text or "").split())


@dataclass(frozen=True)
class Row:
    """Where one imported fact comes from."""

    dataset: str
    file: str  # e.g. "fukushi_portal/offices.csv"
    row: int  # data row number (1 = first row after the header)
    quote: str  # the row's own words that name the thing
    url: str | None = None  # the official page the row cites
    as_of: str | None = None  # ISO date the row was last checked
    unverified: bool = False


@dataclass
class Entry:
    """One directory entity being assembled."""

    id: str
    kind: str  # class local name
    fields: dict = field(default_factory=dict)  # field -> [(value, Row)]
    serves: set = field(default_factory=set)  # area IRIs
    located_in: object = None  # an area IRI
    operated_by: object = None  # who runs it (a prefecture or municipality IRI), when it serves named areas
    methods: set = field(default_factory=set)
    domains: set = field(default_factory=set)
    rows: list = field(default_factory=list)
    placeholder: bool = False
    served_by_source: dict = field(default_factory=dict)  # dataset -> set of area IRIs

    def add(self, name, value, row, report=None):
        """Add one field's value from ``row``; a value that cannot be right is reported and left out."""
        value = clean_cell(value)
        if not value or value in ("-", "－", "ー"):
            return
        if name in _PHONE_FIELDS or name == "email":
            value = unicodedata.normalize("NFKC", value)
        if name in _PHONE_FIELDS:
            value = _DASHES.sub("-", value)  # NFKC leaves ‐ (U+2010) and − as they are
        if name == "email" and ("@" not in value or value.startswith("http")):
            if report is not None:
                report.drop_field(row.file, row.row, name, f"'{value}' はメールアドレスではない")
            return
        if name == "telephone" and not normalise_phone(value):
            if report is not None:
                report.drop_field(row.file, row.row, name, f"'{value}' に電話番号の数字がない")
            return
        values = self.fields.setdefault(name, [])
        if (value, row) not in values:
            values.append((value, row))

    def cite(self, row):
        if row not in self.rows:
            self.rows.append(row)

    def value(self, name):
        """The newest value of a field, or None."""
        values = self.fields.get(name)
        if not values:
            return None
        return max(values, key=lambda item: (item[1].as_of or "", -item[1].row))[0]

    @property
    def datasets(self):
        return {row.dataset for row in self.rows}


@dataclass
class SourceReport:
    """What one source did: how many rows loaded, and every row it skipped with why."""

    name: str
    path: str
    loaded: int = 0
    skipped: list = field(default_factory=list)  # [(file, row, field, why)]
    notes: list = field(default_factory=list)

    fields_dropped: list = field(default_factory=list)  # [(file, row, field, why)]: the row loaded without it

    def skip(self, file, row, field_name, why):
        self.skipped.append((file, row, field_name, why))

    def drop_field(self, file, row, field_name, why):
        self.fields_dropped.append((file, row, field_name, why))

    def as_dict(self):
        return {"name": self.name, "path": self.path, "loaded": self.loaded,
                "skipped": [{"file": f, "row": r, "field": c, "why": w} for f, r, c, w in self.skipped],
                "fields_dropped": [{"file": f, "row": r, "field": c, "why": w} for f, r, c, w in self.fields_dropped],
                "notes": list(self.notes)}


@dataclass(frozen=True)
class Area:
    iri: object
    name: str
    code: str
    prefecture: str  # 2-digit prefecture code
    kind: str  # Municipality, Prefecture, AdministrativeWard
    city: object = None  # a ward's designated city IRI


class Directory:
    """The areas of the asserted graph by code and name, and the entries the sources add."""

    def __init__(self, asserted, paths):
        self.graph = asserted
        self.paths = dict(paths)
        self.entries = {}
        self.reports = {}
        self.documents = {}  # file id -> metadata
        self.areas = {}  # 6-digit code -> Area
        self.areas_by_iri = {}  # IRI -> [Area], in the order of ``areas`` (one, unless two codes share an IRI)
        self.by_name = {}  # (prefecture code, normalised name) -> [Area]
        self.prefecture_by_name = {}  # normalised prefecture name -> Area
        self.refresh_areas()

    # --- areas ---------------------------------------------------------------
    def refresh_areas(self):
        """Re-read municipalities, prefectures and wards from the graph (after the municipality list loads)."""
        from tsunagu.ontology import load_ontology

        ontology = load_ontology()
        graph = self.graph
        self.areas.clear()
        self.areas_by_iri.clear()
        self.by_name.clear()
        self.prefecture_by_name.clear()
        # each subject's triples read from the store's index, by the terms it keeps (ontology.canonical):
        # the graph's generators and new namespace terms were most of a synthetic 10x build's list step
        index = subject_index(graph)
        type_, label, part_of = canonical(RDF.type), canonical(RDFS.label), canonical(TG.partOfMunicipality)
        prefecture, municipality, ward = canonical(TG.Prefecture), canonical(TG.Municipality), canonical(TG.AdministrativeWard)
        for subject, code in graph.subject_objects(TG.code):
            code = str(code)
            predicates = index.get(subject, {})
            types = predicates.get(type_, {})
            name = next((str(v) for v in predicates.get(label, ()) if getattr(v, "language", None) == "ja"), None)
            if name is None:
                continue
            if any(ontology.is_a(t, prefecture) for t in types):
                kind = "Prefecture"
            elif any(ontology.is_a(t, municipality) for t in types):
                kind = "Municipality"
            elif ward in types:
                kind = "AdministrativeWard"
            else:
                continue
            area = Area(subject, name, code, code[:2], kind, next(iter(predicates.get(part_of, ())), None))
            self.areas[code] = area
            if kind == "Prefecture":
                self.prefecture_by_name[normalise_label(name)] = area
            else:
                self.by_name.setdefault((code[:2], normalise_label(name)), []).append(area)
        for area in self.areas.values():  # as a scan of the areas would meet them
            self.areas_by_iri.setdefault(area.iri, []).append(area)

    def municipalities(self):
        return [a for a in self.areas.values() if a.kind == "Municipality"]

    def prefecture(self, two_digits):
        from tsunagu.loaders.curated import check_digit

        base = f"{int(two_digits):02d}000"
        return self.areas.get(base + str(check_digit(base)))

    def area_by_code5(self, code5):
        """The municipality or ward with this 5-digit code (check digit added), or None."""
        from tsunagu.loaders.curated import check_digit

        code5 = code5.strip().zfill(5)
        if not code5.isdigit() or len(code5) != 5:
            return None
        return self.areas.get(code5 + str(check_digit(code5)))

    def area_named(self, prefecture_code, name):
        """The municipality (or ward) called ``name`` in a prefecture: one Area, or None if none or several."""
        found = self.by_name.get((prefecture_code, normalise_label(name)), [])
        municipalities = [a for a in found if a.kind == "Municipality"]
        return municipalities[0] if len(municipalities) == 1 else (found[0] if len(found) == 1 else None)

    # --- reports, documents, entries ------------------------------------------
    def report(self, name):
        return self.reports.setdefault(name, SourceReport(name, str(self.paths.get(name, ""))))

    def document(self, file_id, *, dataset, title, licence, credit, url=None):
        self.documents[file_id] = {"dataset": dataset, "title": title, "licence": licence, "credit": credit, "url": url}

    def source_file(self, path, file_name, dataset):
        """``(file, report, file id)`` of a list given as ``path``, a file or the folder holding ``file_name``;
        ``dataset`` (a loader's ``DATASET``) is recorded as the file's document."""
        path = Path(path)
        if path.is_dir():
            path = path / file_name
        file_id = f"{dataset['dataset']}/{path.name}"
        self.document(file_id, **dataset)
        return path, self.report(dataset["dataset"]), file_id

    def entry(self, entry_id, kind):
        """The entry ``entry_id``, created empty on first use."""
        if entry_id not in self.entries:
            self.entries[entry_id] = Entry(entry_id, kind)
        return self.entries[entry_id]

    # --- RDF -------------------------------------------------------------------
    def to_rdf(self, graph=None):
        """Every entry as triples, with row provenance and conflicts, added to ``graph`` (a new one by default).

        Adding straight into the build's graph saves copying some 150,000
        triples of a national build once more.
        """
        graph = data_graph() if graph is None else graph
        add = adder(graph)
        documents = {}
        for file_id, meta in self.documents.items():
            doc = document_iri(file_id)
            documents[file_id] = doc
            add((doc, RDF.type, TG.SourceDocument))
            add((doc, DCTERMS.identifier, Literal(file_id)))
            add((doc, DCTERMS.title, Literal(meta["title"])))
            add((doc, DCTERMS.license, Literal(meta["licence"])))
            add((doc, TG.credit, Literal(meta["credit"])))
            add((doc, TG.dataset, Literal(meta["dataset"])))
            if meta.get("url"):
                add((doc, DCTERMS.source, Literal(meta["url"], datatype=XSD.anyURI)))
        passages = {}

        passage_type, quote, part_of, row_number, source, as_of = (
            TG.SourcePassage, TG.quote, DCTERMS.isPartOf, TG.row, DCTERMS.source, TG.asOf)

        def passage(row):
            key = (row.file, row.row)
            if key in passages:
                return passages[key]
            if row.dataset == "seed":
                # The same passage IRI as a curated file citing the same words.
                iri = ID["source/" + hashlib.sha1(f"{row.file}\n{row.quote}".encode("utf-8")).hexdigest()[:16]]
                doc = document_iri(row.file)
                add((iri, RDF.type, passage_type))
                add((iri, quote, Literal(row.quote)))
                add((iri, part_of, doc))
                add((doc, RDF.type, TG.SourceDocument))
                add((doc, DCTERMS.identifier, Literal(row.file)))
                passages[key] = iri
                return iri
            iri = ID["source/" + hashlib.sha1(f"{row.file}\n{row.row}".encode("utf-8")).hexdigest()[:16]]
            passages[key] = iri
            add((iri, RDF.type, passage_type))
            add((iri, quote, Literal(row.quote or f"{row.file} {row.row}")))
            add((iri, part_of, documents[row.file]))
            add((iri, row_number, _literal(row.row)))
            if row.url:
                add((iri, source, Literal(row.url, datatype=XSD.anyURI)))
            if row.as_of:
                add((iri, as_of, _literal(row.as_of, XSD.date)))
            return iri

        for entry in self.entries.values():
            subject = ID[entry.id]
            add((subject, RDF.type, TG[entry.kind]))
            for row in entry.rows:
                add((subject, PROV.wasDerivedFrom, passage(row)))
            for name, values in entry.fields.items():
                predicate = FIELD_PREDICATES[name]
                shown = entry.value(name)
                add((subject, predicate, Literal(shown, lang="ja") if name == "name" else Literal(shown)))
                distinct = _distinct(name, values)
                if name in _COMPARED and len(distinct) > 1 and len({row.dataset for _, row in distinct}) > 1:
                    self._conflict(graph, subject, name, distinct)
            for area in sorted(entry.serves, key=str):
                add((subject, TG.servesArea, area))
            if entry.located_in is not None:
                add((subject, TG.locatedIn, entry.located_in))
            if entry.operated_by is not None:
                add((subject, TG.operatedBy, entry.operated_by))
            for method in sorted(entry.methods):
                add((subject, TG.accessMethod, _literal(method)))
            for domain in sorted(entry.domains):
                add((subject, TG.coversDomain, TGD[domain] if not domain.startswith("http") else domain))
            dates = [row.as_of for row in entry.rows if row.as_of]
            if dates:
                add((subject, TG.lastChecked, _literal(max(dates), XSD.date)))
            directory_rows = [row for row in entry.rows if row.dataset != "seed"]
            if directory_rows and all(row.unverified for row in directory_rows if row.dataset == "fukushi_portal") \
                    and any(row.dataset == "fukushi_portal" for row in directory_rows):
                add((subject, TG.unverified, Literal(True)))
            if entry.datasets == {"mhlw_jiritsu_2023"}:
                add((subject, TG.olderSource, Literal(True)))
            if entry.placeholder:
                add((subject, TG.placeholder, Literal(True)))
            served = {d: s for d, s in entry.served_by_source.items() if s}
            if len(served) > 1 and len({frozenset(s) for s in served.values()}) > 1:
                self._conflict(graph, subject, "servesArea", [
                    ("、".join(sorted(self._area_name(a) for a in areas)), self._newest_row(entry, dataset))
                    for dataset, areas in served.items()])
        return graph

    def _area_name(self, iri):
        found = self.areas_by_iri.get(iri)
        return found[0].name if found else entity_id(iri)

    @staticmethod
    def _newest_row(entry, dataset):
        rows = [r for r in entry.rows if r.dataset == dataset]
        return max(rows, key=lambda r: r.as_of or "")

    @staticmethod
    def _conflict(graph, subject, name, values):
        # Blank nodes: a disagreement is part of its entity's description, not an entity to refer to.
        node = BNode()
        graph.add((subject, TG.conflict, node))
        graph.add((node, TG.field, Literal(name)))
        for value, row in values:
            item = BNode()
            graph.add((node, TG.conflictValue, item))
            graph.add((item, TG.value, Literal(value)))
            graph.add((item, TG.dataset, Literal(row.dataset)))
            if row.as_of:
                graph.add((item, TG.asOf, Literal(row.as_of, datatype=XSD.date)))


@functools.lru_cache(maxsize=4096, typed=True)
def _literal(value, datatype=None):
    """``Literal(value, datatype=datatype)`` of a value that recurs (a row number, a date, an access
    method): made once, where making a literal parses or casts its value (a fifth of the directory step)."""
    return Literal(value, datatype=datatype)


def _address_key(text):
    """An address compared without its prefecture: one list writes 秋田県秋田市..., the other 秋田市...."""
    return _PREFECTURE_PREFIX.sub("", normalise_label(text))


def _distinct(name, values):
    """One (value, row) per distinct value after loose normalising, newest row first."""
    key = normalise_phone if name in _PHONE_FIELDS else (_address_key if name == "address" else normalise_label)
    seen = {}
    for value, row in sorted(values, key=lambda item: (item[1].as_of or "", -item[1].row), reverse=True):
        seen.setdefault(key(value), (value, row))
    if name in ("name", "address"):
        # 「仕事・暮らし自立サポートセンター名駅」 is 「名古屋市仕事・暮らし自立サポートセンター名駅」 without
        # its city: one written inside the other is the same value, not a disagreement.
        keys = list(seen)
        for short in keys:
            if any(short != long and long.endswith(short) for long in keys):
                seen.pop(short, None)
    return list(seen.values())
