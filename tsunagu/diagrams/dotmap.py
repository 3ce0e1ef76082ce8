"""A dot map of Japan: municipalities at their town halls, coloured by the three duties.

Self-contained HTML with an inline SVG (no map tiles, no script from
anywhere else): each dot carries its four duty statuses, and a selector
recolours the map by one duty.
"""

from __future__ import annotations

import math

from tsunagu.queries.duties import DUTIES, duty_statuses

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


def dot_map_points(graph, prefecture=None):
    """Plain data: one point per municipality with coordinates, with its duties.

    The whole of Japan is drawn in one fixed frame; a ``prefecture``'s map is fitted to its own
    municipalities, so its dots fill the picture instead of a speck in the frame of Japan.
    """
    rows = []
    for row in duty_statuses(graph, prefecture=prefecture):
        data = graph.nodes[row["id"]]
        if data.get("latitude") is None or data.get("longitude") is None:
            continue
        rows.append((row, float(data["latitude"]), float(data["longitude"])))
    project = _frame(_LAT, _LNG) if prefecture is None or not rows else _prefecture_frame([(lat, lng) for _, lat, lng in rows])
    points = []
    for row, lat, lng in rows:
        x, y = project(lat, lng)
        points.append({"id": row["id"], "name": row["name"], "prefecture": row["prefecture"], "code": row["code"],
                       "x": x, "y": y, "duties": {duty: row[duty] for duty in DUTIES}})
    return points


def _title(graph, prefecture):
    place = graph.nodes[prefecture].get("name", prefecture) if prefecture in graph else "全国"
    return f"ひきこもり支援体制の取組状況（{place}の市区町村）"


def dot_map_html(graph, prefecture=None):
    """The dot map page: Japan, or the ``prefecture`` (a node id) zoomed to its municipalities and titled with its name."""
    from tsunagu.diagrams.render import template_environment

    points = dot_map_points(graph, prefecture)
    counts = {duty: {s: sum(p["duties"][duty] == s for p in points) for s in ("yes", "no", "unknown")} for duty in DUTIES}
    labels = {"window-clarified": "相談窓口の明確化", "window-publicised": "相談窓口の周知",
              "needs-survey": "実態・ニーズの把握", "platform": "市町村プラットフォーム"}
    return template_environment().get_template("dotmap.html").render(
        points=points, duties=DUTIES, labels=labels, counts=counts, width=_WIDTH, height=_HEIGHT,
        title=_title(graph, prefecture),
    )
