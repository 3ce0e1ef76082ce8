"""A dot map of Japan: municipalities at their town halls, coloured by the three duties.

Self-contained HTML with an inline SVG (no map tiles, no script from
anywhere else): each dot carries its four duty statuses, and a selector
recolours the map by one duty.
"""

from __future__ import annotations

import math

from tsunagu.queries.coverage import DUTIES, duty_statuses

__all__ = ["dot_map_points", "dot_map_html"]

_WIDTH, _HEIGHT = 900, 900
_LNG = (122.5, 149.0)
_LAT = (24.0, 45.7)
_MID_LATITUDE = math.radians(36.0)


def _project(lat, lng):
    x_span = (_LNG[1] - _LNG[0]) * math.cos(_MID_LATITUDE)
    scale = min(_WIDTH / x_span, _HEIGHT / (_LAT[1] - _LAT[0]))
    x = (lng - _LNG[0]) * math.cos(_MID_LATITUDE) * scale
    y = (_LAT[1] - lat) * scale
    return round(x, 1), round(y, 1)


def dot_map_points(graph, prefecture=None):
    """Plain data: one point per municipality with coordinates, with its duties."""
    points = []
    for row in duty_statuses(graph, prefecture=prefecture):
        data = graph.nodes[row["id"]]
        if data.get("latitude") is None or data.get("longitude") is None:
            continue
        x, y = _project(float(data["latitude"]), float(data["longitude"]))
        points.append({"id": row["id"], "name": row["name"], "prefecture": row["prefecture"], "code": row["code"],
                       "x": x, "y": y, "duties": {duty: row[duty] for duty in DUTIES}})
    return points


def dot_map_html(graph, prefecture=None):
    from tsunagu.diagrams.render import template_environment

    points = dot_map_points(graph, prefecture)
    counts = {duty: {s: sum(p["duties"][duty] == s for p in points) for s in ("yes", "no", "unknown")} for duty in DUTIES}
    labels = {"window-clarified": "相談窓口の明確化", "window-publicised": "相談窓口の周知",
              "needs-survey": "実態・ニーズの把握", "platform": "市町村プラットフォーム"}
    return template_environment().get_template("dotmap.html").render(
        points=points, duties=DUTIES, labels=labels, counts=counts, width=_WIDTH, height=_HEIGHT,
        title="ひきこもり支援体制の取組状況（市区町村）",
    )
