"""``python -m loader report --course ID --out DIR``: the course-team report.

One self-contained static page (``DIR/index.html``) per course, made of the
dbt analyses in ``analyses/`` (compiled with the cut-off and minimum cell
size given here, then run on the configured Postgres) and drawn with plotly:
weekly activity and enrollments, time on page against the designed budgets
(and under each cut-off side by side), video drop-off curves and player
actions, problem difficulty, and per-sequence navigation (a transition heat
map, backward jumps, skips straight to the problems). plotly.js is inlined,
so the page opens offline; nothing is fetched from the network.

Privacy: every cell (a resource, a video position, a problem, a
transition, a week) counting fewer than ``--min-cell-size`` distinct
learners (var ``min_cell_size``, default 5) is suppressed by the analyses;
the report says how many were hidden in each section.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import yaml  # type: ignore[import-untyped]
from psycopg.rows import dict_row

from loader.database import DatabaseError, connect_info
from loader.settings import ConnectionInfo, project_root, target_schema

log = logging.getLogger(__name__)

ANALYSES = (
    "weekly_activity",
    "time_on_page",
    "time_on_page_sensitivity",
    "time_per_learner",
    "video_drop_off",
    "problem_difficulty",
    "navigation_markov",
    "navigation_skips",
)
REPORT_VARS = (
    "time_on_page_cutoff_seconds",
    "time_on_page_cutoffs_seconds",
    "min_cell_size",
    "budget_overrun_ratio",
)
ALL_SEQUENCES = "(all sequences)"
ALL_VIDEOS = "(all videos)"
SECTIONS = ("activity", "time", "video", "problems", "navigation")
TOP_RESOURCES = 20
TOP_SENSITIVITY = 10
TOP_VIDEO_CURVES = 8
TOP_VIDEO_ROWS = 15
TOP_PROBLEM_ROWS = 25
MAX_SEQUENCE_MAPS = 4
TOP_SEQUENCE_ROWS = 15

Row = dict[str, Any]


@dataclass
class Section:
    """One part of the page: its anchor, title, question and HTML body."""

    key: str
    title: str
    question: str
    parts: list[str] = field(default_factory=list)
    suppressed: int = 0


@dataclass
class ReportSummary:
    """What a report run wrote (for the command's output and the tests)."""

    path: Path
    course_id: str
    variables: dict[str, Any]
    rows: dict[str, int]
    suppressed: dict[str, int]
    size_bytes: int


# -- analyses ----------------------------------------------------------------


def project_vars() -> dict[str, Any]:
    """The vars of dbt_project.yml the report uses (its defaults)."""
    with open(project_root() / "dbt_project.yml", encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    defaults = project.get("vars", {})
    return {name: defaults[name] for name in REPORT_VARS if name in defaults}


def compile_analyses(
    info: ConnectionInfo, variables: dict[str, Any], target: Path
) -> dict[str, str]:
    """Compile the analyses with ``variables``; return name -> SQL."""
    from loader.commands.dbt import run_dbt

    done = run_dbt(
        [
            "compile",
            "--select",
            *(f"analyses/{name}.sql" for name in ANALYSES),
            "--vars",
            json.dumps(variables),
            "--target-path",
            str(target),
            "--quiet",
        ],
        info=info,
        capture=True,
    )
    if done.returncode != 0:
        raise DatabaseError(
            "dbt compile of the analyses failed:\n"
            + (done.stdout[-3000:] + done.stderr[-2000:])
        )
    compiled = {}
    for name in ANALYSES:
        found = list(target.glob(f"compiled/*/analyses/{name}.sql"))
        if not found:
            raise DatabaseError(f"dbt did not compile analyses/{name}.sql")
        compiled[name] = found[0].read_text(encoding="utf-8")
    return compiled


def run_analysis(conn: psycopg.Connection, sql: str, course_id: str) -> list[Row]:
    """The rows of one compiled analysis for one course."""
    body = sql.strip().rstrip(";").replace("%", "%%")
    query = f"select * from (\n{body}\n) as analysis where course_id = %s"
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(query, (course_id,))  # type: ignore[arg-type]
        return list(cursor.fetchall())


def course_totals(conn: psycopg.Connection, course_id: str) -> dict[str, int]:
    """How many cells each section has before suppression."""
    schema = f"{target_schema()}_course_team"
    queries = {
        "weeks": f"select count(*) from {schema}.course_team_weekly_activity "
        "where course_id = %s",
        "resources": "select count(distinct resource_id) from "
        f"{schema}.course_team_page_stays "
        "where course_id = %s and gap_seconds is not null",
        "videos": "select count(distinct video_module_id) from "
        f"{schema}.course_team_video_events where course_id = %s",
        "problems": "select count(distinct problem_id) from "
        f"{schema}.course_team_problem_attempts where course_id = %s",
        "sequences": "select count(distinct sequence_url) from "
        f"{schema}.course_team_panel_transitions where course_id = %s",
        "transitions": "select count(*) from (select distinct "
        "from_panel_number, panel_number from "
        f"{schema}.course_team_panel_transitions where course_id = %s) as t",
        "learners": f"select count(distinct user_id) from {schema}."
        "course_team_page_stays where course_id = %s",
    }
    totals = {}
    for key, sql in queries.items():
        row = conn.execute(sql, (course_id,)).fetchone()  # type: ignore[arg-type]
        totals[key] = int(row[0]) if row else 0
    return totals


def known_courses(conn: psycopg.Connection) -> list[str]:
    schema = f"{target_schema()}_course_team"
    rows = conn.execute(
        f"select distinct course_id from {schema}.course_team_page_stays order by 1"
    ).fetchall()
    return [row[0] for row in rows]


# -- figures -----------------------------------------------------------------


def figure_html(figure: Any) -> str:
    """A plotly figure as a <div> (plotly.js is inlined once in <head>)."""
    figure.update_layout(
        template="plotly_white",
        margin={"l": 60, "r": 30, "t": 60, "b": 50},
        font={"size": 13},
    )
    figure.update_yaxes(automargin=True)
    return str(
        figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False, "responsive": True},
        )
    )


def number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.{digits}f}"


def percent(value: Any) -> str:
    return "—" if value is None else f"{100 * float(value):.0f}%"


def short_label(text: Any, keep: int = 2) -> str:
    """The last path segments of a URI / module id, for axis labels."""
    if text is None:
        return "(unknown)"
    parts = [p for p in str(text).replace("@", "/").split("/") if p]
    label = "/".join(parts[-keep:]) if parts else str(text)
    return label if len(label) <= 48 else "…" + label[-47:]


def unique_labels(texts: Sequence[Any], keep: int = 2) -> list[str]:
    """Short labels made unique (plotly merges equal category labels)."""
    labels: list[str] = []
    for text in texts:
        label = short_label(text, keep)
        base, copy = label, 2
        while label in labels:
            label = f"{base} ({copy})"
            copy += 1
        labels.append(label)
    return labels


def table_html(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def note(text: str) -> str:
    return f'<p class="note">{text}</p>'


def suppressed_note(hidden: int, total: int, what: str, minimum: int) -> str:
    if hidden <= 0:
        return note(f"All {total} {what} reach the minimum cell size ({minimum}).")
    return (
        f'<p class="suppressed">{hidden} of {total} {what} suppressed: fewer than '
        f"{minimum} learners (minimum cell size).</p>"
    )


def activity_section(rows: list[Row], totals: dict[str, int], minimum: int) -> Section:
    import plotly.graph_objects as go

    section = Section(
        "activity",
        "Weekly activity and enrollments",
        "How many learners are active each week, and how many enrol or leave?",
    )
    hidden = sum(1 for r in rows for k in ("active_learners",) if r[k] is None)
    section.suppressed = sum(
        1
        for r in rows
        for k in (
            "active_learners",
            "new_learners",
            "learners_seen_so_far",
            "enrollments",
            "unenrollments",
        )
        if r[k] is None
    )
    if rows:
        weeks = [str(r["week_start"]) for r in rows]
        figure = go.Figure()
        figure.add_bar(
            x=weeks, y=[r["active_learners"] for r in rows], name="active learners"
        )
        figure.add_bar(x=weeks, y=[r["new_learners"] for r in rows], name="first seen")
        figure.add_bar(x=weeks, y=[r["enrollments"] for r in rows], name="enrollments")
        figure.add_bar(
            x=weeks, y=[r["unenrollments"] for r in rows], name="unenrollments"
        )
        figure.add_scatter(
            x=weeks,
            y=[r["learners_seen_so_far"] for r in rows],
            name="learners seen so far",
            mode="lines+markers",
        )
        figure.update_layout(
            title="Learners per week (week starting Monday, UTC)",
            barmode="group",
            xaxis={"title": "week", "type": "category"},
            yaxis_title="learners",
            height=380,
        )
        section.parts.append(figure_html(figure))
        section.parts.append(
            table_html(
                ["week", "active", "events", "first seen", "enrolled", "unenrolled"],
                (
                    [
                        str(r["week_start"]),
                        number(r["active_learners"]),
                        number(r["events"]),
                        number(r["new_learners"]),
                        number(r["enrollments"]),
                        number(r["unenrollments"]),
                    ]
                    for r in rows
                ),
            )
        )
    section.parts.append(
        note(
            f"{totals['weeks']} weeks; {hidden} with fewer than {minimum} active "
            f"learners. — in a cell: suppressed (1 to {minimum - 1} learners)."
        )
    )
    return section


def time_section(
    rows: list[Row],
    sensitivity: list[Row],
    per_learner: list[Row],
    totals: dict[str, int],
    variables: dict[str, Any],
) -> Section:
    import plotly.graph_objects as go

    minimum = int(variables["min_cell_size"])
    cutoff = int(variables["time_on_page_cutoff_seconds"])
    ratio = variables.get("budget_overrun_ratio", 2)
    section = Section(
        "time",
        "Time on page against the designed time",
        "Do learners spend far longer on a page than the design budgeted?",
    )
    section.suppressed = max(0, totals["resources"] - len(rows))
    section.parts.append(
        note(
            f"Time on a page = the gap to the learner's next click, capped at "
            f"<b>{cutoff // 60} minutes</b> of inactivity (var "
            f"<code>time_on_page_cutoff_seconds</code> = {cutoff}; change it with "
            f"<code>--cutoff-seconds</code>). Medians per learner."
        )
    )
    budgeted = [r for r in rows if r["designed_minutes"] is not None]
    if budgeted:
        labels = unique_labels([r["resource_uri"] for r in budgeted])
        longest = max(
            max(float(r["median_seconds"]) / 60, float(r["designed_minutes"]))
            for r in budgeted
        )
        figure = go.Figure()
        figure.add_bar(
            y=labels,
            x=[float(r["median_seconds"]) / 60 for r in budgeted],
            name="actual (median minutes)",
            orientation="h",
            marker_color=[
                "#d62728" if r["is_over_budget"] else "#1f77b4" for r in budgeted
            ],
            text=[f"{float(r['budget_ratio']):.1f}× budget" for r in budgeted],
            textposition="outside",
            cliponaxis=False,
        )
        figure.add_bar(
            y=labels,
            x=[float(r["designed_minutes"]) for r in budgeted],
            name="designed (minutes)",
            orientation="h",
            marker_color="#aaaaaa",
        )
        figure.update_layout(
            title=(f"Actual vs designed minutes (red: ≥ {ratio}× the budget)"),
            barmode="group",
            xaxis={
                "title": "minutes per learner",
                # room for the "n× budget" labels
                "range": [0, 1.25 * longest],
            },
            height=160 + 60 * len(budgeted),
        )
        section.parts.append(figure_html(figure))
    else:
        section.parts.append(
            note(
                "No resource of this course has both a designed budget (seed "
                "<code>course_team_resource_budgets</code>) and enough learners."
            )
        )
    top = sorted(rows, key=lambda r: -float(r["median_seconds"] or 0))[:TOP_RESOURCES]
    if top:
        figure = go.Figure(
            go.Bar(
                y=unique_labels([r["resource_uri"] for r in top]),
                x=[float(r["median_seconds"]) / 60 for r in top],
                orientation="h",
                customdata=[r["learners"] for r in top],
                hovertemplate="%{y}: %{x:.1f} min, %{customdata} learners"
                "<extra></extra>",
            )
        )
        figure.update_layout(
            title=f"Median minutes per learner (top {len(top)} resources)",
            xaxis_title="minutes",
            yaxis={"autorange": "reversed"},
            height=160 + 28 * len(top),
        )
        section.parts.append(figure_html(figure))
    cutoffs = list(variables.get("time_on_page_cutoffs_seconds", []))
    if sensitivity and cutoffs:
        chosen = sorted(
            sensitivity,
            key=lambda r: -float(r[f"average_seconds_cutoff_{cutoffs[-1]}"] or 0),
        )[:TOP_SENSITIVITY]
        labels = unique_labels([r["resource_uri"] for r in chosen])
        figure = go.Figure()
        for value in cutoffs:
            figure.add_bar(
                y=labels,
                x=[float(r[f"average_seconds_cutoff_{value}"]) / 60 for r in chosen],
                name=f"cut-off {int(value) // 60} min",
                orientation="h",
            )
        figure.update_layout(
            title=(
                "The cut-off changes the answer: average minutes per learner "
                f"(top {len(chosen)} resources)"
            ),
            barmode="group",
            xaxis_title="minutes",
            yaxis={"autorange": "reversed"},
            height=160 + 22 * len(cutoffs) * len(chosen),
        )
        section.parts.append(figure_html(figure))
    if per_learner:
        labels = [
            f"{r['lower_minutes']}+ min"
            if r["upper_minutes"] is None
            else f"{r['lower_minutes']}–{r['upper_minutes']} min"
            for r in per_learner
        ]
        figure = go.Figure(
            go.Bar(
                x=labels,
                y=[r["learners"] for r in per_learner],
                text=[
                    "" if r["learners"] is None else str(r["learners"])
                    for r in per_learner
                ],
                textposition="outside",
                cliponaxis=False,
            )
        )
        for label, row in zip(labels, per_learner, strict=True):
            if row["learners"] is None:
                figure.add_annotation(
                    x=label,
                    y=0,
                    text=f"suppressed (&lt;{minimum})",
                    showarrow=False,
                    yshift=12,
                    font={"color": "#8a5a00"},
                )
        figure.update_layout(
            title="Learners by total time in the course (per learner, same cut-off)",
            xaxis={"title": "total time per learner", "type": "category"},
            yaxis={"title": "learners", "rangemode": "tozero"},
            height=340,
        )
        section.parts.append(figure_html(figure))
        hidden_bins = sum(1 for r in per_learner if r["learners"] is None)
        section.suppressed += hidden_bins
        if hidden_bins:
            section.parts.append(
                note(
                    f"{hidden_bins} of {len(per_learner)} time bins hold 1 to "
                    f"{minimum - 1} learners: suppressed."
                )
            )
    section.parts.append(
        suppressed_note(
            max(0, totals["resources"] - len(rows)),
            totals["resources"],
            "resources",
            minimum,
        )
    )
    return section


def video_section(rows: list[Row], totals: dict[str, int], minimum: int) -> Section:
    import plotly.graph_objects as go

    section = Section(
        "video",
        "Video drop-off",
        "How far into the videos do learners get? Do they bail out after "
        "three minutes?",
    )
    grouped: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda r: (r["video_module_id"], r["bucket_seconds"])):
        grouped.setdefault(row["video_module_id"], []).append(row)
    # the pooled curve first, then the most watched videos
    order = sorted(
        grouped,
        key=lambda v: (v != ALL_VIDEOS, -int(grouped[v][0]["learners"]), v),
    )
    videos = {video: grouped[video] for video in order}
    shown = [v for v in videos if v != ALL_VIDEOS]
    hidden_positions = sum(1 for r in rows if r["share_reaching"] is None)
    section.suppressed = max(0, totals["videos"] - len(shown)) + hidden_positions
    if videos:
        figure = go.Figure()
        for video, points in list(videos.items())[: 1 + TOP_VIDEO_CURVES]:
            pooled = video == ALL_VIDEOS
            figure.add_scatter(
                x=[p["bucket_seconds"] / 60 for p in points],
                y=[
                    None if p["share_reaching"] is None else float(p["share_reaching"])
                    for p in points
                ],
                name="all videos (pooled)" if pooled else short_label(video, 1),
                mode="lines+markers" if pooled else "lines",
                line={"width": 4 if pooled else 1.5},
            )
        figure.add_vline(
            x=3, line_dash="dash", line_color="#888", annotation_text="3 min"
        )
        figure.update_layout(
            title="Share of learners still watching at each position"
            + (
                f" (pooled and the {min(len(shown), TOP_VIDEO_CURVES)} "
                "most watched videos)"
                if shown
                else " (all videos pooled; no single video has enough learners)"
            ),
            xaxis_title="position in the video (minutes)",
            yaxis={"title": "share reaching", "tickformat": ".0%", "range": [0, 1.05]},
            height=420,
        )
        section.parts.append(figure_html(figure))
        at_three = [
            p
            for p in videos.get(ALL_VIDEOS, [])
            if p["bucket_seconds"] == 180 and p["share_reaching"] is not None
        ]
        if at_three:
            section.parts.append(
                note(
                    f"Pooled over the course's videos, "
                    f"<b>{percent(at_three[0]['share_reaching'])}</b> of "
                    "(learner, video) pairs get past 3 minutes."
                )
            )
        section.parts.append(
            table_html(
                ["video", "learners", "plays", "pauses", "seeks", "speed changes"],
                (
                    [
                        html.escape(
                            "all videos (pooled)"
                            if video == ALL_VIDEOS
                            else short_label(video, 1)
                        ),
                        number(points[0]["learners"]),
                        number(points[0]["plays"]),
                        number(points[0]["pauses"]),
                        number(points[0]["seeks"]),
                        number(points[0]["speed_changes"]),
                    ]
                    for video, points in list(videos.items())[: 1 + TOP_VIDEO_ROWS]
                ),
            )
        )
        if len(shown) > TOP_VIDEO_ROWS:
            section.parts.append(
                note(
                    f"{len(shown) - TOP_VIDEO_ROWS} more videos in "
                    "<code>analyses/video_drop_off.sql</code>."
                )
            )
    else:
        section.parts.append(note("No video reaches the minimum cell size."))
    section.parts.append(
        note(
            "A curve stops where fewer than "
            f"{minimum} learners got further (suppressed: {hidden_positions} "
            "positions)."
        )
    )
    section.parts.append(
        suppressed_note(
            max(0, totals["videos"] - len(shown)), totals["videos"], "videos", minimum
        )
    )
    return section


def problems_section(rows: list[Row], totals: dict[str, int], minimum: int) -> Section:
    section = Section(
        "problems",
        "Problem difficulty",
        "Which problems are too hard, or have a distractor chosen too often?",
    )
    section.suppressed = max(0, totals["problems"] - len(rows))
    ordered = sorted(
        rows, key=lambda r: (float(r["first_attempt_correct_share"]), r["problem_id"])
    )[:TOP_PROBLEM_ROWS]
    if ordered:
        section.parts.append(
            table_html(
                [
                    "problem",
                    "learners",
                    "checks (min / avg / max)",
                    "right first time",
                    "solved",
                    "checks to solve",
                    "most chosen wrong answer (learners)",
                ],
                (
                    [
                        html.escape(
                            short_label(r["module_id"] or r["problem_name"], 1)
                        ),
                        number(r["learners"]),
                        f"{r['min_attempts']} / {number(r['average_attempts'])} / "
                        f"{r['max_attempts']}",
                        (
                            '<span class="hard">'
                            if float(r["first_attempt_correct_share"]) < 0.5
                            else "<span>"
                        )
                        + percent(r["first_attempt_correct_share"])
                        + "</span>",
                        percent(r["solved_share"]),
                        number(r["average_attempts_to_solve"]),
                        html.escape(
                            f"{r['most_chosen_wrong_answer']} "
                            f"({r['most_chosen_wrong_answer_learners']})"
                        )
                        if r["most_chosen_wrong_answer"] is not None
                        else "—",
                    ]
                    for r in ordered
                ),
            )
        )
        section.parts.append(
            note(
                f"Hardest first ({len(ordered)} of {len(rows)} shown); red: fewer "
                "than half right on the first check. "
                f"A wrong answer chosen by fewer than {minimum} learners shows —."
            )
        )
    else:
        section.parts.append(note("No problem reaches the minimum cell size."))
    section.parts.append(
        suppressed_note(section.suppressed, totals["problems"], "problems", minimum)
    )
    return section


def transition_heatmap(rows: list[Row], title: str) -> Any:
    import plotly.graph_objects as go

    panels = sorted(
        {r["panel_number"] for r in rows}
        | {r["from_panel_number"] for r in rows if r["from_panel_number"] is not None}
    )
    sources: list[int | None] = [None, *panels]
    labels_from = ["entry" if p is None else f"panel {p}" for p in sources]
    labels_to = [f"panel {p}" for p in panels]
    cells = {(r["from_panel_number"], r["panel_number"]): r for r in rows}
    z = [
        [
            float(cells[(s, p)]["transition_probability"]) if (s, p) in cells else None
            for p in panels
        ]
        for s in sources
    ]
    text = [
        [
            f"{float(cells[(s, p)]['transition_probability']):.0%}"
            if (s, p) in cells
            else ""
            for p in panels
        ]
        for s in sources
    ]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=labels_to,
            y=labels_from,
            text=text,
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": "P(to | from)", "tickformat": ".0%"},
            hovertemplate="%{y} → %{x}: %{z:.0%}<extra></extra>",
        )
    )
    figure.update_layout(
        title=title,
        xaxis_title="to",
        yaxis={"title": "from", "autorange": "reversed"},
        height=200 + 40 * len(sources),
    )
    return figure


def navigation_section(
    markov: list[Row], skips: list[Row], totals: dict[str, int], minimum: int
) -> Section:
    section = Section(
        "navigation",
        "Navigation paths",
        "How do learners move between the panels of a sequence? Do they jump "
        "back, or skip straight to the homework?",
    )
    section.suppressed = max(
        0,
        totals["transitions"]
        - sum(1 for r in markov if r["sequence_url"] == ALL_SEQUENCES),
    )
    pooled = [r for r in markov if r["sequence_url"] == ALL_SEQUENCES]
    if pooled:
        section.parts.append(
            figure_html(
                transition_heatmap(
                    pooled,
                    "Panel-to-panel transitions, all sequences pooled "
                    "(row = from, share of moves out of it)",
                )
            )
        )
    else:
        section.parts.append(note("No transition reaches the minimum cell size."))
    sequences: dict[str, list[Row]] = {}
    for row in markov:
        if row["sequence_url"] != ALL_SEQUENCES:
            sequences.setdefault(row["sequence_url"], []).append(row)
    busiest = sorted(
        sequences, key=lambda q: (-sum(r["transitions"] for r in sequences[q]), q)
    )
    for sequence in busiest[:MAX_SEQUENCE_MAPS]:
        rows = sequences[sequence]
        section.parts.append(
            figure_html(transition_heatmap(rows, f"Sequence {short_label(sequence)}"))
        )
    if skips:
        ordered = sorted(
            skips,
            key=lambda r: (
                r["sequence_url"] != ALL_SEQUENCES,
                -int(r["learners"]),
                r["sequence_url"],
            ),
        )[: 1 + TOP_SEQUENCE_ROWS]
        section.parts.append(
            table_html(
                [
                    "sequence",
                    "learners",
                    "panel visits",
                    "backward jumps",
                    "forward skips",
                    "learners skipping straight to a problem",
                ],
                (
                    [
                        html.escape(
                            "all sequences (pooled)"
                            if r["sequence_url"] == ALL_SEQUENCES
                            else short_label(r["sequence_url"])
                        ),
                        number(r["learners"]),
                        number(r["panel_visits"]),
                        number(r["backward_jumps"]),
                        number(r["forward_skips"]),
                        "—"
                        if r["learners_skipping_to_problems"] is None
                        else f"{r['learners_skipping_to_problems']} "
                        f"({percent(r['share_skipping_to_problems'])})",
                    ]
                    for r in ordered
                ),
            )
        )
    section.parts.append(
        note(
            "Skipping straight to a problem: arriving on a panel that holds a "
            "problem without ever having seen the panel just before it."
        )
    )
    section.parts.append(
        suppressed_note(
            section.suppressed,
            totals["transitions"],
            "panel-to-panel transitions",
            minimum,
        )
    )
    return section


# -- page ----------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 1em 2em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ddd; margin-top: 2em; }
.question { font-size: 1.1em; font-style: italic; color: #444; }
.note { color: #555; font-size: 0.92em; }
.suppressed { color: #8a5a00; background: #fff6e0; padding: 0.4em 0.8em;
              border-left: 4px solid #e0a000; font-size: 0.92em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; }
th { background: #f4f4f4; } td:first-child { text-align: left; }
.hard { color: #c00; font-weight: bold; }
nav a { margin-right: 1.2em; }
"""


def page_html(
    course_id: str,
    sections: list[Section],
    variables: dict[str, Any],
    totals: dict[str, int],
) -> str:
    from plotly.offline import get_plotlyjs

    minimum = variables["min_cell_size"]
    cutoff = int(variables["time_on_page_cutoff_seconds"])
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    navigation = "".join(
        f'<a href="#{s.key}">{html.escape(s.title)}</a>' for s in sections
    )
    body = "".join(
        f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>'
        f'<p class="question">{html.escape(s.question)}</p>{"".join(s.parts)}'
        "</section>"
        for s in sections
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Course report — {html.escape(course_id)}</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>Course report</h1>
<p><b>{html.escape(course_id)}</b> — {totals["learners"]} learners seen.
Generated {generated} from the MOOCdb marts.</p>
<p class="note">Time-on-page cut-off: {cutoff} s ({cutoff // 60} min of
inactivity ends a stay). Minimum cell size: <b>{minimum}</b> learners — any
count of fewer learners is suppressed (shown as — or left out) so that no
individual can be singled out.</p>
<nav>{navigation}</nav>
{body}
</body></html>
"""


def build_report(
    course_id: str,
    out: Path,
    *,
    overrides: dict[str, Any] | None = None,
    info: ConnectionInfo | None = None,
) -> ReportSummary:
    """Compile and run the analyses for one course and write DIR/index.html."""
    info = info or connect_info()
    variables = {**project_vars(), **(overrides or {})}
    minimum = int(variables["min_cell_size"])
    with tempfile.TemporaryDirectory(prefix="moocdb-report-") as folder:
        compiled = compile_analyses(info, variables, Path(folder))
    with psycopg.connect(info.conninfo()) as conn:
        courses = known_courses(conn)
        if course_id not in courses:
            raise DatabaseError(
                f"no course {course_id!r} in the course-team marts; known: "
                + ", ".join(courses)
                + " (run `python -m loader dbt build` after loading)"
            )
        results = {
            name: run_analysis(conn, sql, course_id) for name, sql in compiled.items()
        }
        totals = course_totals(conn, course_id)
    sections = [
        activity_section(results["weekly_activity"], totals, minimum),
        time_section(
            results["time_on_page"],
            results["time_on_page_sensitivity"],
            results["time_per_learner"],
            totals,
            variables,
        ),
        video_section(results["video_drop_off"], totals, minimum),
        problems_section(results["problem_difficulty"], totals, minimum),
        navigation_section(
            results["navigation_markov"], results["navigation_skips"], totals, minimum
        ),
    ]
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    path.write_text(page_html(course_id, sections, variables, totals), encoding="utf-8")
    return ReportSummary(
        path=path,
        course_id=course_id,
        variables=variables,
        rows={name: len(rows) for name, rows in results.items()},
        suppressed={s.key: s.suppressed for s in sections},
        size_bytes=path.stat().st_size,
    )


# -- command -------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the course-team report (one offline HTML page) for a course",
        description=(
            "Course-team report: runs the dbt analyses (weekly activity, time "
            "on page vs designed budgets and under several cut-offs, video "
            "drop-off, problem difficulty, navigation Markov chains and skips) "
            "for one course on the built marts and writes DIR/index.html, a "
            "static page with plotly charts (plotly.js inlined: it opens "
            "offline). Cells with fewer learners than the minimum cell size "
            "are suppressed. Needs `python -m loader dbt build` first."
        ),
    )
    parser.add_argument("--course", required=True, help="Open edX course id")
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write index.html into"
    )
    parser.add_argument(
        "--cutoff-seconds",
        type=int,
        default=None,
        help="time-on-page inactivity cut-off (default: var "
        "time_on_page_cutoff_seconds of dbt_project.yml, 1800)",
    )
    parser.add_argument(
        "--cutoffs-seconds",
        type=str,
        default=None,
        help="cut-offs compared side by side, comma-separated (default: var "
        "time_on_page_cutoffs_seconds, 300,1800,3600)",
    )
    parser.add_argument(
        "--min-cell-size",
        type=int,
        default=None,
        help="suppress cells with fewer learners (default: var min_cell_size, 5)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    overrides: dict[str, Any] = {}
    if args.cutoff_seconds is not None:
        if args.cutoff_seconds <= 0:
            raise CliError("--cutoff-seconds must be positive")
        overrides["time_on_page_cutoff_seconds"] = args.cutoff_seconds
    if args.cutoffs_seconds:
        try:
            overrides["time_on_page_cutoffs_seconds"] = [
                int(v) for v in args.cutoffs_seconds.split(",") if v.strip()
            ]
        except ValueError as error:
            raise CliError("--cutoffs-seconds: give integers, e.g. 300,1800") from error
    if args.min_cell_size is not None:
        if args.min_cell_size < 1:
            raise CliError("--min-cell-size must be at least 1")
        overrides["min_cell_size"] = args.min_cell_size
    try:
        summary = build_report(args.course, args.out, overrides=overrides)
    except (DatabaseError, psycopg.Error) as error:
        raise CliError(str(error)) from error
    print(
        f"wrote {summary.path} ({summary.size_bytes / 1e6:.1f} MB, opens offline); "
        f"cut-off {summary.variables['time_on_page_cutoff_seconds']} s, "
        f"minimum cell size {summary.variables['min_cell_size']}; suppressed "
        + ", ".join(f"{k} {v}" for k, v in summary.suppressed.items())
    )
    return 0
