"""The national overview's charts: KPI statuses by plan, the map of a series, investment by
year, and how regional tasks serve the national plan (a Sankey diagram)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from core.numbers import format_number
from dashboard import geo
from dashboard.charts.base import STATUS_STYLE, Chart, _layout, _text, _year, status_label

# The map's sequential scale, light to dark (darker is better), and the fill of no value.
BLUES = [
    "#f7fbff",
    "#deebf7",
    "#c6dbef",
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
]
NO_DATA = "#e4e4e4"


def status_chart(plan_rows) -> Chart:
    """Stacked bars: how many KPIs of each plan are in each status."""
    names = [row.plan.region.short if row.plan.region else _("National") for row in plan_rows]
    labels = [_text(name) for name in names]
    data = []
    for status, (colour, icon) in STATUS_STYLE.items():
        counts = [row.counts.get(status, 0) for row in plan_rows]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": f"{icon} {status_label(status)}",
                "y": labels,
                "x": counts,
                "marker": {"color": colour},
                "hovertemplate": "%{y}: %{x}<extra>%{fullData.name}</extra>",
            }
        )
    figure = {
        "data": data,
        "layout": _layout(
            barmode="stack",
            height=max(220, 70 + 34 * len(names)),
            margin={"l": 120, "r": 16, "t": 16, "b": 64},
            xaxis={"title": {"text": _("Number of KPIs")}, "dtick": 1, "gridcolor": "#eeeeee"},
            yaxis={"autorange": "reversed"},
        ),
    }
    statuses = list(STATUS_STYLE)
    rows = [
        [name] + [row.counts.get(s, 0) for s in statuses] + [row.total]
        for name, row in zip(names, plan_rows, strict=True)
    ]
    return Chart(
        kind="status",
        params={},
        title=_("KPI status by plan"),
        figure=figure,
        columns=[_("Plan")] + [status_label(s) for s in statuses] + [_("Total")],
        rows=rows,
    )


def _blue(share: float) -> str:
    """Colour at `share` (0..1) along the sequential blue scale."""
    share = min(max(share, 0.0), 1.0) * (len(BLUES) - 1)
    low = int(share)
    high = min(low + 1, len(BLUES) - 1)
    frac = share - low
    a, b = BLUES[low], BLUES[high]
    mix = [
        round(int(a[i : i + 2], 16) * (1 - frac) + int(b[i : i + 2], 16) * frac) for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in mix)


def map_chart(series_map) -> Chart:
    """The 17 regions coloured by a series in a year (darker = better); grey = no value."""
    info, year = series_map.series, series_map.year
    rows_by_code = {row.region.code: row for row in series_map.map_rows}
    values = [float(r.value) for r in series_map.map_rows if r.value is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    shapes = geo.province_shapes(str(settings.SEED_DIR / "maps" / "korea-provinces-2018.geojson"))
    data, hover_text = _region_traces(shapes, rows_by_code, info.direction, low, high)
    data.append(_label_trace(shapes, rows_by_code, hover_text))
    if values:
        data.append(_colour_bar_trace(shapes[0], info, low, high))
    figure = {"data": data, "layout": _map_layout(shapes)}
    rows = [
        [row.region.code, row.region.name, row.value, row.source] for row in series_map.map_rows
    ]
    notes = [_("Darker is better; grey regions have no value for this year.")]
    if info.note:
        notes.append(str(info.note))
    return Chart(
        kind="map",
        params={"series": info.key, "year": _year(year)},
        title=f"{info.name} ({year})" if year else info.name,
        figure=figure,
        columns=[_("Code"), _("Region"), _("Value"), _("Source")],
        rows=rows,
        notes=notes,
    )


def _region_traces(shapes, rows_by_code, direction, low, high) -> tuple[list[dict], dict]:
    """One filled shape per region that has a row, and each region's hover text by code.

    The shapes keep geo's order, largest first: plotly paints later traces on top, so an
    enclave (Gwangju in Jeonnam) is painted over the region around it.
    """
    span = (high - low) or 1.0
    data, hover_text = [], {}
    for shape in shapes:
        row = rows_by_code.get(shape.code)
        if row is None:
            continue
        if row.value is None:
            colour, shown = NO_DATA, _("no data")
        else:
            share = (float(row.value) - low) / span
            colour = _blue(1 - share if direction == "decrease" else share)
            shown = format_number(row.value, 3)
        hover_text[shape.code] = _text(f"{row.region.name}: {shown}")
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "fill": "toself",
                "fillcolor": colour,
                "x": list(shape.xs),
                "y": list(shape.ys),
                "name": _text(row.region.short),
                "line": {"color": "#ffffff", "width": 1},
                "hoveron": "fills",
                "text": hover_text[shape.code],
                "hoverinfo": "text",
                "showlegend": False,
            }
        )
    return data, hover_text


def _label_trace(shapes, rows_by_code, hover_text) -> dict:
    """The regions' short names, each on its region."""
    labelled = [s for s in shapes if s.code in rows_by_code]
    # Labels carry the hover too: an enclave (Gwangju in Jeonnam) is inside two fills.
    return {
        "type": "scatter",
        "mode": "text",
        "hoverinfo": "text",
        "showlegend": False,
        "x": [s.label_x for s in labelled],
        "y": [s.label_y for s in labelled],
        "text": [_text(rows_by_code[s.code].region.short) for s in labelled],
        "hovertext": [hover_text[s.code] for s in labelled],
        "textfont": {"size": 11, "color": "#1d2433"},
    }


def _colour_bar_trace(anchor, info, low, high) -> dict:
    """Two invisible markers on the `anchor` shape's label that only draw the colour bar."""
    return {
        "type": "scatter",
        "mode": "markers",
        "hoverinfo": "skip",
        "showlegend": False,
        "x": [anchor.label_x] * 2,
        "y": [anchor.label_y] * 2,
        "marker": {
            "size": 0.1,
            "opacity": 0,
            "color": [low, high],
            "cmin": low,
            "cmax": high,
            "colorscale": [[i / (len(BLUES) - 1), c] for i, c in enumerate(BLUES)],
            "reversescale": info.direction == "decrease",
            "showscale": True,
            "colorbar": {
                "thickness": 12,
                "len": 0.6,
                "title": {"text": _text(info.name) if len(info.name) < 14 else ""},
            },
        },
    }


def _map_layout(shapes) -> dict:
    """No axes and no zoom; y stretched by geo.ASPECT so that the map keeps its proportions."""
    min_x, min_y, max_x, max_y = geo.bounds(shapes)
    axis = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    return _layout(
        height=560,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={**axis, "range": [min_x - 0.1, max_x + 0.1]},
        yaxis={
            **axis,
            "range": [min_y - 0.1, max_y + 0.1],
            "scaleanchor": "x",
            "scaleratio": geo.ASPECT,
        },
        dragmode=False,
    )


def investment_chart(budgets) -> Chart:
    """Yearly investment, stacked central / local / private, planned beside actual."""
    years = [str(b.year) for b in budgets]
    bases = [b.get_basis_display() for b in budgets]
    parts = [
        (_("Central government"), "central", "#0072B2"),
        (_("Local government"), "local", "#E69F00"),
        (_("Private sector"), "private", "#009E73"),
    ]
    data = []
    for label, attribute, colour in parts:
        data.append(
            {
                "type": "bar",
                "name": label,
                "x": [years, bases],
                "y": [getattr(b, attribute) for b in budgets],
                "marker": {"color": colour},
                "hovertemplate": "%{x}: %{y:,} "
                + _("100M KRW")
                + "<extra>%{fullData.name}</extra>",
            }
        )
    data.append(
        {
            "type": "bar",
            "name": _("Not broken down"),
            "x": [years, bases],
            "y": [b.total - sum(p or 0 for p in (b.central, b.local, b.private)) for b in budgets],
            "marker": {"color": "#cccccc", "pattern": {"shape": "/"}},
            "hovertemplate": "%{x}: %{y:,} " + _("100M KRW") + "<extra>%{fullData.name}</extra>",
        }
    )
    figure = {
        "data": data,
        "layout": _layout(
            barmode="stack",
            height=380,
            yaxis={"title": {"text": _("100M KRW")}, "tickformat": ",", "gridcolor": "#eeeeee"},
        ),
    }
    rows = [
        [str(b.year), b.get_basis_display(), b.total, b.central, b.local, b.private]
        for b in budgets
    ]
    return Chart(
        kind="investment",
        params={},
        title=_("Investment in the national plan by year"),
        figure=figure,
        columns=[
            _("Year"),
            _("Basis"),
            _("Total"),
            _("Central government"),
            _("Local government"),
            _("Private sector"),
        ],
        rows=rows,
        notes=[
            _(
                "Empty cells were not reported (not zero); grey is the part of the total "
                "not broken down by source."
            )
        ],
    )


def _task_label(task) -> str:
    return f"{task.code} " + (_("Title not yet confirmed") if task.placeholder else task.name)


def alignment_chart(national_tasks) -> Chart:
    """Sankey: national strategies → national tasks → the regional tasks that serve them."""
    labels, colours, index = [], [], {}

    def node(key, label, colour):
        if key not in index:
            index[key] = len(labels)
            labels.append(_text(label))
            colours.append(colour)
        return index[key]

    source, target, value, rows = [], [], [], []
    for task in national_tasks:
        strategy = task.strategy
        s = node(
            ("s", strategy.pk),
            _("Strategy %(n)s") % {"n": strategy.number} + " " + strategy.name,
            "#0072B2",
        )
        t = node(("t", task.pk), _task_label(task), "#56B4E9")
        serving = list(task.served_by.all())
        source.append(s)
        target.append(t)
        value.append(max(1, len(serving)))
        for regional in serving:
            region = regional.strategy.plan.region
            r = node(("r", regional.pk), f"{region.short} {_task_label(regional)}", "#E69F00")
            source.append(t)
            target.append(r)
            value.append(1)
            rows.append(
                [
                    task.code,
                    _task_label(task),
                    region.short,
                    regional.strategy.plan.key,
                    _task_label(regional),
                ]
            )
    figure = {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {"label": labels, "color": colours, "pad": 8, "thickness": 14},
                "link": {
                    "source": source,
                    "target": target,
                    "value": value,
                    "color": "rgba(120,120,120,0.25)",
                },
            }
        ],
        "layout": _layout(
            height=max(480, 18 * len(labels)), margin={"l": 8, "r": 8, "t": 8, "b": 8}
        ),
    }
    return Chart(
        kind="alignment",
        params={},
        title=_("How regional tasks serve the national plan"),
        figure=figure,
        columns=[_("National task"), _("Title"), _("Region"), _("Plan"), _("Regional task")],
        rows=rows,
        notes=[
            _(
                "Links are editorial: our reading of which national task a regional task "
                "serves, not an official mapping."
            )
        ],
    )
