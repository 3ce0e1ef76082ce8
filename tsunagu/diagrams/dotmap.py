"""A dot map of Japan: municipalities at their town halls, coloured by the three duties.

Self-contained HTML with an inline SVG (no map tiles, no script from
anywhere else): each dot carries its four duty statuses, and a selector
recolours the map by one duty. What the national directory shows of a
municipality (a self-reliance window with a phone) is a layer of its own,
shown on request: evidence, never a duty's colour.
"""

from __future__ import annotations

import math

from tsunagu.queries.duties import DUTIES, duty_statuses, table_of

__all__ = ["dot_map_points", "dot_map_html"]

_WIDTH, _HEIGHT = 900, 900
_LNG = (122.5, 149.0)
_LAT = (24.0, 45.7)
_MARGIN = 0.08  # of the span, around a prefecture's dots, so none sits on the frame


def _frame(lat_range, lng_range):
    """A projection of ``lat_range`` x ``lng_range`` into the SVG, equirectangular at the frame's mid latitude."""
    cos_mid = math.cos(math.radians((lat_range[0] + lat_range[1]) / 2))
    x_span = max((lng_range[1] - lng_range[0]) * cos_mid, 1e-6)
    scale = min(_WIDTH / x_span, _HEIGHT / max(lat_range[1] - lat_range[0], 1e-6))

    def project(lat, lng):
        return round((lng - lng_range[0]) * cos_mid * scale, 1), round((lat_range[1] - lat) * scale, 1)

    return project


def _prefecture_frame(coordinates):
    """The frame around a prefecture's town halls, with a margin (a lone dot gets a small square)."""
    lats = [lat for lat, _ in coordinates]
    lngs = [lng for _, lng in coordinates]
    lat_pad = max((max(lats) - min(lats)) * _MARGIN, 0.05)
    lng_pad = max((max(lngs) - min(lngs)) * _MARGIN, 0.05)
    return _frame((min(lats) - lat_pad, max(lats) + lat_pad), (min(lngs) - lng_pad, max(lngs) + lng_pad))


def dot_map_points(source, prefecture=None):
    """Plain data: one point per municipality with coordinates, with its duties.

    ``source``: the build's :class:`~tsunagu.rules.duties.DutyTable` (what the facade's
    ``duty_table`` gives), or a graph. The whole of Japan is drawn in one fixed frame; a
    ``prefecture``'s map is fitted to its own municipalities, so its dots fill the picture
    instead of a speck in the frame of Japan. Points with the same statuses share one ``duties``
    dict: read it, do not change it.
    """
    table = table_of(source)
    rows = [(row, *table.coordinates[row["id"]]) for row in duty_statuses(table, prefecture=prefecture)
            if row["id"] in table.coordinates]
    project = _frame(_LAT, _LNG) if prefecture is None or not rows else _prefecture_frame([(lat, lng) for _, lat, lng in rows])
    evidence, points = table.evidence, []
    # one read-only dict of duties per combination of statuses (a few dozen for 17,410 dots at synthetic 10x)
    shared: dict[tuple[str, ...], dict[str, str]] = {}
    for row, lat, lng in rows:
        x, y = project(lat, lng)
        statuses = tuple([row[duty] for duty in DUTIES])
        duties = shared.get(statuses)
        if duties is None:
            duties = shared[statuses] = dict(zip(DUTIES, statuses, strict=True))
        window = next((item for item in evidence.get(row["id"], ()) if item["kind"] == "self-reliance"), None)
        points.append({"id": row["id"], "name": row["name"], "prefecture": row["prefecture"], "code": row["code"],
                       "x": x, "y": y, "duties": duties, "window": window})
    return points


def _title(place, lang=None):
    from tsunagu.text import say

    place = place or say("全国", "Japan", lang)
    return say(f"ひきこもり支援体制の取組状況（{place}の市区町村）",
               f"Hikikomori support: the municipalities' duties ({place})", lang)


def _words(lang, prefecture, fill_in_href):
    """The page's text in the reader's language (Japanese unless ``lang`` is ``"en"``)."""
    from tsunagu.text import say

    survey = "tsunagu template survey" + (f" --prefecture {prefecture}" if prefecture else "")
    return {
        "lang": "en" if say("ja", "en", lang) == "en" else "ja",
        "duty": say("取組", "Duty", lang),
        "labels": {"window-clarified": say("相談窓口の明確化", "window clarified", lang),
                   "window-publicised": say("相談窓口の周知", "window publicised", lang),
                   "needs-survey": say("実態・ニーズの把握", "needs survey", lang),
                   "platform": say("市町村プラットフォーム", "municipal platform", lang)},
        "statuses": {"yes": say("実施", "done", lang), "no": say("未実施", "not done", lang),
                     "unknown": say("不明", "not known", lang)},
        "municipalities": say("市区町村", "municipalities", lang),
        "layer": say("全国の窓口一覧にある自立相談支援窓口（電話あり）を重ねる",
                     "Show the self-reliance windows with a phone in the national directory", lang),
        "with_window": say("窓口あり", "with a window", lang),
        "not_a_duty": say("参考。取組には数えません", "evidence, never counted as a duty", lang),
        "reference": say("参考", "evidence", lang),
        "telephone": say("電話", "phone", lang),
        "unknown_means": say(
            "不明（灰色）= このデータに実施とも未実施とも記録がないこと。未実施ではありません。全国の窓口一覧は窓口の名前と"
            "電話を載せていますが、取組を実施したかどうかは載せていないため、取組の資料がある市区町村のほかは不明です。",
            "Not known (grey): the data records neither done nor not done; it is not \"not done\". The national "
            "directory lists windows and their phones, not whether a duty was done, so only the municipalities "
            "whose documents were read are known.", lang),
        "fill_in": say("埋めるには: 都道府県が市区町村の回答を調査票に記入して取り込みます。",
                       "To fill it in, a prefecture enters its municipalities' answers in the survey and imports it.",
                       lang),
        "fill_in_link": say("調査票のダウンロードと取り込み方", "download the survey and how to import it", lang),
        "fill_in_commands": say(f"調査票は {survey} -o 調査票.csv で作り、記入して tsunagu build --survey 調査票.csv で"
                                "取り込みます。",
                                f"Write the survey with {survey} -o survey.csv, fill it in and import it with "
                                "tsunagu build --survey survey.csv.", lang),
        "fill_in_href": fill_in_href,
    }


def dot_map_html(source, prefecture=None, *, fill_in_href=None, lang=None, switch=None):
    """The dot map page: Japan, or the ``prefecture`` (a node id) zoomed to its municipalities and titled with its name.

    ``fill_in_href``: where the page links for how a prefecture fills in what is not known (the web
    app's analyst page); None (a file that opens alone) names the commands instead. ``lang``: ``"en"``
    for English, else Japanese (the process's language when None). ``switch``: the web app's link to
    the page in the other language (``href``, ``text``, ``lang``); None for a file.
    """
    from tsunagu.diagrams.render import template_environment

    table = table_of(source)
    points = dot_map_points(table, prefecture)
    counts = {duty: {s: sum(p["duties"][duty] == s for p in points) for s in ("yes", "no", "unknown")} for duty in DUTIES}
    place = next((row["prefecture"] for row, key in zip(table.rows, table.prefectures, strict=True)
                  if prefecture and key == prefecture), None)
    words = _words(lang, place, fill_in_href)
    # each dot's tooltip as one text, escaped once by the template: the country's 1,741 dots (17,410 at
    # synthetic 10x) with their lines put together in the template took most of the page's time
    dots = [dict(point, tooltip=_tooltip(point, words)) for point in points]
    return template_environment().get_template("dotmap.html").render(
        points=dots, duties=DUTIES, counts=counts, width=_WIDTH, height=_HEIGHT,
        title=_title(place, lang), windows=sum(1 for p in points if p["window"]), w=words, switch=switch,
    )


def _tooltip(point, words):
    """A dot's title: the municipality, each duty's state and, as evidence, its self-reliance window."""
    lines = [f"{point['name']}（{point['prefecture']}, {point['code']}）"]
    lines += [f"{words['labels'][duty]}: {words['statuses'][point['duties'][duty]]}" for duty in DUTIES]
    window = point["window"]
    if window:
        phone = window.get("telephone")
        lines.append(f"{words['reference']}: {window.get('name', '')}"
                     + (f" {words['telephone']} {phone}" if phone else ""))
    return "\n".join(lines)
