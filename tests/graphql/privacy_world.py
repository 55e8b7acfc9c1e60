"""A fixed two-source, four-school dataset whose every value says where it came from, and the
oracle that decides, for a set of grants, which of those values an app may ever be shown.

Strings carry markers `zS<school>.<data type>.<field>.<n>` (district rows: `zD<source>...`);
dates carry the school in their year (see `_date`); every record's hub id is in `facts`. So a
response can be checked by walking it: any marker, date, id or cursor it contains must be one
the grants allow. The data also holds the awkward cases: tombstones, a future-dated enrollment,
a non-primary teacher, district courses and sessions, and references across schools and
sources (an enrollment naming another school's person, a student naming another school's
contact), which the policy must refuse to follow.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, delete

from hub.access import grant
from hub.access.grants import GrantRecord
from hub.canonical.catalogue import DATA_TYPES
from hub.store.models import GRANTS
from tests.factories import make_record, make_source

SCHOOLS = 4  # schools 0, 1 in source 0; schools 2, 3 in source 1
ROLES = {"students": "student", "staff": "staff", "contacts": "contact"}
SERVED = ("students", "staff", "contacts", "classes", "enrollments")
FUTURE_YEAR = 2090  # enrollments beginning then are "future" for any realistic today
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MARKER = re.compile(r"z([SD])(\d)\.([a-z]+)\.([a-z_]+)\.")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Date years: base + school (or + source for district rows), so a date names its school.
DOB_YEAR, BEGIN_YEAR, END_YEAR, SESSION_YEAR, DISTRICT_SESSION_YEAR = 1990, 2010, 2030, 2050, 2060


def school_source(school: int) -> int:
    return school // 2


@dataclass(frozen=True)
class Fact:
    """What the oracle needs to know about one record."""

    kind: str  # school, district, person, class, course, session, enrollment
    school: int | None  # None: a district-level row (or the district itself)
    source: int
    data_type: str | None  # the data type that grants the row (None for organisations)
    future: bool = False  # an enrollment beginning after today
    non_primary_staff: bool = False


@dataclass
class World:
    source_ids: list[str] = field(default_factory=list)
    school_ids: list[str] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)

    def ids_of(self, kind: str) -> list[str]:
        return [i for i, f in self.facts.items() if f.kind == kind]


def _m(school: int, data_type: str, name: str, n: int) -> str:
    return f"zS{school}.{data_type}.{name}.{n}"


def build_world(conn: Connection) -> World:
    world = World()
    world.source_ids = [make_source(conn, name=f"source{s}") for s in range(2)]
    districts = []
    for s, source_id in enumerate(world.source_ids):
        district = _record(
            world,
            conn,
            "organisation",
            Fact("district", None, s, None),
            source_id,
            None,
            kind="district",
            name=f"zD{s}.district.name.0",
            identifier=f"zD{s}.district.identifier.0",
        )
        districts.append(district)
        _district_catalogue(world, conn, s, source_id)
    for k in range(SCHOOLS):
        s = school_source(k)
        world.school_ids.append(
            _record(
                world,
                conn,
                "organisation",
                Fact("school", k, s, None),
                world.source_ids[s],
                None,
                kind="school",
                name=_m(k, "school", "name", 0),
                identifier=_m(k, "school", "identifier", 0),
                parent_id=districts[s],
            )
        )
    people = {k: _people(world, conn, k) for k in range(SCHOOLS)}
    for k in range(SCHOOLS):
        _classes(world, conn, k, people)
    return world


def _record(
    world: World,
    conn: Connection,
    entity: str,
    fact: Fact,
    source_id: str,
    school_id: str | None,
    **values: Any,
) -> str:
    hub_id = make_record(conn, entity, source_id=source_id, school_id=school_id, **values)
    world.facts[hub_id] = fact
    return hub_id


def _district_catalogue(world: World, conn: Connection, s: int, source_id: str) -> None:
    _record(
        world,
        conn,
        "course",
        Fact("course", None, s, "classes"),
        source_id,
        None,
        source_record_id=f"zD{s}.courses.source_record_id.0",
        title=f"zD{s}.courses.title.0",
        code=f"zD{s}.courses.code.0",
        grades=[f"zD{s}.courses.grades.0"],
        subjects=[f"zD{s}.courses.subjects.0"],
    )
    _record(
        world,
        conn,
        "academic_session",
        Fact("session", None, s, "classes"),
        source_id,
        None,
        source_record_id=f"zD{s}.sessions.source_record_id.0",
        kind="school_year",
        title=f"zD{s}.sessions.title.0",
        start_date=date(DISTRICT_SESSION_YEAR + s, 9, 1),
        end_date=date(DISTRICT_SESSION_YEAR + s, 12, 1),
        school_year=DISTRICT_SESSION_YEAR + s,
    )


def _person(world: World, conn: Connection, k: int, data_type: str, n: int, **extra: Any) -> str:
    source_id, school_id = world.source_ids[school_source(k)], world.school_ids[k]
    role_index = list(ROLES).index(data_type)
    strings = {
        name: _m(k, data_type, name, n)
        for name in (
            "role_detail",
            "given_name",
            "middle_name",
            "family_name",
            "preferred_name",
            "username",
            "email",
            "phone",
            "sms",
            "identifier",
            "gender",
            "source_record_id",
        )
    }
    return _record(
        world,
        conn,
        "person",
        Fact("person", k, school_source(k), data_type),
        source_id,
        school_id,
        role=ROLES[data_type],
        grades=[_m(k, data_type, "grades", n)],
        enabled=True,
        date_of_birth=date(DOB_YEAR + k, 1 + role_index, 1 + n),
        **strings,
        **extra,
    )


def _people(world: World, conn: Connection, k: int) -> dict[str, list[str]]:
    contacts = [_person(world, conn, k, "contacts", n) for n in range(2)]
    students = [_person(world, conn, k, "students", n, agent_ids=contacts) for n in range(2)]
    # A tombstone, served only with includeDeleted (and in the change feed).
    students.append(_person(world, conn, k, "students", 2, agent_ids=contacts[:1], deleted_at=NOW))
    staff = [_person(world, conn, k, "staff", n) for n in range(2)]
    return {"students": students, "staff": staff, "contacts": contacts}


def _classes(world: World, conn: Connection, k: int, people: dict[int, dict[str, list[str]]]) -> None:
    s = school_source(k)
    source_id, school_id = world.source_ids[s], world.school_ids[k]
    course = _record(
        world,
        conn,
        "course",
        Fact("course", k, s, "classes"),
        source_id,
        school_id,
        source_record_id=_m(k, "courses", "source_record_id", 0),
        title=_m(k, "courses", "title", 0),
        code=_m(k, "courses", "code", 0),
        grades=[_m(k, "courses", "grades", 0)],
        subjects=[_m(k, "courses", "subjects", 0)],
    )
    session = _record(
        world,
        conn,
        "academic_session",
        Fact("session", k, s, "classes"),
        source_id,
        school_id,
        source_record_id=_m(k, "sessions", "source_record_id", 0),
        kind="term",
        title=_m(k, "sessions", "title", 0),
        start_date=date(SESSION_YEAR + k, 9, 1),
        end_date=date(SESSION_YEAR + k, 12, 1),
        school_year=SESSION_YEAR + k,
    )
    mine = people[k]
    # Another school's people (same source, and the other source): the policy decides by the
    # referenced row's own school, never by the referencing row's.
    neighbour = people[(k + 1) % SCHOOLS]
    stranger = people[(k + 2) % SCHOOLS]
    for c in range(2):
        klass = _record(
            world,
            conn,
            "class",
            Fact("class", k, s, "classes"),
            source_id,
            school_id,
            source_record_id=_m(k, "classes", "source_record_id", c),
            title=_m(k, "classes", "title", c),
            code=_m(k, "classes", "code", c),
            kind="scheduled",
            room=_m(k, "classes", "room", c),
            periods=[_m(k, "classes", "periods", c)],
            grades=[_m(k, "classes", "grades", c)],
            subjects=[_m(k, "classes", "subjects", c)],
            course_id=course,
            session_ids=[session],
        )
        members: list[tuple[str, str, bool, bool]] = [  # person, role, primary, future
            (mine["students"][0], "student", False, False),
            (mine["students"][1 + c % 2], "student", False, c == 1),
            (mine["staff"][0], "teacher", True, False),
            (mine["staff"][1], "teacher", False, False),
            (
                neighbour["students"][0] if c == 0 else stranger["staff"][0],
                "student" if c == 0 else "teacher",
                False,
                False,
            ),
        ]
        for n, (person, role, primary, future) in enumerate(members):
            year = FUTURE_YEAR if future else BEGIN_YEAR
            _record(
                world,
                conn,
                "enrollment",
                Fact(
                    "enrollment",
                    k,
                    s,
                    "enrollments",
                    future=future,
                    non_primary_staff=role == "teacher" and not primary,
                ),
                source_id,
                school_id,
                source_record_id=_m(k, "enrollments", "source_record_id", 10 * c + n),
                person_id=person,
                class_id=klass,
                role=role,
                primary=primary,
                begin_date=date(year + k, 1 + c, 1 + n),
                end_date=date(END_YEAR + k, 1 + c, 1 + n),
            )
    # A student whose contacts include one from the neighbouring school.
    _person(world, conn, k, "students", 3, agent_ids=[neighbour["contacts"][0], mine["contacts"][1]])


# --- the oracle -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolGrant:
    data_types: frozenset[str]
    fields: dict[str, frozenset[str]] | None = None  # data type → fields; absent: all fields
    primary_only: bool = False
    future_active: bool = False
    ignore_district: bool = False

    def options(self) -> dict[str, Any]:
        return {
            "primary_enrollments_only": self.primary_only,
            "future_enrollments_active": self.future_active,
            "ignore_all_schools_records": self.ignore_district,
            # Thousands of requests a minute from one app: the test, not a flood.
            "max_requests_per_minute": 100_000,
        }

    def grants_field(self, data_type: str, name: str) -> bool:
        record = GrantRecord(
            id="",
            app_id="",
            source_id="",
            school_id="",
            data_types=tuple(self.data_types),
            options={},
            created_at=NOW,
            revoked_at=None,
            fields=None if self.fields is None else {k: tuple(v) for k, v in self.fields.items()},
        )
        return record.grants_field(data_type, name)


Grants = dict[int, SchoolGrant]  # school index → its grant (absent: no grant)


# --- grants ------------------------------------------------------------------------------------------


@st.composite
def school_grant(draw: st.DrawFn) -> SchoolGrant:
    # "attendance" is grantable but not served: it must never open anything up.
    data_types = draw(st.frozensets(st.sampled_from((*SERVED, "attendance")), min_size=1))
    fields: dict[str, frozenset[str]] | None = None
    if draw(st.booleans()):
        fields = {}
        for dt in sorted(data_types):
            if draw(st.booleans()):
                fields[dt] = draw(st.frozensets(st.sampled_from(DATA_TYPES[dt].field_names)))
    return SchoolGrant(
        data_types=data_types,
        fields=fields,
        primary_only=draw(st.booleans()),
        future_active=draw(st.booleans()),
        ignore_district=draw(st.booleans()),
    )


def grant_sets() -> st.SearchStrategy[Grants]:
    return st.dictionaries(st.integers(0, SCHOOLS - 1), school_grant(), max_size=SCHOOLS)


def write_grants(engine: Engine, world: World, app_id: str, grants: Grants) -> None:
    """Replace the app's grants with `grants` (read again by the policy on the next request)."""
    with engine.begin() as conn:
        conn.execute(delete(GRANTS).where(GRANTS.c.app_id == app_id))
        for k, g in sorted(grants.items()):
            school, source = world.school_ids[k], world.source_ids[school_source(k)]
            fields = None if g.fields is None else {dt: sorted(names) for dt, names in g.fields.items()}
            grant(conn, app_id, source, [school], sorted(g.data_types), g.options(), fields)


class LeakError(AssertionError):
    pass


class Oracle:
    """What the app holding `grants` may be shown of `world`."""

    def __init__(self, world: World, grants: Grants) -> None:
        self.world = world
        self.grants = grants
        self.index = {hub: k for k, hub in enumerate(world.school_ids)}

    def district_visible(self, source: int) -> bool:
        """A district's courses and sessions: served with classes granted at one of its schools,
        unless one of those classes grants ignores "all schools" records (grants without classes
        have no say: their options are about the data types they grant)."""
        with_classes = [
            g for k, g in self.grants.items() if school_source(k) == source and "classes" in g.data_types
        ]
        return bool(with_classes) and not any(g.ignore_district for g in with_classes)

    def row_visible(self, fact: Fact) -> bool:
        if fact.kind == "district":
            return False
        if fact.kind == "school":
            return fact.school in self.grants
        if fact.school is None:
            return self.district_visible(fact.source)
        g = self.grants.get(fact.school)
        if g is None or fact.data_type not in g.data_types:
            return False
        if fact.kind == "enrollment":
            if fact.future and not g.future_active:
                return False
            if fact.non_primary_staff and g.primary_only:
                return False
        return True

    def field_visible(self, school: int, data_type: str, name: str) -> bool:
        """May `name` of a row of `data_type` at `school` be shown (the row itself being visible)?

        `data_type` as in the markers: a served data type, or school / courses / sessions."""
        g = self.grants.get(school)
        if g is None:
            return False
        if data_type == "school":
            return True
        if data_type in ("courses", "sessions"):
            return "classes" in g.data_types  # granted whole with classes
        if data_type not in g.data_types:
            return False
        if name == "source_record_id" or (name == "role" and data_type in ROLES):
            return True
        return g.grants_field(data_type, name)

    # --- checking a response ---------------------------------------------------------------------

    def check(self, value: Any, path: str = "$") -> None:
        """Raise LeakError if anything in `value` (a whole response) is not allowed."""
        if isinstance(value, dict):
            self._check_record(value, path)
            for key, item in value.items():
                self.check(item, f"{path}.{key}")
        elif isinstance(value, list):
            for n, item in enumerate(value):
                self.check(item, f"{path}[{n}]")
        elif isinstance(value, str):
            self._check_string(value, path)

    def _check_string(self, text: str, path: str) -> None:
        for kind, n, data_type, name in _MARKER.findall(text):
            if kind == "D":
                if data_type == "district" or not self.district_visible(int(n)):
                    raise LeakError(f"{path}: district {data_type}.{name} of source {n} ({text!r})")
            elif not self.field_visible(int(n), data_type, name):
                raise LeakError(f"{path}: {data_type}.{name} of school {n} ({text!r})")
        if (match := _DATE.match(text)) is not None:
            self._check_date(int(match.group(1)), int(match.group(2)), text, path)
        for hub_id in self._ids_in(text):
            fact = self.world.facts.get(hub_id)
            if fact is not None and not self.row_visible(fact):
                raise LeakError(f"{path}: id of a hidden {fact.kind} of school {fact.school} ({text!r})")

    def _check_date(self, year: int, month: int, text: str, path: str) -> None:
        checks = (
            (DOB_YEAR, lambda k: self.field_visible(k, list(ROLES)[month - 1], "date_of_birth")),
            (BEGIN_YEAR, lambda k: self.field_visible(k, "enrollments", "begin_date")),
            (
                FUTURE_YEAR,
                lambda k: self.field_visible(k, "enrollments", "begin_date") and self.grants[k].future_active,
            ),
            (END_YEAR, lambda k: self.field_visible(k, "enrollments", "end_date")),
            (SESSION_YEAR, lambda k: self.field_visible(k, "sessions", "start_date")),
        )
        for base, allowed in checks:
            if base <= year < base + SCHOOLS and not allowed(year - base):
                raise LeakError(f"{path}: date {text} of school {year - base}")
        if DISTRICT_SESSION_YEAR <= year < DISTRICT_SESSION_YEAR + 2 and not self.district_visible(
            year - DISTRICT_SESSION_YEAR
        ):
            raise LeakError(f"{path}: date {text} of district {year - DISTRICT_SESSION_YEAR}")

    @staticmethod
    def _ids_in(text: str) -> set[str]:
        found = set(_UUID.findall(text))
        try:
            decoded = base64.urlsafe_b64decode(text.encode() + b"==").decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return found
        return found | set(_UUID.findall(decoded))

    def _check_record(self, record: dict[str, Any], path: str) -> None:
        """A record whose id is selected: each non-null field must be granted for its school, and
        each followed reference (the edge a withheld reference field would hide) too."""
        ident = record.get("id")
        if not isinstance(ident, str):
            return
        hub_ids = self._ids_in(ident)
        fact = next((self.world.facts[i] for i in hub_ids if i in self.world.facts), None)
        if fact is None or fact.school is None or fact.kind in ("school", "course", "session"):
            return  # organisations and the catalogue carry no field masks
        if "operation" in record or "changeVersion" in record:
            return  # a change-feed event about the record, not the record
        for key, value in record.items():
            name = CANONICAL.get((fact.kind, key))
            visible = (
                name is None
                or value in (None, [])
                or self.field_visible(fact.school, fact.data_type or "", name)
            )
            if not visible:
                raise LeakError(f"{path}.{key}: {fact.data_type}.{name} of school {fact.school}")
            if key == "enrollments" and isinstance(value, list):
                # Followed from the enrollment's side: its person_id / class_id must be granted.
                link = "person_id" if fact.kind == "person" else "class_id"
                for n, item in enumerate(value):
                    self._check_link(item, link, f"{path}.{key}[{n}]")

    def _check_link(self, item: Any, link: str, path: str) -> None:
        ident = item.get("id") if isinstance(item, dict) else None
        found = [self.world.facts[i] for i in self._ids_in(ident or "") if i in self.world.facts]
        for fact in found:
            if fact.school is None or not self.field_visible(fact.school, "enrollments", link):
                raise LeakError(
                    f"{path}: linked through a withheld enrollments.{link} of school {fact.school}"
                )


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


# (record kind, GraphQL field) → the canonical field whose grant it needs.
CANONICAL: dict[tuple[str, str], str] = {
    **{
        ("person", f): _snake(f)
        for f in (
            "roleDetail",
            "givenName",
            "middleName",
            "familyName",
            "preferredName",
            "username",
            "email",
            "phone",
            "sms",
            "identifier",
            "grades",
            "enabled",
            "dateOfBirth",
            "gender",
        )
    },
    ("person", "contacts"): "agent_ids",
    **{("class", f): _snake(f) for f in ("title", "code", "kind", "room", "periods", "grades", "subjects")},
    ("class", "course"): "course_id",
    ("class", "sessions"): "session_ids",
    **{("enrollment", f): _snake(f) for f in ("role", "primary", "beginDate", "endDate")},
    ("enrollment", "person"): "person_id",
    ("enrollment", "class"): "class_id",
}
