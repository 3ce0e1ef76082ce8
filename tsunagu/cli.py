"""The ``tsunagu`` command: thin wrappers over the library functions.

Library modules are imported inside each command so that ``tsunagu --help``
does not pay for rdflib, networkx or pyshacl.

Everything a person reads is Japanese, or English with ``--lang en`` (on any
command, or before it: ``tsunagu --lang en refer ...``): the help, written
here in Japanese with its English beside it (:func:`_h`), and click's own
words (usage, headings, errors), which click marks for gettext and which
:func:`_translate_click` answers from :data:`_CLICK_JA`.
"""

from __future__ import annotations

import gettext
import sys
from pathlib import Path

import click

from tsunagu._version import __version__
from tsunagu.exceptions import TsunaguError, missing_extra
from tsunagu.output import output_format
from tsunagu.text import bilingual, english_of, error_text, language, say, set_language

__all__ = ["cli", "main"]

_PATHS = click.Path(exists=False, dir_okay=False, path_type=Path)
# Inputs: files, or a folder holding an HSDS tabular export
_INPUTS = click.Path(exists=False, path_type=Path)

# --- language: the help's English, click's Japanese ---------------------------------------

_h = bilingual  # help text: Japanese, with its English for --lang en


# click's messages (its gettext msgids) in Japanese; {names} are filled in by click
_CLICK_JA = {
    "Usage:": "使い方:",
    "Options": "オプション",
    "Commands": "コマンド",
    "Positional arguments": "引数",
    "Show this message and exit.": "この説明を表示して終わります。",
    "Show the version and exit.": "版を表示して終わります。",
    "%(prog)s, version %(version)s": "%(prog)s 版 %(version)s",
    "Try '{command} {option}' for help.": "説明は '{command} {option}' で表示します。",
    "Invalid value for {param_hint}: {message}": "{param_hint} の値が正しくありません: {message}",
    "Invalid value: {message}": "値が正しくありません: {message}",
    "Missing argument": "指定が足りません: 引数",
    "Missing option": "指定が足りません: オプション",
    "Missing parameter": "指定が足りません",
    "Missing {param_type}": "指定が足りません: {param_type}",
    "Missing parameter: {param_name}": "指定が足りません: {param_name}",
    "Missing command.": "コマンドを指定してください。",
    "No such command {name!r}.": "{name!r} というコマンドはありません。",
    "No such option {name!r}.": "{name!r} というオプションはありません。",
    "No such option: {name}": "{name} というオプションはありません",
    "Did you mean {possibility}?": "もしかして: {possibility}",
    "(Did you mean one of: {possibilities}?)": "（もしかして: {possibilities}）",
    "Option {name!r} requires an argument.": "オプション {name!r} には値が要ります。",
    "Option {name!r} requires {nargs} arguments.": "オプション {name!r} には値が {nargs} 個要ります。",
    "Option {name!r} does not take a value.": "オプション {name!r} は値をとりません。",
    "Got unexpected extra argument ({args})": "余分な引数があります（{args}）",
    "Got unexpected extra arguments ({args})": "余分な引数があります（{args}）",
    "Argument {name!r} takes {nargs} values.": "引数 {name!r} には値が {nargs} 個要ります。",
    "{value!r} is not one of {choices}.": "{value!r} は使えません。次のどれか: {choices}。",
    "{value!r} is not {choice}.": "{value!r} は使えません。使えるのは {choice} です。",
    "{value!r} is not a valid {number_type}.": "{value!r} は{number_type}ではありません。",
    "integer": "整数",
    "float": "数",
    "{value} is not in the range {range}.": "{value} は {range} の範囲にありません。",
    "{value!r} does not match the format {format}.": "{value!r} は {format} の形ではありません。",
    "{value!r} does not match the formats {formats}.": "{value!r} は {formats} のどの形でもありません。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} は真偽値ではありません。使えるもの: {states}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} がありません。",
    "{name} {filename!r} is a file.": "{name} {filename!r} はファイルです。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} はフォルダです。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} を読めません。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} に書き込めません。",
    "File": "ファイル",
    "Directory": "フォルダ",
    "Path": "パス",
    "Could not open file {filename!r}: {message}": "ファイル {filename!r} を開けません: {message}",
    "Aborted!": "中止しました。",
    "default": "既定",
    "default: {default}": "既定: {default}",
    "required": "必須",
    "env var: {var}": "環境変数: {var}",
    "Choose from:\n\t{choices}": "次から選んでください:\n\t{choices}",
    "{len_type} values are required, but {len_value} was given.": "値が {len_type} 個要りますが {len_value} 個でした。",
    "{len_type} values are required, but {len_value} were given.": "値が {len_type} 個要りますが {len_value} 個でした。",
    "Takes {nargs} values but 1 was given.": "値を {nargs} 個とりますが 1 個でした。",
    "Takes {nargs} values but {len} were given.": "値を {nargs} 個とりますが {len} 個でした。",
    "Repeat for confirmation": "確認のためもう一度",
    "Error: The two entered values do not match.": "エラー: 二度の入力が違います。",
    "Error: invalid input": "エラー: 入力が正しくありません",
    "Error: {message}": "エラー: {message}",
}


def _click_gettext(message):
    return _CLICK_JA.get(message, message) if language() == "ja" else message


def _click_ngettext(singular, plural, count):
    return _click_gettext(singular if count == 1 else plural)


def _translate_click():
    """Point the gettext names click's modules bound at import (``_``, ``ngettext``) at
    :data:`_CLICK_JA`; the message ids stay click's, so an unlisted one shows as click wrote it."""
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils"):
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _click_gettext
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = _click_ngettext


_translate_click()


def _asked_language(args):
    """The language the command line asks for (``--lang en`` anywhere, else $TSUNAGU_LANG), before
    click parses it: click's own errors and the help are written before any option is read."""
    import os

    args = list(args)
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("TSUNAGU_LANG", "ja")


def _walk(command):
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


class _English:
    """While open, every help text of ``root``'s commands and options reads in English."""

    def __init__(self, root):
        self.saved = []
        for command in _walk(root):
            for holder in [command] + list(command.params):
                for attribute in ("help", "short_help"):
                    text = getattr(holder, attribute, None)
                    english = english_of(text)
                    if english:
                        self.saved.append((holder, attribute, text))
                        setattr(holder, attribute, english)

    def close(self):
        for holder, attribute, text in self.saved:
            setattr(holder, attribute, text)


_LANG_HELP = _h("表示の言語（ja: 日本語、en: 英語）。", "Language of what is shown (ja: Japanese, en: English).")


def _first_sentence(text, stop):
    first = text.split("\n\n")[0]
    head, found, _ = first.partition(stop)
    return head + (stop.strip() if found else "")


def _short_help(command):
    """A command's line in its group's list: the first sentence of its help, in both languages."""
    if command.help and not command.short_help:
        command.short_help = _first_sentence(command.help, "。")
        english = english_of(command.help)
        if english:
            bilingual(command.short_help, _first_sentence(english, ". "))


class _Formatter(click.HelpFormatter):
    """click's help layout, wrapped by display width (a CJK character takes two columns)."""

    def write_text(self, text):
        from tsunagu.output import wrap_line

        indent = " " * self.current_indent
        for line in text.splitlines():
            for piece in wrap_line(indent + line, self.width, indent) if line else [""]:
                self.write(f"{piece}\n")

    def write_dl(self, rows, col_max=30, col_spacing=2):
        from tsunagu.output import wrap_line
        from wcwidth import wcswidth

        rows = list(rows)
        first = min(max((wcswidth(term) for term, _ in rows), default=0), col_max)
        indent = " " * self.current_indent
        for term, text in rows:
            term_width = wcswidth(term)
            lead = f"{indent}{term}"
            room = self.width - self.current_indent - first - col_spacing
            if not text:
                self.write(f"{lead}\n")
                continue
            pieces = wrap_line(text, max(room, 20))
            if term_width > first:  # a long option name: its help starts on the next line
                self.write(f"{lead}\n")
                pad = " " * (self.current_indent + first + col_spacing)
            else:
                self.write(f"{lead}{' ' * (first - term_width + col_spacing)}{pieces.pop(0)}\n")
                pad = " " * (self.current_indent + first + col_spacing)
            for piece in pieces:
                self.write(f"{pad}{piece}\n")


class _Context(click.Context):
    formatter_class = _Formatter


def _take_lang(command):
    """Give ``command`` a ``--lang`` option (read by :class:`_Group` before parsing) if it has none."""
    if not any(param.name == "lang" for param in command.params):
        command.params.append(click.Option(["--lang"], type=click.Choice(["ja", "en"]), default="ja",
                                           show_default=True, expose_value=False, help=_LANG_HELP))


def _said(ja, en):
    """A text attribute of click's that reads in the reader's language; click's own assignment of its
    English default is ignored."""
    return property(lambda self: say(ja, en), lambda self, value: None)


class _AsksInJapanese:
    """A missing option or argument asked for as a Japanese sentence: click's own message is
    built around English word order (``Missing option '--age'.``), which no translation of its
    pieces can turn into Japanese."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.MissingParameter as error:
            if language() != "ja" or error.param is None:
                raise
            extra = error.param.type.get_missing_message(param=error.param, ctx=ctx)
            message = f"{error.param.get_error_hint(ctx)} を指定してください。" + (f"\n{extra}" if extra else "")
            raise click.UsageError(message, ctx) from error

    # the usage line's placeholders, in the reader's language (click takes them as fixed text)
    options_metavar = _said("[オプション]", "[OPTIONS]")
    subcommand_metavar = _said("コマンド [引数]...", "COMMAND [ARGS]...")


class _Command(_AsksInJapanese, click.Command):
    """A command that also takes ``--lang``."""

    context_class = _Context

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _short_help(self)
        _take_lang(self)


class _Group(_AsksInJapanese, click.Group):
    """Sets the language before click parses; turns every :class:`TsunaguError` into a one-message exit."""

    command_class = _Command
    group_class = type  # subgroups are _Groups too
    context_class = _Context

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _short_help(self)
        _take_lang(self)  # tsunagu template --help --lang en, like every command

    def main(self, args=None, prog_name=None, **kwargs):
        if args is None:
            args = sys.argv[1:]
        lang = _asked_language(args)
        set_language(lang)
        english = _English(self) if language() == "en" else None
        try:
            return super().main(args=args, prog_name=prog_name, **kwargs)
        finally:
            if english is not None:
                english.close()
            set_language("ja")

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TsunaguError as error:
            raise click.ClickException(error_text(error)) from error
        except ModuleNotFoundError as error:  # an optional extra not installed (a wheel without [diagram])
            missing = missing_extra(error)
            if missing is None:
                raise
            raise click.ClickException(error_text(missing)) from error


class _Ages(click.IntRange):
    """An age, 0 to 130: the range said in the reader's words."""

    def _describe_range(self):
        return say(f"{self.min}〜{self.max}歳", f"{self.min} to {self.max}")


def _municipality_argument(command):
    """A municipality named as an argument (``coverage 三原市``) or, as before, with ``--municipality``."""
    command = click.option("--municipality", "municipality_option", metavar="TEXT",
                           help=_h("MUNICIPALITY と同じ（前からの書き方）。", "The same as MUNICIPALITY (the older way)."))(command)
    return click.argument("municipality", required=False)(command)


def _one_municipality(municipality, option, required=True):
    """The municipality named by the argument or by ``--municipality`` (not two different ones)."""
    if municipality and option and municipality != option:
        raise click.UsageError(say(f"市区町村が2つ指定されています（{municipality} と {option}）: 1つにしてください",
                                   f"two municipalities given ({municipality} and {option}): give one"))
    chosen = municipality or option
    if required and not chosen:
        raise click.UsageError(say("市区町村を指定してください（名前・かな・6桁コード）。例: tsunagu coverage 三原市",
                                   "name a municipality (name, kana or 6-digit code), e.g. tsunagu coverage 三原市"))
    return chosen


def _notice(message):
    """A library notice on stderr; one that only reports progress only on a terminal."""
    from tsunagu.compile.progress import Progress

    if isinstance(message, Progress) and not sys.stderr.isatty():
        return
    click.echo(message, err=True)


def _backend_options(command):
    """``--backend URI``, ``--user`` and ``--database``: answer from a Bolt server."""
    command = click.option("--database", help=_h("Bolt サーバーのデータベース（既定: サーバーのもの）。",
                                                  "Database on the Bolt server (default: the server's)."))(command)
    command = click.option("--user", envvar="TSUNAGU_BOLT_USER", default="neo4j", show_default=True,
                           help=_h("Bolt のユーザー（または $TSUNAGU_BOLT_USER）。パスワードは $TSUNAGU_BOLT_PASSWORD "
                                   "か入力で。",
                                   "Bolt user (or $TSUNAGU_BOLT_USER). The password comes from "
                                   "$TSUNAGU_BOLT_PASSWORD or a prompt."))(command)
    return click.option("--backend", metavar="URI",
                        help=_h("'tsunagu push' で書き込んだ Bolt サーバー（bolt://127.0.0.1:7687）から答えます。",
                                "Answer from a Bolt server (bolt://127.0.0.1:7687) that 'tsunagu push' wrote to."))(command)


def _password():
    import os

    from tsunagu.bolt import PASSWORD_VARIABLE

    return os.environ.get(PASSWORD_VARIABLE) or click.prompt(say("Bolt のパスワード", "Bolt password"), hide_input=True)


def _open(backend=None, user=None, database=None):
    """The library facade over the last build, or over the Bolt server at ``backend``."""
    from tsunagu.api import open as open_tsunagu

    if backend:
        return open_tsunagu(backend=backend, user=user, password=_password(), database=database, notice=_notice)
    return open_tsunagu(notice=_notice)


def _lang_option(command):
    return click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
                        help=_LANG_HELP)(command)


def _wrote(path, detail=""):
    click.echo(say(f"書き出しました: {path}", f"wrote {path}") + detail, err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             help=_h("tsunagu（つなぐ）: ひきこもり支援の資源の知識グラフ。\n\n"
                     "各コマンドは前回の 'tsunagu build' から答えます。まだ何もビルドしていなければ、"
                     "最初のコマンドが既定のデータ（シードの実例と全国の一覧）を用意します。"
                     "英語の表示は --lang en（コマンドの前でも後でも）。",
                     "tsunagu (つなぐ): a knowledge graph of Japan's hikikomori support resources.\n\n"
                     "Commands answer from the last 'tsunagu build'; the first one sets up the default data "
                     "(the seeds' real examples and the national lists) if nothing was built yet. "
                     "Japanese by default; English with --lang en (before or after the command)."))
@click.version_option(__version__, prog_name="tsunagu", help=_h("版を表示して終わります。", "Show the version and exit."))
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, expose_value=False,
              help=_LANG_HELP)
def cli():
    pass


_only_prefecture = click.option("--prefecture", help=_h("この都道府県の市区町村だけ（名前・かな・コード）。",
                                                       "Only this prefecture's municipalities (name, kana or code)."))


@cli.command(help=_h(
    "シードの記録、同梱の全国の一覧による全市区町村、PATHS（.yaml、.xlsx のブック、.ttl、.jsonld、"
    "HSDS 3.0 の表形式のフォルダ）をコンパイルします。\n\n"
    "同梱の一覧（'tsunagu sources'）から全市区町村・都道府県、自立相談支援機関、役所・役場、保健所が入り、"
    "シードの町はその上に詳しいプラットフォームを持ちます。以後のコマンドは次のビルドまでこれから答えます。",
    "Compile the seeds' records, the whole country from the carried national lists, and PATHS "
    "(.yaml curated files, .xlsx workbooks, .ttl, .jsonld, or a folder holding an HSDS 3.0 tabular export).\n\n"
    "The carried lists (see 'tsunagu sources') give every municipality and prefecture, the self-reliance "
    "windows, town halls and 保健所; the seeds' towns keep their detailed platforms on top. Later commands "
    "answer from this build until the next one."))
@click.argument("paths", nargs=-1, type=_INPUTS)
@click.option("--seeds-only", is_flag=True,
              help=_h("シードの記録だけ（7つの町とその都道府県、国の制度）。同梱の全国の一覧は読みません。",
                      "Only the seeds' curated records (seven towns, their prefectures, the national schemes), "
                      "without the carried national lists."))
@click.option("--municipalities", type=_PATHS,
              help=_h("同梱のものの代わりに使う市区町村の一覧: localgovjp の CSV か総務省の全国地方公共団体コード（CSV）。",
                      "A municipality list to use instead of the carried one: localgovjp's CSV or the ministry's "
                      "全国地方公共団体コード list (CSV)."))
@click.option("--population", type=_PATHS,
              help=_h("同梱のものの代わりに結び付ける国勢調査の人口（population_jp の詳細 CSV）。",
                      "Census population to join instead of the carried one (population_jp's detail CSV)."))
@click.option("--survey", type=_PATHS,
              help=_h("取組状況の調査票 CSV（'tsunagu template survey' で作って記入したもの）。",
                      "The analysts' survey CSV (see 'tsunagu template survey')."))
@click.option("--source", "sources", multiple=True, metavar="NAME=PATH",
              help=_h("同梱の写しの代わりに使う一覧（繰り返し可）: municipalities, population, survey, "
                      "fukushi_portal, hokenjo, mhlw_jiritsu_2023（ファイルかそのフォルダ）。",
                      "A list to use instead of the carried copy, repeatable: municipalities, population, survey, "
                      "fukushi_portal, hokenjo, mhlw_jiritsu_2023 (a file or its folder)."))
@click.option("--jobs", type=click.IntRange(min=1),
              help=_h("ビルドに使うプロセス数（既定: $TSUNAGU_BUILD_JOBS、なければ2コアの機械で2。1はメモリが少なくて済みます）。",
                      "Processes to build with (default: $TSUNAGU_BUILD_JOBS, else 2 where the machine has two cores; "
                      "1 uses less memory)."))
@output_format
def build(paths, seeds_only, municipalities, population, survey, sources, jobs):
    from tsunagu.compile import build as build_graph
    from tsunagu.compile import embedded_data_files
    from tsunagu.compile.progress import terminal_steps
    from tsunagu.loaders.sources import parse_source_option

    given = dict(parse_source_option(text) for text in sources)
    # each step said on a terminal's stderr as it starts and ends; nothing when piped
    compiled = build_graph(paths, municipalities=municipalities, population=population, survey=survey, sources=given,
                           jobs=jobs, lists=not seeds_only, steps=terminal_steps())
    graph = compiled.graph
    notes = [f"注意: {line}" for line in graph.graph.get("input_notices", [])]
    report = graph.graph.get("national_report") or {}
    if report.get("sources"):
        from tsunagu.queries.directory import coverage_text, directory_coverage, source_report_text

        notes += source_report_text(report, limit=5)
        if any(s["name"] in ("fukushi_portal", "hokenjo", "mhlw_jiritsu_2023") for s in report["sources"]):
            notes += coverage_text(directory_coverage(graph), list_missing=False)
            notes.append("（窓口のない市区町村の一覧: tsunagu directory）")
    else:
        notes += [say(f"人口を結び付けられませんでした: {missing}", f"population not joined: {missing}")
                  for missing in report.get("population_missing", [])]
    from tsunagu.output import terminal_width, wrap_lines

    # a list's note names the file, the row and what was done, often wider than the terminal: cut to its width
    for line in wrap_lines(notes, terminal_width()):
        click.echo(line, err=True)
    counts = [("embedded files", "同梱のファイル", len(embedded_data_files())), ("user files", "指定のファイル", len(compiled.inputs)),
              ("triples", "トリプル", compiled.triples), ("nodes", "ノード", graph.number_of_nodes()),
              ("edges", "エッジ", graph.number_of_edges()), ("fingerprint", "指紋", compiled.fingerprint[:12])]
    from tsunagu.output import Shaped

    machine = [{key: value for key, _, value in counts}]
    return Shaped(machine, machine, [{say(ja, key): value for key, ja, value in counts}])


@cli.command(help=_h(
    "全国の一覧の網羅状況: 電話番号のある自立相談支援機関、役所・役場の連絡先、保健所、名前の分かる"
    "ひきこもり地域支援センターを持つ市区町村の数と、窓口の分からない市区町村とその理由。",
    "The national directory's coverage: how many municipalities have a named self-reliance window with a "
    "phone, a town-hall contact, a 保健所 and a named regional centre; every municipality without a window, "
    "with the reason."))
@_only_prefecture
@click.option("--skipped", is_flag=True,
              help=_h("前回のビルドが読み飛ばした行と項目をすべて、理由とともに一覧にします。",
                      "Also list every row the last build skipped or loaded without a field, with why."))
def directory(prefecture, skipped):
    from tsunagu.output import terminal_width, wrap_lines
    from tsunagu.queries.directory import coverage_text, directory_coverage, source_report_text
    from tsunagu.resolver import resolve

    graph = _open().graph()
    lines = source_report_text(graph.graph.get("national_report") or {}) if skipped else []
    pref = resolve(graph, prefecture, types={"Prefecture"}) if prefecture else None
    lines += coverage_text(directory_coverage(graph, pref))
    for line in wrap_lines(lines, terminal_width()):
        click.echo(line)


@cli.command(help=_h(
    "事実の出典: tsunagu が同梱する全国の一覧ごとに、ライセンス、ライセンスが求める出典表示、公式の入手元、"
    "データの時点、行数。",
    "Where the facts come from: each national list tsunagu carries, with its licence, the credit line its "
    "licence asks for, its official page, the date of its data and its rows."))
@output_format
def sources():
    origin = {"package": say("tsunagu に同梱", "carried by tsunagu"),
              "updated": say("tsunagu data update で更新", "updated by tsunagu data update")}
    return {row.title: {say("出典表示", "credit"): row.credit,
                        say("ライセンス", "licence"): f"{row.licence} <{row.licence_url}>",
                        say("発行・作成", "publisher"): row.publisher, say("入手元", "page"): row.page,
                        say("データの時点", "as of"): row.as_of, say("行数", "rows"): f"{row.rows:,}",
                        say("版", "copy"): origin.get(row.origin, row.origin) + (f"（{row.fetched}）" if row.fetched else "")}
            for row in _open().sources()}


@cli.command(help=_h("2つの出典の値が違う項目（名称、電話番号、住所、担当地域）をすべて、新しい値から順に。",
                     "Every field on which two sources disagree (name, phone, address, served towns), newest value first."))
def conflicts():
    from tsunagu.output import terminal_width, wrap_lines
    from tsunagu.queries.directory import conflict_rows, conflicts_text

    for line in wrap_lines(conflicts_text(conflict_rows(_open().graph()), language()), terminal_width()):
        click.echo(line)


@cli.command(help=_h(
    "PATHS を、同梱のデータと合わせてオントロジーと形の制約で確かめます。\n\n何もビルドもキャッシュもしません。"
    "問題があれば終了コードは0以外です。",
    "Check PATHS against the ontology and shapes, together with the embedded data.\n\n"
    "Nothing is built or cached; the exit status is non-zero on any problem."))
@click.argument("paths", nargs=-1, required=True, type=_INPUTS)
@output_format
def validate(paths):
    from tsunagu.compile import embedded_data_files, read_inputs
    from tsunagu.output import Shaped

    notices = []
    read_inputs(embedded_data_files() + [Path(p).resolve() for p in paths], notices=notices)  # raises on any problem
    for line in notices:
        click.echo(f"注意: {line}", err=True)
    machine = [{"file": str(p), "status": "ok"} for p in paths]
    return Shaped(machine, machine, [{say("ファイル", "file"): str(p), say("結果", "result"): say("問題なし", "ok")}
                                     for p in paths])


@cli.command(help=_h("グラフのノードを種類ごとに、エッジを関係ごとに数えます。",
                     "Count the graph's nodes by kind and edges by relation."))
@output_format
def stats():
    from tsunagu.output import Shaped
    from tsunagu.text import kind_label, relation_label

    counted = _open().stats()
    inputs = ", ".join(counted.inputs)
    machine = {
        "nodes": [{"kind": k, "count": n} for k, n in counted.nodes.items()],
        "edges": [{"relation": r, "count": n} for r, n in counted.edges.items()],
        "total": {"nodes": counted.total_nodes, "edges": counted.total_edges,
                  "user inputs": inputs or "(embedded data only)"},
    }
    count = say("数", "count")
    return Shaped(machine, machine, {
        say("ノード（種類ごと）", "nodes by kind"): [{say("種類", "kind"): kind_label(k), count: n}
                                                   for k, n in counted.nodes.items()],
        say("エッジ（関係ごと）", "edges by relation"): [{say("関係", "relation"): relation_label(r), count: n}
                                                      for r, n in counted.edges.items()],
        say("合計", "total"): {say("ノード", "nodes"): counted.total_nodes, say("エッジ", "edges"): counted.total_edges,
                               say("指定の入力", "user inputs"): inputs or say("（同梱のデータのみ）", "(embedded data only)")},
    })


@cli.command(help=_h("NAME（漢字・かな）、6桁コード、ID で1つのものを表示します: その事実、つながり、出典。",
                     "Show one entity by NAME (kanji or kana), 6-digit CODE or ID: its facts, neighbours and sources."))
@click.argument("name")
@output_format
def show(name):
    from tsunagu.output import Shaped
    from tsunagu.text import entity_sections

    found = _open().entity(name)
    machine = {"entity": found.attributes, "neighbours": found.neighbours, "sources": found.sources}
    return Shaped(machine, machine, entity_sections(found))


@cli.command(help=_h(
    "コンパイルしたグラフを Turtle、JSON-LD、N-Triples（RDF）、GraphML（networkx）、HSDS 3.0 で書き出します。\n\n"
    "HSDS のフォルダは 'tsunagu build FOLDER' で読み戻せます。",
    "Export the compiled graph as Turtle, JSON-LD, N-Triples (RDF), GraphML (networkx) or HSDS 3.0.\n\n"
    "An HSDS folder reads back with 'tsunagu build FOLDER'."))
@click.option("--to", "fmt", type=click.Choice(["turtle", "jsonld", "graphml", "nt", "hsds"]), default="turtle",
              show_default=True,
              help=_h("形式。hsds は Open Referral HSDS 3.0 のフォルダ（CSV の表と JSON）を書きます。",
                      "Serialisation; hsds writes an Open Referral HSDS 3.0 folder (CSV tables and JSON)."))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help=_h("画面の代わりにこのファイル（hsds ではフォルダ）に書きます。",
                      "Write to this file (a folder for hsds) instead of standard output."))
def export(fmt, output):
    from tsunagu.compile import current_rdf
    from tsunagu.loaders.formats.rdf import export_text

    if fmt == "hsds":
        from tsunagu.loaders.formats.hsds import write_hsds

        if not output:
            raise click.UsageError(say("--to hsds はフォルダに書き出します: -o FOLDER を指定してください",
                                       "--to hsds writes a folder: give -o FOLDER"))
        try:
            counts = write_hsds(_open().graph(), output)
        except OSError as error:
            raise click.ClickException(say(f"{output} に書き出せません: {error.strerror or error}",
                                           f"cannot write {output}: {error.strerror or error}")) from error
        _wrote(output, ": " + ", ".join(f"{name} {count}" for name, count in counts.items() if count))
        return
    if fmt == "graphml":
        text = export_text(fmt, graph=_open().graph())
    else:
        text = export_text(fmt, rdf=current_rdf(rebuild_notice=_notice))
    if output:
        output.write_text(text, encoding="utf-8")
        _wrote(output)
    else:
        click.echo(text)


@cli.command(help=_h(
    "コンパイルした RDF とオントロジーに SPARQL の QUERY（または --file、--builtin）を実行します。\n\n"
    "接頭辞 tg:, tgd:, tga:, id: は定義済みです。同梱の問い合わせ（tsunagu/queries/sparql/*.rq）は、"
    "つなぎ先と年齢×分野の規則を分析担当者が読んで手直しできるように書いたものです。問い合わせは読むだけで、"
    "更新・SERVICE・FROM は断ります。--timeout と --limit で仕事の量を抑えます。",
    "Run a SPARQL QUERY (or --file, or --builtin) over the compiled RDF and the ontology.\n\n"
    "Prefixes tg:, tgd:, tga: and id: are predefined. The shipped queries (tsunagu/queries/sparql/*.rq) are "
    "the referral and coverage rules written for an analyst to read and adapt. Queries only read: updates, "
    "SERVICE and FROM are refused; --timeout and --limit bound the work."))
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=_h("問い合わせをこのファイルから読みます。", "Read the query from this file."))
@click.option("--builtin", help=_h("同梱の問い合わせを実行します: referral, coverage, gaps（--list を参照）。",
                                   "Run a query shipped with tsunagu: referral, coverage, gaps (see --list)."))
@click.option("--list", "list_builtin", is_flag=True, help=_h("同梱の問い合わせの一覧。", "List the shipped queries."))
@click.option("--bind", "bindings", multiple=True, metavar="NAME=VALUE",
              help=_h("変数に値を入れます: id:ino, tgd:employment, <iri>, 45, または文字列。繰り返し可。",
                      "Bind a variable: id:ino, tgd:employment, <iri>, 45, or text. Repeatable."))
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help=_h("この秒数で問い合わせを止めます（既定 30）。", "Stop the query after this long (default 30)."))
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="ROWS",
              help=_h("これより多い行の答えは断ります（既定 10000）。",
                      "Refuse answers of more rows than this (default 10000)."))
@output_format
def sparql(query, query_file, builtin, list_builtin, bindings, timeout, limit):
    from tsunagu.compile import current_rdf
    from tsunagu.queries.sparql import builtin_queries, builtin_query, parse_binding, sparql_rows

    if list_builtin:
        from tsunagu.output import Shaped

        machine = [{"query": name} for name in builtin_queries()]
        return Shaped(machine, machine, [{say("同梱の問い合わせ", "query"): name} for name in builtin_queries()])
    if sum(map(bool, (query, query_file, builtin))) != 1:
        raise click.UsageError(say("QUERY、--file、--builtin のどれか1つを指定してください",
                                   "give exactly one of QUERY, --file or --builtin"))
    text = query_file.read_text(encoding="utf-8") if query_file else builtin_query(builtin) if builtin else query
    budget = {k: v for k, v in (("timeout", timeout), ("limit", limit)) if v is not None}
    return sparql_rows(current_rdf(rebuild_notice=_notice), text, dict(parse_binding(b) for b in bindings), **budget)


@cli.command(help=_h(
    "MUNICIPALITY でまず誰に電話するか、--age の人の --need をどこにつなげるか。\n\n"
    "MUNICIPALITY は名前（三原市）、読み（みはらし）、6桁コードのどれか。答えは最初の相談先から始まり、"
    "選択肢は合い方（記載、制度上の対象、種別からの推定）、より身近な段階、経由の少なさの順です。"
    "表は画面の幅に収まります。経路の全体は --explain と --format json で。",
    "Whom to call first in MUNICIPALITY, and where a person of --age with --need can be connected.\n\n"
    "MUNICIPALITY is a name (三原市), a reading (みはらし) or a 6-digit code. The answer opens with the first "
    "contact (最初の相談先); options are ranked by fit (stated, then by scheme, then guessed from the type), "
    "then the more local level, then fewer hops. The table fits the terminal; the full paths are in --explain "
    "and --format json."))
@click.argument("municipality")
@click.option("--age", type=_Ages(0, 130), required=True, help=_h("本人の年齢。", "The person's age."))
@click.option("--need", "needs", multiple=True, required=True,
              help=_h("必要な支援: 雇用（employment）、居場所（safe-place）、家族支援（family-support）、保健・医療"
                      "（health）、福祉（welfare）、教育（education）、相談（consultation）、訪問支援（outreach）、"
                      "矯正・更生（correction）… 日本語名でも。複数なら繰り返します。",
                      "A need: employment, safe-place (居場所), family-support, health, welfare, education, "
                      "consultation, outreach (訪問支援), correction... Repeat for several."))
@click.option("--explain", is_flag=True, help=_h("惜しくも外れたものと、その理由も示します。",
                                                 "Also list the near misses and why each was excluded."))
@_lang_option
@click.option("--sheet", is_flag=True,
              help=_h("表の代わりに、つなぎシート（印刷用の A4 1枚、HTML）を -o FILE.html に書きます。",
                      "Write the つなぎシート (one printable A4 page, HTML) to -o FILE.html instead of a table."))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help=_h("いつの時点で答えるか（YYYY-MM-DD、既定は今日）: 世代を対象とする制度の年齢はこれで動きます。",
                      "The date asked (YYYY-MM-DD, default today): cohort schemes' ages move with it."))
@_backend_options
@output_format
def refer(municipality, age, needs, explain, lang, sheet, as_of, backend, user, database):
    from tsunagu.output import Shaped, terminal_width
    from tsunagu.queries.answers import answer_dict, answer_sections

    params = click.get_current_context().params
    with _open(backend, user, database) as tsunagu:
        answer = tsunagu.refer(municipality, age, needs, explain=explain, as_of=as_of.date() if as_of else None)
    if sheet:
        output = params.get("output_path")
        if output is None or output.suffix.lower() not in (".html", ".htm"):
            raise click.UsageError(say("--sheet はファイルに書き出します: -o FILE.html を指定してください",
                                       "--sheet writes a file: give -o FILE.html"))
        from tsunagu.sheet import sheet_html

        # only the sheet holds the person's age and needs, and only because it was asked for
        output.write_text(sheet_html(answer, lang), encoding="utf-8")
        _wrote(output)
        return None
    table = params.get("fmt") in (None, "table") and params.get("output_path") is None
    return Shaped(answer_dict(answer, lang), answer_sections(answer, lang, terminal_width(), table=table))


_DUTY_CHOICES = ["any", "window-clarified", "window-publicised", "needs-survey", "platform"]


@cli.command(help=_h(
    "市区町村ごとの3つの取組: 相談窓口（明確化・周知）、実態・ニーズの把握、プラットフォーム。"
    "それぞれ実施・未実施・不明と、その出典と時点（番号の注）。全国の一覧があるビルドでは、一覧にある窓口"
    "（電話のある自立相談支援機関、役場）を別の列に参考として示します（取組には数えません）。"
    "不明の埋め方も表の下に示します。MUNICIPALITY を付けるとその市区町村だけ。",
    "The three duties per municipality: consultation window (clarified, publicised), needs survey, platform; "
    "each done / not done / not known with its source and date (numbered notes). With the national lists, "
    "a column of its own shows what the directory holds (a self-reliance window with a phone, the town hall), "
    "never counted as a duty; how to fill in what is not known follows the table. With MUNICIPALITY, only it."))
@_municipality_argument
@_only_prefecture
@click.option("--kind", type=click.Choice(["designated", "core", "city", "ward", "town", "village"]),
              help=_h("この種別の市区町村だけ（指定都市 designated、中核市 core、市 city、特別区 ward、町 town、村 village）。",
                      "Only municipalities of this kind."))
@click.option("--missing", type=click.Choice(_DUTY_CHOICES),
              help=_h("この取組（any はどれか）の実施が分からない市区町村だけ（window-clarified 窓口の明確化、"
                      "window-publicised 周知、needs-survey 実態把握、platform プラットフォーム）。",
                      "Only municipalities where this duty (or any) is not known to be done."))
@click.option("--by", type=click.Choice(["kind", "prefecture"]),
              help=_h("全国調査の表のように、種別（kind）か都道府県（prefecture）ごとの数にまとめます。",
                      "Roll up into counts by municipality kind or prefecture, like the national survey table."))
@_lang_option
@_backend_options
@output_format
def gaps(municipality, municipality_option, prefecture, kind, missing, by, lang, backend, user, database):
    from dataclasses import asdict

    from tsunagu.output import Shaped
    from tsunagu.queries.tally import SURVEY_AS_OF
    from tsunagu.text import duty_rows, gaps_table, rollup_rows, rollup_table

    municipality = _one_municipality(municipality, municipality_option, required=False)
    if by and (municipality or kind or missing):
        raise click.UsageError(say("--by は全市区町村をまとめます: 一緒に使えるのは --prefecture だけです",
                                   "--by rolls up every municipality; it takes only --prefecture"))
    with _open(backend, user, database) as tsunagu:
        if by:
            rows = tsunagu.rollup(by=by, prefecture=prefecture)
            return Shaped([asdict(row) for row in rows], rollup_rows(rows, by=by, lang=lang),
                          rollup_table(rows, by=by, lang=lang, survey_as_of=SURVEY_AS_OF))
        found = tsunagu.gaps(prefecture=prefecture, municipality=municipality, kind=kind, missing=missing)
        evidence = _evidence(tsunagu, [row.id for row in found]) if not backend else None
        place = tsunagu.resolve(prefecture, "prefecture").name if prefecture else None
    return Shaped(lambda: [asdict(row) | ({"evidence": evidence.get(row.id, [])} if evidence is not None else {})
                           for row in found],
                  lambda: duty_rows(found, evidence), lambda: gaps_table(found, evidence, place, lang))


def _evidence(tsunagu, ids):
    """What the national directory shows of these municipalities (None for a build without it)."""
    evidence = tsunagu.evidence(ids)
    return evidence if any(evidence.values()) else None


@cli.command("map", help=_h(
    "日本の点の地図: 全市区町村を役所・役場の位置に、取組の状況で色分けして描きます（分かっていることだけ、"
    "不明は灰色）。ページで取組を選び、一覧にある窓口（参考）の層を重ねられます。\n\n"
    "役所・役場の座標が要ります: 既定のビルド（同梱の市区町村一覧）にはあり、--seeds-only のビルドにはありません。"
    "HTML 1ファイルで完結します。",
    "A dot map of Japan: every municipality at its town hall, coloured by what is known of a duty (grey: not "
    "known). Choose the duty on the page, and show the directory's evidence as a layer on request.\n\n"
    "Needs town-hall coordinates: the default build has them (the carried municipality list); a --seeds-only "
    "build does not. Self-contained HTML."))
@_only_prefecture
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=_h("書き出す HTML ファイル。", "The HTML file to write."))
def dot_map(prefecture, output):
    from tsunagu.diagrams.dotmap import dot_map_html, dot_map_points
    from tsunagu.diagrams.render import write_text

    tsunagu = _open()
    pref = tsunagu.resolve(prefecture, "prefecture").id if prefecture else None
    table = tsunagu.duty_table()
    if not dot_map_points(table, pref):
        raise click.ClickException(say("座標のある市区町村がありません。tsunagu build（--seeds-only を付けずに）で全国の一覧を"
                                       "読み込んでください",
                                       "no municipality has coordinates: build without --seeds-only"))
    write_text(output, dot_map_html(table, pref, lang=language()))
    _wrote(output)


@cli.command(help=_h(
    "全国調査の表をグラフから作ります: 取組ごとに、市区町村の種別ごとの数。\n\n"
    "列は厚生労働省の2020年5月の表と同じ（指定都市、中核市、市・区、町・村、合計）。全国では調査自体の数字が"
    "各行の後に続きます。セルは 実施/総数（割合）。不明があれば 実施/総数（不明 N）で割合は出さず、"
    "すべて不明なら 不明（総数）。不明を未実施には数えません。JSON は数を返します。",
    "The national survey table from the graph: each duty by kind of municipality.\n\n"
    "Columns as in the ministry's May 2020 table (指定都市, 中核市, 市・区, 町・村, 合計); for the whole country "
    "the survey's own figures follow each row. A cell reads done/all (percent); where some are not known, "
    "done/all (N not known) with no percentage; where none is known, not known (all). Not known is never "
    "counted as not done. JSON gives the counts."))
@_only_prefecture
@_lang_option
@output_format
def tally(prefecture, lang):
    from dataclasses import asdict

    from tsunagu.output import Shaped
    from tsunagu.text import fill_in_lines, tally_legend, tally_rows, tally_table

    tsunagu = _open()
    rows = tsunagu.tally(prefecture)
    place = tsunagu.resolve(prefecture, "prefecture").name if prefecture else None
    title = say(f"3つの取組の集計（{place or '全国'}）", f"the three duties counted ({place or 'Japan'})", lang)
    view = {title: tally_table(rows, lang, short=True), say("凡例", "legend", lang): tally_legend(lang)}
    if any(count.unknown for row in rows for count in row.counts.values()):
        view[say("不明を埋めるには", "filling in what is not known", lang)] = fill_in_lines(place, lang)
    return Shaped([asdict(row) for row in rows], tally_rows(rows, lang=lang), view)


@cli.group(help=_h("記入用の空の入力ファイルを書き出します。", "Write empty input files to fill in."))
def template():
    pass


@template.command("survey", help=_h(
    "取組状況の調査票（CSV）: グラフの市区町村ごとに1行、コードと名前は記入済み。\n\n"
    "列: code, name, window_clarified, window_publicised, publicity_methods, needs_survey, survey_method, "
    "platform, platform_since, wide_area_platform, source, as_of。回答は yes・no・空欄（不明）。"
    "'tsunagu build --survey FILE' で取り込みます。",
    "An empty survey CSV: one row per municipality in the graph, code and name filled in.\n\n"
    "Columns: code, name, window_clarified, window_publicised, publicity_methods, needs_survey, survey_method, "
    "platform, platform_since, wide_area_platform, source, as_of. Answers are yes, no or empty (unknown); load "
    "it with 'tsunagu build --survey FILE'."))
@_only_prefecture
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=_h("書き出す CSV ファイル。", "The CSV file to write."))
def template_survey(prefecture, output):
    import csv

    from tsunagu.loaders.formats.survey import SURVEY_COLUMNS, survey_template_rows

    tsunagu = _open()
    rows = survey_template_rows(tsunagu.graph(), tsunagu.resolve(prefecture, "prefecture").id if prefecture else None)
    with open(output, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SURVEY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    _wrote(output, say(f"（市区町村 {len(rows)}）", f": {len(rows)} municipalities"))


@template.command("workbook", help=_h(
    "記入用の Excel のブック。グラフが知っていることは記入済みです。\n\n"
    "シートは 相談窓口、プラットフォーム、構成団体、事業、取組状況、出典。日本語の見出しと説明の行、種別・分野・"
    "取組・はい/いいえの選択肢つき。直して 'tsunagu validate FILE.xlsx' と 'tsunagu build FILE.xlsx' で読み戻します"
    "（その行は同梱の記録のうち同じものに置き換わります）。MUNICIPALITY か --prefecture のどちらか1つ。",
    "An Excel workbook to fill in, prefilled with what the graph knows.\n\n"
    "Sheets 相談窓口, プラットフォーム, 構成団体, 事業, 取組状況 and 出典, Japanese headers with a note row, "
    "dropdowns for types, domains, duties and yes/no. Correct it and read it back with 'tsunagu validate "
    "FILE.xlsx' and 'tsunagu build FILE.xlsx' (its rows replace the shipped records they list). One of "
    "MUNICIPALITY or --prefecture."))
@_municipality_argument
@click.option("--prefecture", help=_h("都道府県: その全市区町村を1冊のブックに。",
                                      "A prefecture: one workbook with every municipality in it."))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help=_h("書き出す .xlsx ファイル。", "The .xlsx file to write."))
def template_workbook(municipality, municipality_option, prefecture, output):
    from tsunagu.compile import current_graph
    from tsunagu.loaders.formats.workbook import write_template_workbook

    municipality = _one_municipality(municipality, municipality_option, required=False)
    if bool(municipality) == bool(prefecture):
        raise click.UsageError(say("MUNICIPALITY（または --municipality）か --prefecture のどちらか1つを指定してください",
                                   "give exactly one of MUNICIPALITY (or --municipality) or --prefecture"))
    counts = write_template_workbook(current_graph(rebuild_notice=_notice), output,
                                     municipality=municipality, prefecture=prefecture)
    _wrote(output, ": " + ", ".join(f"{sheet} {count}" for sheet, count in counts.items()))


@cli.command(help=_h(
    "市区町村の年齢×分野の表。シードにある三原市の表のように、ひきこもりサポート事業の機能と子ども・若者育成支援の"
    "5分野の2つに分けて示します。\n\n"
    "セル: ● 充足、◐ 一部、? 不明（年齢の記載なし）、· なし（調べた資料に該当なし: 空白）、－ データなし"
    "（この市区町村の資源は未収録）。続く記号はそれを埋める最も身近な段階: M 市区町村、P プラットフォーム、W 広域、"
    "Pr 都道府県、N 国。表の下に埋めている機関・事業と凡例。JSON は全セルと担い手を返します。",
    "The age x domain matrix of a municipality, like 三原市's chart in the seeds, in its two groups (the "
    "hikikomori support project's functions, the Cabinet Office's five domains).\n\n"
    "Each cell: ● full, ◐ partial, ? unknown (age range not stated), · none (nothing in the sources read: a "
    "gap), － no data (nothing is known of the municipality's own resources); then the most local level that "
    "fills it: M municipality, P platform, W wide-area, Pr prefecture, N national. The providers and a legend "
    "follow. JSON gives every cell with its providers."))
@_municipality_argument
@click.option("--bands", type=click.Choice(["chart", "policy"]), default="chart", show_default=True,
              help=_h("年齢帯: 三原市の表の行（chart）か、施策の区分 15-39 と 40-64（policy）。",
                      "Age bands: the rows of 三原市's chart, or the policy groups 15-39 and 40-64."))
@_lang_option
@_backend_options
@output_format
def coverage(municipality, municipality_option, bands, lang, backend, user, database):
    from dataclasses import asdict

    from tsunagu.output import Shaped
    from tsunagu.text import coverage_legend, coverage_providers, coverage_rows, coverage_tables

    municipality = _one_municipality(municipality, municipality_option)
    with _open(backend, user, database) as tsunagu:
        matrix = tsunagu.coverage(municipality, bands=bands)
    providers = say("埋めている機関・事業", "providers", lang)
    legend = say("凡例", "legend", lang)
    title = say(f"{matrix.municipality.name} の年齢×分野", f"coverage of {matrix.municipality.name}", lang)
    flat = {title: coverage_rows(matrix, lang=lang), providers: coverage_providers(matrix, lang),
            legend: coverage_legend(lang)}
    return Shaped(asdict(matrix), flat, coverage_tables(matrix, lang) | {providers: coverage_providers(matrix, lang),
                                                                        legend: coverage_legend(lang)})


@cli.command(help=_h(
    "コンパイルしたグラフを URI の Bolt サーバー（bolt://127.0.0.1:7687）に書き込みます。\n\n"
    "パスワードは $TSUNAGU_BOLT_PASSWORD か入力で。表示も記録もしません。もう一度書き込んでも何も変わらず、"
    "途中で止まった書き込みはやり直せば1回分のきれいな書き込みになります。",
    "Write the compiled graph to the Bolt server at URI (bolt://127.0.0.1:7687).\n\n"
    "The password comes from $TSUNAGU_BOLT_PASSWORD or a prompt; it is never echoed or logged. Pushing again "
    "changes nothing; an interrupted push run again ends as one clean push."))
@click.argument("uri")
@click.option("--user", envvar="TSUNAGU_BOLT_USER", default="neo4j", show_default=True,
              help=_h("Bolt のユーザー（または $TSUNAGU_BOLT_USER）。", "Bolt user (or $TSUNAGU_BOLT_USER)."))
@click.option("--database", help=_h("サーバーのデータベース（既定: サーバーのもの）。",
                                    "Database on the server (default: the server's)."))
@click.option("--replace", is_flag=True,
              help=_h("先に、前の書き込みが書いたもの（:Tsunagu ノード）だけを消します。",
                      "First delete what earlier pushes wrote (:Tsunagu nodes), and only that."))
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=500, show_default=True,
              help=_h("1回の書き込みトランザクションの行数。", "Rows per write transaction."))
@output_format
def push(uri, user, database, replace, batch_size):
    from tsunagu.bolt import push_graph

    library = _open()
    graph = library.graph()
    total = graph.number_of_nodes() + graph.number_of_edges()
    password = _password()
    with click.progressbar(length=total, label=say("書き込み中", "pushing"), file=sys.stderr) as bar:
        counts = push_graph(graph, uri, user=user, password=password, database=database, replace=replace,
                            batch_size=batch_size, progress=bar.update, reach=library.reach_nodes())
    from tsunagu.output import Shaped

    machine = [{"server": uri, "nodes": counts["nodes"], "edges": counts["edges"],
                "graph nodes": graph.number_of_nodes(), "graph edges": graph.number_of_edges()}]
    return Shaped(machine, machine, [{say("サーバー", "server"): uri, say("書いたノード", "nodes"): counts["nodes"],
                                      say("書いたエッジ", "edges"): counts["edges"],
                                      say("グラフのノード", "graph nodes"): graph.number_of_nodes(),
                                      say("グラフのエッジ", "graph edges"): graph.number_of_edges()}])


@cli.command(help=_h(
    "ネットワーク図を、ネットワークなしにディスクから開ける HTML 1ファイルで描きます。\n\n"
    "MUNICIPALITY（市区町村のプラットフォーム）、--prefecture、--all のどれか1つ。市区町村の図には年齢×分野の"
    "ヒートマップ（FILE.coverage.html）が付き、図のページからリンクします。",
    "Network diagrams as self-contained HTML that open from disk with no network.\n\n"
    "One of MUNICIPALITY (its platform), --prefecture or --all. A municipality's diagram gets a coverage "
    "heatmap (age x domain) beside it, linked from the page (FILE.coverage.html)."))
@_municipality_argument
@click.option("--prefecture", help=_h("この都道府県のプラットフォームと機関を描きます。",
                                      "Draw this prefecture's platform and bodies."))
@click.option("--all", "all_dir", type=click.Path(file_okay=False, path_type=Path),
              help=_h("全市区町村と都道府県をこのフォルダに描き、index.html を付けます。",
                      "Draw every municipality and prefecture into this directory, with an index.html."))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help=_h("書き出す HTML ファイル。", "The HTML file to write."))
def diagram(municipality, municipality_option, prefecture, all_dir, output):
    from tsunagu.diagrams import write_all_diagrams, write_municipality_diagram, write_prefecture_diagram

    municipality = _one_municipality(municipality, municipality_option, required=False)
    lang = language()  # --lang en anywhere on the line (or $TSUNAGU_LANG), as the map takes it
    if sum(map(bool, (municipality, prefecture, all_dir))) != 1:
        raise click.UsageError(say("MUNICIPALITY（または --municipality）、--prefecture、--all のどれか1つを指定してください",
                                   "give exactly one of MUNICIPALITY (or --municipality), --prefecture or --all"))
    if (municipality or prefecture) and not output:
        raise click.UsageError(say("図の -o FILE.html を指定してください", "give -o FILE.html for the diagram"))
    tsunagu = _open()
    key = tsunagu.resolve(municipality or prefecture, "municipality" if municipality else "prefecture").id if not all_dir else None
    graph = tsunagu.graph()
    if all_dir:
        count = sum(1 for _, d in graph.nodes(data=True) if set(d.get("types", ())) & {"Municipality", "Prefecture"})
        with click.progressbar(length=count, label=say("描画中", "drawing"), file=sys.stderr) as bar:
            written = write_all_diagrams(graph, all_dir, progress=lambda _: bar.update(1), lang=lang)
    elif municipality:
        written = write_municipality_diagram(graph, key, output, lang=lang)
    else:
        written = write_prefecture_diagram(graph, key, output, lang=lang)
    for path in written:
        _wrote(path)


@cli.command(help=_h(
    "前回のビルド（または --backend）から答える、読むだけの窓口・分析担当者向けウェブアプリ。\n\n"
    "オフラインで動きます: スクリプトとスタイルはすべてアプリ自身が配ります。何も書き込みません。つなぎ先の"
    "フォームは POST で送り、アクセスログは取らないので、担当者が入力した本人のことは記録も保存もされません。"
    "Ctrl+C で終わります。",
    "A read-only web app for caseworkers and analysts over the last build (or --backend).\n\n"
    "Offline: every script and style is served by the app itself. Nothing is written; the referral form is "
    "sent by POST and access logs are off, so what a caseworker types about a person is neither logged nor "
    "stored. Stop it with Ctrl+C."))
@click.option("--host", default="127.0.0.1", show_default=True,
              help=_h("待ち受けるアドレス。既定はこのPCだけに答えます。庁内のネットワークに出すときはPC自身のアドレスを。",
                      "Address to listen on. The default answers this PC only; give the PC's own address to serve "
                      "an office network."))
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help=_h("待ち受けるポート。", "Port to listen on."))
@_backend_options
def serve(host, port, backend, user, database):
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

@cli.group("data", help=_h("tsunagu が同梱する全国の一覧（'tsunagu sources'）: 公式の入手元から新しくします。",
                           "The national lists tsunagu carries (see 'tsunagu sources'): refresh them from their "
                           "official sources."))
def data_group():
    pass


@data_group.command("update", help=_h(
    "全国の一覧の新しい写しを取得し、ビルド全体で確かめてから使います。\n\n"
    "取得できない、UTF-8 でない、途中で切れている、列が足りない、読み込めない行がある、のどれも1つのメッセージに"
    "なり、何も変わりません（使っている一覧、キャッシュ、すべての答えはそのまま）。一覧ごと・都道府県ごとに、"
    "増えた行、減った行、電話番号が変わった行を示します。",
    "Fetch newer copies of the national lists, check them with a whole build, and only then use them.\n\n"
    "A file that cannot be fetched, is not UTF-8, is cut short, lacks a column or holds rows the loaders refuse "
    "is one message, and nothing changes: the lists in use, the cache and every answer stay as they were. "
    "Prints, per list and per prefecture, the rows added, removed and with a changed phone."))
@click.option("--from", "from_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help=_h("ネットワークの代わりにこのフォルダから取ります（LGWAN の庁内など）: DIR/<一覧>/<ファイル> か、"
                      "DIR に全ファイルを平らに。ない一覧は使っている写しのまま。",
                      "Take the files from this folder instead of the network (an office on LGWAN): "
                      "DIR/<list>/<file> or every file flat in DIR; a list not there keeps the copy in use."))
@click.option("--mirror", metavar="URL",
              help=_h("公式の入手元の代わりに URL/<一覧>/<ファイル> から取得します（庁内の写し）。",
                      "Fetch URL/<list>/<file> instead of each official address (an intranet copy)."))
@click.option("--list", "names", multiple=True, metavar="NAME",
              help=_h("この一覧だけを新しくします（繰り返し可）: localgovjp, population_jp, fukushi_portal, hokenjo, "
                      "mhlw_jiritsu_2023（ほかは使っている写しのまま）。",
                      "Refresh only this list, repeatable: localgovjp, population_jp, fukushi_portal, hokenjo, "
                      "mhlw_jiritsu_2023 (the others keep the copy in use)."))
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              metavar="SECONDS", help=_h("サーバーが黙っていてよい秒数。過ぎれば取得をあきらめます。",
                                         "How long a server may stay silent before the fetch gives up."))
@click.option("--rollback", is_flag=True, help=_h("一つ前の版の一覧に戻し、それでビルドし直します。",
                                                  "Put the previous version of the lists back in use and rebuild from it."))
def data_update(from_dir, mirror, names, timeout, rollback):
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
    import atexit
    import gc

    # A build or a whole-graph question leaves millions of objects when the process ends: the
    # collector's last pass over them (a fifth of a second after a national build) is skipped, as the
    # system takes the memory back at exit.
    atexit.register(gc.freeze)
    cli(prog_name="tsunagu")
