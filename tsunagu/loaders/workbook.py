"""Excel workbooks officers fill in, read as curated records.

``tsunagu template workbook`` writes one (see :mod:`tsunagu.workbook_export`);
this module defines its sheets and reads it back. Each row becomes the record
the YAML format would make (``tsunagu/data/FORMAT.md``), checked by the same
:func:`~tsunagu.loaders.curated.curated_from_data`, so a workbook passes exactly
the checks a YAML file does. Every problem names the workbook, sheet, row and
column, in Japanese.

Layout of each data sheet: row 1 the Japanese headers, row 2 a note per
column, data from row 3. The sheet 出典 lists the sources (key, document,
verbatim quote); a row's 出典 cell names keys from it.

A record whose ID an embedded file also defines replaces that record
(:func:`replaced_by_workbooks`): an officer corrects the shipped data by
exporting it, editing it and building with the workbook.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tsunagu.exceptions import DataError, DataErrors, WorkbookError

__all__ = [
    "WORKBOOK_SUFFIXES",
    "SHEETS",
    "SOURCE_SHEET",
    "Column",
    "Sheet",
    "national_references",
    "read_workbook",
    "replaced_by_workbooks",
    "type_choice",
    "domain_choice",
    "duty_choice",
    "YES",
    "NO",
]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
YES, NO = "はい", "いいえ"
_YES = {"はい", "yes", "y", "true", "1", "○", "◯", "有", "あり"}
_NO = {"いいえ", "no", "n", "false", "0", "×", "無", "なし"}
_SPLIT = re.compile(r"\s*[,、，;；\n]\s*")
_CHOICE = re.compile(r"^(.*?)\s*[(（]([A-Za-z][A-Za-z0-9-]*)[)）]\s*$")
FIRST_DATA_ROW = 3


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its Japanese header, the curated field it fills, how it is read."""

    header: str
    field: str  # curated field name; "id", "type", "sources" are the record's own keys
    kind: str  # id type text texts ref refs area areas age domains date bool duty sources
    note: str = ""
    choices: str | None = None  # "types:<Class>", "domains", "duties", "yesno"
    width: int = 16


@dataclass(frozen=True)
class Sheet:
    key: str  # used in generated ids
    title: str
    root: str  # class every row's type must be (the type dropdown lists its subclasses)
    columns: tuple
    note: str = ""
    default_type: str | None = None


def _contacts():
    return (
        Column("電話番号", "telephone", "text", "代表・相談の電話番号"),
        Column("FAX", "fax", "text"),
        Column("メール", "email", "text"),
        Column("ウェブページ", "url", "text", "", width=30),
        Column("郵便番号", "postal_code", "text", "例: 781-2110"),
        Column("住所・場所", "address", "text", "", width=30),
        Column("受付時間", "opening_hours", "text", "例: 平日 8:30-17:15"),
        Column("休業日", "closed_days", "text"),
        Column("相談方法", "access_methods", "texts", "電話、来所、メール、オンライン など（、区切り）"),
        Column("確認日", "last_checked", "date", "情報を確かめた日: 2024-04-01、2024/4/1、令和6年4月1日"),
    )


_ID = Column("ID", "id", "id", "英小文字・数字・-。空欄なら自動で付けます。既存の行は変えないでください", width=24)
_NAME = Column("名称", "name", "text", "必須", width=30)
_AGE = Column("対象年齢", "age", "age", "例: 15-39、0-（0歳以上）、-49（49歳まで）。資料に無ければ空欄")
_DOMAINS = Column("支援分野", "domains", "domains", "一覧から選択。複数は「、」区切り", choices="domains", width=24)
_SERVES = Column("対象地域", "serves", "areas", "市区町村・都道府県のコードか名称。複数は「、」区切り", width=20)
_SOURCES = Column("出典キー", "sources", "sources", "シート「出典」のキー（必須）。複数は「、」区切り")
_TAIL = (
    Column("名称（英語）", "name_en", "text", width=24),
    Column("よみがな", "kana", "text", "ひらがな"),
    Column("図表の行", "chart_row", "text", "資料の図表での年齢の行（そのまま）"),
    Column("備考", "note", "text", "", width=40),
)

SHEETS = (
    Sheet("window", "相談窓口", "Agent", (
        _ID,
        Column("種別", "type", "type", "一覧から選択", choices="types:Agent", width=28),
        _NAME,
        Column("市区町村", "municipality", "area", "窓口を置く市区町村（相談窓口の種別のとき）。コードか名称"),
        _SERVES,
        Column("運営団体ID", "run_by", "refs", "シート「構成団体」などのID"),
        _AGE, _DOMAINS, *_contacts(), _SOURCES, *_TAIL,
    ), note="ひきこもり相談窓口と、生活困窮・福祉の窓口", default_type="ConsultationWindow"),
    Sheet("platform", "プラットフォーム", "Platform", (
        _ID,
        Column("種別", "type", "type", "一覧から選択", choices="types:Platform", width=28),
        _NAME,
        _SERVES,
        Column("構成市区町村", "members", "areas", "構成員である市区町村のコードか名称（広域のとき）。団体はシート「構成団体」の所属先IDに"),
        Column("事務局ID", "secretariat", "ref", "事務局を務める団体のID"),
        Column("母体の会議体ID", "built_on", "refs", "プラットフォームとして活用する既存の会議体のID"),
        Column("設置時期", "since", "date", "例: 2021-04-01、2021/4/1、令和3年4月1日、2021"),
        _SOURCES, *_TAIL,
    ), default_type="MunicipalPlatform"),
    Sheet("member", "構成団体", "Agent", (
        _ID,
        Column("種別", "type", "type", "一覧から選択", choices="types:Agent", width=28),
        _NAME,
        Column("所属先ID", "member_of", "refs", "加わっているプラットフォーム・会議体のID"),
        Column("助言・支援先ID", "advises", "refs"),
        Column("所在地", "located_in", "area", "所在する市区町村・都道府県のコードか名称"),
        _SERVES,
        Column("併設先ID", "hosted_by", "ref"),
        Column("本体ID（サテライト）", "satellite_of", "ref"),
        Column("運営団体ID", "run_by", "refs", "この団体・施設を運営する団体のID"),
        _AGE, _DOMAINS, *_contacts(), _SOURCES, *_TAIL,
    ), default_type="Organisation"),
    Sheet("program", "事業", "Program", (
        _ID,
        Column("種別", "type", "type", "一覧から選択", choices="types:Program", width=20),
        _NAME,
        Column("実施主体ID", "run_by", "refs", "事業を行う団体のID"),
        Column("委託先ID", "entrusted_to", "refs", "委託を受けた団体のID"),
        Column("制度ID", "scheme", "ref", "国の制度のID（例: hikikomori-support-program）"),
        _SERVES, _AGE, _DOMAINS,
        Column("日程", "schedule", "text", "例: 毎月第2・4金曜日 午後"),
        Column("開始時期", "since", "date"),
        Column("補助率", "subsidy_rate", "text"),
        *_contacts(), _SOURCES, *_TAIL,
    ), default_type="Program"),
    Sheet("duty", "取組状況", "DutyStatus", (
        _ID,
        Column("市区町村", "municipality", "area", "コードか名称（必須）"),
        Column("取組", "duty", "duty", "一覧から選択", choices="duties", width=28),
        Column("実施", "fulfilled", "bool", "はい / いいえ（必須）", choices="yesno"),
        Column("時点", "as_of", "date", "いつ時点の状況か"),
        Column("方法", "method", "text", "周知・把握の方法: 広報紙、HP、アンケート など"),
        Column("開始時期", "since", "date"),
        Column("広域プラットフォームID", "wide_area_platform", "ref", "広域で設置している場合"),
        _SOURCES,
        Column("備考", "note", "text", "", width=40),
    ), note="市町村の三つの取組（相談窓口の明確化・周知、実態把握、プラットフォーム）", default_type="DutyStatus"),
)
SOURCE_SHEET = "出典"
SOURCE_HEADERS = ("キー", "資料名", "引用")
SOURCE_NOTES = ("各行の「出典キー」で使う短い名前（例: s1）", "資料のファイル名・題名・URL", "資料の該当箇所を原文どおりに")
CHOICE_SHEET = "選択肢"


def _local(iri):
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@lru_cache(maxsize=None)
def _vocabulary():
    """Choices from the ontology: classes by root, domains, duties (label (key) texts) and their readings."""
    from rdflib.namespace import OWL, RDF

    from tsunagu.ontology import TG, load_ontology

    ontology = load_ontology()
    classes = sorted(_local(c) for c in ontology.graph.subjects(RDF.type, OWL.Class) if str(c).startswith(str(TG._NS)))
    labels = {name: ontology.label(TG[name]) or name for name in classes}
    roots = {}
    for sheet in SHEETS:
        root = TG[sheet.root]
        roots[sheet.root] = [n for n in classes if ontology.is_a(TG[n], root)]
    domains = {key: ontology.label(iri) or key for key, iri in ontology.domains.items()}
    duties = {key: ontology.label(iri) or key for key, iri in ontology.duties.items()}
    return labels, roots, domains, duties


def _choice(label, key):
    return f"{label}（{key}）" if label and label != key else key


def type_choice(name):
    """The dropdown text of a class: ``社会福祉協議会（SocialWelfareCouncil）``."""
    return _choice(_vocabulary()[0].get(name), name)


def domain_choice(key):
    """The dropdown text of a support domain: ``福祉（welfare）``."""
    return _choice(_vocabulary()[2].get(key), key)


def duty_choice(key):
    """The dropdown text of a duty: ``相談窓口の明確化（window-clarified）``."""
    return _choice(_vocabulary()[3].get(key), key)


def choice_lists():
    """{list name: [dropdown texts]} for the hidden sheet of choices."""
    labels, roots, domains, duties = _vocabulary()
    lists = {f"types:{root}": [type_choice(n) for n in names] for root, names in roots.items()}
    lists["domains"] = [domain_choice(k) for k in domains]
    lists["duties"] = [duty_choice(k) for k in duties]
    lists["yesno"] = [YES, NO]
    return lists


def _key_of(text, known_keys, by_label):
    """The key a dropdown text (or a bare key, or a label) means, or None."""
    text = unicodedata.normalize("NFKC", text).strip()
    match = _CHOICE.match(text)
    if match and match.group(2) in known_keys:
        return match.group(2)
    if text in known_keys:
        return text
    return by_label.get(text)


# --- reading -----------------------------------------------------------------------------


@dataclass
class _Book:
    path: Path
    name: str
    errors: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    places: dict = field(default_factory=dict)  # synthetic line -> (sheet, row)
    cells: dict = field(default_factory=dict)  # (synthetic line, field) -> (column letter, header)
    national: dict = field(default_factory=dict)  # id of a national-layer area named by code -> class name

    def error(self, message, sheet=None, row=None, column=None, header=None, record=None):
        self.errors.append(WorkbookError(self.name, message, sheet=sheet, row=row, column=column, header=header,
                                         record=record))


@lru_cache(maxsize=1)
def _embedded_areas():
    """code -> id and Japanese name -> [ids] of the areas in the embedded data (municipalities, prefectures)."""
    import yaml

    from tsunagu.graph.current import embedded_data_files

    by_code, by_name = {}, {}
    for path in embedded_data_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for record in data.get("records") or []:
            if isinstance(record, dict) and record.get("code") and record.get("id"):
                by_code[str(record["code"])] = record["id"]
                by_name.setdefault(record.get("name"), []).append(record["id"])
            elif isinstance(record, dict) and record.get("type") == "Nation":
                by_name.setdefault(record.get("name"), []).append(record["id"])
    return by_code, by_name


def _area_id(value, book, where):
    """The id an area cell means: a 6-digit code (a lost leading zero restored), a name, or an id."""
    from tsunagu.loaders.curated import _ID_PATTERN, check_digit

    by_code, by_name = _embedded_areas()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value))
        if len(text) == 5:
            book.notices.append(f"{_where_text(book, where)}: 数値 {text} を市区町村コード {text.zfill(6)} として読みました"
                                "（Excel が先頭の 0 を落としたもの。セルの書式を文字列にしてください）")
        value = text.zfill(6)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    code = text.split()[0] if text.split() else ""
    if re.fullmatch(r"\d{5,6}", code):
        code = code.zfill(6)
        if check_digit(code[:5]) != int(code[5]):
            raise ValueError(f"'{text}' は市区町村コードとして検査数字が合いません")
        if code in by_code:
            return by_code[code]
        # not in the shipped data: the national layer's id for this code (``tsunagu build --municipalities``)
        national = f"pref-{code}" if code[2:5] == "000" else f"m-{code}"
        book.national[national] = "Prefecture" if code[2:5] == "000" else "Municipality"
        return national
    ids = by_name.get(text, [])
    if len(ids) == 1:
        return ids[0]
    if len(ids) > 1:
        raise ValueError(f"'{text}' は複数あります: コードで書いてください")
    if _ID_PATTERN.match(text):
        return text
    raise ValueError(f"'{text}' という地域が見つかりません: 6桁の市区町村コードで書いてください")


def _where_text(book, where):
    sheet, row, letter, header = where
    return f"ブック {book.name} シート「{sheet}」{row}行目 {letter}列「{header}」"


def _text(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_value(column, value, book, where):
    """The curated value of one cell, or raise ValueError with a Japanese message."""
    from tsunagu.loaders.tabular import iso_date

    labels, _, domains, duties = _vocabulary()
    kind = column.kind
    if kind == "date":
        if isinstance(value, (dt.date, dt.datetime)):
            return iso_date(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 1800 <= value <= 2200:
            return str(int(value))
        return iso_date(_text(value))
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise ValueError(f"'{value}' は「{YES}」か「{NO}」で書いてください")
    if kind == "area":
        return _area_id(value, book, where)
    if kind == "areas":
        if isinstance(value, (int, float)):
            return [_area_id(value, book, where)]
        return [_area_id(part, book, where) for part in _SPLIT.split(_text(value)) if part]
    text = _text(value)
    if kind == "type":
        by_label = {label: name for name, label in labels.items()}
        key = _key_of(text, labels, by_label)
        if key is None:
            raise ValueError(f"'{text}' は種別の一覧にありません: 一覧から選んでください")
        return key
    if kind == "duty":
        key = _key_of(text, duties, {label: k for k, label in duties.items()})
        if key is None:
            raise ValueError(f"'{text}' は取組の一覧にありません: 一覧から選んでください")
        return key
    if kind == "domains":
        keys = []
        for part in _SPLIT.split(text):
            if not part:
                continue
            key = _key_of(part, domains, {label: k for k, label in domains.items()})
            if key is None:
                raise ValueError(f"'{part}' は支援分野の一覧にありません: 一覧から選んでください")
            keys.append(key)
        return keys
    if kind == "age":
        age = unicodedata.normalize("NFKC", text).replace("歳", "").replace("~", "-").replace("〜", "-").replace("～", "-")
        return age.replace("以上", "-").replace("まで", "").replace("以下", "").replace(" ", "")
    if kind in ("texts", "refs", "sources"):
        return [part for part in _SPLIT.split(text) if part]
    if kind in ("ref", "id"):
        return unicodedata.normalize("NFKC", text)
    return text


def _open_book(path):
    from openpyxl import load_workbook

    try:
        return load_workbook(path, data_only=False)
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise WorkbookError(Path(path).name, f"Excel ブック（.xlsx）として開けません: {error}") from error
    except Exception as error:  # zipfile.BadZipFile and openpyxl's own errors: not a workbook
        raise WorkbookError(Path(path).name, f"Excel ブック（.xlsx）として開けません: {type(error).__name__}") from error


def _checked_headers(book, sheet, expected, title):
    """Column index of each expected header; problems recorded in ``book``. None when unusable."""
    from openpyxl.utils import get_column_letter

    found = [(_text(c.value) if c.value is not None else "") for c in sheet[1]]
    index = {}
    for position, column in enumerate(expected, start=1):
        header = column.header if isinstance(column, Column) else column
        if header in found:
            index[header] = found.index(header) + 1
        else:
            actual = found[position - 1] if position <= len(found) else ""
            hint = f"（この列の見出しは「{actual}」）" if actual else ""
            book.error(f"見出し「{header}」がありません{hint}。見出しは変えずに、テンプレートの形のまま入力してください",
                       sheet=title, row=1, column=get_column_letter(position), header=header)
    known = {c.header if isinstance(c, Column) else c for c in expected}
    for position, header in enumerate(found, start=1):
        if header and header not in known:
            book.error(f"見出し「{header}」はこのシートの列ではありません", sheet=title, row=1,
                       column=get_column_letter(position), header=header)
    return index if len(index) == len(expected) else None


def _merged_problems(book, sheet, title):
    for merged in sheet.merged_cells.ranges:
        if merged.max_row >= FIRST_DATA_ROW:
            book.error(f"結合されたセル {merged.coord} があります: 結合を解除して各セルに値を入れてください",
                       sheet=title, row=max(merged.min_row, FIRST_DATA_ROW))


def _data_rows(sheet, notes=()):
    """(row number, cells) of each non-empty data row. Row 2 is the note row while it holds
    only the template's notes; typed over or deleted, it is data (nothing an officer wrote is skipped)."""
    second = [c.value for c in sheet[2]] if sheet.max_row >= 2 else []
    note_row = all(v in (None, "") or v in notes for v in second)
    for row in sheet.iter_rows(min_row=FIRST_DATA_ROW - (0 if note_row else 1)):
        if any(c.value not in (None, "") for c in row):
            yield row[0].row, row


def _read_sources(book, workbook, serial):
    from tsunagu.loaders.yaml_source import LocatedDict

    sources = LocatedDict()
    sources.line, sources.key_lines = 1, {}
    if SOURCE_SHEET not in workbook.sheetnames:
        book.error(f"シート「{SOURCE_SHEET}」がありません（キー・資料名・引用）", sheet=SOURCE_SHEET)
        return sources
    sheet = workbook[SOURCE_SHEET]
    index = _checked_headers(book, sheet, SOURCE_HEADERS, SOURCE_SHEET)
    if index is None:
        return sources
    _merged_problems(book, sheet, SOURCE_SHEET)
    seen = {}
    for row_number, row in _data_rows(sheet, SOURCE_NOTES):
        cells = {h: row[index[h] - 1] if index[h] - 1 < len(row) else None for h in SOURCE_HEADERS}
        values = {}
        for header, cell in cells.items():
            value = cell.value if cell is not None else None
            if isinstance(value, str) and value.startswith("="):
                book.error("数式ではなく値を入力してください", sheet=SOURCE_SHEET, row=row_number,
                           column=getattr(cell, "column_letter", None), header=header)
                value = None
            values[header] = _text(value) if value not in (None, "") else ""
        key = values["キー"]
        if not key:
            book.error("キーがありません", sheet=SOURCE_SHEET, row=row_number, column="A", header="キー")
            continue
        if key in seen:
            book.error(f"キー「{key}」が重なっています（{seen[key]}行目）", sheet=SOURCE_SHEET, row=row_number,
                       column="A", header="キー")
            continue
        seen[key] = row_number
        for header in ("資料名", "引用"):
            if not values[header]:
                letter = "ABC"[SOURCE_HEADERS.index(header)] if index[header] <= 3 else ""
                book.error(f"{header}がありません", sheet=SOURCE_SHEET, row=row_number, column=letter, header=header)
        sources[key] = {"document": values["資料名"], "quote": values["引用"]}
        line = serial()
        book.places[line] = (SOURCE_SHEET, row_number)
        sources.key_lines[key] = line
    return sources


def _generated_id(book, sheet, row_number):
    digest = hashlib.sha1(book.name.encode("utf-8")).hexdigest()[:6]
    return f"wb{digest}-{sheet.key}-{row_number}"


def _read_sheet(book, workbook, sheet_spec, records, serial):
    from openpyxl.utils import get_column_letter

    from tsunagu.loaders.yaml_source import LocatedDict

    title = sheet_spec.title
    if title not in workbook.sheetnames:
        book.error(f"シート「{title}」がありません（テンプレートのシート名のまま使ってください）", sheet=title)
        return
    sheet = workbook[title]
    index = _checked_headers(book, sheet, sheet_spec.columns, title)
    if index is None:
        return
    _merged_problems(book, sheet, title)
    for row_number, row in _data_rows(sheet, {c.note for c in sheet_spec.columns}):
        line = serial()
        book.places[line] = (title, row_number)
        record = LocatedDict()
        record.line, record.key_lines = line, {}
        for column in sheet_spec.columns:
            position = index[column.header]
            cell = row[position - 1] if position - 1 < len(row) else None
            value = cell.value if cell is not None else None
            letter = get_column_letter(position)
            book.cells[(line, column.field)] = (letter, column.header)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            where = (title, row_number, letter, column.header)
            if isinstance(value, str) and value.startswith("=") or getattr(cell, "data_type", None) == "f":
                book.error(f"数式ではなく値を入力してください（{value}）", sheet=title, row=row_number, column=letter,
                           header=column.header)
                continue
            if isinstance(value, (dt.date, dt.datetime)) and column.kind != "date":
                book.error("日付ではなく文字で入力してください（セルの書式を文字列に）", sheet=title, row=row_number,
                           column=letter, header=column.header)
                continue
            try:
                parsed = _cell_value(column, value, book, where)
            except ValueError as error:
                book.error(str(error), sheet=title, row=row_number, column=letter, header=column.header)
                continue
            if parsed in ([], ""):
                continue
            record[column.field] = parsed
            record.key_lines[column.field] = line
        record.setdefault("type", sheet_spec.default_type)
        if "id" not in record:
            record["id"] = _generated_id(book, sheet_spec, row_number)
            record.key_lines["id"] = line
        records.append(record)


def _translated(book, error):
    """A curated-check error turned into one located by sheet, row and column."""
    if isinstance(error, WorkbookError) or error.line not in book.places:
        return error
    sheet, row = book.places[error.line]
    letter, header = book.cells.get((error.line, error.field), ("", None)) if error.field else ("", None)
    return WorkbookError(book.name, error.message, sheet=sheet, row=row, column=letter or None, header=header,
                         record=error.record, field=error.field)


class _WorkbookRecord:
    """Mixed into each record read from a workbook: its errors name sheet, row and column."""

    def error(self, message, field_name=None):
        letter, header = self.workbook_cells.get(field_name, ("", None)) if field_name else ("", None)
        return WorkbookError(self.workbook_name, message, sheet=self.workbook_sheet, row=self.line,
                             column=letter or None, header=header, record=self.id, field=field_name)


def read_workbook(path, notices=None):
    """Read a workbook written by ``tsunagu template workbook`` into a checked curated file.

    Parameters
    ----------
    path : str or Path
        An .xlsx file.
    notices : list, optional
        Fix-ups made while reading (a code whose leading zero Excel dropped)
        are appended here as Japanese text.

    Returns
    -------
    tsunagu.loaders.curated.CuratedFile

    Raises
    ------
    DataErrors
        Every problem, each a :class:`~tsunagu.exceptions.WorkbookError`
        naming workbook, sheet, row and column.
    """
    from tsunagu.loaders.curated import Record, curated_from_data
    from tsunagu.loaders.yaml_source import LocatedDict

    path = Path(path)
    book = _Book(path, path.name)
    workbook = _open_book(path)
    counter = iter(range(10_000_000, 100_000_000))
    serial = counter.__next__
    sources = _read_sources(book, workbook, serial)
    records = []
    for sheet_spec in SHEETS:
        _read_sheet(book, workbook, sheet_spec, records, serial)
    if book.errors:
        raise DataErrors(book.errors)
    data = LocatedDict({"sources": sources, "records": records})
    data.line, data.key_lines = 1, {}
    try:
        curated = curated_from_data(path, data)
    except DataErrors as many:
        raise DataErrors([_translated(book, e) for e in many.errors]) from None
    except DataError as one:
        raise DataErrors([_translated(book, one)]) from None
    workbook_record = type("WorkbookRecord", (_WorkbookRecord, Record), {})
    for record in curated.records:
        sheet, row = book.places[record.line]
        fields = {name: book.cells.get((record.line, name), ("", None)) for name in record.field_lines}
        record.__class__ = workbook_record
        record.workbook_name, record.workbook_sheet, record.workbook_cells = book.name, sheet, fields
        record.file, record.line = f"{book.name} シート「{sheet}」", row
        record.field_lines = {name: row for name in record.field_lines}
    if notices is not None:
        notices.extend(book.notices)
    curated.national_areas = dict(book.national)
    return curated


def national_references(files):
    """{id: class IRI} of the national-layer areas that workbooks name by code and no curated file defines.

    The national layer (``--municipalities``) is added after the curated
    files are checked; giving these ids as already defined lets a row name
    高知市 by its code without redeclaring it. Without the national layer
    the build's check of dangling references still reports them.

    Examples
    --------
    >>> national_references([])
    {}
    """
    from tsunagu.ontology import TG

    defined = {r.id for f in files for r in f.records}
    found = {}
    for curated in files:
        for node, cls in getattr(curated, "national_areas", {}).items():
            if node not in defined:
                found[node] = TG[cls]
    return found


def replaced_by_workbooks(files):
    """``files`` with every record that a later workbook redefines (same id) left out of the earlier files.

    Examples
    --------
    >>> replaced_by_workbooks([])
    []
    """
    from tsunagu.loaders.curated import CuratedFile

    redefined = {r.id for f in files if Path(str(f.path)).suffix.lower() in WORKBOOK_SUFFIXES for r in f.records}
    if not redefined:
        return list(files)
    kept = []
    for curated in files:
        if Path(str(curated.path)).suffix.lower() in WORKBOOK_SUFFIXES:
            kept.append(curated)
        else:
            kept.append(CuratedFile(curated.path, [r for r in curated.records if r.id not in redefined], curated.sources))
    return kept
