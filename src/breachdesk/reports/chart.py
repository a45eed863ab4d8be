"""The daily chart: offered vs answered bars, the answer-rate line, campaign days marked.

Drawn with matplotlib's object API on its Agg/SVG canvases (no pyplot, no global state), with
the Japanese font that `matplotlib-fontja` bundles, so labels never fall back to boxes. SVG text
is drawn as paths, so the picture is the same where the font is not installed and the SVG can
be inlined in a page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from breachdesk.errors import DependencyMissingError, InvalidInputError
from breachdesk.reports.model import DailyTable, DayRow

WEEKDAYS = "月火水木金土日"
OFFERED = "#9db7d5"
ANSWERED = "#1f4e8c"
RATE = "#c0392b"
EVENT = "#e67e22"
FORECAST = "#7f8c8d"


def _font() -> str:
    try:
        import matplotlib_fontja
    except ImportError as exc:  # pragma: no cover - an extra
        raise DependencyMissingError("matplotlib-fontja", "reports") from exc
    from matplotlib import font_manager

    path = matplotlib_fontja.get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def daily_chart(
    table: DailyTable,
    fmt: str = "png",
    forecast: Sequence[tuple[date, float]] | None = None,
    *,
    title: str | None = None,
) -> bytes:
    """The chart of a daily table as PNG or SVG bytes; `forecast` adds a dashed series."""
    if fmt not in ("png", "svg"):
        raise InvalidInputError(f"a chart is png or svg, not {fmt!r}")
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - an extra
        raise DependencyMissingError("matplotlib", "reports") from exc

    family = _font()
    rows = table.rows
    days = [r.day for r in rows]
    future = [d for d, _ in (forecast or []) if not days or d > days[-1]]
    axis_days = days + future
    x = list(range(len(axis_days)))
    with rc_context({"font.family": family, "svg.fonttype": "path", "axes.unicode_minus": False}):
        width = min(16.0, max(8.0, 0.28 * len(axis_days) + 3))
        fig = Figure(figsize=(width, 4.8), dpi=110)
        ax = fig.add_subplot()
        offered = [r.offered or 0 for r in rows]
        answered = [r.answered or 0 for r in rows]
        ax.bar(x[: len(rows)], offered, width=0.8, color=OFFERED, label="入電件数", gid="offered")
        ax.bar(
            x[: len(rows)], answered, width=0.5, color=ANSWERED, label="応答件数", gid="answered"
        )
        if forecast:
            where = {d: i for i, d in enumerate(axis_days)}
            fx = [where[d] for d, _ in forecast if d in where]
            fy = [v for d, v in forecast if d in where]
            ax.plot(
                fx,
                fy,
                linestyle="--",
                marker="o",
                markersize=3,
                color=FORECAST,
                label="予測（入電）",
            )
        ax.set_ylabel("件数")
        top = max([*offered, *(v for _, v in forecast or [])], default=0)
        ax.set_ylim(0, top * 1.7 + 1)  # room above the bars for the campaign labels
        rate_ax = ax.twinx()
        # A day with no calls has no rate: NaN breaks the line there instead of drawing 100 %.
        rates = [float("nan") if r.answer_rate is None else r.answer_rate * 100 for r in rows]
        if any(r.answer_rate is not None for r in rows):
            rate_ax.plot(
                x[: len(rows)],
                rates,
                color=RATE,
                marker="o",
                markersize=3,
                linewidth=1.5,
                label="応答率",
                gid="rate",
            )
        rate_ax.set_ylim(0, 170)  # the rate line stays below the campaign labels
        rate_ax.set_yticks([0, 20, 40, 60, 80, 100])
        rate_ax.set_ylabel("応答率（%）")
        _mark_events(ax, rows, top)
        step = max(1, len(axis_days) // 21)
        ax.set_xticks(x[::step])
        ax.set_xticklabels(
            [f"{d.month}/{d.day}\n{WEEKDAYS[d.weekday()]}" for d in axis_days[::step]], fontsize=8
        )
        ax.set_xlim(-0.8, len(axis_days) - 0.2)
        handles, labels = ax.get_legend_handles_labels()
        rate_handles, rate_labels = rate_ax.get_legend_handles_labels()
        ax.legend(  # under the axis: above it the campaign labels need the room
            handles + rate_handles,
            labels + rate_labels,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.16),
            fontsize=8,
            ncols=4,
            frameon=False,
        )
        ax.set_title(title or f"{table.incident_name} 日別の入電・応答件数と応答率", fontsize=11)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


EVENT_LEVELS = (1.55, 1.4, 1.25)
"""Heights (× the tallest bar) of the campaign labels, taken in turn when labels would touch."""


def _mark_events(ax: Any, rows: Sequence[DayRow], top: float) -> None:
    """A dotted line on each event day and its label written across, in a white box above the
    bars; labels closer than their own width step down a level instead of overlapping."""
    last_end: list[float] = [float("-inf")] * len(EVENT_LEVELS)
    days_per_char = max(0.25, len(rows) / 110)  # how many day slots one 8-pt character spans
    for i, row in enumerate(rows):
        for event in row.events[:1]:
            ax.axvline(i, color=EVENT, linestyle=":", linewidth=1.2)
            text = event.note if len(event.note) <= 16 else event.note[:15] + "…"
            level = next((k for k, end in enumerate(last_end) if i > end), 0)
            last_end[level] = i + len(text) * days_per_char
            ax.annotate(
                text,
                (i, top * EVENT_LEVELS[level] + 0.5),
                fontsize=8,
                color="#7a3e00",
                ha="left",
                va="center",
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": EVENT, "lw": 0.8},
            )
