"""The workbook officers fill in: a municipality's (or prefecture's) known set-up, prefilled from the graph.

``tsunagu template workbook --municipality 高知市 -o kochi.xlsx`` writes it;
``tsunagu build kochi.xlsx`` reads it back (:mod:`tsunagu.loaders.formats.workbook`).
Sheets, headers and dropdowns come from :data:`tsunagu.loaders.formats.workbook.SHEETS`
and the ontology, so the template and the reader cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import io

__all__ = ["template_areas", "template_workbook_bytes", "workbook_rows", "write_template_workbook"]

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


def _text(value):
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
    from tsunagu.loaders.formats.workbook import SHEETS, YES, NO, domain_choice, duty_choice, type_choice

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
                    value = _text(data.get(_ATTRIBUTES.get(name, name)))
                row[column.header] = value
            rows.append(row)
        result[sheet.title] = rows
    return result, [(key, document, quote) for (document, quote), key in source_keys.items()]


def _styled_header(sheet, headers, notes):
    from openpyxl.styles import Alignment, Font, PatternFill

    from tsunagu.output import append_row

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
        CHOICE_SHEET, FIRST_DATA_ROW, SHEETS, SOURCE_HEADERS, SOURCE_NOTES, SOURCE_SHEET, choice_lists,
    )
    from tsunagu.output import append_row, write_cell

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
