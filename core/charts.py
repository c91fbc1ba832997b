"""Server-drawn SVG charts (line and bar) for a metrics Table: no scripts, readable by screen readers."""

from flask_babel import gettext
from markupsafe import Markup, escape

from core.metrics import BAR, LINE, Table

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, BOTTOM = 64, 12, 56
LEGEND_ROW, LEGEND_ITEM = 16, 200  # px per legend row, px per legend item
COLOURS = ("#2f6f4f", "#c26a1b", "#3b5ba5", "#9b2f6f", "#6b6b2f", "#2f8f9b")


def chart(table: Table) -> Markup:
    """The table drawn as its chart, or nothing when it has none or no rows."""
    if not table.rows or table.chart not in (LINE, BAR):
        return Markup("")
    body = _lines(table) if table.chart == LINE else _bars(table)
    return _frame(table, body)


def nice_top(value: float) -> float:
    """A round number at or above value for the top of the y axis (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    return next(top for top in (step, 2 * step, 5 * step, 10 * step) if top >= value)


def _values(table: Table, column: int) -> list[float]:
    return [float(row[column] or 0) for row in table.rows]


def _top(table: Table) -> float:
    return nice_top(max(max(_values(table, c), default=0) for c in table.plotted))


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _top_margin(table: Table) -> int:
    per_row = (WIDTH - LEFT - RIGHT) // LEGEND_ITEM
    return 12 + LEGEND_ROW * -(-len(table.plotted) // per_row)


def _y(value: float, top: float, margin: int) -> float:
    return margin + (HEIGHT - margin - BOTTOM) * (1 - value / top)


def _frame(table: Table, body: str) -> Markup:
    top, margin = _top(table), _top_margin(table)
    labels = ", ".join(table.columns[c] for c in table.plotted)
    desc = _description(table.chart, labels, table.columns[0])
    ticks = "".join(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_y(v, top, margin):.1f}" y2="{_y(v, top, margin):.1f}" '
        f'class="grid"/><text x="{LEFT - 4}" y="{_y(v, top, margin) + 4:.1f}" text-anchor="end">{_number(v)}</text>'
        for v in (0, top / 2, top)
    )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-{table.slug}-title chart-{table.slug}-desc" data-slug="{table.slug}">'
        f'<title id="chart-{table.slug}-title">{escape(table.title)}</title>'
        f'<desc id="chart-{table.slug}-desc">{escape(desc)}</desc>'
        f'<g class="axis">{ticks}<line x1="{LEFT}" x2="{LEFT}" y1="{margin}" y2="{HEIGHT - BOTTOM}"/></g>'
        f"{body}{_legend(table)}</svg>"
    )


def _description(kind: str, labels: str, by: str) -> str:
    """What a screen reader hears for the chart, in the page's language."""
    if kind == LINE:
        return gettext(
            "Line chart of %(labels)s by %(by)s; the figures are in the table below.", labels=labels, by=by
        )
    return gettext(
        "Bar chart of %(labels)s by %(by)s; the figures are in the table below.", labels=labels, by=by
    )


def _number(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value / 1000:g}k"


def _legend(table: Table) -> str:
    items, per_row = [], (WIDTH - LEFT - RIGHT) // LEGEND_ITEM
    for n, column in enumerate(table.plotted):
        x, y = LEFT + LEGEND_ITEM * (n % per_row), 4 + LEGEND_ROW * (n // per_row)
        items.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{COLOURS[n % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{y + 9}">{escape(_short(table.columns[column], 30))}</text>'
        )
    return f'<g class="legend">{"".join(items)}</g>'


def _short(text: str, size: int) -> str:
    text = str(text)
    return text if len(text) <= size else text[: size - 1] + "…"


def _x_labels(table: Table, positions: list[float], every: int) -> str:
    labels = []
    for index, (row, x) in enumerate(zip(table.rows, positions, strict=True)):
        if index % every == 0 or index == len(table.rows) - 1:
            label = escape(_short(row[0], 12))
            labels.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="end" '
                f'transform="rotate(-30 {x:.1f} {HEIGHT - BOTTOM + 14})">{label}</text>'
            )
    return f'<g class="x-labels">{"".join(labels)}</g>'


def _lines(table: Table) -> str:
    top, margin, count = _top(table), _top_margin(table), len(table.rows)
    positions = [_x(i, count) for i in range(count)]
    paths = []
    for n, column in enumerate(table.plotted):
        colour = COLOURS[n % len(COLOURS)]
        # a missing value (None) breaks the line: nothing is drawn where there is nothing to show
        points = [
            (x, _y(float(row[column]), top, margin), row) if row[column] is not None else None
            for x, row in zip(positions, table.rows, strict=True)
        ]
        for run in _runs(points):
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in run)
            paths.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        paths += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>'
            f"{escape(row[0])}: {escape(table.columns[column])} {_cell(row[column])}</title></circle>"
            for x, y, row in filter(None, points)
        ]
    return "".join(paths) + _x_labels(table, positions, max(1, count // 8))


def _runs(points: list) -> list[list]:
    runs, current = [], []
    for point in [*points, None]:
        if point is None:
            runs += [current] if current else []
            current = []
        else:
            current.append(point)
    return runs


def _bars(table: Table) -> str:
    top, margin, count, plotted = _top(table), _top_margin(table), len(table.rows), table.plotted
    slot = (WIDTH - LEFT - RIGHT) / count
    width = max(1.0, slot * 0.8 / len(plotted))
    bars, centres = [], []
    for i, row in enumerate(table.rows):
        start = LEFT + slot * i + slot * 0.1
        centres.append(start + slot * 0.4)
        for n, column in enumerate(plotted):
            value = float(row[column] or 0)
            y = _y(value, top, margin)
            bars.append(
                f'<rect x="{start + n * width:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{COLOURS[n % len(COLOURS)]}">'
                f"<title>{escape(row[0])}: {escape(table.columns[column])} {_cell(row[column])}</title></rect>"
            )
    return "".join(bars) + _x_labels(table, centres, max(1, count // 12))


def _cell(value) -> str:
    return "—" if value is None else escape(str(value))
