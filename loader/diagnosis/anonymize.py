"""Make sample events shareable: replace everything that identifies a person.

Applied to the few sample events a diagnosis keeps (never to the data that is
loaded). Two passes over all samples of a diagnosis, so that one person gets
the same pseudonym everywhere (and a username seen in one event is caught in
another):

1. ``learn``: collect usernames, user ids, session ids, e-mails and IPs (by
   key and by pattern).
2. ``anonymize``: rebuild each event with

   - usernames -> ``user_N``; numeric user ids -> ``100000N``; opaque learner
     ids (anonymous ids, ORA student ids) -> ``N`` as hex; session ids ->
     ``N`` as 32 hex digits; e-mails -> ``learnerN@example.invalid``;
     IPv4 -> ``203.0.113.N`` (documentation range), IPv6 -> ``2001:db8::N``;
     Mongo ``_id`` -> a counter;
   - free text (forum bodies and titles, answers, notes, search queries,
     feedback, old/new values of settings, GET/POST parameters of page
     views, form-encoded answers, HTML) -> ``[redacted]`` unless the value is
     a number, a choice id (``choice_2``) or a course/module id;
   - user segments of URL paths (``/u/<name>``, ``/users/<id>``,
     ``/accounts/<name>``) and identifying query parameters;
   - optionally, course ids generalized (``course-v1:Org1+Course1+Run1``,
     the same for ``i4x://``, ``block-v1:``, answer-key and URL forms) and
     host names (``lms.example.org``).

   JSON-encoded payloads are parsed, anonymized and re-encoded, so the
   sample keeps its syntax (a string payload stays a string).

3. ``leaks``: a fail-closed check that none of the values learnt (nor any
   e-mail or IP outside the replacement ranges) is left in the output.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote_plus, unquote_plus

REDACTED = "[redacted]"
FAKE_EMAIL_DOMAIN = "example.invalid"
FAKE_HOST = "lms.example.org"

USERNAME_KEYS = frozenset(
    {
        "username",
        "user_name",
        "author_username",
        "target_username",
        "requesting_user",
        "requester_username",
        "student",
        "instructor",
        "user",
        "added_by",
        "removed_by",
        "grader_username",
        "scorer_username",
        "moderator",
        "anonymous_username",
    }
)
USER_ID_KEY = re.compile(
    r"^(?:.*_)?(?:user|student|author|scorer|grader|requester|submitter|"
    r"target_user|anonymous_user|anonymous_student|owner|instructor)_?ids?$"
    r"|^uid$"
)
SESSION_KEYS = frozenset(
    {"session", "session_id", "sessionid", "session_key", "client_id"}
)
EMAIL_KEY = re.compile(r"^(?:.*_)?e?mail(?:_address)?$")
IP_KEY = re.compile(r"^(?:ip|ip_address|client_ip|remote_addr|.*_ip)$")
FREE_TEXT_KEYS = frozenset(
    {
        "body",
        "title",
        "text",
        "query",
        "search_text",
        "search_string",
        "search_term",
        "note",
        "note_text",
        "highlighted_content",
        "comment",
        "comments",
        "feedback",
        "feedback_text",
        "answer",
        "answers",
        "student_answer",
        "student_answers",
        "response",
        "content",
        "essay",
        "old",
        "new",
        "message",
        "subject",
        "tags",
        "msg",
        "hint",
        "description",
        "full_name",
        "first_name",
        "last_name",
        "fullname",
        "post",
        "get",
    }
)
QUERY_FREE_TEXT_KEYS = frozenset(
    {"q", "query", "search", "s", "term", "text", "search_text", "name"}
)
# values kept even where free text is redacted
SAFE_VALUE = re.compile(
    r"""^\s*(?:
        [-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?
      | (?:choice|option|mask|dummy_default)_[A-Za-z0-9_]+
      | true | false | null | none
      | (?:i4x://|i4x-|block-v1:|course-v1:|/?c4x/)\S*
      | [0-9a-f]{32}(?:_\d+_\d+)?
    )?\s*$""",
    re.X | re.I,
)
EMAIL = re.compile(
    r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(
    r"(?<![0-9A-Fa-f:.])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![0-9A-Fa-f:.])"
)
HTML = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
URL_USER_SEGMENT = re.compile(
    r"(/(?:u|users|user|accounts|profile|learner_profile|people)/)([^/?#\s\"'&]+)"
)
NOT_A_USER_SEGMENT = re.compile(r"^(?:v\d+|me|preferences|settings)$", re.I)
QUERY_PART = re.compile(r"([?&])([^=&#\s]+)=([^&#\s]*)")
FORM_ENCODED = re.compile(r"^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$")
JSON_START = re.compile(r"^\s*[\[{]")
JSON_STRING_LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?')
# an identifier (module id, hash, code): no spaces, no sentence
ID_LIKE = re.compile(r"^(?=.*[0-9_.:/@+\-#;%=?&~])[A-Za-z0-9_.:/@+\-#;%=?&~]{1,200}$")
PAYLOAD_KEYS = frozenset({"event", "data"})
DIGITS = re.compile(r"^\d+$")
URL_HOST = re.compile(r"^(https?://)([^/?#]+)", re.I)
COURSE_KEY = re.compile(
    r"(?:course-v1:([^+/?#\s]+)\+([^+/?#\s]+)\+([^+/?#\s\"]+))"
    r"|(?:/courses/([^/?#:\s]+)/([^/?#\s]+)/([^/?#\s\"]+))"
)
# envelope fields that name the class: never rewritten by value matching
STRUCTURAL_FIELDS = ("event_type", "name", "event_source")
FAKE_V4_BASE = int(ipaddress.IPv4Address("203.0.113.0"))
FAKE_V4_OVERFLOW = int(ipaddress.IPv4Address("100.64.0.0"))
FAKE_V6_BASE = int(ipaddress.IPv6Address("2001:db8::"))


class AnonymizationError(Exception):
    """Identifying values were left in an anonymized output (fail closed)."""


def _valid_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_fake_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if address.version == 4:
        value = int(address)
        return (FAKE_V4_BASE <= value < FAKE_V4_BASE + 256) or (
            FAKE_V4_OVERFLOW <= value < FAKE_V4_OVERFLOW + (1 << 22)
        )
    return address in ipaddress.IPv6Network("2001:db8::/32")


def _token_pattern(values: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any value as a whole token (case-insensitive)."""
    ordered = sorted({v for v in values if v}, key=lambda v: (-len(v), v))
    if not ordered:
        return None
    body = "|".join(re.escape(v) for v in ordered)
    return re.compile(rf"(?<![A-Za-z0-9_.\-])(?:{body})(?![A-Za-z0-9_.\-])", re.I)


class Anonymizer:
    """Consistent pseudonyms for the samples of one diagnosis."""

    def __init__(self, *, generalize_courses: bool = False) -> None:
        self.generalize_courses = generalize_courses
        self.usernames: dict[str, str] = {}
        self.user_ids: dict[str, str] = {}
        self.opaque_ids: dict[str, str] = {}
        self.sessions: dict[str, str] = {}
        self.emails: dict[str, str] = {}
        self.ips: dict[str, str] = {}
        self.object_ids: dict[str, str] = {}
        self.orgs: dict[str, str] = {}
        self.course_numbers: dict[tuple[str, str], str] = {}
        self.runs: dict[str, str] = {}
        self._username_tokens: re.Pattern[str] | None = None
        self._user_id_tokens: re.Pattern[str] | None = None
        self._dirty = True

    # ------------------------------------------------------------------ learn
    def learn(self, event: dict[str, Any]) -> None:
        """Collect the identifying values of one event (first pass)."""
        self._learn_value(event, ())
        self._dirty = True

    def _learn_value(self, value: Any, path: tuple[str, ...]) -> None:
        key = path[-1] if path else ""
        if isinstance(value, dict):
            for child_key, child in value.items():
                self._learn_string(str(child_key), ())
                self._learn_value(child, (*path, str(child_key).lower()))
            return
        if isinstance(value, list):
            for child in value:
                self._learn_value(child, path)
            return
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, (int, float)):
            if USER_ID_KEY.match(key):
                self._user_id(str(value))
            return
        text = str(value)
        if not text:
            return
        if key in USERNAME_KEYS:
            if "@" in text:
                self._email(text)
            elif DIGITS.match(text):
                self._user_id(text)
            elif text.lower() != "anonymous":
                self._username(text)
        elif USER_ID_KEY.match(key):
            self._user_id(text) if DIGITS.match(text) else self._opaque(text)
        elif key in SESSION_KEYS:
            self._session(text)
        elif IP_KEY.match(key) and _valid_ip(text.strip()):
            self._ip(text.strip())
        self._learn_string(text, path)

    def _learn_string(self, text: str, path: tuple[str, ...]) -> None:
        for match in EMAIL.finditer(text):
            self._email(unquote_plus(match.group(0)))
        for match in IPV4.finditer(text):
            if _valid_ip(match.group(0)):
                self._ip(match.group(0))
        for match in IPV6.finditer(text):
            if ":" in match.group(0) and _valid_ip(match.group(0)):
                self._ip(match.group(0))
        for match in URL_USER_SEGMENT.finditer(text):
            segment = unquote_plus(match.group(2))
            if NOT_A_USER_SEGMENT.match(segment) or "@" in segment:
                continue
            self._user_id(segment) if DIGITS.match(segment) else self._username(segment)
        if self.generalize_courses:
            for match in COURSE_KEY.finditer(text):
                org, number, run = (
                    match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)
                )
                self._course(org, number, run)
        if path == ("context", "course_id") or path == ("course_id",):
            parts = re.split(r"[+/]", text.removeprefix("course-v1:"))
            if self.generalize_courses and len(parts) == 3:
                self._course(*parts)

    def _username(self, text: str) -> str:
        key = text.lower()
        if key not in self.usernames:
            self.usernames[key] = f"user_{len(self.usernames) + 1}"
        return self.usernames[key]

    def _user_id(self, text: str) -> str:
        if text not in self.user_ids:
            self.user_ids[text] = str(1000000 + len(self.user_ids) + 1)
        return self.user_ids[text]

    def _opaque(self, text: str) -> str:
        if text not in self.opaque_ids:
            number = len(self.opaque_ids) + 1
            width = min(max(len(text), 8), 32)
            self.opaque_ids[text] = f"{number:0{width}x}"
        return self.opaque_ids[text]

    def _session(self, text: str) -> str:
        if text not in self.sessions:
            self.sessions[text] = f"{len(self.sessions) + 1:032x}"
        return self.sessions[text]

    def _email(self, text: str) -> str:
        key = text.lower()
        if key not in self.emails:
            self.emails[key] = f"learner{len(self.emails) + 1}@{FAKE_EMAIL_DOMAIN}"
        return self.emails[key]

    def _ip(self, text: str) -> str:
        address = _valid_ip(text)
        if address is None:
            return REDACTED
        key = str(address)
        if key not in self.ips:
            number = len(self.ips) + 1
            if address.version == 4:
                value = (
                    FAKE_V4_BASE + number if number < 255 else FAKE_V4_OVERFLOW + number
                )
                self.ips[key] = str(ipaddress.IPv4Address(value))
            else:
                self.ips[key] = str(ipaddress.IPv6Address(FAKE_V6_BASE + number))
        return self.ips[key]

    def _course(self, org: str, number: str, run: str) -> None:
        if org not in self.orgs:
            self.orgs[org] = f"Org{len(self.orgs) + 1}"
        if (org, number) not in self.course_numbers:
            self.course_numbers[(org, number)] = f"Course{len(self.course_numbers) + 1}"
        if run not in self.runs:
            self.runs[run] = f"Run{len(self.runs) + 1}"

    # -------------------------------------------------------------- anonymize
    def _prepare(self) -> None:
        if not self._dirty:
            return
        self._username_tokens = _token_pattern(
            name for name in self.usernames if len(name) >= 3
        )
        self._user_id_tokens = _token_pattern(
            uid for uid in self.user_ids if len(uid) >= 4
        )
        self._dirty = False

    def anonymize(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event with identifying values replaced (second pass)."""
        self._prepare()
        result: dict[str, Any] = {}
        for key, value in event.items():
            lowered = key.lower()
            if lowered in STRUCTURAL_FIELDS and isinstance(value, str):
                if lowered == "event_type" and value.startswith("/"):
                    result[key] = self._generic(value)
                else:
                    result[key] = value
                continue
            result[key] = self._value(value, (lowered,))
        return result

    def _value(self, value: Any, path: tuple[str, ...]) -> Any:
        key = path[-1] if path else ""
        if isinstance(value, dict):
            if key == "_id" and set(value) == {"$oid"}:
                return {"$oid": self._object_id(str(value["$oid"]))}
            return {
                self._generic(str(child_key)): self._value(
                    child, (*path, str(child_key).lower())
                )
                for child_key, child in value.items()
            }
        if isinstance(value, list):
            return [self._value(child, path) for child in value]
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            if USER_ID_KEY.match(key) or key in USERNAME_KEYS:
                return int(self._user_id(str(value)))
            return value
        return self._string(str(value), path)

    def _object_id(self, text: str) -> str:
        if text not in self.object_ids:
            self.object_ids[text] = f"{len(self.object_ids) + 1:024x}"
        return self.object_ids[text]

    def _in_free_text(self, path: tuple[str, ...]) -> bool:
        if any(part in FREE_TEXT_KEYS for part in path):
            return True
        # a `name` inside the payload (cohort, team, profile names)
        return len(path) > 1 and path[-1] == "name" and path[0] != "context"

    def _string(self, text: str, path: tuple[str, ...]) -> str:
        key = path[-1] if path else ""
        if not text:
            return text
        if key in USERNAME_KEYS:
            if "@" in text:
                return self._email(text)
            if DIGITS.match(text):
                return self._user_id(text)
            if text.lower() == "anonymous":
                return text
            return self._username(text)
        if USER_ID_KEY.match(key):
            return self._user_id(text) if DIGITS.match(text) else self._opaque(text)
        if key in SESSION_KEYS:
            return self._session(text)
        if EMAIL_KEY.match(key) and "@" in text:
            return self._email(text)
        if IP_KEY.match(key):
            return self._ip(text.strip()) if _valid_ip(text.strip()) else REDACTED
        if self.generalize_courses:
            if key == "host":
                return FAKE_HOST
            if key in ("org_id", "org") and text in self.orgs:
                return self.orgs[text]
        nested = self._nested_json(text, path)
        if nested is not None:
            return nested
        is_payload = len(path) == 1 and path[0] in PAYLOAD_KEYS
        if JSON_START.match(text):
            # JSON cut short by the logger: scrub its string literals
            return self._truncated_json(text)
        if is_payload and FORM_ENCODED.match(text):
            return self._form(text)
        if HTML.search(text):
            return "[redacted html]"
        if self._in_free_text(path):
            return text if SAFE_VALUE.match(text) else REDACTED
        if is_payload and not SAFE_VALUE.match(text) and not ID_LIKE.match(text):
            # a payload that is a bare string: free text unless an id
            return REDACTED
        return self._generic(text)

    def _truncated_json(self, text: str) -> str:
        """Unparsable JSON text: keys kept, string values scrubbed."""
        pieces: list[str] = []
        position = 0
        for match in JSON_STRING_LITERAL.finditer(text):
            pieces.append(text[position : match.start()])
            body, colon = match.group(1), match.group(2)
            if colon:
                pieces.append(f'"{self._generic(body)}"{colon}')
            else:
                decoded = body.replace('\\"', '"')
                keep = SAFE_VALUE.match(decoded) or (
                    ID_LIKE.match(decoded) and self._generic(decoded) == decoded
                )
                pieces.append(f'"{body}"' if keep else f'"{REDACTED}"')
            position = match.end()
        tail = text[position:]
        if '"' in tail:
            # the cut fell inside a string literal
            tail = tail[: tail.index('"')] + f'"{REDACTED}'
        pieces.append(tail)
        return "".join(pieces)

    def _nested_json(self, text: str, path: tuple[str, ...]) -> str | None:
        """A JSON-encoded payload: parse, anonymize, encode again."""
        stripped = text.strip()
        if not stripped or stripped[0] not in '{["':
            return None
        try:
            inner = json.loads(stripped)
        except ValueError:
            return None
        if isinstance(inner, str):
            if stripped[0] != '"':
                return None
            return json.dumps(self._string(inner, path), ensure_ascii=False)
        if not isinstance(inner, (dict, list)):
            return None
        anonymized = self._value(inner, path)
        return json.dumps(anonymized, ensure_ascii=False, separators=(",", ":"))

    def _form(self, text: str) -> str:
        """Form-encoded answers (``input_<id>=value&...``): values redacted."""
        pairs = []
        for part in text.split("&"):
            name, _, value = part.partition("=")
            decoded = unquote_plus(value)
            if decoded and not SAFE_VALUE.match(decoded):
                value = quote_plus(REDACTED)
            pairs.append(f"{self._generic(name)}={self._generic(value)}")
        return "&".join(pairs)

    def _generic(self, text: str) -> str:
        """Pattern-based replacements applied to every kept string."""
        if not text:
            return text
        if "@" in text or "%40" in text:
            text = EMAIL.sub(lambda m: self._email(unquote_plus(m.group(0))), text)
        if "." in text:
            text = IPV4.sub(self._replace_ip, text)
        if text.count(":") >= 2:
            text = IPV6.sub(self._replace_ip, text)
        if "/" in text:
            text = URL_USER_SEGMENT.sub(self._replace_user_segment, text)
            if "?" in text:
                text = QUERY_PART.sub(self._replace_query, text)
        if self._username_tokens is not None:
            text = self._username_tokens.sub(
                lambda m: self.usernames.get(m.group(0).lower(), REDACTED), text
            )
        if self._user_id_tokens is not None:
            text = self._user_id_tokens.sub(
                lambda m: self.user_ids.get(m.group(0), REDACTED), text
            )
        if self.generalize_courses:
            text = self._generalize(text)
        return text

    def _replace_ip(self, match: re.Match[str]) -> str:
        found = match.group(0)
        address = _valid_ip(found)
        if address is None or (address.version == 6 and ":" not in found):
            return found
        return self._ip(found)

    def _replace_user_segment(self, match: re.Match[str]) -> str:
        segment = unquote_plus(match.group(2))
        if NOT_A_USER_SEGMENT.match(segment):
            return match.group(0)
        if "@" in segment:
            return match.group(1) + self._email(segment)
        replacement = (
            self._user_id(segment) if DIGITS.match(segment) else self._username(segment)
        )
        return match.group(1) + replacement

    def _replace_query(self, match: re.Match[str]) -> str:
        separator, name, value = match.groups()
        lowered = name.lower()
        decoded = unquote_plus(value)
        if not decoded:
            return match.group(0)
        if lowered in USERNAME_KEYS:
            value = quote_plus(self._username(decoded))
        elif USER_ID_KEY.match(lowered):
            value = (
                self._user_id(decoded)
                if DIGITS.match(decoded)
                else self._opaque(decoded)
            )
        elif lowered in QUERY_FREE_TEXT_KEYS or lowered in FREE_TEXT_KEYS:
            value = quote_plus(REDACTED) if not SAFE_VALUE.match(decoded) else value
        return f"{separator}{name}={value}"

    def _generalize(self, text: str) -> str:
        for (org, number), course in self.course_numbers.items():
            new_org = self.orgs[org]
            forms = {
                f"i4x://{org}/{number}/": f"i4x://{new_org}/{course}/",
                f"/c4x/{org}/{number}/": f"/c4x/{new_org}/{course}/",
                f"i4x-{org}-{number.replace('.', '_')}-": f"i4x-{new_org}-{course}-",
                f";_{org};_{number};_": f";_{new_org};_{course};_",
            }
            for run, new_run in self.runs.items():
                forms[f"course-v1:{org}+{number}+{run}"] = (
                    f"course-v1:{new_org}+{course}+{new_run}"
                )
                forms[f"block-v1:{org}+{number}+{run}+"] = (
                    f"block-v1:{new_org}+{course}+{new_run}+"
                )
                forms[f"{org}/{number}/{run}"] = f"{new_org}/{course}/{new_run}"
            for old, new in forms.items():
                if old in text:
                    text = text.replace(old, new)
        if text.startswith(("http://", "https://")):
            text = URL_HOST.sub(lambda m: m.group(1) + FAKE_HOST, text)
        return text

    def generalize_course_id(self, course_id: str) -> str:
        """A course id as it appears in a generalized diagnosis."""
        if not self.generalize_courses:
            return course_id
        parts = re.split(r"[+/]", course_id.removeprefix("course-v1:"))
        if len(parts) == 3:
            self._course(*parts)
        self._prepare()
        return self._generalize(course_id)

    # ------------------------------------------------------------------ leaks
    def leaks(self, text: str) -> list[str]:
        """Identifying values found in ``text`` (empty list: clean)."""
        found: list[str] = []
        for match in EMAIL.finditer(text):
            if not match.group(0).lower().endswith(FAKE_EMAIL_DOMAIN):
                found.append(f"e-mail {match.group(0)}")
        for pattern in (IPV4, IPV6):
            for match in pattern.finditer(text):
                address = _valid_ip(match.group(0))
                if address is None or (
                    address.version == 6 and ":" not in match.group(0)
                ):
                    continue
                if not _is_fake_ip(address):
                    found.append(f"IP {match.group(0)}")
        for values, label, minimum in (
            (self.usernames, "username", 3),
            (self.sessions, "session id", 8),
            (self.user_ids, "user id", 4),
            (self.opaque_ids, "learner id", 8),
        ):
            tokens = _token_pattern(v for v in values if len(v) >= minimum)
            if tokens is None:
                continue
            for match in tokens.finditer(text):
                found.append(f"{label} {match.group(0)}")
        return found

    def check(self, texts: Iterable[str]) -> None:
        """Raise AnonymizationError when any text still holds a learnt value."""
        for text in texts:
            found = self.leaks(text)
            if found:
                raise AnonymizationError(
                    "refusing to write a diagnosis: identifying values remain "
                    f"({', '.join(sorted(set(found))[:5])})"
                )


def without_structural_fields(event: dict[str, Any]) -> dict[str, Any]:
    """The event without the fields that name its class (for leak checks)."""
    return {k: v for k, v in event.items() if k.lower() not in STRUCTURAL_FIELDS}
