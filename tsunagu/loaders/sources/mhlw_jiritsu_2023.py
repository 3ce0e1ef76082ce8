"""The ministry's 2023 list of 自立相談支援機関 (令和5年4月1日現在): gap filler and cross-check.

Each row names one or several municipalities (「萩市、阿武町」) or the
prefecture itself (a county-level office). Matched by prefecture and name:

- the municipality already has a window from a newer list with the same name
  or phone (after normalising width, spaces, hyphens): the row is one more
  source of that window, and where the two disagree both values are kept;
- it has a different window: the row is recorded as a disagreement on that
  window (name, phone) and nothing new is made;
- it has none: the row becomes a ``SelfRelianceSupportAgency`` flagged as
  backed only by the older source.
"""

from __future__ import annotations

import json
import re

from tsunagu.exceptions import DataError
from tsunagu.loaders.sources.directory import Row, normalise_label, normalise_phone

__all__ = ["load", "DATASET", "municipality_names"]

DATASET = {
    "dataset": "mhlw_jiritsu_2023",
    "title": "自立相談支援機関 相談窓口一覧（令和5年4月1日現在）",
    "licence": "政府標準利用規約（CC BY 4.0 互換）",
    "credit": "出典：厚生労働省",
    "url": "https://www.mhlw.go.jp/content/000707280.pdf",
}
_AS_OF = "2023-04-01"
_PARENTHESES = re.compile(r"[（(][^）)]*[）)]")
_KEYS = ("都道府県名", "自治体名", "窓口名", "電話番号")


def municipality_names(text):
    """「萩市、阿武町」 -> ["萩市", "阿武町"].

    Examples
    --------
    >>> municipality_names("萩市、阿武町")
    ['萩市', '阿武町']
    """
    return [p.strip() for p in re.split(r"[、,，・\s]+", text or "") if p.strip()]


def load(path, directory):
    """Add or cross-check the windows of ``jiritsushien_2023_b.json`` (``path`` or its folder)."""
    path, report, file_id = directory.source_file(path, "jiritsushien_2023_b.json", DATASET)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DataError(path, f"読めません: {error.strerror}") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(path, f"JSON として読めません: {error}") from error
    if not isinstance(rows, list) or (rows and not all(k in rows[0] for k in _KEYS)):
        raise DataError(path, f"キー {', '.join(_KEYS)} を持つ行の配列ではありません")
    windows = _windows_by_municipality(directory)
    made = {}
    for number, cell in enumerate(rows, start=1):
        name = " ".join(str(cell.get("窓口名") or "").split())
        pref_name = str(cell.get("都道府県名") or "").strip()
        if not name:
            report.skip(file_id, number, "窓口名", f"窓口名が空（PDF 変換で行が分かれた？ 自治体名「{cell.get('自治体名') or ''}」）")
            continue
        prefecture = directory.prefecture_by_name.get(normalise_label(pref_name))
        if prefecture is None:
            report.skip(file_id, number, "都道府県名", f"'{pref_name}' は都道府県ではない")
            continue
        phone = " ".join(str(cell.get("電話番号") or "").split())
        row = Row("mhlw_jiritsu_2023", file_id, number, f"{cell.get('自治体名')}: {name}", url=DATASET["url"], as_of=_AS_OF)
        names = municipality_names(str(cell.get("自治体名") or ""))
        areas, unknown = [], []
        for municipality in names:
            bare = _PARENTHESES.sub("", municipality).strip("_ ")
            # 「愛媛県(中予地方局)」, or only a 振興局 in brackets: a county-level office of the prefecture
            if not bare or normalise_label(bare) == normalise_label(prefecture.name):
                areas.append(prefecture)  # a county-level office of the prefecture
                continue
            other = directory.prefecture_by_name.get(normalise_label(bare))
            if other is not None:
                areas.append(other)
                continue
            area = directory.area_named(prefecture.prefecture, bare)
            if area is None:
                # The PDF conversion sometimes files a row under the previous prefecture.
                key = normalise_label(bare)
                elsewhere = [a for (p, n), found in directory.by_name.items() if n == key
                             for a in found if a.kind == "Municipality"]
                if len(elsewhere) == 1:
                    area = elsewhere[0]
                    report.notes.append(f"{file_id} 行 {number}: {bare} は{pref_name}ではなく別の都道府県の市区町村として読んだ")
            (areas.append(area) if area is not None else unknown.append(municipality))
        if unknown:
            report.notes.append(f"{file_id} 行 {number}: {pref_name}に「{'、'.join(unknown)}」という市区町村がない（合併・誤記？）")
        if not areas:
            report.skip(file_id, number, "自治体名", f"「{cell.get('自治体名')}」が{pref_name}の市区町村と一致しない")
            continue
        target = None
        for area in areas:
            for existing in windows.get(area.iri, ()):
                if _same_window(existing, name, phone):
                    target = existing
        fresh = [a for a in areas if not windows.get(a.iri)]
        if target is None and not fresh:
            # Every municipality has a different, newer window: keep this one as a disagreement.
            for area in areas:
                for existing in windows.get(area.iri, ()):
                    existing.add("name", name, row)
                    if existing.fields.get("telephone"):  # never lend another window's phone to this one
                        existing.add("telephone", phone, row)
                    existing.cite(row)
            report.loaded += 1
            continue
        if target is None:
            key = (prefecture.prefecture, normalise_label(name), normalise_phone(phone))
            target = made.get(key) or directory.entry(f"mhlw2023-{prefecture.prefecture}-{number}", "SelfRelianceSupportAgency")
            made[key] = target
        target.cite(row)
        target.add("name", name, row)
        target.add("telephone", phone, row, report)
        target.add("faxNumber", str(cell.get("FAX番号") or ""), row)
        target.add("email", str(cell.get("メールアドレス") or ""), row, report)
        target.add("address", str(cell.get("住所") or ""), row)
        served = fresh if target.id.startswith("mhlw2023-") else areas
        target.served_by_source.setdefault("mhlw_jiritsu_2023", set()).update(a.iri for a in areas)
        for area in served:
            target.serves.add(area.iri)
            windows.setdefault(area.iri, []).append(target)
        report.loaded += 1


def _windows_by_municipality(directory):
    found = {}
    for entry in directory.entries.values():
        if entry.kind == "SelfRelianceSupportAgency":
            for area in entry.serves:
                found.setdefault(area, []).append(entry)
    return found


def _same_window(entry, name, phone):
    names = {normalise_label(v) for v, _ in entry.fields.get("name", ())}
    phones = {normalise_phone(v) for v, _ in entry.fields.get("telephone", ())}
    return normalise_label(name) in names or (normalise_phone(phone) and normalise_phone(phone) in phones)
