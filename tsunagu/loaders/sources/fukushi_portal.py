"""くらし支援ナビ (fukushi_portal): self-reliance windows, town halls, welfare windows.

``offices.csv`` holds one row per window per municipality. Rows with the
same prefecture, name and phone are one window serving every municipality
that lists it (a shared agency such as 後志管内自立相談支援機関). Three kinds:

- ``contactType=self-reliance``: a ``SelfRelianceSupportAgency``;
- ``contactType=representative`` with no need category: the town hall, a
  ``MunicipalOffice`` (one per municipality);
- a 生活保護 window: the ``WelfareOffice`` (福祉事務所) it is;
- every other municipal row (住居確保給付金...): a ``WelfareWindow``;
- a prefecture-wide row (``scope=prefecture``): the prefecture's 社会福祉協議会,
  児童相談所, 法テラス, 消費生活センター or 女性相談支援センター, serving every
  municipality of the prefecture (``servesArea`` the prefecture).

Rows marked ``review_required`` load and the entity is flagged unverified.
Every row becomes provenance: file, row, the official page it cites, the
date it was checked, the CC BY licence and its credit line.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tsunagu.exceptions import DataError
from tsunagu.loaders.sources.directory import Row, normalise_label, normalise_phone, split_methods

__all__ = ["load", "DATASET", "prefectural_name"]

DATASET = {
    "dataset": "fukushi_portal",
    "title": "くらし支援ナビ 全国の相談窓口データ",
    "licence": "CC BY 4.0",
    "credit": "くらし支援ナビ（運営: JUNKBRANDING）",
    "url": "https://github.com/Yut8853/fukushi-portal",
}
# Prefecture-wide rows (scope=prefecture, id prefix -> class): each prefecture's 社会福祉協議会 (生活福祉資金),
# central 児童相談所, 法テラス office, 消費生活センター and 女性相談支援センター.
_PREFECTURE_KINDS = {
    "prefecture-welfare-loan": "SocialWelfareCouncil",
    "prefecture-child-guidance-center": "ChildGuidanceCentre",
    "prefecture-legal-aid": "LegalAidCentre",
    "prefecture-consumer-center": "ConsumerAffairsCentre",
    "prefecture-dv-center": "WomensConsultationCentre",
}
_COLUMNS = ("id", "municipalityId", "categoryId", "name", "phone", "contactType", "status", "lastVerifiedAt", "scope")
_FIELDS = (("name", "name"), ("telephone", "phone"), ("faxNumber", "fax"), ("email", "email"),
           ("address", "address"), ("postalCode", "postalCode"), ("openingHours", "openingHours"),
           ("closedDays", "closedDays"), ("availableLanguage", "languages"), ("accessibility", "accessibility"),
           ("eligibility", "eligibilityConditions"), ("department", "department"))


def _folder(path):
    path = Path(path)
    return path if path.is_dir() else path.parent


def _read(path, required=()):
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or ())]
            if missing:
                raise DataError(path, f"列がありません: {', '.join(missing)}", line=1)
            return list(reader)
    except OSError as error:
        raise DataError(path, f"読めません: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise DataError(path, "UTF-8 のテキストではありません") from error


def load(path, directory):
    """Add the windows of ``offices.csv`` (in folder ``path``) to ``directory``."""
    folder = _folder(path)
    _, report, file_id = directory.source_file(folder, "offices.csv", DATASET)
    municipalities = {r["id"]: dict(r, _row=number) for number, r in
                      enumerate(_read(folder / "municipalities.csv", ("id", "municipalityCode", "name")), start=1)}
    municipalities_id = f"{DATASET['dataset']}/municipalities.csv"
    directory.document(municipalities_id, **DATASET)
    sources_path = folder / "sources.csv"
    pages = {r["id"]: r.get("url") for r in _read(sources_path, ("id", "url"))} if sources_path.exists() else {}
    groups = {}
    for number, cell in enumerate(_read(folder / "offices.csv", _COLUMNS), start=1):
        name = " ".join((cell.get("name") or "").split())
        if not name:
            report.skip(file_id, number, "name", "窓口名が空")
            continue
        municipality = municipalities.get(cell["municipalityId"])
        if municipality is None:
            if not cell["municipalityId"] and cell.get("scope") == "prefecture":
                _prefecture_row(directory, report, file_id, number, cell, name, pages)
            else:
                report.skip(file_id, number, "municipalityId", f"'{cell['municipalityId']}' が municipalities.csv にない")
            continue
        # Some rows carry the 5-digit code plus a 0 instead of the check digit: join on the 5 digits.
        area = directory.area_by_code5((municipality.get("municipalityCode") or "").strip()[:5])
        if area is None or area.kind != "Municipality":
            report.skip(file_id, number, "municipalityId",
                        f"{municipality.get('name')} ({municipality.get('municipalityCode')}) が市区町村一覧にない（合併・改称？）")
            continue
        row = Row("fukushi_portal", file_id, number, f"{municipality.get('name')}: {name}",
                  url=pages.get(cell.get("sourceId")) or cell.get("officialUrl") or None,
                  as_of=(cell.get("lastVerifiedAt") or "").strip() or None,
                  unverified=cell.get("status") == "review_required")
        kind = _kind(cell)
        if kind == "MunicipalOffice":
            entry = directory.entry(f"townhall-{area.code}", kind)
            entry.located_in = area.iri
            phone = (municipality.get("representativePhone") or "").strip()
            if phone and not normalise_phone(cell.get("phone")):
                # the town hall's main number from municipalities.csv, cited as that file's row
                listed = Row("fukushi_portal", municipalities_id, municipality["_row"],
                             f"{municipality.get('name')}: 代表電話", url=municipality.get("officialUrl") or None,
                             as_of=(municipality.get("lastVerifiedAt") or "").strip() or None)
                entry.cite(listed)
                entry.add("telephone", phone, listed, report)
        else:
            key = (kind, area.prefecture, normalise_label(name), normalise_phone(cell.get("phone")))
            if key not in groups:
                groups[key] = directory.entry(f"fp-{cell['id']}", kind)
            entry = groups[key]
            if kind in ("WelfareWindow", "WelfareOffice"):
                entry.domains.add("welfare")
        entry.serves.add(area.iri)
        entry.served_by_source.setdefault("fukushi_portal", set()).add(area.iri)
        entry.cite(row)
        for field_name, column in _FIELDS:
            entry.add(field_name, cell.get(column), row, report)
        entry.add("url", cell.get("officialUrl") or cell.get("contactFormUrl") or municipality.get("officialUrl"), row)
        entry.methods.update(split_methods(cell.get("availableMethods")))
        report.loaded += 1
    empty = sum(1 for e in groups.values() if e.kind == "SelfRelianceSupportAgency" and not e.value("telephone"))
    if empty:
        report.notes.append(f"電話番号のない自立相談支援機関: {empty}")


def _kind(cell):
    if cell.get("contactType") == "self-reliance":
        return "SelfRelianceSupportAgency"
    if cell.get("contactType") == "representative" and cell.get("categoryId") == "unknown":
        return "MunicipalOffice"
    if cell.get("categoryId") == "money" and "生活保護" in (cell.get("plainName") or "") + (cell.get("name") or ""):
        return "WelfareOffice"  # 生活保護の相談・申請窓口: the 福祉事務所
    return "WelfareWindow"


def _prefecture_kind(cell):
    """The class of a prefecture-wide row, from its id (``prefecture-child-guidance-center-39``), or None."""
    prefix = (cell.get("id") or "").rsplit("-", 1)[0]
    return _PREFECTURE_KINDS.get(prefix)


def _prefecture_row(directory, report, file_id, number, cell, name, pages):
    """A prefecture-wide body (社会福祉協議会, 児童相談所, 法テラス, 消費生活センター, 女性相談支援センター):
    one entity serving its whole prefecture, at the prefecture level."""
    kind = _prefecture_kind(cell)
    code = (cell.get("prefectureCode") or "").strip()
    prefecture = directory.prefecture(code) if code.isdigit() else None
    if kind is None or prefecture is None:
        report.skip(file_id, number, "scope", f"都道府県単位の窓口（{cell.get('id')}）: 種別または都道府県が分からない")
        return
    row = Row("fukushi_portal", file_id, number, f"{prefecture.name}: {name}",
              url=pages.get(cell.get("sourceId")) or cell.get("officialUrl") or None,
              as_of=(cell.get("lastVerifiedAt") or "").strip() or None,
              unverified=cell.get("status") == "review_required")
    entry = directory.entry(f"fp-{cell['id']}", kind)
    entry.serves.add(prefecture.iri)
    entry.located_in = prefecture.iri
    entry.served_by_source.setdefault("fukushi_portal", set()).add(prefecture.iri)
    entry.cite(row)
    for field_name, column in _FIELDS:
        value = cell.get(column)
        if field_name == "name":
            value = prefectural_name(prefecture.name, name)
        entry.add(field_name, value, row, report)
    entry.add("url", cell.get("officialUrl") or cell.get("contactFormUrl"), row)
    entry.methods.update(split_methods(cell.get("availableMethods")))
    report.loaded += 1


def prefectural_name(prefecture, name):
    """A prefecture-wide body's name with its prefecture in front where the list leaves it out.

    Examples
    --------
    >>> prefectural_name("高知県", "中央児童相談所")
    '高知県中央児童相談所'
    >>> prefectural_name("高知県", "法テラス高知"), prefectural_name("東京都", "東京ウィメンズプラザ")
    ('法テラス高知', '東京ウィメンズプラザ')
    """
    stem = prefecture[:-1] if prefecture[-1] in "都道府県" and len(prefecture) > 2 else prefecture
    return name if stem in name else prefecture + name
