"""The ``tsunagu`` command: thin wrappers over the library functions.

Library modules are imported inside each command so that ``tsunagu --help``
does not pay for rdflib, networkx or pyshacl.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tsunagu._version import __version__
from tsunagu.exceptions import TsunaguError
from tsunagu.output import output_format

__all__ = ["cli", "main"]

_PATHS = click.Path(exists=False, dir_okay=False, path_type=Path)
# Inputs: files, or a folder holding an HSDS tabular export
_INPUTS = click.Path(exists=False, path_type=Path)


class _Group(click.Group):
    """Turns every :class:`TsunaguError` into a one-message exit, no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TsunaguError as error:
            raise click.ClickException(str(error)) from error


def _notice(message):
    """A library notice on stderr; one that only reports progress only on a terminal."""
    from tsunagu.compile.progress import Progress

    if isinstance(message, Progress) and not sys.stderr.isatty():
        return
    click.echo(message, err=True)


def _backend_options(command):
    """``--backend URI``, ``--user`` and ``--database``: answer from a Bolt server."""
    command = click.option("--database", help="Database on the Bolt server (default: the server's).")(command)
    command = click.option("--user", envvar="TSUNAGU_BOLT_USER", default="neo4j", show_default=True,
                           help="Bolt user (or $TSUNAGU_BOLT_USER). The password comes from "
                                "$TSUNAGU_BOLT_PASSWORD or a prompt.")(command)
    return click.option("--backend", metavar="URI",
                        help="Answer from a Bolt server (bolt://127.0.0.1:7687) that 'tsunagu push' wrote to.")(command)


def _password():
    import os

    from tsunagu.bolt import PASSWORD_VARIABLE

    return os.environ.get(PASSWORD_VARIABLE) or click.prompt("Bolt password", hide_input=True)


def _open(backend=None, user=None, database=None):
    """The library facade over the last build, or over the Bolt server at ``backend``."""
    from tsunagu.api import open as open_tsunagu

    if backend:
        return open_tsunagu(backend=backend, user=user, password=_password(), database=database, notice=_notice)
    return open_tsunagu(notice=_notice)


def _lang_option(command):
    return click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
                        help="Language of the marks, legend and cells.")(command)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tsunagu")
def cli():
    """tsunagu (つなぐ): a knowledge graph of Japan's hikikomori support resources.

    Commands answer from the last 'tsunagu build'; the first one builds the
    embedded data (the seeds' real examples) if nothing was built yet.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=_INPUTS)
@click.option("--seeds-only", is_flag=True,
              help="Only the seeds' curated records (seven towns, their prefectures, the national schemes), "
                   "without the carried national lists.")
@click.option("--municipalities", type=_PATHS,
              help="A municipality list to use instead of the carried one: localgovjp's CSV or the ministry's "
                   "全国地方公共団体コード list (CSV).")
@click.option("--population", type=_PATHS, help="Census population to join instead of the carried one "
                                                 "(population_jp's detail CSV).")
@click.option("--survey", type=_PATHS, help="The analysts' survey CSV (see 'tsunagu template survey').")
@click.option("--source", "sources", multiple=True, metavar="NAME=PATH",
              help="A list to use instead of the carried copy, repeatable: municipalities, population, survey, "
                   "fukushi_portal, hokenjo, mhlw_jiritsu_2023 (a file or its folder).")
@click.option("--jobs", type=click.IntRange(min=1),
              help="Processes to build with (default: $TSUNAGU_BUILD_JOBS, else 2 where the machine has two cores; "
                   "1 uses less memory).")
@output_format
def build(paths, seeds_only, municipalities, population, survey, sources, jobs):
    """Compile the seeds' records, the whole country from the carried national lists, and PATHS
    (.yaml curated files, .xlsx workbooks, .ttl, .jsonld, or a folder holding an HSDS 3.0 tabular export).

    The carried lists (see 'tsunagu sources') give every municipality and
    prefecture, the self-reliance windows, town halls and 保健所; the seeds'
    towns keep their detailed platforms on top. Later commands answer from
    this build until the next one.
    """
    from tsunagu.compile import build as build_graph
    from tsunagu.compile import embedded_data_files
    from tsunagu.loaders.sources import parse_source_option

    given = dict(parse_source_option(text) for text in sources)
    compiled = build_graph(paths, municipalities=municipalities, population=population, survey=survey, sources=given,
                           jobs=jobs, lists=not seeds_only)
    graph = compiled.graph
    for line in graph.graph.get("input_notices", []):
        click.echo(f"注意: {line}", err=True)
    report = graph.graph.get("national_report") or {}
    if report.get("sources"):
        from tsunagu.queries.directory import coverage_text, directory_coverage, source_report_text

        for line in source_report_text(report, limit=5):
            click.echo(line, err=True)
        if any(s["name"] in ("fukushi_portal", "hokenjo", "mhlw_jiritsu_2023") for s in report["sources"]):
            for line in coverage_text(directory_coverage(graph), list_missing=False):
                click.echo(line, err=True)
            click.echo("（窓口のない市区町村の一覧: tsunagu directory）", err=True)
    else:
        for missing in report.get("population_missing", []):
            click.echo(f"population not joined: {missing}", err=True)
    return [{
        "embedded files": len(embedded_data_files()),
        "user files": len(compiled.inputs),
        "triples": compiled.triples,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "fingerprint": compiled.fingerprint[:12],
    }]


@cli.command()
@click.option("--prefecture", help="Only this prefecture's municipalities (name, kana or code).")
@click.option("--skipped", is_flag=True, help="Also list every row the last build skipped or loaded without a field, with why.")
def directory(prefecture, skipped):
    """The national directory's coverage: how many municipalities have a named
    self-reliance window with a phone, a town-hall contact, a 保健所 and a named
    regional centre; every municipality without a window, with the reason."""
    from tsunagu.resolver import resolve
    from tsunagu.queries.directory import coverage_text, directory_coverage, source_report_text

    graph = _open().graph()
    if skipped:
        for line in source_report_text(graph.graph.get("national_report") or {}):
            click.echo(line)
    pref = resolve(graph, prefecture, types={"Prefecture"}) if prefecture else None
    for line in coverage_text(directory_coverage(graph, pref)):
        click.echo(line)


@cli.command()
@output_format
def sources():
    """Where the facts come from: each national list tsunagu carries, with its licence, the credit
    line its licence asks for, its official page, the date of its data and its rows."""
    origin = {"package": "tsunagu に同梱", "updated": "tsunagu data update で更新"}
    return {row.title: {"出典表示": row.credit, "ライセンス": f"{row.licence} <{row.licence_url}>",
                        "発行・作成": row.publisher, "入手元": row.page, "データの時点": row.as_of,
                        "行数": f"{row.rows:,}", "版": origin.get(row.origin, row.origin)
                        + (f"（{row.fetched}）" if row.fetched else "")}
            for row in _open().sources()}


@cli.command()
def conflicts():
    """Every field on which two sources disagree (name, phone, address, served towns), newest value first."""
    from tsunagu.queries.directory import conflict_rows, conflicts_text

    for line in conflicts_text(conflict_rows(_open().graph())):
        click.echo(line)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=_INPUTS)
@output_format
def validate(paths):
    """Check PATHS against the ontology and shapes, together with the embedded data.

    Nothing is built or cached; the exit status is non-zero on any problem.
    """
    from tsunagu.compile import embedded_data_files, read_inputs

    notices = []
    read_inputs(embedded_data_files() + [Path(p).resolve() for p in paths], notices=notices)  # raises on any problem
    for line in notices:
        click.echo(f"注意: {line}", err=True)
    return [{"file": str(p), "status": "ok"} for p in paths]


@cli.command()
@output_format
def stats():
    """Count the graph's nodes by kind and edges by relation."""
    counted = _open().stats()
    return {
        "nodes": [{"kind": k, "count": n} for k, n in counted.nodes.items()],
        "edges": [{"relation": r, "count": n} for r, n in counted.edges.items()],
        "total": {"nodes": counted.total_nodes, "edges": counted.total_edges,
                  "user inputs": ", ".join(counted.inputs) or "(embedded data only)"},
    }


@cli.command()
@click.argument("name")
@output_format
def show(name):
    """Show one entity by NAME (kanji or kana), 6-digit CODE or ID: its facts, neighbours and sources."""
    found = _open().entity(name)
    return {"entity": found.attributes, "neighbours": found.neighbours, "sources": found.sources}


@cli.command()
@click.option("--to", "fmt", type=click.Choice(["turtle", "jsonld", "graphml", "nt", "hsds"]), default="turtle",
              show_default=True, help="Serialisation; hsds writes an Open Referral HSDS 3.0 folder (CSV tables and JSON).")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write to this file (a folder for hsds) instead of standard output.")
def export(fmt, output):
    """Export the compiled graph as Turtle, JSON-LD, N-Triples (RDF), GraphML (networkx) or HSDS 3.0.

    An HSDS folder reads back with 'tsunagu build FOLDER'.
    """
    from tsunagu.compile import current_rdf
    from tsunagu.loaders.formats.rdf import export_text

    if fmt == "hsds":
        from tsunagu.loaders.formats.hsds import write_hsds

        if not output:
            raise click.UsageError("--to hsds writes a folder: give -o FOLDER")
        try:
            counts = write_hsds(_open().graph(), output)
        except OSError as error:
            raise click.ClickException(f"cannot write {output}: {error.strerror or error}") from error
        click.echo(f"wrote {output}: " + ", ".join(f"{name} {count}" for name, count in counts.items() if count), err=True)
        return
    if fmt == "graphml":
        text = export_text(fmt, graph=_open().graph())
    else:
        text = export_text(fmt, rdf=current_rdf(rebuild_notice=_notice))
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


@cli.command()
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the query from this file.")
@click.option("--builtin", help="Run a query shipped with tsunagu: referral, coverage, gaps (see --list).")
@click.option("--list", "list_builtin", is_flag=True, help="List the shipped queries.")
@click.option("--bind", "bindings", multiple=True, metavar="NAME=VALUE",
              help="Bind a variable: id:ino, tgd:employment, <iri>, 45, or text. Repeatable.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop the query after this long (default 30).")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="ROWS",
              help="Refuse answers of more rows than this (default 10000).")
@output_format
def sparql(query, query_file, builtin, list_builtin, bindings, timeout, limit):
    """Run a SPARQL QUERY (or --file, or --builtin) over the compiled RDF and the ontology.

    Prefixes tg:, tgd:, tga: and id: are predefined. The shipped queries
    (tsunagu/queries/sparql/*.rq) are the referral and coverage rules written
    for an analyst to read and adapt. Queries only read: updates, SERVICE
    and FROM are refused; --timeout and --limit bound the work.
    """
    from tsunagu.compile import current_rdf
    from tsunagu.queries.sparql import builtin_queries, builtin_query, parse_binding, sparql_rows

    if list_builtin:
        return [{"query": name} for name in builtin_queries()]
    if sum(map(bool, (query, query_file, builtin))) != 1:
        raise click.UsageError("give exactly one of QUERY, --file or --builtin")
    text = query_file.read_text(encoding="utf-8") if query_file else builtin_query(builtin) if builtin else query
    budget = {k: v for k, v in (("timeout", timeout), ("limit", limit)) if v is not None}
    return sparql_rows(current_rdf(rebuild_notice=_notice), text, dict(parse_binding(b) for b in bindings), **budget)


@cli.command()
@click.argument("municipality")
@click.option("--age", type=click.IntRange(0, 130), required=True, help="The person's age.")
@click.option("--need", "needs", multiple=True, required=True,
              help="A need: employment, safe-place (居場所), family-support, health, welfare, education, "
                   "consultation, outreach (訪問支援), correction... Repeat for several.")
@click.option("--explain", is_flag=True, help="Also list the near misses and why each was excluded.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of headers, levels, reasons and notes.")
@click.option("--sheet", is_flag=True,
              help="Write the つなぎシート (one printable A4 page, HTML) to -o FILE.html instead of a table.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date asked (YYYY-MM-DD, default today): cohort schemes' ages move with it.")
@_backend_options
@output_format
def refer(municipality, age, needs, explain, lang, sheet, as_of, backend, user, database):
    """Whom to call first in MUNICIPALITY, and where a person of --age with --need can be connected.

    MUNICIPALITY is a name (三原市), a reading (みはらし) or a 6-digit code.
    The answer opens with the first contact (最初の相談先); options are
    ranked by fit (stated, then by scheme, then guessed from the type),
    then the more local level, then fewer hops. The table fits the terminal;
    the full paths are in --explain and --format json.
    """
    import shutil

    from tsunagu.output import Shaped
    from tsunagu.queries.answers import answer_dict, answer_sections

    params = click.get_current_context().params
    with _open(backend, user, database) as tsunagu:
        answer = tsunagu.refer(municipality, age, needs, explain=explain, as_of=as_of.date() if as_of else None)
    if sheet:
        output = params.get("output_path")
        if output is None or output.suffix.lower() not in (".html", ".htm"):
            raise click.UsageError("--sheet はファイルに書き出します: -o FILE.html を指定してください")
        from tsunagu.sheet import sheet_html

        # only the sheet holds the person's age and needs, and only because it was asked for
        output.write_text(sheet_html(answer, lang), encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
        return None
    table = params.get("fmt") in (None, "table") and params.get("output_path") is None
    width = shutil.get_terminal_size((100, 24)).columns
    return Shaped(answer_dict(answer, lang), answer_sections(answer, lang, width, table=table))


@cli.command()
@click.option("--prefecture", help="Only municipalities of this prefecture (name, kana or code).")
@click.option("--municipality", help="Only this municipality.")
@click.option("--kind", type=click.Choice(["designated", "core", "city", "ward", "town", "village"]),
              help="Only municipalities of this kind.")
@click.option("--missing", type=click.Choice(["any", "window-clarified", "window-publicised", "needs-survey", "platform"]),
              help="Only municipalities where this duty (or any) is not known to be done.")
@click.option("--by", type=click.Choice(["kind", "prefecture"]),
              help="Roll up into counts by municipality kind or prefecture, like the national survey table.")
@_lang_option
@_backend_options
@output_format
def gaps(prefecture, municipality, kind, missing, by, lang, backend, user, database):
    """The three duties per municipality: consultation window (clarified, publicised),
    needs survey, platform; each yes / no / unknown with its source and as-of date."""
    from dataclasses import asdict

    from tsunagu.output import Shaped
    from tsunagu.text import duty_rows, rollup_rows

    if by and (municipality or kind or missing):
        raise click.UsageError("--by rolls up every municipality; it takes only --prefecture")
    with _open(backend, user, database) as tsunagu:
        if by:
            rows = tsunagu.rollup(by=by, prefecture=prefecture)
            return Shaped([asdict(row) for row in rows], rollup_rows(rows, by=by, lang=lang))
        return duty_rows(tsunagu.gaps(prefecture=prefecture, municipality=municipality, kind=kind, missing=missing))


@cli.command("map")
@click.option("--prefecture", help="Only this prefecture's municipalities (name, kana or code).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The HTML file to write.")
def dot_map(prefecture, output):
    """A dot map of Japan: every municipality at its town hall, coloured by a duty's status.

    Needs town-hall coordinates: the default build has them (the carried
    municipality list); a --seeds-only build does not. Self-contained HTML;
    choose the duty on the page.
    """
    from tsunagu.diagrams.dotmap import dot_map_html, dot_map_points
    from tsunagu.diagrams.render import write_text

    tsunagu = _open()
    pref = tsunagu.resolve(prefecture, "prefecture").id if prefecture else None
    graph = tsunagu.graph()
    if not dot_map_points(graph, pref):
        raise click.ClickException("座標のある市区町村がありません。tsunagu build（--seeds-only を付けずに）で全国の一覧を"
                                   "読み込んでください (no municipality has coordinates: build without --seeds-only)")
    write_text(output, dot_map_html(graph, pref))
    click.echo(f"wrote {output}", err=True)


@cli.command()
@click.option("--prefecture", help="Only this prefecture's municipalities (name, kana or code).")
@_lang_option
@output_format
def tally(prefecture, lang):
    """The national survey table from the graph: each duty by kind of municipality.

    Columns as in the ministry's May 2020 table (指定都市, 中核市, 市・区, 町・村,
    合計); for the whole country the survey's own figures follow each row.
    A cell reads done/all (percent); where some are not known, done/all
    (不明 N) with no percentage; where none is known, 不明 (all). Unknown is
    never counted as not done. JSON gives the counts.
    """
    from dataclasses import asdict

    from tsunagu.output import Shaped
    from tsunagu.text import tally_rows

    rows = _open().tally(prefecture)
    return Shaped([asdict(row) for row in rows], tally_rows(rows, lang=lang))


@cli.group()
def template():
    """Write empty input files to fill in."""


@template.command("survey")
@click.option("--prefecture", help="Only this prefecture's municipalities (name, kana or code).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The CSV file to write.")
def template_survey(prefecture, output):
    """An empty survey CSV: one row per municipality in the graph, code and name filled in.

    Columns: code, name, window_clarified, window_publicised, publicity_methods,
    needs_survey, survey_method, platform, platform_since, wide_area_platform,
    source, as_of. Answers are yes, no or empty (unknown); load it with
    'tsunagu build --survey FILE'.
    """
    import csv

    from tsunagu.loaders.formats.survey import SURVEY_COLUMNS, survey_template_rows

    tsunagu = _open()
    rows = survey_template_rows(tsunagu.graph(), tsunagu.resolve(prefecture, "prefecture").id if prefecture else None)
    with open(output, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SURVEY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    click.echo(f"wrote {output}: {len(rows)} municipalities", err=True)


@template.command("workbook")
@click.option("--municipality", help="One municipality (name, kana or code).")
@click.option("--prefecture", help="A prefecture: one workbook with every municipality in it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx file to write.")
def template_workbook(municipality, prefecture, output):
    """An Excel workbook to fill in, prefilled with what the graph knows.

    Sheets 相談窓口, プラットフォーム, 構成団体, 事業, 取組状況 and 出典, Japanese
    headers with a note row, dropdowns for types, domains, duties and yes/no.
    Correct it and read it back with 'tsunagu validate FILE.xlsx' and
    'tsunagu build FILE.xlsx' (its rows replace the shipped records they list).
    """
    from tsunagu.compile import current_graph
    from tsunagu.loaders.formats.workbook import write_template_workbook

    if bool(municipality) == bool(prefecture):
        raise click.UsageError("give exactly one of --municipality or --prefecture")
    counts = write_template_workbook(current_graph(rebuild_notice=_notice), output,
                                     municipality=municipality, prefecture=prefecture)
    click.echo(f"wrote {output}: " + ", ".join(f"{sheet} {count}" for sheet, count in counts.items()), err=True)


@cli.command()
@click.option("--municipality", required=True, help="The municipality (name, kana or code).")
@click.option("--bands", type=click.Choice(["chart", "policy"]), default="chart", show_default=True,
              help="Age bands: the rows of 三原市's chart, or the policy groups 15-39 and 40-64.")
@_lang_option
@_backend_options
@output_format
def coverage(municipality, bands, lang, backend, user, database):
    """The age x domain matrix of a municipality, like 三原市's chart in the seeds.

    Each cell: ● full, ◐ partial, ? unknown (age range not stated), · none
    (nothing in the sources read: a gap), － no data (nothing is known of the
    municipality's own resources); then the most local level that fills it:
    M municipality, P platform, W wide-area, Pr prefecture, N national. A
    legend follows the table. JSON gives every cell with its providers.
    """
    from dataclasses import asdict

    from tsunagu.output import Shaped
    from tsunagu.text import coverage_legend, coverage_providers, coverage_rows

    with _open(backend, user, database) as tsunagu:
        matrix = tsunagu.coverage(municipality, bands=bands)
    title = f"{matrix.municipality.name} の年齢×分野" if lang == "ja" else f"coverage of {matrix.municipality.name}"
    legend = "凡例" if lang == "ja" else "legend"
    return Shaped(asdict(matrix), {title: coverage_rows(matrix), "providers": coverage_providers(matrix, lang),
                                   legend: coverage_legend(lang)})


@cli.command()
@click.argument("uri")
@click.option("--user", envvar="TSUNAGU_BOLT_USER", default="neo4j", show_default=True, help="Bolt user (or $TSUNAGU_BOLT_USER).")
@click.option("--database", help="Database on the server (default: the server's).")
@click.option("--replace", is_flag=True, help="First delete what earlier pushes wrote (:Tsunagu nodes), and only that.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=500, show_default=True, help="Rows per write transaction.")
@output_format
def push(uri, user, database, replace, batch_size):
    """Write the compiled graph to the Bolt server at URI (bolt://127.0.0.1:7687).

    The password comes from $TSUNAGU_BOLT_PASSWORD or a prompt; it is never
    echoed or logged. Pushing again changes nothing; an interrupted push run
    again ends as one clean push.
    """
    from tsunagu.bolt import push_graph

    library = _open()
    graph = library.graph()
    total = graph.number_of_nodes() + graph.number_of_edges()
    password = _password()
    with click.progressbar(length=total, label="pushing", file=sys.stderr) as bar:
        counts = push_graph(graph, uri, user=user, password=password, database=database, replace=replace,
                            batch_size=batch_size, progress=bar.update, reach=library.reach_nodes())
    return [{"server": uri, "nodes": counts["nodes"], "edges": counts["edges"],
             "graph nodes": graph.number_of_nodes(), "graph edges": graph.number_of_edges()}]


@cli.command()
@click.option("--municipality", help="Draw this municipality's platform (name, kana or code).")
@click.option("--prefecture", help="Draw this prefecture's platform and bodies.")
@click.option("--all", "all_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Draw every municipality and prefecture into this directory, with an index.html.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The HTML file to write.")
def diagram(municipality, prefecture, all_dir, output):
    """Network diagrams as self-contained HTML that open from disk with no network.

    A municipality's diagram gets a coverage heatmap (age x domain) beside it,
    linked from the page (FILE.coverage.html).
    """
    from tsunagu.diagrams import write_all_diagrams, write_municipality_diagram, write_prefecture_diagram

    if sum(map(bool, (municipality, prefecture, all_dir))) != 1:
        raise click.UsageError("give exactly one of --municipality, --prefecture or --all")
    if (municipality or prefecture) and not output:
        raise click.UsageError("give -o FILE.html for the diagram")
    tsunagu = _open()
    key = tsunagu.resolve(municipality or prefecture, "municipality" if municipality else "prefecture").id if not all_dir else None
    graph = tsunagu.graph()
    if all_dir:
        count = sum(1 for _, d in graph.nodes(data=True) if set(d.get("types", ())) & {"Municipality", "Prefecture"})
        with click.progressbar(length=count, label="drawing", file=sys.stderr) as bar:
            written = write_all_diagrams(graph, all_dir, progress=lambda _: bar.update(1))
    elif municipality:
        written = write_municipality_diagram(graph, key, output)
    else:
        written = write_prefecture_diagram(graph, key, output)
    for path in written:
        click.echo(f"wrote {path}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default answers this PC only; give the PC's own address to serve an office network.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port to listen on.")
@_backend_options
def serve(host, port, backend, user, database):
    """A read-only web app for caseworkers and analysts over the last build (or --backend).

    Offline: every script and style is served by the app itself. Nothing is
    written; the referral form is sent by POST and access logs are off, so
    what a caseworker types about a person is neither logged nor stored.
    Stop it with Ctrl+C.
    """
    from tsunagu.web import allowed_hosts, serve as run

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"注意: {host}:{port} で待ち受けます。このネットワークの誰でも、ビルドに含まれる全データ"
                   f"（機関・連絡先・取組状況）を閲覧できます。個人の情報は保存しません。", err=True)
        click.echo(f"答えるホスト名: {', '.join(allowed_hosts(host))}（ほかの名前で開くときは環境変数 "
                   "TSUNAGU_ALLOWED_HOSTS にカンマ区切りで）", err=True)
    click.echo(f"tsunagu: http://{'127.0.0.1' if host in ('127.0.0.1', 'localhost') else host}:{port}/ "
               f"(Ctrl+C で終了)", err=True)
    run(host=host, port=port, backend=backend, user=user,
        password=_password() if backend else None, database=database)


# --- tsunagu data update: refresh the carried national lists (tsunagu.compile.refresh) ---

@cli.group("data")
def data_group():
    """The national lists tsunagu carries (see 'tsunagu sources'): refresh them from their official sources."""


@data_group.command("update")
@click.option("--from", "from_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Take the files from this folder instead of the network (an office on LGWAN): DIR/<list>/<file> "
                   "or every file flat in DIR; a list not there keeps the copy in use.")
@click.option("--mirror", metavar="URL", help="Fetch URL/<list>/<file> instead of each official address (an intranet copy).")
@click.option("--list", "names", multiple=True, metavar="NAME",
              help="Refresh only this list, repeatable: localgovjp, population_jp, fukushi_portal, hokenjo, "
                   "mhlw_jiritsu_2023 (the others keep the copy in use).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              metavar="SECONDS", help="How long a server may stay silent before the fetch gives up.")
@click.option("--rollback", is_flag=True, help="Put the previous version of the lists back in use and rebuild from it.")
def data_update(from_dir, mirror, names, timeout, rollback):
    """Fetch newer copies of the national lists, check them with a whole build, and only then use them.

    A file that cannot be fetched, is not UTF-8, is cut short, lacks a column or
    holds rows the loaders refuse is one message, and nothing changes: the
    lists in use, the cache and every answer stay as they were. Prints, per
    list and per prefecture, the rows added, removed and with a changed phone.
    """
    from tsunagu.compile.progress import Progress
    from tsunagu.compile.refresh import rollback_lists, update_lists

    def progress(message):
        _notice(Progress(message))  # a terminal only

    if rollback:
        if from_dir or mirror or names:
            raise click.UsageError("--rollback はほかのオプションと一緒に使えません")
        done = rollback_lists(progress=progress)
        now = "同梱の一覧" if done.version == "package" else f"版 {done.version}"
        click.echo(f"{now}に戻しました（版 {done.removed} は削除しました）。キャッシュ: {done.cache}")
        return
    report = update_lists(from_dir=from_dir, mirror=mirror, lists=names, timeout=timeout, progress=progress)
    for line in _update_lines(report):
        click.echo(line)


def _update_lines(report):
    """The update report, short: a line per list, a line per prefecture where something changed."""
    def counts(change):
        parts = [(change.added, "追加"), (change.removed, "削除"), (change.phones, "電話番号の変更"),
                 (change.names, "名称の変更"), (change.other, "ほかの項目の変更")]
        return "、".join(f"{label} {number:,}" for number, label in parts if number)

    previous = "同梱の版" if report.previous == "package" else f"版 {report.previous}"
    if report.switched:
        lines = [f"一覧を更新しました: 版 {report.version}（前の版: {previous}）、取得 {report.fetched}"]
    else:
        lines = [f"取得した一覧は使用中のもの（{previous}）と同じでした。何も変えていません（取得 {report.fetched}）"]
    status = {"kept": "--list の対象外: 使用中の版のまま", "missing": "フォルダにありません: 使用中の版のまま",
              "unchanged": "変更なし"}
    for change in report.lists:
        said = counts(change) if change.status == "updated" else status.get(change.status, change.status)
        lines.append(f"  {change.title}: {said or '変更なし'}（{change.rows:,} 行、{change.as_of} 時点）")
        lines.extend(f"    {p.prefecture}: {counts(p)}" for p in change.prefectures)
    lines.append(f"キャッシュ: {report.cache}")
    if report.switched:
        lines.append("前の版に戻すには: tsunagu data update --rollback")
    return lines


def main():
    cli(prog_name="tsunagu")
