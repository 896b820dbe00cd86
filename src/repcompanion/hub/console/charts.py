"""Vega-Lite specifications of the console's charts; the rows are the table's own (``data.values``), so a chart
can never say something its table does not. Rendered in the browser by the hub's own copy of Vega-Embed."""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier only: nothing is fetched
#: where the shipped state outlines are served (us-atlas TopoJSON)
OUTLINES = "/console/static/outlines/us-states-10m.json"


def _base(title: str) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": "container",
        "height": 240,
        "config": {"view": {"stroke": None}},
    }


def bars(title: str, category: str, value: str, *, label: str, percent: bool = False) -> dict[str, Any]:
    """Horizontal bars of ``value`` per ``category``, in table order."""
    axis = {"format": ".0%"} if percent else {}
    return _base(title) | {
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": category, "type": "nominal", "sort": None, "title": None},
            "x": {"field": value, "type": "quantitative", "title": label, "axis": axis},
        },
    }


def stages(title: str, columns: list[tuple[str, str]]) -> dict[str, Any]:
    """One bar per funnel stage from a single-row table: ``columns`` are (key, label) in stage order."""
    return _base(title) | {
        "transform": [{"fold": [k for k, _ in columns], "as": ["stage", "count"]}],
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "stage", "type": "nominal", "sort": [k for k, _ in columns], "title": None},
            "x": {"field": "count", "type": "quantitative", "title": "follow-ups"},
        },
    }


def rates(title: str, category: str, rate: str, *, label: str) -> dict[str, Any]:
    """A share per category with its 95% interval (``rate``, ``rate_low``, ``rate_high``)."""
    y = {"field": category, "type": "nominal", "sort": None, "title": None}
    return _base(title) | {
        "layer": [
            {
                "mark": {"type": "bar", "tooltip": True},
                "encoding": {
                    "y": y,
                    "x": {"field": rate, "type": "quantitative", "title": label, "axis": {"format": ".0%"}},
                },
            },
            {
                "mark": {"type": "rule", "color": "#333"},
                "encoding": {
                    "y": y,
                    "x": {"field": f"{rate}_low", "type": "quantitative"},
                    "x2": {"field": f"{rate}_high"},
                },
            },
        ],
    }


def lines(title: str, x: str, series: list[str], *, label: str) -> dict[str, Any]:
    """One line per column in ``series`` over ``x`` (a date)."""
    return _base(title) | {
        "transform": [{"fold": series, "as": ["series", "count"]}],
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            "x": {"field": x, "type": "temporal", "title": None},
            "y": {"field": "count", "type": "quantitative", "title": label},
            "color": {"field": "series", "type": "nominal", "title": None},
        },
    }


def points_map(title: str, *, size: str | None, color: str, tooltip: list[str]) -> dict[str, Any]:
    """Points (``latitude``, ``longitude``) over the shipped US state outlines (no map tiles)."""
    point: dict[str, Any] = {
        "mark": {"type": "circle", "opacity": 0.75},
        "encoding": {
            "longitude": {"field": "longitude", "type": "quantitative"},
            "latitude": {"field": "latitude", "type": "quantitative"},
            "color": {"field": color, "type": "nominal"},
            "tooltip": [{"field": t} for t in tooltip],
        },
    }
    if size:
        point["encoding"]["size"] = {"field": size, "type": "quantitative"}
    outline = {
        "data": {"url": OUTLINES, "format": {"type": "topojson", "feature": "states"}},
        "mark": {"type": "geoshape", "fill": "#eef1f4", "stroke": "#9aa5b1"},
    }
    return _base(title) | {"height": 380, "projection": {"type": "albersUsa"}, "layer": [outline, point]}


__all__ = ["OUTLINES", "bars", "lines", "points_map", "rates", "stages"]
