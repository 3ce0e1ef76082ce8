"""The ``tsunagu`` command: thin wrappers over the library functions.

Library modules are imported inside each command so that ``tsunagu --help``
does not pay for rdflib, networkx or pyshacl.
"""

from __future__ import annotations

from pathlib import Path

import click

from tsunagu import __version__
from tsunagu.exceptions import TsunaguError
from tsunagu.output import output_format

__all__ = ["cli", "main"]

_PATHS = click.Path(exists=False, dir_okay=False, path_type=Path)


class _Group(click.Group):
    """Turns every :class:`TsunaguError` into a one-message exit, no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TsunaguError as error:
            raise click.ClickException(str(error)) from error


def _notice(message):
    click.echo(message, err=True)


def _graph():
    from tsunagu.graph import current_graph

    return current_graph(rebuild_notice=_notice)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tsunagu")
def cli():
    """tsunagu (つなぐ): a knowledge graph of Japan's hikikomori support resources.

    Commands answer from the last 'tsunagu build'; the first one builds the
    embedded data (the seeds' real examples) if nothing was built yet.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=_PATHS)
@output_format
def build(paths):
    """Compile the embedded data plus PATHS (.yaml curated files, .ttl, .jsonld).

    Later commands answer from this build until the next one.
    """
    from tsunagu.graph import build as build_graph
    from tsunagu.graph import embedded_data_files

    compiled = build_graph(paths)
    graph = compiled.graph
    return [{
        "embedded files": len(embedded_data_files()),
        "user files": len(compiled.inputs),
        "triples": len(compiled.rdf),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "fingerprint": compiled.fingerprint[:12],
    }]


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=_PATHS)
@output_format
def validate(paths):
    """Check PATHS against the ontology and shapes, together with the embedded data.

    Nothing is built or cached; the exit status is non-zero on any problem.
    """
    from tsunagu.graph import embedded_data_files, read_inputs

    read_inputs(embedded_data_files() + [Path(p).resolve() for p in paths])
    return [{"file": str(p), "status": "ok"} for p in paths]


@cli.command()
@output_format
def stats():
    """Count the graph's nodes by kind and edges by relation."""
    from tsunagu.queries.entities import graph_stats

    return graph_stats(_graph())


@cli.command()
@click.argument("name")
@output_format
def show(name):
    """Show one entity by NAME (kanji or kana), 6-digit CODE or ID: its facts, neighbours and sources."""
    from tsunagu.graph import resolve
    from tsunagu.queries.entities import entity_details

    graph = _graph()
    return entity_details(graph, resolve(graph, name))


@cli.command()
@click.option("--to", "fmt", type=click.Choice(["turtle", "jsonld", "graphml", "nt"]), default="turtle",
              show_default=True, help="Serialisation.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of standard output.")
def export(fmt, output):
    """Export the compiled graph as Turtle, JSON-LD, N-Triples (RDF) or GraphML (networkx)."""
    from tsunagu.graph import current_graph, current_rdf
    from tsunagu.graph.export import export_text

    if fmt == "graphml":
        text = export_text(fmt, graph=current_graph(rebuild_notice=_notice))
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
@output_format
def sparql(query, query_file):
    """Run a SPARQL QUERY (or --file) over the compiled RDF and the ontology.

    Prefixes tg:, tgd:, tga: and id: are predefined.
    """
    from tsunagu.graph import current_rdf
    from tsunagu.queries.sparql import sparql_rows

    if bool(query) == bool(query_file):
        raise click.UsageError("give either a QUERY or --file, not both or neither")
    text = query_file.read_text(encoding="utf-8") if query_file else query
    return sparql_rows(current_rdf(rebuild_notice=_notice), text)


def main():
    cli(prog_name="tsunagu")
