"""保健所 jurisdictions (MHLW 都道府県別市区町村符号及び保健所符号一覧, as a crosswalk CSV).

One ``PublicHealthOffice`` per (prefecture, 保健所 name), serving exactly the
municipalities and wards the list assigns to it (a designated-city ward's
office serves the ward and its city), run (``operatedBy``) by whoever set it
up: a city-run centre (「広島市」) is that city's and located in it; any other is
the prefecture's, reached at the prefecture level from the towns it serves and
from no other town. The list gives short names (「倶知安」, city-run ones as
「札幌市」), so the entity is called 「倶知安保健所」, 「札幌市保健所」.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata

from tsunagu.exceptions import DataError
from tsunagu.loaders.sources.directory import Row, normalise_label

__all__ = ["load", "DATASET", "office_name", "operating_city"]

DATASET = {
    "dataset": "hokenjo",
    "title": "都道府県別市区町村符号及び保健所符号一覧（厚生労働省）",
    "licence": "政府標準利用規約（CC BY 4.0 互換）",
    "credit": "出典：厚生労働省",
    "url": "https://data.e-gov.go.jp/data/dataset/mhlw_20170316_0002",
}
_AS_OF = "2026-05-01"  # the MHLW master's update month (README: 2026年5月更新)


def office_name(short):
    """「倶知安」 -> 「倶知安保健所」; width and stray spaces folded (「南　部」 -> 「南部保健所」).

    Examples
    --------
    >>> office_name("南　部")
    '南部保健所'
    """
    text = "".join(unicodedata.normalize("NFKC", short).split())
    return text if text.endswith("保健所") else text + "保健所"


def load(path, directory):
    """Add the 保健所 of ``hokenjo_muni_crosswalk.csv`` (``path`` or the folder holding it)."""
    path, report, file_id = directory.source_file(path, "hokenjo_muni_crosswalk.csv", DATASET)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if not {"pref", "muni_code", "hokenjo"} <= set(reader.fieldnames or ()):
                raise DataError(path, "列 pref, muni_code, hokenjo が必要です", line=1)
            rows = list(reader)
    except OSError as error:
        raise DataError(path, f"読めません: {error.strerror}") from error
    served = {}  # entry id -> (short name, prefecture code, [Area])
    for number, cell in enumerate(rows, start=1):
        short, code5 = (cell.get("hokenjo") or "").strip(), (cell.get("muni_code") or "").strip()
        if not short:
            report.skip(file_id, number, "hokenjo", "保健所名が空")
            continue
        area = directory.area_by_code5(code5)
        if area is None:
            area = _city_of_unknown_ward(directory, code5)
            if area is None:
                report.skip(file_id, number, "muni_code", f"コード {code5} の市区町村・行政区が一覧にない")
                continue
            report.notes.append(f"{file_id} 行 {number}: 行政区 {code5} は一覧になく、指定都市 {area.name} に付けた")
        prefecture = area.prefecture
        digest = hashlib.sha1(office_name(short).encode("utf-8")).hexdigest()[:8]
        entry = directory.entry(f"hokenjo-{prefecture}-{digest}", "PublicHealthOffice")
        row = Row("hokenjo", file_id, number, f"{cell.get('pref')} {code5} {short}", as_of=_AS_OF)
        entry.cite(row)
        entry.add("name", office_name(short), row)
        entry.serves.add(area.iri)
        if area.city is not None:
            entry.serves.add(area.city)
        served.setdefault(entry.id, (short, prefecture, []))[2].append(area)
        report.loaded += 1
    for entry_id, (short, prefecture, areas) in served.items():
        entry = directory.entry(entry_id, "PublicHealthOffice")
        city = operating_city(short, areas, directory)
        if city is not None:  # a city-run centre is that city's: located in it, run by it
            entry.located_in = entry.operated_by = city
        else:  # run by the prefecture, serving only the towns the list assigns to it
            pref = directory.prefecture(prefecture)
            if pref is not None:
                entry.operated_by = pref.iri


def operating_city(short, areas, directory):
    """The municipality (IRI) that runs the 保健所 called ``short`` serving ``areas`` (Area objects), or
    None when the prefecture runs it.

    A centre is a city's when the list names it after a city it serves (「広島市」, 「市立函館」,
    「松江市・島根県共同設置松江（市）」; 「茅ヶ崎市」 also serves 寒川町, 「鳥取市」 its neighbouring towns, by
    agreement), or when it serves one of Tokyo's special wards alone (each runs its own: 「みなと」 is
    港区's). 「市原」 (千葉県's centre for 市原市) and 「東部」 are the prefecture's.
    """
    cities = {area.city or area.iri for area in areas}
    # the last area read of each IRI, as a scan of every area kept (one per IRI in practice)
    found = {iri: directory.areas_by_iri[iri][-1] for iri in cities if iri in directory.areas_by_iri}
    text = normalise_label(short)
    for iri in sorted(found, key=str):
        name = normalise_label(found[iri].name)
        if text in (name, "市立" + name.removesuffix("市")) or (text.startswith(name) and "(市)" in text):
            return iri
    if len(found) == 1:
        only = next(iter(found.values()))
        if only.code[:2] == "13" and only.name.endswith("区") and only.kind == "Municipality":
            return only.iri  # a Tokyo special ward
    return None


def _city_of_unknown_ward(directory, code5):
    """A ward code the municipality list lacks (a new ward): its designated city, the nearest lower code."""
    if not code5.isdigit() or not 101 <= int(code5.zfill(5)[2:5]) <= 199:
        return None  # outside the block of designated-city ward codes
    candidates = [a for a in directory.municipalities()
                  if a.code[:2] == code5.zfill(5)[:2] and a.code[:5] < code5.zfill(5)
                  and directory.graph.value(a.iri, _ward_count()) is not None]
    return max(candidates, key=lambda a: a.code, default=None)


def _ward_count():
    from tsunagu.ontology import TG

    return TG.wardCount
