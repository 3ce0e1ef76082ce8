"""The ministry's 2023 list of 自立相談支援機関 (令和5年4月1日現在): gap filler and cross-check.

Each row names one or several municipalities (「萩市、阿武町」), the
prefecture itself (a county-level office), or an office with the towns it
serves in brackets (「神奈川県（葉山町、寒川町）」,「尾張福祉相談センター（東郷町、…）」);
a ward of a designated city by its own name (「北区」, told from 堺市北区 by the
row's address). The PDF's line breaks left spaces inside names (「長生 村」).
Matched by prefecture and name:

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
# an office, or the prefecture, and the towns it serves in brackets (the PDF may have lost the closing one)
_BRACKETED = re.compile(r"^(?P<office>[^（(]*)[（(](?P<towns>[^）)]*)[）)]?\s*$")
_KEYS = ("都道府県名", "自治体名", "窓口名", "電話番号")


def municipality_names(text):
    """「萩市、阿武町」 -> ["萩市", "阿武町"]; a space is kept (the PDF broke 「長生村」 as 「長生 村」).

    Examples
    --------
    >>> municipality_names("萩市、阿武町・長生 村")
    ['萩市', '阿武町', '長生 村']
    """
    return [p.strip() for p in re.split(r"[、,，・]+", text or "") if p.strip()]


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
        areas, unknown, read_as = _areas_of(directory, prefecture, str(cell.get("自治体名") or ""),
                                            f"{cell.get('住所') or ''} {cell.get('事業実施者') or ''} {name}")
        for bare, area in read_as:
            report.notes.append(f"{file_id} 行 {number}: " + (
                f"{bare} は{pref_name}ではなく別の都道府県の市区町村として読んだ" if area.prefecture != prefecture.prefecture
                else f"「{bare}」を{area.name}として読んだ（一字違い。住所・窓口名などに{area.name}）"))
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
            if target is None and area.kind == "AdministrativeWard":
                # a newer list may give a ward's window to its city (大阪市's 24): the same window, now the ward's too
                target = _ward_window(windows.get(area.city, ()), name, phone)
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


def _areas_of(directory, prefecture, text, where):
    """The areas a row's 自治体名 ``text`` names: ``(areas, names not found, [(name, area it was read as)])``
    (a name read in another prefecture, or as the one town a character away).

    ``where``: the row's address, operator and window, which tell 大阪市北区 from 堺市北区 and confirm a misread.
    """
    bracketed = _BRACKETED.match(text)
    if bracketed:
        # 「神奈川県（葉山町、寒川町）」: the towns in the brackets, if they are towns (「愛媛県(中予地方局)」 is not)
        found = _named(directory, prefecture, municipality_names(bracketed["towns"]), where, elsewhere=False)
        if found[0]:
            return found
    return _named(directory, prefecture, municipality_names(text), where, elsewhere=True)


def _named(directory, prefecture, names, where, *, elsewhere):
    areas, unknown, read_as = [], [], []
    for name in names:
        whole, parts = _area(directory, prefecture, name, where), name.split()
        # 「長生 村」 is one town, 「熊取町 田尻町域」 two
        pieces = [(name, whole)] if whole or len(parts) < 2 else [(p, _area(directory, prefecture, p, where)) for p in parts]
        for piece, area in pieces:
            bare = _PARENTHESES.sub("", piece).strip("_ ")
            if area is None and elsewhere and bare:
                area = _misread(directory, prefecture, bare, where)
                if area is None:
                    # The PDF conversion sometimes files a row under the previous prefecture.
                    key = normalise_label(bare)
                    others = [a for (p, n), found in directory.by_name.items() if n == key
                              for a in found if a.kind == "Municipality"]
                    area = others[0] if len(others) == 1 else None
                if area is not None:
                    read_as.append((bare, area))
            (areas.append(area) if area is not None else unknown.append(piece))
    return areas, unknown, read_as


def _misread(directory, prefecture, bare, where):
    """The one municipality of ``prefecture`` a character away from ``bare`` that the row's address, operator or
    window names (the PDF's text recognition read 那覇市 as 「那霸市」, 綾瀬市 as 「統瀬市」); else None.
    「長島村」 is both 長島町 and 三島村 a character away: the address 「出水郡長島町…」 tells."""
    key, place = normalise_label(bare), normalise_label(where)
    near = [a for (p, n), found in directory.by_name.items()
            if p == prefecture.prefecture and len(n) == len(key) and n in place
            and sum(x != y for x, y in zip(n, key, strict=True)) == 1
            for a in found if a.kind == "Municipality"]
    return near[0] if len(near) == 1 else None


def _area(directory, prefecture, bare, where):
    """The prefecture, a municipality or a ward of ``prefecture`` called ``bare``, or None."""
    bare = _PARENTHESES.sub("", bare).strip("_ ")
    if bare.endswith(("町域", "村域", "市域", "区域")):  # 「豊能町域」: the town's area
        bare = bare[:-1]
    if not bare or normalise_label(bare) == normalise_label(prefecture.name):
        return prefecture  # 「愛媛県(中予地方局)」, or only a 振興局 in brackets: a county-level office
    area = directory.prefecture_by_name.get(normalise_label(bare)) or directory.area_named(prefecture.prefecture, bare)
    if area is None and bare.endswith("区"):
        # a designated city's ward by its own name: the one whose full name the address or operator gives
        key, place = normalise_label(bare), normalise_label(where)
        wards = [a for (p, n), found in directory.by_name.items()
                 if p == prefecture.prefecture and n.endswith(key) and n[:-len(key)].endswith("市")  # not 西淀川区
                 for a in found if a.kind == "AdministrativeWard"]
        named = [a for a in wards if normalise_label(a.name) in place]
        area = named[0] if len(named) == 1 else (wards[0] if len(wards) == 1 else None)
    return area


def _windows_by_municipality(directory):
    found = {}
    for entry in directory.entries.values():
        if entry.kind == "SelfRelianceSupportAgency":
            for area in entry.serves:
                found.setdefault(area, []).append(entry)
    return found


def _ward_window(city_windows, name, phone):
    """The one window of a ward's city with the row's phone, else the one with its name (a city's wards
    share names such as 生活自立相談窓口, never phones), else None."""
    number = normalise_phone(phone)
    same = [w for w in city_windows if number and number in {normalise_phone(v) for v, _ in w.fields.get("telephone", ())}]
    if not same:
        same = [w for w in city_windows if normalise_label(name) in {normalise_label(v) for v, _ in w.fields.get("name", ())}]
    return same[0] if len(same) == 1 else None


def _same_window(entry, name, phone):
    names = {normalise_label(v) for v, _ in entry.fields.get("name", ())}
    phones = {normalise_phone(v) for v, _ in entry.fields.get("telephone", ())}
    return normalise_label(name) in names or (normalise_phone(phone) and normalise_phone(phone) in phones)
