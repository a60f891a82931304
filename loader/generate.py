"""Deterministic, realistic synthetic Open edX tracking logs.

``python -m loader generate --events N --out FILE`` writes one JSON event per
line (gzip when FILE ends in ``.gz``). Same arguments give byte-identical
output: every random choice comes from seeded ``random.Random`` instances,
times are simulated (never the wall clock) and gzip headers carry ``mtime=0``.

What the logs look like
-----------------------
Courses of two generations share one timeline:

* **old era** (2012–2013 MITx dumps): slash course ids (``MITx/6.002x/2012_Fall``),
  ``i4x://`` module ids, answer keys ``i4x-MITx-6_002x-problem-<name>_2_1``,
  ``save_problem_check`` and friends. The oldest courses carry no ``context``
  object at all (the course is only derivable from the page URL, the URL-path
  ``event_type`` or the module id) and part of their sessions write ``time`` as a
  Mongo-export ``{"$date": <epoch ms>}`` or as a naive ISO string. A second old
  course shows the transitional form: slash ids *with* ``context``.
* **new era** (``course-v1:`` keys): ``block-v1:`` usage keys, 32-hex answer
  keys, ``name`` fields, ``context.module``, the ``edx.ui.lms.*`` navigation
  events, forum, grades, poll/survey and mobile-app events.

Each course has a fixed hierarchy (chapter → sequence → 2–8 panels → modules:
video, problem with 1–3 questions, html, inline discussion, poll/survey) built
from the seed and the course id only, so it does not depend on the run size
(:func:`build_courses` exposes it to tests). Synthetic learners
(``learner0042``) run sessions: a server page view of a courseware URL, panel
navigation (``seq_goto``/``seq_next``/``seq_prev``), interactions with the
modules on the current panel, ``page_close`` when leaving; sometimes a
textbook, forum, progress or dashboard page. A noise stream adds ``/heartbeat``
checks, anonymous visitors, one ``username: "anonymous"`` event and rare staff
rescoring. The event-type mix follows Table 4 of the MOOCdb thesis (6.002x
Spring 2013) for the frequent types; ``play_video`` is the most frequent. A
rare behaviour gets a raised chance until it first happens in a run, so even a
3 000-event sample shows every event type while large runs keep real shares.

Sessions are merged with a heap on their log time, so the file is time-ordered
the way a daily log is: exactly per session, roughly overall (each session is
pinned to a server whose clock lags by up to a second and a half; mobile
events are logged when the app forwards them, minutes after ``time``).
Memory is bounded by the number of concurrent sessions and learners, not by
the number of events.

Privacy: all names are synthetic, IPs come from the documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), and a few
forum bodies carry a planted fake e-mail (``jane.doe@example.com``) and phone
number (``+1 617 555 0199``) so privacy scrubbing can be tested.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import heapq
import io
import json
import logging
import math
import random
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote, quote_plus

import orjson

log = logging.getLogger(__name__)

DEFAULT_START = "2013-09-30"
DEFAULT_EVENTS = 5000
DEFAULT_DAYS = 2.0
DEFAULT_COURSES = 3
HOST = "courses.edx.org"
BASE_URL = f"https://{HOST}"
PLANTED_EMAIL = "jane.doe@example.com"
PLANTED_PHONE = "+1 617 555 0199"

Event = dict[str, Any]

# --------------------------------------------------------------------------
# Course catalogue
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseSpec:
    """A course run to simulate: its key parts, era and envelope style."""

    org: str
    number: str
    run: str
    era: str  # "old" (slash ids, i4x://) or "new" (course-v1:, block-v1:)
    has_context: bool  # False: the oldest logs, no ``context`` object
    title: str
    descriptive_names: bool  # url_names like Week_1 instead of 32 hex


COURSE_SPECS: tuple[CourseSpec, ...] = (
    CourseSpec("MITx", "6.002x", "2012_Fall", era="old", has_context=False,
               title="Circuits and Electronics", descriptive_names=True),
    CourseSpec("HarvardX", "CS50", "2017", era="new", has_context=True,
               title="Introduction to Computer Science", descriptive_names=False),
    CourseSpec("MITx", "3.091x", "2013_Fall", era="old", has_context=True,
               title="Introduction to Solid State Chemistry",
               descriptive_names=False),
    CourseSpec("edX", "DemoX", "Demo_Course", era="new", has_context=True,
               title="edX Demonstration Course", descriptive_names=False),
    CourseSpec("MITx", "14.73x", "2013_Spring", era="old", has_context=False,
               title="The Challenges of Global Poverty", descriptive_names=True),
    CourseSpec("HarvardX", "PH525.1x", "1T2018", era="new", has_context=True,
               title="Statistics and R", descriptive_names=False),
)  # fmt: skip

TOPICS = (
    "Introduction",
    "Foundations",
    "Linearity",
    "Superposition",
    "Networks",
    "Amplifiers",
    "Energy",
    "Signals",
    "Sampling",
    "Estimation",
    "Inference",
    "Regression",
    "Arrays",
    "Memory",
    "Algorithms",
    "Recursion",
    "Structures",
    "Bonding",
    "Crystals",
    "Diffraction",
    "Kinetics",
    "Markets",
    "Incentives",
    "Health",
    "Education",
    "Credit",
    "Savings",
    "Review",
    "Applications",
    "Design",
    "Measurement",
    "Models",
)
_LOREM_TEXT = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua ut enim ad minim "
    "veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea "
    "commodo consequat duis aute irure in reprehenderit voluptate velit esse "
    "cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non "
    "proident sunt culpa qui officia deserunt mollit anim id est laborum"
)
LOREM = tuple(_LOREM_TEXT.split())
# panel layouts (module kinds on one panel) with weights, as edX courses of
# both eras lay them out: lecture sequences alternate videos and short
# "check your understanding" problems, homework sequences are mostly problems
LECTURE_PANELS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("video",), 30),
    (("video", "problem"), 28),
    (("video", "html"), 8),
    (("html",), 8),
    (("problem",), 8),
    (("video", "problem", "problem"), 6),
    (("html", "discussion"), 5),
    (("video", "poll"), 3),
    (("html", "survey"), 2),
)
HOMEWORK_PANELS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("problem",), 45),
    (("problem", "problem"), 22),
    (("html", "problem"), 15),
    (("video",), 8),
    (("problem", "problem", "problem"), 7),
    (("problem", "discussion"), 3),
)
NEW_ONLY_KINDS = frozenset(("discussion", "poll", "survey"))
# the first panels of a new-era course: welcome text with an entrance survey,
# then the introduction video with a poll
WELCOME_PANELS: tuple[tuple[str, ...], ...] = (("html", "survey"), ("video", "poll"))
CHOICE_WORDS = (
    "resistor",
    "capacitor",
    "inductor",
    "voltage",
    "current",
    "array",
    "pointer",
    "loop",
    "lattice",
    "ion",
    "income",
    "loan",
    "mean",
    "variance",
    "none of the above",
    "all of the above",
)


@dataclass(slots=True)
class Question:
    """One response (input) of a problem; ``key`` is the answer key."""

    key: str
    kind: str  # multiplechoice | checkbox | numerical | string
    response_type: str
    input_type: str
    text: str
    choices: tuple[str, ...]
    correct: Any  # "choice_N", tuple of choices, or a string value


@dataclass(slots=True)
class Module:
    """A leaf component shown on a panel (video, problem, html, …)."""

    kind: str  # video | problem | html | discussion | poll | survey
    usage_key: str  # i4x://… or block-v1:…
    url_name: str
    display_name: str
    browser_id: str  # id in video browser events / escaped i4x form
    questions: tuple[Question, ...] = ()
    youtube: str = ""
    duration: int = 0
    html: str = ""  # rendered problem html (problem_graded payload)
    hints: tuple[str, ...] = ()


@dataclass(slots=True)
class Panel:
    """A unit (vertical) of a sequence: what one tab of the sequence shows."""

    usage_key: str
    modules: tuple[Module, ...]


@dataclass(slots=True)
class Sequence:
    """A subsection; its URL is the deepest URL the LMS shows."""

    index: int  # position in the course's flat sequence list
    chapter_index: int
    chapter_url_name: str
    chapter_display_name: str
    url_name: str
    display_name: str
    usage_key: str
    path: str  # /courses/<id>/courseware/<chapter>/<sequence>/
    panels: tuple[Panel, ...]


@dataclass(slots=True)
class Thread:
    """A forum thread known to the simulation (id, author, topic)."""

    thread_id: str
    title: str
    author: str
    commentable_id: str
    category_name: str
    responses: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Course:
    """A simulated course run with its fixed hierarchy."""

    index: int  # position in the run's course list
    spec: CourseSpec
    course_id: str
    org: str
    era: str
    has_context: bool
    escaped_prefix: str  # i4x-MITx-6_002x- (old era answer-key prefix)
    sequences: tuple[Sequence, ...]
    forum_topics: tuple[tuple[str, str], ...]  # (commentable_id, name)
    book_pages: int
    pdf_chapters: tuple[str, ...]
    threads: deque[Thread] = field(default_factory=lambda: deque(maxlen=64))

    @property
    def root(self) -> str:
        """URL path prefix of every course page: ``/courses/<course id>``."""
        return f"/courses/{self.course_id}"

    def all_modules(self) -> Iterator[tuple[Sequence, int, Module]]:
        """Every module with its sequence and 1-based panel number."""
        return _modules_of(self.sequences)


def _hex32(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _hex24(rng: random.Random) -> str:
    return f"{rng.getrandbits(96):024x}"


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(LOREM) for _ in range(rng.randint(low, high)))


def _sentence(rng: random.Random, low: int = 6, high: int = 16) -> str:
    text = _words(rng, low, high)
    return text[0].upper() + text[1:] + "."


def _youtube_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(11))


def _spec_for(index: int) -> CourseSpec:
    """The index-th course spec; past the catalogue, further runs (``_R1`` …)."""
    spec = COURSE_SPECS[index % len(COURSE_SPECS)]
    cycle = index // len(COURSE_SPECS)
    if cycle:
        sep = "_" if spec.era == "old" else ""
        spec = replace(spec, run=f"{spec.run}{sep}R{cycle}")
    return spec


class _Ids:
    """Module-id and answer-key formats of one course."""

    def __init__(self, spec: CourseSpec) -> None:
        self.spec = spec
        number = spec.number
        if spec.era == "old":
            self.course_id = f"{spec.org}/{number}/{spec.run}"
            self.escaped = f"i4x-{spec.org}-{number.replace('.', '_')}-"
        else:
            self.course_id = f"course-v1:{spec.org}+{number}+{spec.run}"
            self.escaped = ""

    def usage(self, block_type: str, name: str) -> str:
        spec = self.spec
        if spec.era == "old":
            return f"i4x://{spec.org}/{spec.number}/{block_type}/{name}"
        return (
            f"block-v1:{spec.org}+{spec.number}+{spec.run}"
            f"+type@{block_type}+block@{name}"
        )

    def browser_id(self, block_type: str, name: str) -> str:
        if self.spec.era == "old":
            return f"{self.escaped}{block_type}-{name}"
        return name

    def answer_key(self, name: str, question: int) -> str:
        prefix = f"{self.escaped}problem-" if self.spec.era == "old" else ""
        return f"{prefix}{name}_{question + 2}_1"


def _make_question(rng: random.Random, key: str) -> Question:
    kind = rng.choices(
        ("multiplechoice", "checkbox", "numerical", "string"),
        weights=(50, 15, 25, 10),
    )[0]
    text = f"{_sentence(rng, 10, 30)} {_sentence(rng, 6, 14)[:-1]}?"
    if kind in ("multiplechoice", "checkbox"):
        n = rng.randint(3, 5)
        choices = tuple(rng.sample(CHOICE_WORDS, n))
        if kind == "multiplechoice":
            return Question(
                key,
                kind,
                "multiplechoiceresponse",
                "choicegroup",
                text,
                choices,
                f"choice_{rng.randrange(n)}",
            )
        picked = sorted(rng.sample(range(n), rng.randint(1, n - 1)))
        return Question(
            key,
            kind,
            "choiceresponse",
            "checkboxgroup",
            text,
            choices,
            tuple(f"choice_{i}" for i in picked),
        )
    if kind == "numerical":
        value = f"{rng.choice((2, 5, 10, 42, 100, 0.5, 3.3, 12.5))}"
        return Question(
            key, kind, "numericalresponse", "formulaequationinput", text, (), value
        )
    return Question(
        key,
        kind,
        "stringresponse",
        "textline",
        text,
        (),
        rng.choice(("ohm's law", "binary search", "ionic", "yes")),
    )


def _problem_html(
    module_id: str,
    display: str,
    questions: tuple[Question, ...],
    element_id: str,
    statement: str,
) -> str:
    """Render the problem markup the LMS returns (problem_graded payload)."""
    parts = [
        f'<h3 class="hd hd-3 problem-header" id="{element_id}-problem-title" '
        f'aria-describedby="{module_id}-problem-progress" tabindex="-1">'
        f"\n  {display}\n</h3>\n",
        f'<div class="problem-progress" id="{module_id}-problem-progress">'
        '</div>\n<div class="problem">\n<div>\n',
        f"<p>{statement}</p>\n",
    ]
    for q in questions:
        parts.append(
            f'<p>{q.text}</p>\n<div class="{q.input_type} '
            f'capa_inputtype" id="inputtype_{q.key}">\n'
        )
        if q.choices:
            kind = "radio" if q.kind == "multiplechoice" else "checkbox"
            parts.append(f'<fieldset aria-describedby="status_{q.key}">\n')
            for i, label in enumerate(q.choices):
                parts.append(
                    f'<div class="field"><input type="{kind}" '
                    f'name="input_{q.key}" id="input_{q.key}_choice_{i}" '
                    f'class="field-input input-{kind}" value="choice_{i}"/>'
                    f'<label id="{q.key}-choice_{i}-label" '
                    f'for="input_{q.key}_choice_{i}" class="response-label '
                    f'field-label label-inline">{label}</label></div>\n'
                )
            parts.append("</fieldset>\n")
        else:
            parts.append(
                f'<input type="text" name="input_{q.key}" id="input_{q.key}" '
                f'aria-describedby="status_{q.key}" value="" size="20"/>\n'
            )
        parts.append(
            f'<span class="status unanswered" id="status_{q.key}"></span>\n</div>\n'
        )
    parts.append("</div>\n</div>\n")
    return "".join(parts)


def _build_course(index: int, spec: CourseSpec, seed: int) -> Course:
    ids = _Ids(spec)
    rng = random.Random(f"course:{seed}:{ids.course_id}")
    descriptive = spec.descriptive_names
    new = spec.era == "new"
    sequences: list[Sequence] = []
    counters: dict[str, int] = {}
    for ch in range(rng.randint(6, 10)):
        topic = TOPICS[(ch * 7 + len(spec.number)) % len(TOPICS)]
        ch_display = f"Week {ch + 1}: {topic}"
        ch_name = f"Week_{ch + 1}" if descriptive else _hex32(rng)
        for sq in range(rng.randint(2, 5)):
            seq_topic = rng.choice(TOPICS)
            seq_display = (
                f"Lecture {sq + 1}: {seq_topic}"
                if sq % 3 != 2
                else f"Homework {ch + 1}.{sq + 1}"
            )
            kind_word = seq_display.split(":")[0].split(" ")[0]
            seq_name = (
                f"W{ch + 1}_{kind_word}_{sq + 1}_{seq_topic}"
                if descriptive
                else _hex32(rng)
            )
            panels: list[Panel] = []
            for pn in range(rng.randint(2, 8)):
                vertical = (
                    f"{seq_name}_vertical_{pn + 1}" if descriptive else _hex32(rng)
                )
                modules: list[Module] = []
                layouts = LECTURE_PANELS if sq % 3 != 2 else HOMEWORK_PANELS
                layout = rng.choices(
                    layouts,
                    weights=[
                        w if new or not set(kinds) & NEW_ONLY_KINDS else 0
                        for kinds, w in layouts
                    ],
                )[0][0]
                if new and ch == 0 and sq == 0 and pn < len(WELCOME_PANELS):
                    layout = WELCOME_PANELS[pn]  # pre-course survey and poll
                for kind in layout:
                    counters[kind] = counters.get(kind, 0) + 1
                    number = counters[kind]
                    name = (
                        f"{kind.capitalize()}_{ch + 1}_{number}_{seq_topic}"
                        if descriptive
                        else _hex32(rng)
                    )
                    modules.append(_make_module(rng, ids, kind, name, number))
                panels.append(Panel(ids.usage("vertical", vertical), tuple(modules)))
            sequences.append(
                Sequence(
                    index=len(sequences),
                    chapter_index=ch,
                    chapter_url_name=ch_name,
                    chapter_display_name=ch_display,
                    url_name=seq_name,
                    display_name=seq_display,
                    usage_key=ids.usage("sequential", seq_name),
                    path=f"/courses/{ids.course_id}/courseware/{ch_name}/{seq_name}/",
                    panels=tuple(panels),
                )
            )
    if new:
        topics = [("course", "General"), (_hex32(rng), "Technical Help")]
        topics += [
            (m.url_name, f"Week {s.chapter_index + 1} / {m.display_name}")
            for s, _, m in _modules_of(sequences)
            if m.kind == "discussion"
        ]
    else:
        wide = f"{ids.escaped}course-{spec.run}"
        topics = [(wide, "General"), (f"{ids.escaped}discussion-Errata", "Errata")]
    course = Course(
        index=index,
        spec=spec,
        course_id=ids.course_id,
        org=spec.org,
        era=spec.era,
        has_context=spec.has_context,
        escaped_prefix=ids.escaped,
        sequences=tuple(sequences),
        forum_topics=tuple(topics),
        book_pages=rng.randint(180, 420),
        pdf_chapters=tuple(
            f"/asset-v1:{spec.org}+{spec.number}+{spec.run}"
            f"+type@asset+block/Chapter_{i + 1}.pdf"
            for i in range(rng.randint(4, 8))
        ),
    )
    for i in range(8):  # threads that existed before the log starts
        cid, cname = rng.choice(course.forum_topics)
        responses = [_hex24(rng) for _ in range(rng.randint(1, 3))]
        course.threads.append(
            Thread(
                _hex24(rng),
                _sentence(rng, 3, 8)[:-1],
                f"learner{9000 + i}",
                cid,
                cname,
                responses,
            )
        )
    return course


def _modules_of(
    sequences: list[Sequence] | tuple[Sequence, ...],
) -> Iterator[tuple[Sequence, int, Module]]:
    for seq in sequences:
        for number, panel in enumerate(seq.panels, start=1):
            for module in panel.modules:
                yield seq, number, module


def _make_module(
    rng: random.Random, ids: _Ids, kind: str, name: str, number: int
) -> Module:
    usage = ids.usage(kind, name)
    if kind == "video":
        return Module(
            kind,
            usage,
            name,
            f"Video {number}: {rng.choice(TOPICS)}",
            ids.browser_id("video", name),
            youtube=_youtube_id(rng),
            duration=rng.randint(150, 1100),
        )
    if kind == "problem":
        display = f"Problem {number}"
        questions = tuple(
            _make_question(rng, ids.answer_key(name, i))
            for i in range(rng.choices((1, 2, 3), weights=(55, 30, 15))[0])
        )
        element = ids.browser_id("problem", name)
        hints = tuple(_sentence(rng, 6, 14) for _ in range(rng.randint(1, 3)))
        return Module(
            kind,
            usage,
            name,
            display,
            element,
            questions=questions,
            html=_problem_html(
                usage,
                display,
                questions,
                element,
                " ".join(_sentence(rng) for _ in range(3)),
            ),
            hints=hints,
        )
    display = {
        "html": "Text",
        "discussion": "Discussion",
        "poll": "Poll",
        "survey": "Survey",
    }[kind]
    return Module(kind, usage, name, f"{display} {number}", ids.browser_id(kind, name))


def build_courses(n_courses: int = DEFAULT_COURSES, seed: int = 42) -> list[Course]:
    """Build the fixed hierarchies of the first ``n_courses`` simulated courses.

    Course *i* depends only on ``seed`` and its course id, so tests can look up
    where a module sits (sequence, panel) independently of the run size.
    """
    if n_courses < 1:
        raise ValueError("n_courses must be >= 1")
    return [_build_course(i, _spec_for(i), seed) for i in range(n_courses)]


# --------------------------------------------------------------------------
# Learners, agents, time
# --------------------------------------------------------------------------

DESKTOP_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/64.0.3282.186 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_3) AppleWebKit/604.5.6 "
    "(KHTML, like Gecko) Version/11.0.3 Safari/604.5.6",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:58.0) Gecko/20100101 Firefox/58.0",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/30.0.1599.69 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 11_2_6 like Mac OS X) "
    "AppleWebKit/604.5.6 (KHTML, like Gecko) Version/11.0 Mobile/15D100 "
    "Safari/604.1",
    "Mozilla/5.0 (Linux; Android 8.0.0; SM-G950F Build/R16NW) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/64.0.3282.137 Mobile "
    "Safari/537.36",
)
AGENT_WEIGHTS = (30, 16, 10, 8, 14, 12, 10)
MOBILE_APP_AGENT = "edX/org.edx.mobile (2.13.2; OS Version 11.2.6 (Build 15D100))"
MOBILE_APP = ("edx.mobileapp.iOS", "2.13.2")
HEALTHCHECK_AGENT = "ELB-HealthChecker/2.0"
LANGUAGES = (
    "en-US,en;q=0.9",
    "en-GB,en;q=0.8",
    "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7",
    "es-ES,es;q=0.9,en;q=0.6",
    "de-DE,de;q=0.8,en;q=0.6",
    "zh-CN,zh;q=0.9",
    "pt-BR,pt;q=0.9,en-US;q=0.8",
    "hi-IN,hi;q=0.9,en;q=0.8",
    "",
)
IP_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
EXTERNAL_REFERERS = (
    "https://www.google.com/",
    "https://www.edx.org/course/",
    "",
    f"{BASE_URL}/dashboard",
)
STAFF_USER = "course_staff01"
STAFF_USER_ID = 31


@dataclass(slots=True)
class User:
    """A synthetic learner and what stays constant across their sessions."""

    username: str
    user_id: int
    courses: tuple[int, ...]
    agent: str
    ip: str
    language: str
    mobile: bool  # also uses the mobile app (new-era courses only)
    position: dict[int, int] = field(default_factory=dict)  # course → seq


def _make_users(n_users: int, n_courses: int, seed: int) -> list[User]:
    rng = random.Random(f"users:{seed}")
    users = []
    for i in range(n_users):
        courses = [i % n_courses]
        if n_courses > 1 and rng.random() < 0.25:
            other = rng.randrange(n_courses)
            if other != courses[0]:
                courses.append(other)
        if rng.random() < 0.1:
            ip = f"2001:db8::{rng.randrange(1, 0xFFFF):x}"
        else:
            ip = f"{rng.choice(IP_PREFIXES)}{rng.randint(1, 254)}"
        users.append(
            User(
                username=f"learner{i:04d}",
                user_id=100_000 + i * 7 + rng.randrange(7),
                courses=tuple(courses),
                agent=rng.choices(DESKTOP_AGENTS, weights=AGENT_WEIGHTS)[0],
                ip=ip,
                language=rng.choice(LANGUAGES),
                mobile=rng.random() < 0.35,
            )
        )
    return users


_DAY_CACHE: dict[int, str] = {}
_CLOCK = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]


def _day(days: int) -> str:
    text = _DAY_CACHE.get(days)
    if text is None:
        text = (dt.date(1970, 1, 1) + dt.timedelta(days=days)).isoformat()
        _DAY_CACHE[days] = text
    return text


def iso_time(t_us: int, offset: bool = True, fraction: bool = True) -> str:
    """Format microseconds since the epoch like Python's ``isoformat()``.

    As with ``datetime.isoformat`` the fraction is left out when the
    microseconds are zero (real logs contain such lines).
    """
    secs, micros = divmod(t_us, 1_000_000)
    days, rem = divmod(secs, 86_400)
    minutes, seconds = divmod(rem, 60)
    text = f"{_day(days)}T{_CLOCK[minutes]}:{seconds:02d}"
    if fraction and micros:
        text = f"{text}.{micros:06d}"
    return f"{text}+00:00" if offset else text


# --------------------------------------------------------------------------
# Sessions and event construction
# --------------------------------------------------------------------------


@dataclass(slots=True)
class _Session:
    user: User
    course: Course
    session_id: str
    t: int  # microseconds since the epoch, only ever increases
    time_style: str  # iso | date | naive | mobile
    lag: int = 0  # log time minus event time (mobile: forwarding delay)
    url: str = ""  # current page (full URL)
    referer: str = ""  # what the current page was reached from
    seq: Sequence | None = None
    panel: int = 1
    speed: str = "1.0"  # the player keeps speed and transcript across videos
    transcript: bool = False
    problems: dict[str, tuple[int, dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict
    )  # usage key → (attempts, answers, correct_map)


_NAV_NAMES = {
    "seq_goto": "edx.ui.lms.sequence.tab_selected",
    "seq_next": "edx.ui.lms.sequence.next_selected",
    "seq_prev": "edx.ui.lms.sequence.previous_selected",
}
_MOBILE_NAMES = {
    "load_video": "edx.video.loaded",
    "play_video": "edx.video.played",
    "pause_video": "edx.video.paused",
    "seek_video": "edx.video.position.changed",
    "stop_video": "edx.video.stopped",
    "show_transcript": "edx.video.transcript.shown",
    "hide_transcript": "edx.video.transcript.hidden",
}
_EMPTY_REQUEST = '{"POST": {}, "GET": {}}'
RARE_FIRST_CHANCE = 0.5


def _dumps(value: Any) -> str:
    """Compact JSON text, as the browser's ``JSON.stringify`` writes it."""
    return orjson.dumps(value).decode()


def _us(seconds: float) -> int:
    return int(seconds * 1_000_000)


class _World:
    """Shared simulation state: courses, users, forum threads, random source."""

    def __init__(
        self,
        seed: int,
        start_us: int,
        span_us: int,
        n_users: int,
        n_courses: int,
        n_events: int,
    ) -> None:
        self.rng = random.Random(f"events:{seed}")
        self.courses = build_courses(n_courses, seed)
        self.users = _make_users(n_users, n_courses, seed)
        weights = [1.0 / (rank + 1) ** 0.7 for rank in range(n_users)]
        random.Random(f"activity:{seed}").shuffle(weights)
        total = 0.0
        self.user_cum: list[float] = []
        for w in weights:
            total += w
            self.user_cum.append(total)
        self.start_us = start_us
        self.span_us = span_us
        self.n_events = n_events
        self.pii_planted = False
        self.anonymous_done = False
        self.shown: set[str] = set()  # rare behaviours that happened already
        self.videos = [
            [(seq, m) for seq, _, m in c.all_modules() if m.kind == "video"]
            for c in self.courses
        ]
        self.problems = [
            [m for _, _, m in c.all_modules() if m.kind == "problem"]
            for c in self.courses
        ]

    # -- envelope -----------------------------------------------------------

    def _time(self, s: _Session, t: int) -> Any:
        style = s.time_style
        if style == "iso":
            return iso_time(t)
        if style == "date":
            return {"$date": t // 1000}
        if style == "naive":
            return iso_time(t, offset=False)
        return iso_time(t, fraction=False)  # mobile app: whole seconds

    def emit(
        self,
        s: _Session,
        event_type: str,
        source: str,
        event: Any,
        *,
        page: str | None = None,
        referer: str | None = None,
        path: str = "/event",
        module: Module | None = None,
        name: str | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> Event:
        """One event in the envelope style of the session's course era."""
        course = s.course
        user = s.user
        when = self._time(s, s.t)
        ref = s.url if referer is None else referer
        if course.era == "new":
            context: dict[str, Any] = {
                "course_id": course.course_id,
                "org_id": course.org,
                "path": path,
                "user_id": user.user_id,
                "enterprise_uuid": "",
            }
            if module is not None:
                context["module"] = {
                    "usage_key": module.usage_key,
                    "display_name": module.display_name,
                }
            if extra_context:
                context.update(extra_context)
            return {
                "name": name or event_type,
                "context": context,
                "username": user.username,
                "session": s.session_id,
                "ip": user.ip,
                "agent": user.agent,
                "host": HOST,
                "referer": ref,
                "accept_language": user.language,
                "event": event,
                "time": when,
                "event_type": event_type,
                "event_source": source,
                "page": page,
            }
        if course.has_context:
            context = {
                "course_id": course.course_id,
                "org_id": course.org,
                "path": path,
                "user_id": user.user_id,
            }
            if extra_context:
                context.update(extra_context)
            return {
                "username": user.username,
                "event_source": source,
                "event_type": event_type,
                "ip": user.ip,
                "agent": user.agent,
                "host": HOST,
                "referer": ref,
                "accept_language": user.language,
                "event": event,
                "page": page,
                "session": s.session_id,
                "time": when,
                "context": context,
            }
        return {
            "username": user.username,
            "host": HOST,
            "event_source": source,
            "event_type": event_type,
            "time": when,
            "ip": user.ip,
            "event": event,
            "agent": user.agent,
            "page": page,
            "session": s.session_id,
            "referer": ref,
            "accept_language": user.language,
        }

    def browser(
        self, s: _Session, event_type: str, event: Any, name: str | None = None
    ) -> Event:
        """A browser event emitted from the current page."""
        return self.emit(s, event_type, "browser", event, page=s.url, name=name)

    def page_view(
        self,
        s: _Session,
        url: str,
        get: dict[str, list[str]] | None = None,
        referer: str | None = None,
    ) -> Event:
        """The server event of a page load: ``event_type`` is the URL path."""
        path = url[len(BASE_URL) :].split("?", 1)[0]
        event = _EMPTY_REQUEST if not get else json.dumps({"POST": {}, "GET": get})
        previous = (s.url or s.referer) if referer is None else referer
        s.referer = previous
        s.url = url
        return self.emit(s, path, "server", event, referer=previous, path=path)

    def ajax(
        self, s: _Session, module_usage: str, handler: str, post: dict[str, list[str]]
    ) -> Event:
        """A server event for an XHR whose ``event_type`` is the URL path."""
        path = self.handler_path(s, module_usage, handler)
        event = json.dumps({"POST": post, "GET": {}})
        return self.emit(s, path, "server", event, path=path)

    @staticmethod
    def handler_path(s: _Session, usage_key: str, handler: str) -> str:
        """URL path of a module's XHR handler (``modx`` in the old LMS)."""
        root = s.course.root
        if s.course.era == "new":
            return f"{root}/xblock/{usage_key}/handler/xmodule_handler/{handler}"
        return f"{root}/modx/{usage_key}/{handler}"

    def server(
        self,
        s: _Session,
        event_type: str,
        event: Any,
        module: Module,
        handler: str,
        page: str | None = "x_module",
    ) -> Event:
        """A server event emitted while handling a module's XHR."""
        return self.emit(
            s,
            event_type,
            "server",
            event,
            page=page,
            path=self.handler_path(s, module.usage_key, handler),
            module=module,
        )

    def rare(self, behaviour: str, p: float) -> bool:
        """Decide a rare behaviour: true with probability ``p``.

        Until a behaviour has happened once in the run its chance is raised to
        ``RARE_FIRST_CHANCE``, so even a small sample shows every event type
        while the shares of large runs stay those of the real mix.
        """
        if behaviour in self.shown:
            return self.rng.random() < p
        if self.rng.random() < max(p, RARE_FIRST_CHANCE):
            self.shown.add(behaviour)
            return True
        return False

    # -- time ---------------------------------------------------------------

    def wait(self, s: _Session, mean_seconds: float, low: float = 0.2) -> None:
        """Advance the session clock by a human think time."""
        s.t += _us(low + self.rng.expovariate(1.0 / mean_seconds))

    def tick(self, s: _Session) -> None:
        """Advance by a server round trip (tens to hundreds of ms)."""
        s.t += self.rng.randint(40_000, 450_000)

    # -- sessions -------------------------------------------------------------

    def new_session(self, t: int) -> tuple[int, Iterator[tuple[int, Event]]]:
        """Start a session at ``t``; returns its log lag and its event stream."""
        rng = self.rng
        user_index = _bisect(self.user_cum, rng.random() * self.user_cum[-1])
        user = self.users[user_index]
        course = self.courses[rng.choice(user.courses)]
        style = "iso"
        if course.era == "old" and not course.has_context:
            style = rng.choices(("iso", "date", "naive"), weights=(62, 30, 8))[0]
        # app users watch on their phone in most of their sessions; anyone may
        # try the app once (which also puts mobile events in small samples)
        mobile = course.era == "new" and (
            (user.mobile and rng.random() < 0.6) or self.rare("mobile.session", 0.0)
        )
        if mobile:
            s = _Session(
                user, course, "", t, "mobile", lag=_us(20 + rng.expovariate(1 / 240))
            )
            return s.lag, self._mobile_session(s)
        s = _Session(user, course, _hex32(rng), t, style)
        return rng.randint(0, 1_500_000), self._web_session(s)

    def _web_session(self, s: _Session) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        course = s.course
        if course.has_context:
            if self.rare("enrollment.activated", 0.012):
                yield from self._enrollment(s, "edx.course.enrollment.activated")
            elif self.rare("enrollment.deactivated", 0.004):
                yield from self._enrollment(s, "edx.course.enrollment.deactivated")
                return
            elif self.rare("enrollment.mode_changed", 0.002):
                yield from self._enrollment(s, "edx.course.enrollment.mode_changed")
        s.referer = rng.choice(EXTERNAL_REFERERS)
        visits = 1 + min(int(rng.expovariate(1 / 3.5)), 20)
        for visit in range(visits):
            if visit:
                self.wait(s, 12, low=1.0)
            kind = rng.choices(
                ("courseware", "book", "forum", "progress", "info"),
                weights=(70, 14, 7, 4, 5),
            )[0]
            if kind == "courseware":
                yield from self._courseware(s)
            elif kind == "book":
                yield from self._book(s)
            elif kind == "forum":
                yield from self._forum(s)
            else:
                yield from self._simple_page(s, kind)
        if rng.random() < 0.6:
            self.wait(s, 20)
            yield s.t, self.browser(s, "page_close", "")

    # -- navigation -----------------------------------------------------------

    def _leave_page(self, s: _Session) -> Iterator[tuple[int, Event]]:
        if s.url and self.rng.random() < 0.86:
            self.wait(s, 3, low=0.3)
            yield s.t, self.browser(s, "page_close", "")
            s.t += self.rng.randint(5_000, 200_000)

    def _pick_sequence(self, s: _Session) -> Sequence:
        rng = self.rng
        seqs = s.course.sequences
        course_index = s.course.index
        last = s.user.position.get(course_index)
        if s.seq is not None and rng.random() < 0.55:
            index = min(s.seq.index + 1, len(seqs) - 1)
        elif last is not None and rng.random() < 0.6:
            index = min(last + rng.choice((0, 0, 1)), len(seqs) - 1)
        else:
            index = min(int(rng.expovariate(1 / (len(seqs) / 3))), len(seqs) - 1)
        s.user.position[course_index] = index
        return seqs[index]

    def _courseware(self, s: _Session) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        course = s.course
        new = course.era == "new"
        seq = self._pick_sequence(s)
        target_url = f"{BASE_URL}{seq.path}"
        if new and not s.url and rng.random() < 0.3:
            # the new LMS: learners land on the course home and resume there
            yield s.t, self.page_view(s, f"{BASE_URL}{course.root}/course/")
            self.wait(s, 6)
            if self.rare("resume_course", 0.5):
                yield (
                    s.t,
                    self.browser(  # undocumented
                        s,
                        "edx.course.home.resume_course.clicked",
                        _dumps({"url": target_url}),
                    ),
                )
        if s.url and new and s.url != target_url and rng.random() < 0.3:
            yield (
                s.t,
                self.browser(
                    s,
                    "edx.ui.lms.outline.selected",
                    _dumps(
                        {
                            "current_url": s.url,
                            "target_name": seq.display_name,
                            "target_url": target_url,
                            "widget_placement": "accordion",
                        }
                    ),
                ),
            )
        elif "/courseware/" in s.url and not new and self.rare("accordion", 0.01):
            yield (
                s.t,
                self.browser(s, "accordion", _dumps({"chapter": seq.chapter_url_name})),
            )  # undocumented
        yield from self._leave_page(s)
        panel = 1 if rng.random() < 0.6 else rng.randint(1, len(seq.panels))
        url = f"{BASE_URL}{seq.path}"
        get: dict[str, list[str]] | None = None
        if rng.random() < 0.12:  # panel-level URL (not always available)
            url = f"{url}{panel}"
            if new:
                block = seq.panels[panel - 1].usage_key
                url = f"{url}?activate_block_id={quote(block, safe='')}"
                get = {"activate_block_id": [block]}
        yield s.t, self.page_view(s, url, get)
        s.seq = seq
        s.panel = panel
        while True:
            self.wait(s, 2.5, low=0.5)
            yield from self._panel(s)
            r = rng.random()
            n = len(seq.panels)
            if r < 0.40:
                target = rng.randint(1, n - 1)
                target += target >= s.panel
                yield from self._navigate(s, "seq_goto", target)
            elif r < 0.53:
                if s.panel < n:
                    yield from self._navigate(s, "seq_next", s.panel + 1)
                elif new:
                    yield (
                        s.t,
                        self.browser(
                            s,
                            "edx.ui.lms.sequence.next_selected",
                            _dumps(
                                {
                                    "current_tab": s.panel,
                                    "tab_count": n,
                                    "id": seq.usage_key,
                                    "widget_placement": "bottom",
                                }
                            ),
                        ),
                    )
                    return
                else:
                    return
            elif r < 0.55 and s.panel > 1:
                yield from self._navigate(s, "seq_prev", s.panel - 1)
            else:
                return

    def _navigate(
        self, s: _Session, event_type: str, target: int
    ) -> Iterator[tuple[int, Event]]:
        assert s.seq is not None
        seq = s.seq
        old = s.panel
        if s.course.era == "new":
            payload: dict[str, Any] = {"current_tab": old}
            if event_type == "seq_goto":
                payload["target_tab"] = target
            payload.update(
                {
                    "tab_count": len(seq.panels),
                    "old": old,
                    "new": target,
                    "id": seq.usage_key,
                    "widget_placement": self.rng.choice(("top", "top", "bottom")),
                }
            )
            event = self.browser(
                s, event_type, _dumps(payload), name=_NAV_NAMES[event_type]
            )
        else:
            event = self.browser(
                s, event_type, _dumps({"id": seq.usage_key, "old": old, "new": target})
            )
        yield s.t, event
        s.panel = target
        if self.rng.random() < 0.1:  # the sequence saves its position
            self.tick(s)
            yield (
                s.t,
                self.ajax(
                    s, seq.usage_key, "goto_position", {"position": [str(target)]}
                ),
            )

    def _panel(self, s: _Session) -> Iterator[tuple[int, Event]]:
        assert s.seq is not None
        rng = self.rng
        for module in s.seq.panels[s.panel - 1].modules:
            kind = module.kind
            if kind == "video":
                if rng.random() < 0.9:
                    yield from self._video(s, module)
            elif kind == "problem":
                if rng.random() < 0.7:
                    yield from self._problem(s, module)
            elif kind == "html":
                if s.course.era == "new" and self.rare("link_clicked", 0.08):
                    self.wait(s, 30)
                    yield (
                        s.t,
                        self.browser(
                            s,
                            "edx.ui.lms.link_clicked",
                            _dumps(
                                {
                                    "current_url": s.url,
                                    "target_url": f"https://www.example.org/reading/"
                                    f"{module.url_name[:8]}",
                                }
                            ),
                        ),
                    )
                else:
                    self.wait(s, 25)
            elif kind == "discussion":
                if rng.random() < 0.4:
                    yield from self._forum_actions(s, inline=module)
            elif self.rare(module.kind, 0.5):  # poll / survey
                yield from self._poll(s, module)

    # -- video ----------------------------------------------------------------

    def _video_payload(self, s: _Session, module: Module, **fields: Any) -> str:
        code = module.youtube
        if s.course.era == "new" and module.duration % 4 == 0:
            code = "html5"
        payload: dict[str, Any] = {"id": module.browser_id, "code": code}
        payload.update(fields)
        if s.course.era == "old" and "currentTime" in fields:
            payload["speed"] = s.speed
        return _dumps(payload)

    def _video(self, s: _Session, module: Module) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        old = s.course.era == "old"
        pos = (
            0.0
            if rng.random() < 0.7
            else round(rng.uniform(0, module.duration * 0.8), 3)
        )
        if rng.random() < (0.06 if old else 0.4):
            yield s.t, self.browser(s, "load_video", self._video_payload(s, module))
            self.wait(s, 2)
        for _ in range(1 + min(int(rng.expovariate(1 / 1.9)), 12)):
            yield (
                s.t,
                self.browser(
                    s,
                    "play_video",
                    self._video_payload(s, module, currentTime=round(pos, 3)),
                ),
            )
            watched = min(rng.expovariate(1 / 110), module.duration - pos)
            s.t += _us(watched + 0.05)
            pos += watched * float(s.speed)
            if pos >= module.duration - 0.5:
                pos = float(module.duration)
                yield (
                    s.t,
                    self.browser(
                        s,
                        "pause_video",
                        self._video_payload(s, module, currentTime=pos),
                    ),
                )
                if not old:
                    yield (
                        s.t,
                        self.browser(
                            s,
                            "stop_video",
                            self._video_payload(s, module, currentTime=pos),
                        ),
                    )
                break
            r = rng.random()
            if r < 0.6:
                yield (
                    s.t,
                    self.browser(
                        s,
                        "pause_video",
                        self._video_payload(s, module, currentTime=round(pos, 3)),
                    ),
                )
                if rng.random() < 0.06:
                    self.tick(s)
                    yield (
                        s.t,
                        self.ajax(
                            s,
                            module.usage_key,
                            "save_user_state",
                            {
                                "saved_video_position": [
                                    time.strftime("%H:%M:%S", time.gmtime(int(pos)))
                                ]
                            },
                        ),
                    )
                self.wait(s, 15)
            elif r < 0.7:
                new_time = round(rng.uniform(0, module.duration - 1), 3)
                seek_type = (
                    "slide_seek"
                    if old
                    else rng.choice(("onSlideSeek", "onSlideSeek", "onCaptionSeek"))
                )
                yield (
                    s.t,
                    self.browser(
                        s,
                        "seek_video",
                        self._video_payload(
                            s,
                            module,
                            old_time=round(pos, 3),
                            new_time=new_time,
                            type=seek_type,
                        ),
                    ),
                )
                pos = new_time
                self.wait(s, 1)
            elif r < 0.71:
                new_speed = rng.choice(("0.75", "1.25", "1.50", "2.0", "1.0"))
                yield (
                    s.t,
                    self.browser(
                        s,
                        "speed_change_video",
                        self._video_payload(
                            s,
                            module,
                            current_time=round(pos, 3),
                            old_speed=s.speed,
                            new_speed=new_speed,
                        ),
                    ),
                )
                s.speed = new_speed
                self.wait(s, 1)
            elif r < 0.735:
                kind = "hide_transcript" if s.transcript else "show_transcript"
                s.transcript = not s.transcript
                yield (
                    s.t,
                    self.browser(
                        s,
                        kind,
                        self._video_payload(s, module, currentTime=round(pos, 3)),
                    ),
                )
                if s.transcript and self.rare("hide_transcript", 0.5):
                    self.wait(s, 40, low=3)  # read a while, then hide it again
                    s.transcript = False
                    yield (
                        s.t,
                        self.browser(
                            s,
                            "hide_transcript",
                            self._video_payload(s, module, currentTime=round(pos, 3)),
                        ),
                    )
                self.wait(s, 1)
            else:
                return  # navigates away while the video plays

    def _mobile_session(self, s: _Session) -> Iterator[tuple[int, Event]]:
        """Videos watched in the mobile app: ``edx.video.*`` names, no pages."""
        rng = self.rng
        videos = self.videos[s.course.index]
        if not videos:
            return
        start = rng.randrange(len(videos))
        app = MOBILE_APP
        for seq, module in videos[start : start + rng.randint(2, 5)]:
            page = f"{BASE_URL}{seq.path.rstrip('/')}"
            duration = float(module.duration)
            event = partial(self._mobile, s, module, page, app)

            # the app resumes a video where it was left, sometimes near its end
            if self.rare("mobile.resume_near_end", 0.1):
                pos = round(duration * rng.uniform(0.85, 0.97), 3)
            elif rng.random() < 0.35:
                pos = round(rng.uniform(0, duration * 0.8), 3)
            else:
                pos = 0.0
            yield event("load_video")
            self.wait(s, 3)
            if self.rare("mobile.transcript", 0.05):
                yield event("show_transcript", currentTime=pos)
                self.wait(s, 2)
            for _ in range(1 + min(int(rng.expovariate(1 / 2.0)), 8)):
                yield event("play_video", currentTime=pos)
                watched = min(rng.expovariate(1 / 140), duration - pos)
                s.t += _us(watched + 0.2)
                pos = round(pos + watched, 3)
                if pos >= duration - 0.5:
                    yield event("stop_video", currentTime=duration)
                    break
                r = rng.random()
                if r < 0.6:
                    yield event("pause_video", currentTime=pos)
                    self.wait(s, 20)
                elif r >= 0.8:
                    break
                elif rng.random() < 0.5:  # the "back 30 seconds" button
                    new_time = max(0.0, round(pos - 30, 3))
                    yield event(
                        "seek_video",
                        old_time=pos,
                        new_time=new_time,
                        type="onSkipSeek",
                        requested_skip_interval=-30,
                    )
                    pos = new_time
                else:
                    new_time = round(rng.uniform(0, duration - 1), 3)
                    yield event(
                        "seek_video",
                        old_time=pos,
                        new_time=new_time,
                        type="onSlideSeek",
                    )
                    pos = new_time
            self.wait(s, 15)

    def _mobile(
        self,
        s: _Session,
        module: Module,
        page: str,
        app: tuple[str, str],
        event_type: str,
        **fields: Any,
    ) -> tuple[int, Event]:
        """A mobile-app video event, timed at the session clock."""
        payload: dict[str, Any] = {"code": "mobile", "id": module.usage_key}
        payload.update(fields)
        received = s.t + s.lag
        context = {
            "component": "videoplayer",
            "received_at": iso_time(received),
            "application": {"name": app[0], "version": app[1]},
            "client": {
                "library": {"name": "analytics-ios", "version": "3.6.7"},
                "network": {"wifi": True, "cellular": False},
                "locale": s.user.language.split(",")[0] or "en-US",
                "os": {"name": "iOS", "version": "11.2.6"},
                "device": {"manufacturer": "Apple", "model": "iPhone10,4"},
            },
        }
        event = self.emit(
            s,
            event_type,
            "mobile",
            json.dumps(payload),
            page=page,
            referer="",
            path="/segment/event",
            name=_MOBILE_NAMES[event_type],
            extra_context=context,
        )
        event["agent"] = MOBILE_APP_AGENT
        return s.t, event

    # -- problems -------------------------------------------------------------

    @staticmethod
    def _form(answers: dict[str, Any]) -> str:
        parts: list[str] = []
        for key, value in answers.items():
            if isinstance(value, list):
                parts.extend(f"input_{key}%5B%5D={v}" for v in value)
            else:
                parts.append(f"input_{key}={quote_plus(value)}")
        return "&".join(parts)

    def _answer(self, q: Question, right: bool) -> Any:
        rng = self.rng
        if right:
            return list(q.correct) if q.kind == "checkbox" else q.correct
        if q.kind == "multiplechoice":
            wrong = [
                f"choice_{i}"
                for i in range(len(q.choices))
                if f"choice_{i}" != q.correct
            ]
            return rng.choice(wrong)
        if q.kind == "checkbox":
            picked = rng.sample(range(len(q.choices)), rng.randint(1, len(q.choices)))
            answer = [f"choice_{i}" for i in sorted(picked)]
            return answer if tuple(answer) != q.correct else answer[:1] or ["choice_0"]
        if q.kind == "numerical":
            return rng.choice(("7", "0.25", "-3", "1e3", "x+1", "13.1"))
        return rng.choice(("ohms law", "linear search", "covalent", "no", ""))

    def _correct_map(
        self, s: _Session, answers: dict[str, Any], module: Module
    ) -> tuple[dict[str, Any], int]:
        cmap: dict[str, Any] = {}
        grade = 0
        for q in module.questions:
            expected = list(q.correct) if q.kind == "checkbox" else q.correct
            ok = answers[q.key] == expected
            grade += ok
            entry: dict[str, Any] = {
                "hint": "",
                "hintmode": None,
                "correctness": "correct" if ok else "incorrect",
                "msg": "",
                "npoints": None,
                "queuestate": None,
            }
            if s.course.era == "new":
                entry["answervariable"] = None
            cmap[q.key] = entry
        return cmap, grade

    def _state(
        self,
        s: _Session,
        module: Module,
        answers: dict[str, Any],
        cmap: dict[str, Any],
        done: bool | None,
    ) -> dict[str, Any]:
        state: dict[str, Any] = {
            "student_answers": answers,
            "seed": 1,
            "done": done,
            "correct_map": cmap,
            "input_state": {q.key: {} for q in module.questions},
        }
        if s.course.era == "new":
            state["has_saved_answers"] = False
            if done:
                state["last_submission_time"] = iso_time(s.t - 3_000_000)
        return state

    def _problem(self, s: _Session, module: Module) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        course = s.course
        new = course.era == "new"
        attempts, prev_answers, prev_cmap = s.problems.get(
            module.usage_key, (rng.choice((0, 0, 0, 1, 2)), {}, {})
        )
        self.wait(s, 25, low=3)
        if new and module.hints and self.rare("demandhint", 0.03):
            yield (
                s.t,
                self.server(
                    s,
                    "edx.problem.hint.demandhint_displayed",
                    {
                        "hint_index": 0,
                        "hint_len": len(module.hints),
                        "hint_text": module.hints[0],
                        "module_id": module.usage_key,
                    },
                    module,
                    "hint_button",
                ),
            )
            self.wait(s, 15)
        checks = rng.choices((0, 1, 2, 3, 4), weights=(16, 46, 22, 10, 6))[0]
        skill = rng.uniform(0.3, 0.85)
        for _ in range(checks):
            answers = {
                q.key: self._answer(q, rng.random() < skill) for q in module.questions
            }
            yield s.t, self.browser(s, "problem_check", self._form(answers))
            self.tick(s)
            cmap, grade = self._correct_map(s, answers, module)
            state = self._state(
                s, module, prev_answers, prev_cmap, bool(prev_answers) or None
            )
            if self.rare(f"check_fail:{course.has_context}", 0.004):
                fail = (
                    "save_problem_check_fail"
                    if not course.has_context
                    else "problem_check_fail"
                )
                yield (
                    s.t,
                    self.server(
                        s,
                        fail,
                        {
                            "answers": answers,
                            "failure": rng.choice(("closed", "unreset")),
                            "problem_id": module.usage_key,
                            "state": state,
                        },
                        module,
                        "problem_check",
                    ),
                )
                break
            attempts += 1
            payload: dict[str, Any] = {
                "answers": answers,
                "attempts": attempts,
                "correct_map": cmap,
                "grade": grade,
                "max_grade": len(module.questions),
                "problem_id": module.usage_key,
                "state": state,
                "success": "correct" if grade == len(module.questions) else "incorrect",
            }
            if new:
                payload["submission"] = {
                    q.key: {
                        "question": q.text,
                        "answer": self._display_answer(q, answers[q.key]),
                        "response_type": q.response_type,
                        "input_type": q.input_type,
                        "correct": cmap[q.key]["correctness"] == "correct",
                        "variant": "",
                        "group_label": "",
                    }
                    for q in module.questions
                }
            check_type = "problem_check" if course.has_context else "save_problem_check"
            yield s.t, self.server(s, check_type, payload, module, "problem_check")
            if new:
                yield from self._grades(s, module, grade)
            prev_answers, prev_cmap = answers, cmap
            if rng.random() < (0.02 if not new else 0.5):
                self.tick(s)
                yield (
                    s.t,
                    self.browser(
                        s, "problem_graded", [self._form(answers), module.html]
                    ),
                )
            s.problems[module.usage_key] = (attempts, answers, cmap)
            if grade == len(module.questions):
                break
            self.wait(s, 40, low=5)
        if rng.random() < 0.1:
            self.wait(s, 8)
            yield (
                s.t,
                self.browser(s, "problem_show", _dumps({"problem": module.usage_key})),
            )
            self.tick(s)
            show = (
                "show_answer"
                if (not course.has_context and self.rare("show_answer", 0.2))
                else "showanswer"
            )
            yield (
                s.t,
                self.server(
                    s, show, {"problem_id": module.usage_key}, module, "problem_show"
                ),
            )
        elif self.rare("problem_save", 0.028):
            answers = {
                q.key: self._answer(q, rng.random() < 0.5) for q in module.questions
            }
            yield s.t, self.browser(s, "problem_save", self._form(answers))
            self.tick(s)
            yield (
                s.t,
                self.server(
                    s,
                    "save_problem_success",
                    {
                        "answers": answers,
                        "problem_id": module.usage_key,
                        "state": self._state(s, module, prev_answers, prev_cmap, None),
                    },
                    module,
                    "problem_save",
                ),
            )
        elif prev_answers and self.rare("problem_reset", 0.003):
            yield s.t, self.browser(s, "problem_reset", self._form(prev_answers))
            self.tick(s)
            yield (
                s.t,
                self.server(
                    s,
                    "reset_problem",
                    {
                        "old_state": self._state(
                            s, module, prev_answers, prev_cmap, True
                        ),
                        "new_state": self._state(s, module, {}, {}, None),
                        "problem_id": module.usage_key,
                    },
                    module,
                    "problem_reset",
                ),
            )
            s.problems.pop(module.usage_key, None)

    @staticmethod
    def _display_answer(q: Question, answer: Any) -> Any:
        if q.kind == "multiplechoice":
            return q.choices[int(answer.split("_")[1])]
        if q.kind == "checkbox":
            return [q.choices[int(a.split("_")[1])] for a in answer]
        return answer

    def _grades(
        self, s: _Session, module: Module, grade: int
    ) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        transaction = f"{rng.getrandbits(128):032x}"
        transaction = (
            f"{transaction[:8]}-{transaction[8:12]}-4{transaction[13:16]}"
            f"-a{transaction[17:20]}-{transaction[20:]}"
        )
        self.tick(s)
        yield (
            s.t,
            self.server(
                s,
                "edx.grades.problem.submitted",
                {
                    "user_id": str(s.user.user_id),
                    "course_id": s.course.course_id,
                    "problem_id": module.usage_key,
                    "event_transaction_id": transaction,
                    "event_transaction_type": "edx.grades.problem.submitted",
                    "weighted_earned": float(grade),
                    "weighted_possible": float(len(module.questions)),
                },
                module,
                "problem_check",
                page=None,
            ),
        )
        if rng.random() < 0.3:
            self.tick(s)
            yield (
                s.t,
                self.emit(
                    s,
                    "edx.grades.course.grade_calculated",
                    "server",
                    {
                        "user_id": str(s.user.user_id),
                        "course_id": s.course.course_id,
                        "course_version": "",
                        "percent_grade": round(rng.uniform(0, 0.95), 2),
                        "letter_grade": "",
                        "grading_policy_hash": "ChVp0lHGQGCevD0t4njna/C44zQ=",
                        "course_edited_timestamp": "2017-09-01 12:00:00+00:00",
                        "event_transaction_id": transaction,
                        "event_transaction_type": "edx.grades.problem.submitted",
                    },
                    path=self.handler_path(s, module.usage_key, "problem_check"),
                ),
            )

    def _poll(self, s: _Session, module: Module) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        self.wait(s, 20)
        if module.kind == "poll":
            yield (
                s.t,
                self.server(
                    s,
                    "xblock.poll.submitted",
                    {
                        "url_name": module.url_name,
                        "choice": rng.choice(("R", "G", "B", "other")),
                    },
                    module,
                    "vote",
                ),
            )
            self.tick(s)
            yield (
                s.t,
                self.server(s, "xblock.poll.view_results", {}, module, "get_results"),
            )
        else:
            yield (
                s.t,
                self.server(
                    s,
                    "xblock.survey.submitted",
                    {
                        "url_name": module.url_name,
                        "choices": {
                            f"q{i}": rng.choice(("Y", "N", "M")) for i in range(1, 4)
                        },
                    },
                    module,
                    "vote",
                ),
            )

    # -- textbook, forum, other pages ----------------------------------------

    def _book(self, s: _Session) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        course = s.course
        new = course.era == "new"
        yield from self._leave_page(s)
        viewer = "pdfbook" if new else "book"
        yield s.t, self.page_view(s, f"{BASE_URL}{course.root}/{viewer}/0/")
        page = rng.randint(1, course.book_pages - 40)
        chapter = rng.choice(course.pdf_chapters)
        for _ in range(1 + min(int(rng.expovariate(1 / 5.5)), 60)):
            self.wait(s, 40, low=2)
            r = rng.random()
            if r < 0.55:
                kind, target = "nextpage", page + 1
            elif r < 0.7:
                kind, target = "prevpage", max(1, page - 1)
            else:
                kind, target = "gotopage", rng.randint(1, course.book_pages)
            payload: dict[str, Any] = {"type": kind}
            if new:
                payload["name"] = {
                    "nextpage": "textbook.pdf.page.navigatednext",
                    "prevpage": "textbook.pdf.page.navigatedprevious",
                    "gotopage": "textbook.pdf.page.loaded",
                }[kind]
                payload["chapter"] = chapter
            payload["old"] = page
            payload["new"] = target
            yield s.t, self.browser(s, "book", _dumps(payload))
            page = target
            if new and rng.random() < 0.05:
                self.wait(s, 5)
                yield (
                    s.t,
                    self.browser(
                        s,
                        "textbook.pdf.page.scrolled",
                        _dumps(
                            {
                                "page": page,
                                "direction": rng.choice(("up", "down")),
                                "chapter": chapter,
                                "name": "textbook.pdf.page.scrolled",
                            }
                        ),
                    ),
                )

    def _simple_page(self, s: _Session, kind: str) -> Iterator[tuple[int, Event]]:
        course = s.course
        yield from self._leave_page(s)
        if kind == "progress":
            url = f"{BASE_URL}{course.root}/progress"
        elif self.rng.random() < 0.5:
            url = f"{BASE_URL}/dashboard"
        elif course.era == "new":
            url = f"{BASE_URL}{course.root}/course/"
        else:
            url = f"{BASE_URL}{course.root}/info"
        yield s.t, self.page_view(s, url)
        self.wait(s, 15)

    def _forum(self, s: _Session) -> Iterator[tuple[int, Event]]:
        course = s.course
        yield from self._leave_page(s)
        yield s.t, self.page_view(s, f"{BASE_URL}{course.root}/discussion/forum")
        yield from self._forum_actions(s, inline=None)

    def _body(self, rng: random.Random) -> str:
        body = " ".join(_sentence(rng) for _ in range(rng.randint(1, 5)))
        if not self.pii_planted or rng.random() < 0.04:
            self.pii_planted = True
            body += (
                f" If anyone wants to study together, write to me at "
                f"{PLANTED_EMAIL} or call {PLANTED_PHONE}."
            )
        return body

    def _forum_actions(
        self, s: _Session, inline: Module | None
    ) -> Iterator[tuple[int, Event]]:
        rng = self.rng
        course = s.course
        root = course.root
        thread = rng.choice(course.threads)
        thread_url = (
            f"{BASE_URL}{root}/discussion/forum/"
            f"{thread.commentable_id}/threads/{thread.thread_id}"
        )
        roles = {"user_forums_roles": ["Student"], "user_course_roles": []}
        if course.era != "new":  # old era: only URL-path events
            self.wait(s, 5)
            yield s.t, self.page_view(s, thread_url)
            if rng.random() < 0.2:
                self.wait(s, 90, low=10)
                path = f"{root}/discussion/threads/{thread.thread_id}/reply"
                yield (
                    s.t,
                    self.emit(
                        s,
                        path,
                        "server",
                        json.dumps({"POST": {"body": [self._body(rng)]}, "GET": {}}),
                        path=path,
                    ),
                )
            return
        base = {
            "category_id": thread.commentable_id,
            "category_name": thread.category_name,
            "commentable_id": thread.commentable_id,
            "team_id": None,
        }
        path = (
            f"{root}/discussion/forum/{thread.commentable_id}/threads/"
            f"{thread.thread_id}"
        )
        if self.rare("forum.searched", 0.12):
            self.wait(s, 8)
            query = _words(rng, 1, 3)
            yield (
                s.t,
                self.emit(
                    s,
                    "edx.forum.searched",
                    "server",
                    {
                        "query": query,
                        "page": 1,
                        "total_results": rng.randint(0, 40),
                        "corrected_text": None,
                        "group_id": None,
                    },
                    path=f"{root}/discussion/forum/search",
                ),
            )
        if self.rare("thread.created", 0.03):
            self.wait(s, 120, low=20)
            cid, cname = (
                (inline.url_name, f"{inline.display_name}")
                if inline
                else rng.choice(course.forum_topics)
            )
            new_thread = Thread(
                _hex24(rng), _sentence(rng, 3, 9)[:-1], s.user.username, cid, cname
            )
            course.threads.append(new_thread)
            yield (
                s.t,
                self.emit(
                    s,
                    "edx.forum.thread.created",
                    "server",
                    {
                        "id": new_thread.thread_id,
                        "title": new_thread.title,
                        "title_truncated": False,
                        "body": self._body(rng),
                        "truncated": False,
                        "anonymous": False,
                        "anonymous_to_peers": False,
                        "thread_type": rng.choice(("discussion", "question")),
                        "group_id": None,
                        "options": {"followed": True},
                        "category_id": cid,
                        "category_name": cname,
                        "commentable_id": cid,
                        "team_id": None,
                        "url": f"{BASE_URL}{root}/discussion/forum/{cid}/threads/"
                        f"{new_thread.thread_id}",
                        **roles,
                    },
                    path=f"{root}/discussion/{cid}/threads/create",
                ),
            )
            return
        self.wait(s, 6)
        yield (
            s.t,
            self.emit(
                s,
                "edx.forum.thread.viewed",
                "server",
                {
                    "id": thread.thread_id,
                    "title": thread.title,
                    "title_truncated": False,
                    "url": thread_url,
                    "target_username": thread.author,
                    **base,
                    **roles,
                },
                path=path,
            ),
        )
        self.wait(s, 45, low=3)
        if self.rare("thread.voted", 0.2):
            yield (
                s.t,
                self.emit(
                    s,
                    "edx.forum.thread.voted",
                    "server",
                    {
                        "id": thread.thread_id,
                        "vote_value": "up",
                        "undo_vote": rng.random() < 0.1,
                        "url": thread_url,
                        "target_username": thread.author,
                        **base,
                        **roles,
                    },
                    path=f"{root}/discussion/threads/{thread.thread_id}/upvote",
                ),
            )
        elif self.rare("response.created", 0.15):
            self.wait(s, 90, low=10)
            response_id = _hex24(rng)
            thread.responses.append(response_id)
            yield (
                s.t,
                self.emit(
                    s,
                    "edx.forum.response.created",
                    "server",
                    {
                        "id": response_id,
                        "body": self._body(rng),
                        "truncated": False,
                        "discussion": {"id": thread.thread_id},
                        "options": {"followed": False},
                        "url": thread_url,
                        **base,
                        **roles,
                    },
                    path=f"{root}/discussion/threads/{thread.thread_id}/reply",
                ),
            )
        elif thread.responses and self.rare("comment.created", 0.08):
            self.wait(s, 60, low=10)
            response_id = rng.choice(thread.responses)
            yield (
                s.t,
                self.emit(
                    s,
                    "edx.forum.comment.created",
                    "server",
                    {
                        "id": _hex24(rng),
                        "body": self._body(rng),
                        "truncated": False,
                        "discussion": {"id": thread.thread_id},
                        "response": {"id": response_id},
                        "options": {"followed": False},
                        "url": thread_url,
                        **base,
                        **roles,
                    },
                    path=f"{root}/discussion/comments/{response_id}/reply",
                ),
            )

    def _enrollment(self, s: _Session, event_type: str) -> Iterator[tuple[int, Event]]:
        course = s.course
        mode = (
            "verified"
            if event_type.endswith("mode_changed")
            else self.rng.choice(("audit", "honor", "audit", "verified"))
        )
        event = self.emit(
            s,
            event_type,
            "server",
            {"course_id": course.course_id, "user_id": s.user.user_id, "mode": mode},
            referer=f"{BASE_URL}{course.root}/about",
            path="/change_enrollment",
            name=event_type,
        )
        if "name" not in event:
            event["name"] = event_type  # added May 2014, even on old courses
        if "context" not in event:
            event["context"] = {
                "course_id": course.course_id,
                "org_id": course.org,
                "path": "/change_enrollment",
                "user_id": s.user.user_id,
            }
        yield s.t, event
        self.wait(s, 4)

    # -- noise: health checks, anonymous visitors, staff ----------------------

    def noise(self) -> Iterator[tuple[int, Event]]:
        """Events that belong to no learner session, spread over the run."""
        rng = self.rng
        t = self.start_us
        # about one event in eighty is noise, whatever the run size
        step = max(self.span_us // max(self.n_events // 80, 1), 1_000)
        count = 0
        while True:
            t += rng.randint(step // 2, step * 3 // 2)
            count += 1
            r = rng.random()
            if count == 3 and not self.anonymous_done:
                self.anonymous_done = True
                yield t, self._anonymous(t, "anonymous")
            elif r < 0.55:
                yield t, self._bare(t, "/heartbeat", HEALTHCHECK_AGENT, "198.51.100.1")
            elif not self.rare("problem_rescore", 0.02):
                yield t, self._anonymous(t, "")
            else:
                yield t, self._rescore(t)

    def _bare(
        self,
        t: int,
        path: str,
        agent: str,
        ip: str,
        username: str = "",
        referer: str = "",
    ) -> Event:
        return {
            "username": username,
            "event_source": "server",
            "event_type": path,
            "ip": ip,
            "agent": agent,
            "host": HOST,
            "referer": referer,
            "accept_language": "",
            "event": _EMPTY_REQUEST,
            "time": iso_time(t),
            "page": None,
            "session": "",
            "context": {"user_id": "", "org_id": "", "course_id": "", "path": path},
        }

    def _anonymous(self, t: int, username: str) -> Event:
        rng = self.rng
        course = rng.choice(self.courses)
        path = rng.choice(
            (
                f"{course.root}/about",
                "/register",
                "/login",
                f"{course.root}/info",
                "/courses",
            )
        )
        ip = f"{rng.choice(IP_PREFIXES)}{rng.randint(1, 254)}"
        agent = rng.choices(DESKTOP_AGENTS, weights=AGENT_WEIGHTS)[0]
        event = self._bare(t, path, agent, ip, username, rng.choice(EXTERNAL_REFERERS))
        event["session"] = _hex32(rng)
        event["accept_language"] = rng.choice(LANGUAGES)
        if path.startswith(course.root):
            event["context"]["course_id"] = course.course_id
            event["context"]["org_id"] = course.org
        return event

    def _rescore(self, t: int) -> Event:
        rng = self.rng
        course = rng.choice(self.courses)
        problems = self.problems[course.index]
        if not problems:
            return self._bare(t, "/heartbeat", HEALTHCHECK_AGENT, "198.51.100.1")
        module = rng.choice(problems)
        learner = rng.choice(self.users)
        cmap = {
            q.key: {
                "hint": "",
                "hintmode": None,
                "correctness": "correct",
                "msg": "",
                "npoints": None,
                "queuestate": None,
            }
            for q in module.questions
        }
        n = len(module.questions)
        state = {
            "student_answers": {},
            "seed": 1,
            "done": True,
            "correct_map": cmap,
            "input_state": {q.key: {} for q in module.questions},
        }
        staff = User(
            STAFF_USER,
            STAFF_USER_ID,
            (),
            DESKTOP_AGENTS[0],
            "203.0.113.250",
            "en-US,en;q=0.9",
            False,
        )
        s = _Session(
            staff,
            course,
            _hex32(rng),
            t,
            "iso",
            url=f"{BASE_URL}{course.root}/instructor",
        )
        event = self.server(
            s,
            "problem_rescore",
            {
                "state": state,
                "problem_id": module.usage_key,
                "orig_score": rng.randint(0, n - 1) if n > 1 else 0,
                "orig_total": n,
                "new_score": n,
                "new_total": n,
                "correct_map": cmap,
                "success": "correct",
                "attempts": rng.randint(1, 3),
                "student": learner.username,
                "task_id": f"{rng.getrandbits(128):032x}",
            },
            module,
            "rescore_problem",
            page=None,
        )
        return event


def _bisect(cumulative: list[float], x: float) -> int:
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def _parse_start(start: str | dt.date | dt.datetime) -> int:
    if isinstance(start, str):
        try:
            parsed: dt.date | dt.datetime = dt.datetime.fromisoformat(start)
        except ValueError as error:
            raise ValueError(f"--start: not an ISO date: {start!r}") from error
    else:
        parsed = start
    if not isinstance(parsed, dt.datetime):
        parsed = dt.datetime(parsed.year, parsed.month, parsed.day)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp()) * 1_000_000 + parsed.microsecond


def default_users(n_events: int) -> int:
    """Number of learners when none is given: one per hundred events."""
    return max(10, min(200_000, n_events // 100))


_SESSION_EVENTS_GUESS = 28.0


def iter_events(
    n_events: int,
    seed: int = 42,
    start: str | dt.date | dt.datetime = DEFAULT_START,
    days: float = DEFAULT_DAYS,
    n_users: int | None = None,
    n_courses: int = DEFAULT_COURSES,
) -> Iterator[bytes]:
    """Yield ``n_events`` serialized tracking-log events (no newline), in log order.

    Deterministic: the same arguments always give the same bytes. ``start`` is
    the first simulated day (UTC midnight), ``days`` the span the sessions
    start in, ``n_users`` defaults to :func:`default_users`. Arguments are
    checked at once (``ValueError``); events are made lazily, one at a time.
    """
    if n_events < 0:
        raise ValueError("n_events must be >= 0")
    if days <= 0:
        raise ValueError("days must be > 0")
    users = default_users(n_events) if n_users is None else n_users
    if users < 1:
        raise ValueError("n_users must be >= 1")
    if n_courses < 1:
        raise ValueError("n_courses must be >= 1")
    start_us = _parse_start(start)
    span_us = int(days * 86_400 * 1_000_000)
    world = _World(seed, start_us, span_us, users, n_courses, n_events)
    return _merge_sessions(world, n_events, random.Random(f"arrivals:{seed}"))


def _merge_sessions(
    world: _World, n_events: int, arrivals: random.Random
) -> Iterator[bytes]:
    """Start sessions as a Poisson process and interleave them by log time."""
    start_us = world.start_us
    span_us = world.span_us
    dumps = orjson.dumps

    # heap entries: (log time, tiebreak, lag, stream, (time, event))
    heap: list[tuple[int, int, int, Iterator[tuple[int, Event]], Event]] = []
    order = 0
    noise = world.noise()
    first_t, first_event = next(noise)
    heap.append((first_t, order, 0, noise, first_event))
    next_arrival = start_us
    finished_sessions = 0
    finished_events = 0
    emitted = 0
    counts: dict[int, int] = {}
    while emitted < n_events:
        while next_arrival <= heap[0][0]:
            lag, stream = world.new_session(next_arrival)
            item = next(stream, None)
            if item is not None:
                order += 1
                heapq.heappush(heap, (item[0] + lag, order, lag, stream, item[1]))
                counts[order] = 1
            per_session = (
                _SESSION_EVENTS_GUESS
                if finished_sessions < 20
                else finished_events / finished_sessions
            )
            mean_gap = span_us * per_session / max(n_events, 1)
            hour = ((next_arrival // 1_000_000) % 86_400) / 3600
            diurnal = 1.0 + 0.5 * _cos_hours(hour - 15.0)
            next_arrival += 1 + int(arrivals.expovariate(1.0) * mean_gap / diurnal)
        _, key, lag, stream, event = heap[0]
        yield dumps(event)
        emitted += 1
        item = next(stream, None)
        if item is None:
            heapq.heappop(heap)
            finished_sessions += 1
            finished_events += counts.pop(key, 0)
        else:
            if key in counts:
                counts[key] += 1
            heapq.heapreplace(heap, (item[0] + lag, key, lag, stream, item[1]))


def _cos_hours(hours: float) -> float:
    return math.cos(2 * math.pi * hours / 24)


def _open_output(path: Path) -> io.BufferedIOBase:
    if path.suffix == ".gz":
        raw = open(path, "wb")  # noqa: SIM115 - closed with the gzip stream
        return _ClosingGzip(raw)
    return open(path, "wb")


class _ClosingGzip(gzip.GzipFile):
    """GzipFile over an owned file object: no name, mtime 0, closes both."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(filename="", mode="wb", compresslevel=3, fileobj=raw, mtime=0)
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def write_log(path: str | Path, n_events: int, **kwargs: Any) -> int:
    """Write ``n_events`` generated events to ``path``, one JSON object a line.

    A ``.gz`` suffix writes gzip (deterministic header: no name, mtime 0).
    Keyword arguments are those of :func:`iter_events`. Streams in constant
    memory; returns the number of lines written.
    """
    target = Path(path)
    lines = iter_events(n_events, **kwargs)  # checks the arguments first
    written = 0
    batch: list[bytes] = []
    with _open_output(target) as out:
        for line in lines:
            batch.append(line)
            if len(batch) >= 2048:
                batch.append(b"")
                out.write(b"\n".join(batch))
                written += len(batch) - 1
                batch = []
        if batch:
            batch.append(b"")
            out.write(b"\n".join(batch))
            written += len(batch) - 1
    return written


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``generate`` sub-command to the loader CLI."""
    parser = subparsers.add_parser(
        "generate",
        help="write a deterministic synthetic Open edX tracking log",
        description=(
            "Write synthetic, realistic Open edX tracking-log events (one JSON "
            "object per line; gzip when FILE ends in .gz). Courses of both "
            "eras (MITx/6.002x/2012_Fall style and course-v1: keys), browser, "
            "server and mobile events, learners named learnerNNNN, "
            "documentation-range IPs. Same options give byte-identical files."
        ),
    )
    parser.add_argument(
        "--events",
        type=int,
        default=DEFAULT_EVENTS,
        metavar="N",
        help=f"events to write (default {DEFAULT_EVENTS})",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="output file; .gz suffix writes gzip",
    )
    parser.add_argument(
        "--seed", type=int, default=42, metavar="S", help="random seed (default 42)"
    )
    parser.add_argument(
        "--start",
        default=DEFAULT_START,
        metavar="DATE",
        help=f"first simulated day, UTC (default {DEFAULT_START})",
    )
    parser.add_argument(
        "--days",
        type=float,
        default=DEFAULT_DAYS,
        metavar="D",
        help="days over which sessions start (default 2)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=None,
        metavar="U",
        help="number of learners (default: events / 100, at least 10)",
    )
    parser.add_argument(
        "--courses",
        type=int,
        default=DEFAULT_COURSES,
        metavar="C",
        help="number of course runs, eras alternating old/new (default 3)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``generate``: write the file and print one summary line."""
    from loader.cli import CliError

    if args.events < 0:
        raise CliError("--events must be >= 0")
    if args.courses < 1:
        raise CliError("--courses must be >= 1")
    if args.users is not None and args.users < 1:
        raise CliError("--users must be >= 1")
    if args.days <= 0:
        raise CliError("--days must be > 0")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(f"--out: no such directory: {out.parent}")
    began = time.perf_counter()
    try:
        written = write_log(
            out,
            args.events,
            seed=args.seed,
            start=args.start,
            days=args.days,
            n_users=args.users,
            n_courses=args.courses,
        )
    except ValueError as error:
        raise CliError(str(error)) from error
    elapsed = time.perf_counter() - began
    rate = written / elapsed if elapsed > 0 else float("inf")
    log.debug("generation took %.3f s", elapsed)
    print(
        f"generated {written} events into {out} ({elapsed:.1f} s, {rate:,.0f} events/s)"
    )
    return 0
