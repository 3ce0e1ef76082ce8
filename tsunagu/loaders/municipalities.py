"""The national municipality lists: localgovjp's CSV and the ministry's code list.

Both become :class:`NationalList` (prefectures and municipalities with their
6-digit codes, names, readings and derived kinds), then RDF that merges with
the curated data: a municipality the curated files already describe (same
code) keeps its id and only gains what the list adds (position, web site,
census population).

Kinds are derived and checked: a designated city is a city with wards (a
ward's code is its city's code plus 1-99, outside Tokyo); Tokyo's 23 special
wards are municipalities of their own; a core city is named in the package's
fact list (``tsunagu/data/core_cities.yaml``, with its source and date);
other names ending in 市, 町, 村 are cities, towns, villages.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from rdflib import Literal
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from tsunagu.exceptions import DataError, DataErrors
from tsunagu.loaders.curated import check_digit, document_iri
from tsunagu.ontology import ID, TG, canonical
from tsunagu.store.rdf import adder, data_graph

__all__ = [
    "MunicipalityRow",
    "NationalList",
    "read_localgovjp",
    "read_mic_codes",
    "read_municipality_list",
    "read_population",
    "core_cities",
    "national_to_rdf",
    "MIC_COLUMNS",
]

MIC_COLUMNS = ("団体コード", "都道府県名（漢字）", "市区町村名（漢字）", "都道府県名（カナ）", "市区町村名（カナ）")
_LOCALGOV_COLUMNS = ("pid", "pref", "cid", "city", "citykana", "lat", "lng", "url", "lgcode")
_TOKYO = "13"
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}


@dataclass
class MunicipalityRow:
    code: str
    name: str
    kana: str | None
    prefecture_code: str
    prefecture_name: str
    line: int
    text: str  # the row as it stands in the file, quoted as the source
    lat: Decimal | None = None
    lng: Decimal | None = None
    url: str | None = None
    kind: str = ""
    wards: int = 0
    city: str | None = None  # a designated-city ward's city code


@dataclass
class NationalList:
    path: str
    document: str
    prefectures: dict = field(default_factory=dict)  # code -> (name, kana or None, line, text)
    municipalities: list = field(default_factory=list)
    wards: list = field(default_factory=list)


def _hiragana(text):
    """Readings in hiragana: NFKC folds the ministry's half-width katakana first."""
    return unicodedata.normalize("NFKC", text or "").translate(_KATAKANA_TO_HIRAGANA).strip() or None


def _code(raw, path, line, errors, field_name):
    text = (raw or "").strip()
    if text.isdigit() and len(text) < 6:
        text = text.zfill(6)
    if len(text) != 6 or not text.isdigit():
        errors.append(DataError(path, f"'{raw}' is not a 6-digit local government code", line=line, field=field_name))
        return None
    if check_digit(text[:5]) != int(text[5]):
        errors.append(DataError(path, f"'{text}' has a wrong check digit (expected {text[:5]}{check_digit(text[:5])})",
                                line=line, field=field_name))
        return None
    return text


def _prefecture_code(two_digits):
    base = f"{int(two_digits):02d}000"
    return base + str(check_digit(base))


def _is_designated_ward(code, name):
    """A designated city's ward: not Tokyo, a code in the 101-199 block, a name ending in 区."""
    return code[:2] != _TOKYO and 101 <= int(code[2:5]) <= 199 and name.replace(" ", "").endswith("区")


def _coordinate(raw, path, line, errors, field_name):
    if raw in (None, ""):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        errors.append(DataError(path, f"'{raw}' is not a number", line=line, field=field_name))
        return None


def _data_rows(reader, width, path, errors):
    """(line, values) for each non-empty row; short rows become errors."""
    try:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(values) < width:
                errors.append(DataError(path, f"has {len(values)} fields, the header {width}", line=line))
                continue
            yield line, values
    except UnicodeDecodeError as error:
        raise DataError(path, "not UTF-8 text") from error


def _header(reader, path):
    try:
        return next(reader)
    except (StopIteration, UnicodeDecodeError) as error:
        raise DataError(path, "empty or not UTF-8", line=1) from error


def _open_csv(path):
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
        return handle, csv.reader(handle)
    except OSError as error:
        raise DataError(path, f"cannot read: {error.strerror}") from error


def read_localgovjp(path):
    """code4fukui/localgovjp's ``localgovjp-utf8.csv``."""
    path = Path(path)
    national = NationalList(str(path), path.name)
    errors = []
    handle, reader = _open_csv(path)
    with handle:
        header = _header(reader, path)
        missing = [c for c in _LOCALGOV_COLUMNS if c not in header]
        if missing:
            raise DataError(path, f"not a localgovjp file: missing column(s) {', '.join(missing)}", line=1)
        column = {name: header.index(name) for name in _LOCALGOV_COLUMNS}
        for line, values in _data_rows(reader, len(header), path, errors):
            get = {name: values[index].strip() for name, index in column.items()}
            code = _code(get["lgcode"], path, line, errors, "lgcode")
            if code is None:
                continue
            if not get["city"]:
                errors.append(DataError(path, "no municipality name", line=line, field="city"))
                continue
            prefecture_code = _prefecture_code(code[:2])
            national.prefectures.setdefault(prefecture_code, (get["pref"], None, line, ",".join(values[:2])))
            row = MunicipalityRow(
                code, get["city"], _hiragana(get["citykana"]), prefecture_code, get["pref"], line,
                ",".join(values[:5]) + "," + get["lgcode"],
                lat=_coordinate(get["lat"], path, line, errors, "lat"),
                lng=_coordinate(get["lng"], path, line, errors, "lng"), url=get["url"] or None,
            )
            (national.wards if " " in get["city"] else national.municipalities).append(row)
    if errors:
        raise DataErrors(errors)
    return _derive_kinds(national)


def read_mic_codes(path):
    """The ministry's 全国地方公共団体コード list, saved as UTF-8 CSV with its five columns.

    Prefecture rows have no municipality name; readings are half-width
    katakana, as the ministry writes them. Designated-city wards may be
    included (their codes are the city's plus 1-99).
    """
    path = Path(path)
    national = NationalList(str(path), path.name)
    errors = []
    handle, reader = _open_csv(path)
    with handle:
        header = [unicodedata.normalize("NFKC", h).replace("\n", "").strip() for h in _header(reader, path)]
        wanted = [unicodedata.normalize("NFKC", c) for c in MIC_COLUMNS]
        missing = [c for c, n in zip(MIC_COLUMNS, wanted, strict=True) if n not in header]
        if missing:
            raise DataError(path, f"not a 全国地方公共団体コード list: missing column(s) {', '.join(missing)}", line=1)
        index = [header.index(n) for n in wanted]
        for line, values in _data_rows(reader, len(header), path, errors):
            code_raw, pref, city, pref_kana, city_kana = (values[i].strip() for i in index)
            code = _code(code_raw, path, line, errors, MIC_COLUMNS[0])
            if code is None:
                continue
            text = ",".join(v.strip() for v in values[:5])
            if not city:
                national.prefectures[code] = (pref, _hiragana(pref_kana), line, text)
                continue
            row = MunicipalityRow(code, city, _hiragana(city_kana), _prefecture_code(code[:2]), pref, line, text)
            (national.wards if _is_designated_ward(code, city) else national.municipalities).append(row)
    if errors:
        raise DataErrors(errors)
    return _derive_kinds(national)


def read_municipality_list(path):
    """Either format, told apart by its header."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        first = handle.readline()
    return read_localgovjp(path) if "lgcode" in first else read_mic_codes(path)


def core_cities():
    """The package's fact list of core cities: {code: name}, with its source."""
    from importlib import resources

    data = yaml.safe_load((resources.files("tsunagu") / "data" / "facts" / "core_cities.yaml").read_text(encoding="utf-8"))
    return {str(c["code"]): c["name"] for c in data["core_cities"]}, data["source"]


def _derive_kinds(national):
    errors = []
    path = national.path
    by_code = {}
    for row in national.municipalities:
        if row.code in by_code:
            errors.append(DataError(path, f"code {row.code} again (first at line {by_code[row.code].line})",
                                    line=row.line, field="code"))
        by_code[row.code] = row
        if row.prefecture_code not in national.prefectures:
            national.prefectures[row.prefecture_code] = (row.prefecture_name, None, row.line, row.text)
    cities = [r for r in national.municipalities if r.name.endswith("市")]
    ward_lines = {}
    for ward in national.wards:
        if ward.code in ward_lines:  # counted once: a repeated row would inflate its city's ward count
            errors.append(DataError(path, f"ward code {ward.code} again (first at line {ward_lines[ward.code]})",
                                    line=ward.line, field="code"))
            continue
        ward_lines[ward.code] = ward.line
        # its city: same prefecture, the name the ward's name starts with (札幌市 中央区, 札幌市中央区)
        ward_name = ward.name.replace(" ", "")
        city = next((c for c in cities if c.prefecture_code == ward.prefecture_code and ward_name.startswith(c.name)
                     and c.code[:2] == ward.code[:2] and c.code[2:5] < ward.code[2:5]), None)
        if city is None or not _is_designated_ward(ward.code, ward.name):
            errors.append(DataError(path, f"ward {ward.name} ({ward.code}) has no designated city in the list",
                                    line=ward.line, field="code"))
            continue
        city.wards += 1
        ward.city = city.code
    cores, _ = core_cities()
    for row in national.municipalities:
        name = row.name
        if row.wards:
            row.kind = "DesignatedCity"
        elif row.code[:2] == _TOKYO and name.endswith("区"):
            row.kind = "SpecialWard"
        elif row.code in cores:
            row.kind = "CoreCity"
            if cores[row.code] != name:
                errors.append(DataError(path, f"code {row.code} is {name} here but {cores[row.code]} in the core-city list",
                                        line=row.line, field="name"))
        elif name.endswith("市"):
            row.kind = "City"
        elif name.endswith("町"):
            row.kind = "Town"
        elif name.endswith("村"):
            row.kind = "Village"
        else:
            errors.append(DataError(path, f"cannot tell the kind of '{name}' from its name", line=row.line, field="name"))
    if errors:
        raise DataErrors(errors)
    return national


def read_population(path):
    """2015 census population by 5-digit code from population_jp's detail CSV: {code5: (population, line, text)}."""
    path = Path(path)
    population = {}
    handle, reader = _open_csv(path)
    with handle:
        header = next(reader)
        if not header or header[0] != "地域コード" or len(header) < 6:
            raise DataError(path, "not population_jp's detail CSV (first column 地域コード)", line=1)
        for line, values in enumerate(reader, start=2):
            # 地域識別コード 0-3: wards, designated cities, cities, towns and villages (current boundaries)
            if len(values) < 6 or values[1] not in ("0", "1", "2", "3") or values[2] != "2015":
                continue
            code5 = values[0].strip().zfill(5)
            try:
                population.setdefault(code5, (int(values[5]), line, ",".join(values[:6])))
            except ValueError:
                raise DataError(path, f"population '{values[5]}' is not a number", line=line, field=header[5]) from None
    return population


# The process's one object for each term written below (ontology.canonical): found by identity in the store.
_IDENTIFIER = canonical(DCTERMS.identifier)
_IS_PART_OF = canonical(DCTERMS.isPartOf)
_WAS_DERIVED_FROM = canonical(PROV.wasDerivedFrom)
_TYPE = canonical(RDF.type)
_LABEL = canonical(RDFS.label)
_ALT_LABEL = canonical(SKOS.altLabel)
_ADMINISTRATIVE_WARD = canonical(TG.AdministrativeWard)
_PREFECTURE = canonical(TG.Prefecture)
_SOURCE_DOCUMENT = canonical(TG.SourceDocument)
_SOURCE_PASSAGE = canonical(TG.SourcePassage)
_CENSUS_POPULATION = canonical(TG.censusPopulation)
_CENSUS_YEAR_OF = canonical(TG.censusYear)
_CODE = canonical(TG.code)
_HOMEPAGE = canonical(TG.homepage)
_KANA = canonical(TG.kana)
_LATITUDE = canonical(TG.latitude)
_LONGITUDE = canonical(TG.longitude)
_PART_OF_MUNICIPALITY = canonical(TG.partOfMunicipality)
_PART_OF_PREFECTURE = canonical(TG.partOfPrefecture)
_QUOTE = canonical(TG.quote)
_WARD_COUNT = canonical(TG.wardCount)

_CENSUS_YEAR = Literal("2015", datatype=XSD.gYear)


def _passage(graph, document, quote):
    add = adder(graph)
    passage = ID["source/" + hashlib.sha1(f"{document}\n{quote}".encode("utf-8")).hexdigest()[:16]]
    doc = document_iri(document)
    add((passage, _TYPE, _SOURCE_PASSAGE))
    add((passage, _QUOTE, Literal(quote)))
    add((passage, _IS_PART_OF, doc))
    add((doc, _TYPE, _SOURCE_DOCUMENT))
    add((doc, _IDENTIFIER, Literal(document)))
    return passage


def national_to_rdf(national, existing, population=None, population_document=None, into=None):
    """RDF for a :class:`NationalList`, merged into ``existing`` entities by code.

    ``existing`` maps a code to ``(IRI, Japanese name)`` for entities the
    curated inputs define. Returns ``(graph, report)``; ``report`` lists the
    municipalities the census population did not join, with why. ``into``: the
    graph to add the triples to (a build's own, rather than a new one copied into it).
    """
    graph = data_graph() if into is None else into
    add = adder(graph)
    errors = []
    report = {"municipalities": len(national.municipalities), "prefectures": len(national.prefectures),
              "merged": [], "population_joined": 0, "population_missing": []}
    cores, core_source = core_cities()
    core_passage = _passage(graph, core_source["document"], core_source["quote"])
    prefecture_iri = {}
    for code, (name, kana, line, text) in sorted(national.prefectures.items()):
        iri, known_name = existing.get(code, (ID[f"pref-{code}"], None))
        prefecture_iri[code] = iri
        passage = _passage(graph, national.document, text)
        add((iri, _WAS_DERIVED_FROM, passage))
        if known_name is None:
            add((iri, _TYPE, _PREFECTURE))
            add((iri, _LABEL, Literal(name, lang="ja")))
            add((iri, _CODE, Literal(code)))
            if kana:
                add((iri, _KANA, Literal(kana)))
        elif known_name != name:
            errors.append(DataError(national.path, f"code {code} is {name} here but {known_name} in the curated data",
                                    line=line, field="name"))
    for row in national.municipalities:
        iri, known_name = existing.get(row.code, (ID[f"m-{row.code}"], None))
        passage = _passage(graph, national.document, row.text)
        add((iri, _WAS_DERIVED_FROM, passage))
        if known_name is None:
            add((iri, _TYPE, canonical(TG[row.kind])))
            add((iri, _LABEL, Literal(row.name, lang="ja")))
            add((iri, _CODE, Literal(row.code)))
            add((iri, _PART_OF_PREFECTURE, prefecture_iri[row.prefecture_code]))
            if row.kana:
                add((iri, _KANA, Literal(row.kana)))
        else:
            report["merged"].append(row.code)
            if known_name != row.name:
                errors.append(DataError(national.path, f"code {row.code} is {row.name} here but {known_name} in the curated data",
                                        line=row.line, field="name"))
        if row.kind == "CoreCity":
            add((iri, _WAS_DERIVED_FROM, core_passage))
        if row.wards:
            add((iri, _WARD_COUNT, Literal(row.wards)))
        if row.lat is not None and row.lng is not None:
            add((iri, _LATITUDE, Literal(row.lat, datatype=XSD.decimal)))
            add((iri, _LONGITUDE, Literal(row.lng, datatype=XSD.decimal)))
        if row.url:
            add((iri, _HOMEPAGE, Literal(row.url, datatype=XSD.anyURI)))
        if population is not None:
            found = population.get(row.code[:5])
            if found is None:
                report["population_missing"].append(
                    f"{row.name}（{row.code}）: 2015年国勢調査の表に地域コード {row.code[:5]} の行がない（調査後にコードが変わった？）")
                continue
            count, _, text = found
            add((iri, _CENSUS_POPULATION, Literal(count)))
            add((iri, _CENSUS_YEAR_OF, _CENSUS_YEAR))
            add((iri, _WAS_DERIVED_FROM, _passage(graph, population_document, text)))
            report["population_joined"] += 1
    report["wards"] = _wards_to_rdf(graph, national, existing)
    if errors:
        raise DataErrors(errors)
    return graph, report


def _wards_to_rdf(graph, national, existing):
    """Designated-city wards as areas inside their city: 「札幌市中央区」, short name 「中央区」, own code."""
    count = 0
    for ward in national.wards:
        if ward.city is None:
            continue
        city_iri = existing.get(ward.city, (ID[f"m-{ward.city}"], None))[0]
        iri = ID[f"ward-{ward.code}"]
        full = ward.name.replace(" ", "").replace("\u3000", "")
        city_name = next(r.name for r in national.municipalities if r.code == ward.city)
        graph.add((iri, _TYPE, _ADMINISTRATIVE_WARD))
        graph.add((iri, _LABEL, Literal(full, lang="ja")))
        graph.add((iri, _ALT_LABEL, Literal(full[len(city_name):] if full.startswith(city_name) else full, lang="ja")))
        graph.add((iri, _CODE, Literal(ward.code)))
        graph.add((iri, _PART_OF_MUNICIPALITY, city_iri))
        if ward.kana:
            graph.add((iri, _KANA, Literal(ward.kana.replace(" ", ""))))
        graph.add((iri, _WAS_DERIVED_FROM, _passage(graph, national.document, ward.text)))
        if ward.url:
            graph.add((iri, _HOMEPAGE, Literal(ward.url, datatype=XSD.anyURI)))
        count += 1
    return count
