"""Excel workbooks officers fill in, read as curated records.

``tsunagu template workbook`` writes one (the writer below);
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

Writing: the template an officer fills in, a municipality's (or prefecture's) known set-up prefilled from the graph.

``tsunagu template workbook --municipality 高知市 -o kochi.xlsx`` writes it;
``tsunagu build kochi.xlsx`` reads it back (the reader above).
Sheets, headers and dropdowns come from :data:`tsunagu.loaders.formats.workbook.SHEETS`
and the ontology, so the template and the reader cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tsunagu.exceptions import DataError, DataErrors, WorkbookError
from tsunagu.loaders.embedded import WORKBOOK_SUFFIXES

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
    "template_areas",
    "template_workbook_bytes",
    "workbook_rows",
    "write_template_workbook",
]

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
    columns: dict = field(default_factory=dict)  # synthetic line -> {field: (column letter, header)} of its sheet
    national: dict = field(default_factory=dict)  # id of a national-layer area named by code -> class name

    def error(self, message, sheet=None, row=None, column=None, header=None, record=None):
        self.errors.append(WorkbookError(self.name, message, sheet=sheet, row=row, column=column, header=header,
                                         record=record))


@lru_cache(maxsize=1)
def _embedded_areas():
    """code -> id and Japanese name -> [ids] of the areas in the embedded data (municipalities, prefectures)."""
    import yaml

    from tsunagu.loaders.embedded import embedded_data_files

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
    from tsunagu.loaders.formats.tabular import iso_date

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


# --- guarding: every part measured before openpyxl reads it ------------------------------
#
# openpyxl in its normal mode makes a cell of every position up to the sheet's last row and
# column (one blank cell at row 1,048,576 was gigabytes), and trusts the zip's parts. So:
# each part's expanded size is checked from the zip's directory, every XML part is streamed
# once through expat refusing a DOCTYPE (entity bombs, external entities) and counted, and
# each sheet read is first streamed to find its last value, its merged ranges and what is
# hidden. openpyxl then reads in read-only (streaming) mode up to that last value only.

_MB = 1024 * 1024


class _Stop(Exception):
    """Raised in an expat handler to end a scan early (what was looked for is found)."""


class _Unsafe(Exception):
    """A DOCTYPE or entity declaration in a part."""


def _parse_part(archive, part, start=None, end=None, text=None):
    """Stream one zip part through expat with these handlers; a DOCTYPE or entity is :class:`_Unsafe`."""
    from xml.parsers import expat

    def refuse(*_):
        raise _Unsafe()

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop:
        pass


def _tag(name):
    """An XML name without its prefix (``x:row`` -> ``row``)."""
    return name[name.index(":") + 1:] if ":" in name else name


class _Guard:
    """The zip of one workbook, its parts measured; refuses with a :class:`WorkbookError`."""

    def __init__(self, path, name):
        import zipfile

        from tsunagu.loaders.limits import MAX_SHEET_PART_MB, MAX_WORKBOOK_PARTS, MAX_WORKBOOK_ROWS

        self.name = name
        self.rows_left = MAX_WORKBOOK_ROWS  # rows the sheets still to be read may hold
        _central_directory_check(path, name)
        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise WorkbookError(name, f"Excel ブック（.xlsx）として開けません: {type(error).__name__}") from error
        self.infos = {info.filename: info for info in self.archive.infolist()}
        if len(self.infos) > MAX_WORKBOOK_PARTS:
            self.close()
            raise WorkbookError(name, f"ブックの部品が多すぎます（{len(self.infos):,} 個。{MAX_WORKBOOK_PARTS:,} 個まで）: "
                                      "Excel で保存し直してください")
        self.titles = {}  # part -> sheet title, to name a sheet in a message
        too_big = [info for info in self.infos.values() if info.file_size > MAX_SHEET_PART_MB * _MB]
        total = sum(info.file_size for info in self.infos.values())
        try:
            if too_big or total > 3 * MAX_SHEET_PART_MB * _MB:  # three full-size parts: sheet, strings, another
                self.titles = self._sheet_titles()
                for info in too_big:
                    self.refuse_size(info.filename, info.file_size, MAX_SHEET_PART_MB)
                raise WorkbookError(name, f"ブックが大きすぎます（展開すると {total / _MB:,.0f} MB。"
                                          f"{3 * MAX_SHEET_PART_MB} MB まで）: 不要なシートや行を削除してください")
            for part in self.infos:
                if part.endswith((".xml", ".rels")):  # what openpyxl may parse (not media, nor VML it never reads)
                    self._check_part(part)
        except BaseException:
            self.close()
            raise

    def close(self):
        self.archive.close()

    def refuse_size(self, part, size, cap):
        """Raise the WorkbookError for a part that expands to ``size`` bytes, over ``cap`` MB."""
        title = self.titles.get(part)
        if title:
            raise WorkbookError(self.name, f"シート「{title}」の行数が多すぎます（展開すると {size / _MB:,.0f} MB。"
                                           f"1シート {cap} MB まで）: 値のない行まで書式や空白が"
                                           "入っていないか確かめ、不要な行を削除してください")
        raise WorkbookError(self.name, f"ブックの部品 {part} が大きすぎます（展開すると {size / _MB:,.0f} MB。"
                                       f"{cap} MB まで）: Excel で保存し直してください")

    def broken(self, part, why):
        title = self.titles.get(part)
        where = f"シート「{title}」" if title else f"部品 {part} "
        return WorkbookError(self.name, f"Excel ブック（.xlsx）として読めません: {where}が壊れています（{why}）")

    def parse(self, part, start=None, end=None, text=None):
        """Stream ``part``; malformed or unsafe XML and a damaged zip become a WorkbookError."""
        import zipfile
        import zlib
        from xml.parsers import expat

        try:
            _parse_part(self.archive, part, start, end, text)
        except _Unsafe:
            raise WorkbookError(self.name, f"ブックの部品 {part} に DOCTYPE（外部実体・実体の展開）があります: "
                                           "Excel が保存したブックにはありません。読み込みません") from None
        except expat.ExpatError as error:
            raise self.broken(part, f"XML: {expat.ErrorString(error.code)}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as error:
            raise self.broken(part, type(error).__name__) from None

    def _check_part(self, part):
        """One pass over a part openpyxl may parse: no DOCTYPE, bounded elements.

        A sheet is followed only to its cells (openpyxl reads its size from
        what comes before); the shared strings are counted; any other part
        is small and has a bounded number of elements, as openpyxl builds
        each one as a tree.
        """
        from tsunagu.loaders.limits import MAX_OTHER_PART_MB, MAX_SHARED_STRINGS, MAX_XML_ELEMENTS

        size = self.infos[part].file_size
        state = {"root": None, "count": 0, "strings": 0}

        def start(name, attrs):
            local = _tag(name)
            state["count"] += 1
            if state["root"] is None:
                state["root"] = local
                if local not in ("worksheet", "sst") and size > MAX_OTHER_PART_MB * _MB:
                    self.refuse_size(part, size, MAX_OTHER_PART_MB)
            if state["root"] == "worksheet":
                if local == "sheetData":
                    raise _Stop()
                if state["count"] > MAX_XML_ELEMENTS:
                    raise self.broken(part, f"セルより前の要素が {MAX_XML_ELEMENTS:,} を超えます")
            elif state["root"] == "sst":
                state["strings"] += local == "si"
                if state["strings"] > MAX_SHARED_STRINGS:
                    raise WorkbookError(self.name, f"ブックの文字列が多すぎます（{MAX_SHARED_STRINGS:,} 個まで）: "
                                                   "不要なシートや行を削除してください")
            elif state["count"] > MAX_XML_ELEMENTS:
                raise self.broken(part, f"要素が {MAX_XML_ELEMENTS:,} を超えます")

        self.parse(part, start)

    def _sheet_titles(self):
        """{part: sheet title} from the workbook part and its relationships (small, checked parts)."""
        import posixpath

        from tsunagu.loaders.limits import MAX_OTHER_PART_MB

        def attributes(part, tag):
            found = []
            info = self.infos.get(part)
            if info is None or info.file_size > MAX_OTHER_PART_MB * _MB:
                return found

            def start(name, attrs):
                if _tag(name) == tag:
                    found.append(attrs)

            try:
                self.parse(part, start)
            except WorkbookError:
                return []
            return found

        book = next((a.get("Target", "") for a in attributes("_rels/.rels", "Relationship")
                     if a.get("Type", "").endswith("/officeDocument")), "xl/workbook.xml").lstrip("/")
        folder = posixpath.dirname(book)
        targets = {a.get("Id"): a.get("Target", "") for a in attributes(
            posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels"), "Relationship")}
        titles = {}
        for sheet in attributes(book, "sheet"):
            rid = next((v for k, v in sheet.items() if _tag(k) == "id"), None)
            target = targets.get(rid)
            if target:
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                titles[path] = sheet.get("name", "")
        return titles


def _central_directory_check(path, name):
    """Refuse a zip whose directory alone would be a large allocation (millions of tiny parts).

    zipfile reads the whole central directory into objects before anything
    can be checked; its size and count are in the zip's last record.
    """
    import struct

    from tsunagu.loaders.limits import MAX_WORKBOOK_PARTS

    try:
        with open(path, "rb") as stream:
            stream.seek(0, 2)
            size = stream.tell()
            stream.seek(max(0, size - (1 << 16) - 22))
            tail = stream.read()
    except OSError as error:
        raise WorkbookError(name, f"Excel ブック（.xlsx）として開けません: {error.strerror or error}") from error
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return  # not a zip: zipfile says so
    _, _, _, _, entries, directory_size, _, _ = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if entries > MAX_WORKBOOK_PARTS or directory_size > MAX_WORKBOOK_PARTS * 1024:
        raise WorkbookError(name, f"ブックの部品が多すぎます（{MAX_WORKBOOK_PARTS:,} 個まで）: Excel で保存し直してください")


@dataclass
class _SheetScan:
    """What one sheet holds, found by streaming its XML before openpyxl reads it."""

    last_row: int = 0  # the last row holding a value (0: none)
    last_column: int = 0
    merged: list = field(default_factory=list)  # "C3:C4" ranges reaching the data rows
    hidden_rows: set = field(default_factory=set)  # hidden rows that hold a value
    hidden_columns: set = field(default_factory=set)  # hidden columns up to MAX_SHEET_COLUMNS


def _scan_sheet(guard, part, title, shared_strings, rows_left):
    """Stream one sheet: its last value, merged ranges, hidden rows and columns, within the caps.

    A cell holds a value when it has a formula or a value that is not blank
    (a space typed at row 1,048,576 is not one). Raises WorkbookError naming
    the sheet when a value lies beyond ``rows_left`` rows (what remains of
    :data:`MAX_WORKBOOK_ROWS` after the sheets read before) or
    :data:`MAX_SHEET_COLUMNS` columns, or a cell is longer than Excel allows.
    """
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

    from tsunagu.loaders.limits import MAX_CELL_CHARS, MAX_SHEET_COLUMNS, MAX_WORKBOOK_ROWS, MAX_XML_ELEMENTS

    scan = _SheetScan()
    name = guard.name
    state = {"data": False, "row": 0, "hidden": False, "has": False, "column": 0, "cells": 0, "outside": 0,
             "type": "n", "text": None, "length": 0, "formula": False, "value": False, "in_rph": False}

    def where():
        return state["row"], get_column_letter(min(max(state["column"], 1), 16384))

    def start(tag, attrs):
        local = _tag(tag)
        if not state["data"]:
            state["outside"] += 1
            if state["outside"] > MAX_XML_ELEMENTS:
                raise guard.broken(part, f"セル以外の要素が {MAX_XML_ELEMENTS:,} を超えます")
            if local == "sheetData":
                state["data"] = True
            elif local == "col":
                _hidden_columns(attrs, scan, MAX_SHEET_COLUMNS)
            elif local == "mergeCell" and attrs.get("ref"):
                scan.merged.append(attrs["ref"])
            return
        if local == "c":
            state["cells"] += 1
            if state["cells"] > 16384:
                raise guard.broken(part, f"{state['row']}行目のセルが Excel の列数を超えます")
            reference = attrs.get("r")
            if reference:
                try:
                    state["column"] = column_index_from_string(coordinate_from_string(reference)[0])
                except ValueError:
                    raise guard.broken(part, f"セル番地 {reference[:20]!r}") from None
            else:
                state["column"] += 1
            state.update(type=attrs.get("t", "n"), text=[], length=0, formula=False, value=False)
        elif local == "row":
            reference = attrs.get("r")
            try:
                number = int(float(reference)) if reference else state["row"] + 1
            except ValueError:
                raise guard.broken(part, f"行番号 {reference[:20]!r}") from None
            if number <= state["row"] or number > 1_048_576:
                raise guard.broken(part, f"行番号 {number} の順序")
            height = attrs.get("ht")
            state.update(row=number, column=0, cells=0, has=False,
                         hidden=attrs.get("hidden") in ("1", "true") or _zero(height))
        elif local == "f":
            state["formula"] = True
        elif local == "rPh":
            state["in_rph"] = True
        elif local in ("v", "t") and state["text"] is not None and not state["in_rph"]:
            state["value"] = True  # text from here is the cell's

    def text(data):
        if state["value"]:
            state["length"] += len(data)
            if state["length"] > MAX_CELL_CHARS:
                row, letter = where()
                raise WorkbookError(name, f"セルの文字が長すぎます（Excel の上限 {MAX_CELL_CHARS:,} 文字を超えます）",
                                    sheet=title, row=row, column=letter)
            if len(state["text"]) < 2 or not "".join(state["text"]).strip():
                state["text"].append(data[:64])  # enough to tell a blank from a value, and a string's index

    def end(tag):
        local = _tag(tag)
        if not state["data"]:
            return
        if local in ("v", "t"):
            state["value"] = False
        elif local == "rPh":
            state["in_rph"] = False
        elif local == "c":
            if state["formula"] or _holds_value(state["type"], "".join(state["text"] or ()), shared_strings):
                if state["column"] > MAX_SHEET_COLUMNS:
                    row, letter = where()
                    raise WorkbookError(name, f"シート「{title}」の列数が多すぎます（{row:,}行目 {letter}列にも値があります。"
                                              f"1シート {MAX_SHEET_COLUMNS}列まで）: 不要な列を削除してください")
                state["has"] = True
                scan.last_column = max(scan.last_column, state["column"])
            state["text"] = None
        elif local == "row":
            if state["has"]:
                if state["row"] > rows_left:
                    used = MAX_WORKBOOK_ROWS - rows_left
                    others = f"ほかのシートの {used:,}行と" if used else "全シート"
                    raise WorkbookError(name, f"シート「{title}」の行数が多すぎます（{state['row']:,}行目にも値があります。"
                                              f"{others}合わせて {MAX_WORKBOOK_ROWS:,}行まで）: 不要な行を削除するか、"
                                              "ブックを分けてください")
                scan.last_row = state["row"]
                if state["hidden"]:
                    scan.hidden_rows.add(state["row"])
        elif local == "sheetData":
            state["data"] = False

    guard.parse(part, start, end, text)
    return scan


def _zero(number):
    try:
        return number is not None and float(number) == 0
    except ValueError:
        return False


def _hidden_columns(attrs, scan, cap):
    """Record the columns (up to ``cap``) a ``<col>`` hides, by its flag or a width of 0."""
    if attrs.get("hidden") not in ("1", "true") and not _zero(attrs.get("width")):
        return
    try:
        low, high = int(attrs.get("min", 0)), int(attrs.get("max", 0))
    except ValueError:
        return
    scan.hidden_columns.update(range(max(low, 1), min(high, cap) + 1))


def _holds_value(kind, text, shared_strings):
    """Whether a cell of type ``kind`` whose ``<v>``/``<t>`` text begins ``text`` holds a value."""
    if kind == "s":
        try:
            value = shared_strings[int(text)]
        except (ValueError, IndexError, TypeError):
            return True  # unknown: openpyxl's reading names the damage
        return bool(str(value).strip())
    return bool(text.strip())


class _Sheet:
    """The rows of one sheet as openpyxl reads them in read-only mode, up to the last value."""

    def __init__(self, guard, worksheet, scan):
        self.guard, self.worksheet, self.scan = guard, worksheet, scan
        self.title = worksheet.title

    def rows(self):
        """(row number, tuple of values or cells) of rows 1 up to the last value; empty rows are ``()``."""
        if not self.scan.last_row:
            return
        try:
            for number, cells in enumerate(self.worksheet.iter_rows(
                    min_row=1, max_row=self.scan.last_row, min_col=1, max_col=self.scan.last_column), start=1):
                yield number, cells
        except (ValueError, IndexError, KeyError, TypeError, OverflowError) as error:
            raise self.guard.broken(self.worksheet._worksheet_path, type(error).__name__) from None


def _open_book(path, name):
    """(guard, openpyxl workbook in read-only mode) of a workbook whose parts passed the caps."""
    import warnings

    from openpyxl import load_workbook

    guard = _Guard(path, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on extensions it drops: nothing for an officer
            workbook = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except (OSError, KeyError, ValueError, TypeError) as error:
        guard.close()
        raise WorkbookError(name, f"Excel ブック（.xlsx）として開けません: {error}") from error
    except Exception as error:  # zipfile.BadZipFile and openpyxl's own errors: not a workbook
        guard.close()
        raise WorkbookError(name, f"Excel ブック（.xlsx）として開けません: {type(error).__name__}") from error
    guard.titles = {ws._worksheet_path: ws.title for ws in workbook.worksheets if hasattr(ws, "_worksheet_path")}
    return guard, workbook


def _sheet(book, guard, workbook, title):
    """The :class:`_Sheet` named ``title``, or None with the problem recorded (missing, hidden)."""
    if title not in workbook.sheetnames:
        return None
    worksheet = workbook[title]
    if worksheet.sheet_state in ("hidden", "veryHidden"):
        how = ("ごく非表示（veryHidden: Excel のメニューからは再表示できません）" if worksheet.sheet_state == "veryHidden"
               else "非表示")
        book.error(f"シートが{how}になっています: 見えない行は読み込みません。シートを表示して内容を確かめてから"
                   "読み込んでください", sheet=title)
        return None
    part = worksheet._worksheet_path  # openpyxl's read-only sheets keep the part they stream from
    scan = _scan_sheet(guard, part, title, getattr(worksheet, "_shared_strings", None) or (), guard.rows_left)
    guard.rows_left -= scan.last_row
    return _Sheet(guard, worksheet, scan)


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _checked_headers(book, found, expected, title):
    """Column index of each expected header in ``found`` (row 1's texts); problems recorded in ``book``.
    None when unusable."""
    from openpyxl.utils import get_column_letter

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


def _merged_problems(book, sheet):
    from openpyxl.utils.cell import range_boundaries

    for ref in sheet.scan.merged:
        try:
            _, min_row, _, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if max_row is not None and max_row >= FIRST_DATA_ROW:
            book.error(f"結合されたセル {ref} があります: 結合を解除して各セルに値を入れてください",
                       sheet=sheet.title, row=max(min_row or 1, FIRST_DATA_ROW))


def _headed_rows(book, sheet, expected):
    """(index of each header, iterator of the rows after the header row), or None when unusable."""
    rows = sheet.rows()
    first = next(rows, (1, ()))
    found = [(_text(c.value) if c.value is not None else "") for c in first[1]] if first[0] == 1 else []
    index = _checked_headers(book, found, expected, sheet.title)
    _merged_problems(book, sheet)
    return index, rows


def _data_rows(book, sheet, rows, notes=()):
    """(row number, cells) of each data row that holds a value. Row 2 is the note row while it
    holds only the template's notes; typed over or deleted, it is data (nothing an officer
    wrote is skipped). A hidden row holding a value is refused, never read unseen."""
    for row_number, row in rows:
        if all(_blank(c.value) for c in row):
            continue
        if row_number < FIRST_DATA_ROW and all(_blank(c.value) or c.value in notes for c in row):
            continue  # the template's note row
        if row_number in sheet.scan.hidden_rows:
            book.error("非表示の行に値があります: 見えない行は読み込みません。行を再表示して内容を確かめてください",
                       sheet=sheet.title, row=row_number)
            continue
        yield row_number, row


def _hidden_column(book, sheet, row_number, position, header):
    from openpyxl.utils import get_column_letter

    if position in sheet.scan.hidden_columns:
        book.error("非表示の列に値があります: 見えない値は読み込みません。列を再表示して内容を確かめてください",
                   sheet=sheet.title, row=row_number, column=get_column_letter(position), header=header)
        return True
    return False


def _cell_text_problem(book, title, row_number, letter, column, value):
    """Bidirectional controls, line breaks in a one-line field, over-long text: named by cell, in Japanese."""
    from tsunagu.loaders.limits import text_problem

    if not isinstance(value, str):
        return False
    if column.kind in ("texts", "refs", "sources", "areas", "domains"):  # a line break separates items here
        parts = _SPLIT.split(value.strip())
    else:
        parts = [value.strip() if column.kind != "text" else value]
    field_name = column.field if column.kind in ("text", "texts") else "id"  # the others are one-line codes and keys
    for part in parts:
        problem = text_problem(field_name, part)
        if problem:
            book.error(problem, sheet=title, row=row_number, column=letter, header=column.header)
            return True
    return False


def _read_sources(book, workbook, guard, serial):
    from openpyxl.utils import get_column_letter

    from tsunagu.loaders.formats.yaml import LocatedDict
    from tsunagu.loaders.limits import text_problem

    sources = LocatedDict()
    sources.line, sources.key_lines = 1, {}
    if SOURCE_SHEET not in workbook.sheetnames:
        book.error(f"シート「{SOURCE_SHEET}」がありません（キー・資料名・引用）", sheet=SOURCE_SHEET)
        return sources
    sheet = _sheet(book, guard, workbook, SOURCE_SHEET)
    if sheet is None:
        return sources
    index, rows = _headed_rows(book, sheet, SOURCE_HEADERS)
    if index is None:
        return sources
    seen = {}
    for row_number, row in _data_rows(book, sheet, rows, SOURCE_NOTES):
        values = {}
        for header in SOURCE_HEADERS:
            position = index[header]
            cell = row[position - 1] if position - 1 < len(row) else None
            value = cell.value if cell is not None else None
            letter = get_column_letter(position)
            if not _blank(value) and _hidden_column(book, sheet, row_number, position, header):
                value = None
            if getattr(cell, "data_type", None) == "f":  # text starting with "=" is a value (the template writes such)
                book.error("数式ではなく値を入力してください", sheet=SOURCE_SHEET, row=row_number, column=letter,
                           header=header)
                value = None
            text = _text(value) if value not in (None, "") else ""
            problem = text_problem({"キー": "id", "資料名": "document", "引用": "quote"}[header], text)
            if problem:
                book.error(problem, sheet=SOURCE_SHEET, row=row_number, column=letter, header=header)
                text = ""
            values[header] = text
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


def _read_sheet(book, workbook, guard, sheet_spec, records, serial):
    from openpyxl.utils import get_column_letter

    from tsunagu.loaders.formats.yaml import LocatedDict

    title = sheet_spec.title
    if title not in workbook.sheetnames:
        book.error(f"シート「{title}」がありません（テンプレートのシート名のまま使ってください）", sheet=title)
        return
    sheet = _sheet(book, guard, workbook, title)
    if sheet is None:
        return
    index, rows = _headed_rows(book, sheet, sheet_spec.columns)
    if index is None:
        return
    # one {field: (letter, header)} per sheet, shared by its rows (a dict per cell was 100 MB at 10,000 rows)
    columns = {c.field: (get_column_letter(index[c.header]), c.header) for c in sheet_spec.columns}
    for row_number, row in _data_rows(book, sheet, rows, {c.note for c in sheet_spec.columns}):
        line = serial()
        book.places[line] = (title, row_number)
        book.columns[line] = columns
        record = LocatedDict()
        record.line, record.key_lines = line, {}
        for column in sheet_spec.columns:
            position = index[column.header]
            cell = row[position - 1] if position - 1 < len(row) else None
            value = cell.value if cell is not None else None
            letter = columns[column.field][0]
            if _blank(value):
                continue
            if _hidden_column(book, sheet, row_number, position, column.header):
                continue
            where = (title, row_number, letter, column.header)
            if getattr(cell, "data_type", None) == "f":  # a formula; a text cell starting with "=" is a value
                book.error(f"数式ではなく値を入力してください（{value}）", sheet=title, row=row_number, column=letter,
                           header=column.header)
                continue
            if isinstance(value, (dt.date, dt.datetime)) and column.kind != "date":
                book.error("日付ではなく文字で入力してください（セルの書式を文字列に）", sheet=title, row=row_number,
                           column=letter, header=column.header)
                continue
            if _cell_text_problem(book, title, row_number, letter, column, value):
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
    letter, header = book.columns.get(error.line, {}).get(error.field, ("", None)) if error.field else ("", None)
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
    from tsunagu.loaders.formats.yaml import LocatedDict

    path = Path(path)
    book = _Book(path, path.name)
    guard, workbook = _open_book(path, book.name)
    counter = iter(range(10_000_000, 100_000_000))
    serial = counter.__next__
    try:
        sources = _read_sources(book, workbook, guard, serial)
        records = []
        for sheet_spec in SHEETS:
            _read_sheet(book, workbook, guard, sheet_spec, records, serial)
    finally:
        workbook.close()  # read-only mode keeps the file open
        guard.close()
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
        columns = book.columns.get(record.line, {})
        fields = {name: columns.get(name, ("", None)) for name in record.field_lines}
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


# --- writing ---------------------------------------------------------------

# graph attribute of each curated text/date field (the projection's names)
_ATTRIBUTES = {
    "name": "name", "name_en": "name_en", "kana": "kana", "note": "note", "chart_row": "chartRow",
    "telephone": "telephone", "fax": "faxNumber", "email": "email", "url": "url", "postal_code": "postalCode",
    "address": "address", "opening_hours": "openingHours", "closed_days": "closedDays",
    "access_methods": "accessMethods", "last_checked": "lastChecked", "schedule": "schedule", "since": "since",
    "subsidy_rate": "subsidyRate", "as_of": "asOf", "method": "method",
}
# (relation, direction) of each reference field: out = the record's own edge, in = an edge into it
_EDGES = {
    "serves": ("servesArea", "out"), "located_in": ("locatedIn", "out"), "member_of": ("memberOf", "out"),
    "advises": ("advises", "out"), "hosted_by": ("hostedBy", "out"), "satellite_of": ("satelliteOf", "out"),
    "run_by": ("runs", "in"), "entrusted_to": ("entrustedTo", "out"), "scheme": ("underScheme", "out"),
    "secretariat": ("secretariatOf", "in"), "built_on": ("builtOn", "out"),
    "wide_area_platform": ("widerPlatform", "out"),
}
# Directory windows a municipality's residents contact, beside its hikikomori window.
_WINDOW_KINDS = {"ConsultationWindow", "WelfareWindow", "MunicipalOffice", "SelfRelianceSupportAgency"}


def _types(graph, node):
    return set(graph.nodes[node].get("types", ()))


def _edges(graph, node, relation, direction):
    if direction == "out":
        found = [t for _, t, k, d in graph.out_edges(node, keys=True, data=True) if k == relation and not d.get("inferred")]
    else:
        found = [s for s, _, k, d in graph.in_edges(node, keys=True, data=True) if k == relation and not d.get("inferred")]
    return sorted(set(found))


def _is_entity(graph, node):
    types = _types(graph, node)
    return bool(types) and "Area" not in types and "SupportDomain" not in types and "Nation" not in types


def _sections(graph, areas):
    """{sheet key: [node ids]} of what the graph knows for ``areas`` (municipalities and prefectures)."""
    sheets = {"window": [], "platform": [], "member": [], "program": [], "duty": []}
    placed = set()

    def place(key, node):
        if node not in placed and node in graph and _is_entity(graph, node):
            placed.add(node)
            sheets[key].append(node)

    for area in areas:
        for source, _, relation in graph.in_edges(area, keys=True):
            types = _types(graph, source)
            if relation == "ofMunicipality" and "DutyStatus" in types:
                place("duty", source)
            elif relation == "windowOf" or (relation == "servesArea" and types & _WINDOW_KINDS):
                place("window", source)
            elif relation == "servesArea" and "Platform" in types:
                place("platform", source)
    for area in areas:
        for source, _, relation in graph.in_edges(area, keys=True):
            types = _types(graph, source)
            if relation in ("servesArea", "locatedIn") and "Program" in types:
                place("program", source)
            elif relation in ("servesArea", "locatedIn") and "Agent" in types:
                place("member", source)
    # who sits on, runs, backs or hosts what is already placed (twice: members' own bodies too)
    for _ in range(2):
        for node in list(placed):
            related = []
            for relation in ("memberOf", "secretariatOf", "advises", "runs"):
                related += _edges(graph, node, relation, "in")
            for relation in ("builtOn", "entrustedTo", "hostedBy", "satelliteOf"):
                related += _edges(graph, node, relation, "out")
            for other in related:
                if "Program" in _types(graph, other):
                    place("program", other)
                elif "DutyStatus" not in _types(graph, other):
                    place("member", other)
    return {key: sorted(nodes) for key, nodes in sheets.items()}


def _area_text(graph, node):
    data = graph.nodes[node] if node in graph else {}
    return f"{data['code']} {data.get('name', '')}".strip() if data.get("code") else node


def _cell_text(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or None
    return None if value is None else str(value)


def workbook_rows(graph, areas):
    """{sheet title: [{header: cell}]} and the source rows for ``areas``, as the template prefills them.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The compiled graph.
    areas : list of str
        Node ids of municipalities and prefectures.

    Returns
    -------
    (dict, list)
        Rows per sheet title, and ``[(key, document, quote)]`` for the sheet 出典.
    """
    from tsunagu.loaders.formats.workbook import NO, SHEETS, YES, domain_choice, duty_choice, type_choice

    sections = _sections(graph, areas)
    source_keys = {}
    result = {}
    for sheet in SHEETS:
        rows = []
        for node in sections[sheet.key]:
            data = graph.nodes[node]
            row = {}
            for column in sheet.columns:
                name, value = column.field, None
                if name == "id":
                    value = node
                elif name == "type":
                    value = type_choice(data["kind"])
                elif name == "sources":
                    keys = []
                    for source in data.get("sources", ()):
                        pair = (source.get("document", ""), source.get("quote", ""))
                        keys.append(source_keys.setdefault(pair, f"s{len(source_keys) + 1}"))
                    value = "、".join(dict.fromkeys(keys)) or None
                elif name == "age":
                    if data.get("age_stated"):
                        low, high = data.get("age_min"), data.get("age_max")
                        value = f"{'' if low is None else low}-{'' if high is None else high}"
                elif name == "domains":
                    value = "、".join(domain_choice(d) for d in data.get("domains", ())) or None
                elif name == "duty":
                    value = duty_choice(data["duty"]) if data.get("duty") else None
                elif name == "fulfilled":
                    value = None if data.get("fulfilled") is None else (YES if data["fulfilled"] else NO)
                elif name == "municipality":
                    relation = "ofMunicipality" if sheet.key == "duty" else "windowOf"
                    targets = _edges(graph, node, relation, "out")
                    value = _area_text(graph, targets[0]) if targets else None
                elif name == "members":  # members that are areas; member bodies say member_of on their own rows
                    targets = [t for t in _edges(graph, node, "memberOf", "in") if "Area" in _types(graph, t)]
                    value = "、".join(_area_text(graph, t) for t in targets) or None
                elif column.kind in ("area", "areas"):
                    targets = _edges(graph, node, *_EDGES[name])
                    value = "、".join(_area_text(graph, t) for t in targets) or None
                elif name in _EDGES:
                    value = "、".join(_edges(graph, node, *_EDGES[name])) or None
                else:
                    value = _cell_text(data.get(_ATTRIBUTES.get(name, name)))
                row[column.header] = value
            rows.append(row)
        result[sheet.title] = rows
    return result, [(key, document, quote) for (document, quote), key in source_keys.items()]


def _styled_header(sheet, headers, notes):
    from openpyxl.styles import Alignment, Font, PatternFill

    from tsunagu.loaders.formats.tabular import append_row

    append_row(sheet, headers)
    append_row(sheet, notes)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666", size=9)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C3" if len(headers) > 2 else "A3"


def template_workbook_bytes(graph, areas, title=None):
    """The XLSX template for ``areas``: the five sheets, 出典, and a hidden sheet of dropdown choices.

    Every cell is text (number format ``@``) so codes keep their leading
    zeros; types, domains, duties and yes/no have dropdowns from the ontology.
    Cells are written by :func:`tsunagu.output.append_row`: a name starting
    with ``=`` is text, and reads back as it is.

    Examples
    --------
    >>> import io, networkx as nx
    >>> from openpyxl import load_workbook
    >>> book = load_workbook(io.BytesIO(template_workbook_bytes(nx.MultiDiGraph(), [])))
    >>> book.sheetnames[:6]
    ['相談窓口', 'プラットフォーム', '構成団体', '事業', '取組状況', '出典']
    """
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    from tsunagu.loaders.formats.workbook import (
        CHOICE_SHEET,
        FIRST_DATA_ROW,
        SHEETS,
        SOURCE_HEADERS,
        SOURCE_NOTES,
        SOURCE_SHEET,
        choice_lists,
    )
    from tsunagu.loaders.formats.tabular import append_row, write_cell

    rows, sources = workbook_rows(graph, areas)
    book = Workbook()
    book.remove(book.active)
    lists = choice_lists()
    choices = book.create_sheet(CHOICE_SHEET)
    ranges = {}
    for position, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(position)
        write_cell(choices, 1, position, name)
        for offset, value in enumerate(values, start=2):
            write_cell(choices, offset, position, value)
        ranges[name] = f"{quote_sheetname(CHOICE_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    choices.sheet_state = "hidden"
    last_row = 1000
    for sheet_spec in SHEETS:
        sheet = book.create_sheet(sheet_spec.title, index=len(book.sheetnames) - 1)
        _styled_header(sheet, [c.header for c in sheet_spec.columns], [c.note for c in sheet_spec.columns])
        for row in rows[sheet_spec.title]:
            append_row(sheet, [row.get(c.header) for c in sheet_spec.columns])
        for position, column in enumerate(sheet_spec.columns, start=1):
            letter = get_column_letter(position)
            sheet.column_dimensions[letter].width = column.width
            sheet.column_dimensions[letter].number_format = "@"  # what an officer types stays text
            for cell_row in sheet.iter_rows(min_row=FIRST_DATA_ROW, min_col=position, max_col=position):
                cell_row[0].number_format = "@"
            if column.choices:
                # a list of several domains is allowed: the dropdown helps, it does not refuse
                strict = column.kind != "domains"
                validation = DataValidation(type="list", formula1=f"={ranges[column.choices]}", allow_blank=True,
                                            showErrorMessage=strict, errorStyle="stop" if strict else "information",
                                            error="一覧から選んでください", errorTitle=column.header)
                validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
                sheet.add_data_validation(validation)
    sheet = book.create_sheet(SOURCE_SHEET, index=len(book.sheetnames) - 1)
    _styled_header(sheet, SOURCE_HEADERS, SOURCE_NOTES)
    sheet.freeze_panes = "A3"
    for source in sources:
        append_row(sheet, source)
    for letter, width in zip("ABC", (8, 36, 80), strict=True):
        sheet.column_dimensions[letter].width = width
        sheet.column_dimensions[letter].number_format = "@"
    for cell_row in sheet.iter_rows(min_row=FIRST_DATA_ROW):
        for cell in cell_row:
            cell.number_format = "@"
    if title:
        book.properties.title = title
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_areas(graph, municipality=None, prefecture=None):
    """Node ids a workbook covers: one municipality, or a prefecture and every municipality in it.

    Names, readings and codes are resolved as everywhere else
    (:func:`tsunagu.compile.resolve`); raises its errors for unknown names.
    """
    from tsunagu.resolver import resolve

    if municipality:
        return [resolve(graph, municipality, types={"Municipality"})]
    pref = resolve(graph, prefecture, types={"Prefecture"})
    towns = sorted(s for s, _, k in graph.in_edges(pref, keys=True)
                   if k == "partOfPrefecture" and "Municipality" in graph.nodes[s].get("types", ()))
    return [pref] + towns


def write_template_workbook(graph, output, municipality=None, prefecture=None):
    """Write the template workbook for a municipality or a prefecture to ``output``.

    Returns ``{sheet title: prefilled rows}``. Raises
    :class:`~tsunagu.exceptions.OutputError` when ``output`` cannot be written.
    """
    from tsunagu.output import write_file_bytes

    areas = template_areas(graph, municipality, prefecture)
    rows, sources = workbook_rows(graph, areas)
    title = " / ".join(graph.nodes[a].get("name", a) for a in areas[:1])
    write_file_bytes(output, template_workbook_bytes(graph, areas, title=f"tsunagu 入力ブック: {title}"))
    return {sheet: len(found) for sheet, found in rows.items()} | {"出典": len(sources)}
