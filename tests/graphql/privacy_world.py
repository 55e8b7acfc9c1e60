"""A fixed two-source, four-school dataset whose every value says where it came from, and the
oracle that decides, for a set of grants, which of those values an app may ever be shown.

Strings carry markers `zS<school>.<data type>.<field>.<n>` (district rows: `zD<source>...`);
dates carry the school in their year (see `_date`); every record's hub id is in `facts`. So a
response can be checked by walking it: any marker, date, id or cursor it contains must be one
the grants allow. The data also holds the awkward cases: tombstones, a future-dated enrollment,
a non-primary teacher, district courses and sessions, and references across schools and
sources (an enrollment naming another school's person, a student naming another school's
contact), which the policy must refuse to follow; enrollments that ended (visible only with endless teacher
enrollments or an open grading period), marking periods not started yet, and custom fields under
two keys. Rows whose visibility the options decide carry a unique marker number, so even a
stray `sourceRecordId` of a hidden row is caught.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, delete

from hub.access import grant
from hub.access.grants import GrantRecord
from hub.canonical import ENTITIES_BY_NAME, EntitySpec
from hub.canonical.catalogue import DATA_TYPES
from hub.canonical.spec import FieldType
from hub.store.models import GRANTS
from tests.factories import make_record, make_source

SCHOOLS = 4  # schools 0, 1 in source 0; schools 2, 3 in source 1
ROLES = {"students": "student", "staff": "staff", "contacts": "contact"}
SERVED = tuple(DATA_TYPES)
FUTURE_YEAR = 2090  # enrollments beginning then are "future" for any realistic today
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MARKER = re.compile(r"z([SD])(\d)\.([a-z_]+)\.([a-z0-9_]+)\.(\d+)")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Date years: base + school (or + source for district rows), so a date names its school.
DOB_YEAR, BEGIN_YEAR, END_YEAR, SESSION_YEAR, DISTRICT_SESSION_YEAR = 1990, 2010, 2030, 2050, 2060
# Ended enrollments' end dates; an open grading period's start and end; school-life dates (the
# month names the data type and field, see LIFE_DATES).
ENDED_YEAR, PERIOD_START_YEAR, PERIOD_END_YEAR, LIFE_YEAR = 2000, 1970, 2080, 2070
# Schools with a grading period open today: their ended enrollments show with grade posting.
OPEN_PERIOD_SCHOOLS = frozenset({0, 2})
CUSTOM_KEYS = ("key0", "key1")
LIFE_ENTITIES = (
    "attendance_mark",
    "attendance_summary",
    "behaviour_incident",
    "grade_record",
    "assignment",
    "assignment_result",
    "calendar_event",
    "timetable_slot",
    "demographics",
    "address",
    "contact_point",
    "contact_relationship",
    "photo",
    "custom_field",
)
# (data type, date field) of school life; a date's month is 1 + its index here.
LIFE_DATES = tuple(
    (ENTITIES_BY_NAME[e].data_type or "", f.name)
    for e in LIFE_ENTITIES
    for f in ENTITIES_BY_NAME[e].fields
    if f.type is FieldType.DATE
)
# Values for school-life fields the API serves as enums (markers would not survive the mapping).
ENUM_VALUES = {
    ("attendance_mark", "session"): "am",
    ("attendance_mark", "status"): "absent",
    ("grade_record", "kind"): "final",
    ("assignment_result", "status"): "graded",
    ("calendar_event", "kind"): "holiday",
    ("timetable_slot", "day"): "mon",
    ("demographics", "sex"): "female",
    ("address", "kind"): "home",
    ("contact_point", "kind"): "phone",
}


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
    ended: bool = False  # an enrollment whose end date has passed
    staff: bool = False  # an enrollment in a staff role
    future_period: bool = False  # a marking period not started yet
    key: str | None = None  # a custom field's key


@dataclass
class World:
    source_ids: list[str] = field(default_factory=list)
    school_ids: list[str] = field(default_factory=list)
    facts: dict[str, Fact] = field(default_factory=dict)
    # (S or D, school or source, data type, marker number) → the hub id of the one row it marks,
    # for rows whose visibility depends on more than their school and data type.
    marked: dict[tuple[str, int, str, int], str] = field(default_factory=dict)

    def ids_of(self, kind: str) -> list[str]:
        return [i for i, f in self.facts.items() if f.kind == kind]


def _m(school: int, data_type: str, name: str, n: int) -> str:
    return f"zS{school}.{data_type}.{name}.{n}"


def build_world(conn: Connection, *, school_life: bool = True) -> World:
    """The dataset; without `school_life`, only the roster (for tests of roster paths)."""
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
        roster = _classes(world, conn, k, people)
        if school_life:
            _school_life(world, conn, k, people, roster)
    return world


def _record(
    world: World,
    conn: Connection,
    entity: str,
    fact: Fact,
    source_id: str,
    school_id: str | None,
    /,
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
    # A district term not started yet: shown only if every grant with classes at the source's
    # schools has marking periods always active.
    world.marked[("D", s, "sessions", 1)] = _record(
        world,
        conn,
        "academic_session",
        Fact("session", None, s, "classes", future_period=True),
        source_id,
        None,
        source_record_id=f"zD{s}.sessions.source_record_id.1",
        kind="term",
        title=f"zD{s}.sessions.title.1",
        start_date=date(DISTRICT_SESSION_YEAR + s, 9, 2),
        end_date=date(DISTRICT_SESSION_YEAR + s, 12, 2),
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


def _classes(world: World, conn: Connection, k: int, people: dict[int, dict[str, list[str]]]) -> Roster:
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
        Fact("session", k, s, "classes", future_period=True),
        source_id,
        school_id,
        source_record_id=_m(k, "sessions", "source_record_id", 0),
        kind="term",
        title=_m(k, "sessions", "title", 0),
        start_date=date(SESSION_YEAR + k, 9, 1),
        end_date=date(SESSION_YEAR + k, 12, 1),
        school_year=SESSION_YEAR + k,
    )
    world.marked[("S", k, "sessions", 0)] = session
    if k in OPEN_PERIOD_SCHOOLS:
        _record(
            world,
            conn,
            "academic_session",
            Fact("session", k, s, "classes"),
            source_id,
            school_id,
            source_record_id=_m(k, "sessions", "source_record_id", 1),
            kind="grading_period",
            title=_m(k, "sessions", "title", 1),
            start_date=date(PERIOD_START_YEAR + k, 1, 1),
            end_date=date(PERIOD_END_YEAR + k, 1, 1),
        )
    mine = people[k]
    # Another school's people (same source, and the other source): the policy decides by the
    # referenced row's own school, never by the referencing row's.
    neighbour = people[(k + 1) % SCHOOLS]
    stranger = people[(k + 2) % SCHOOLS]
    classes: list[str] = []
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
            _enrollment(
                world,
                conn,
                k,
                10 * c + n,
                Fact(
                    "enrollment",
                    k,
                    s,
                    "enrollments",
                    future=future,
                    non_primary_staff=role == "teacher" and not primary,
                    staff=role != "student",
                ),
                person_id=person,
                class_id=klass,
                role=role,
                primary=primary,
                begin_date=date(year + k, 1 + c, 1 + n),
                end_date=date(END_YEAR + k, 1 + c, 1 + n),
            )
        classes.append(klass)
    # Enrollments that have ended: a pupil's and the primary teacher's.
    for n, (person, role) in enumerate(((mine["students"][0], "student"), (mine["staff"][0], "teacher"))):
        _enrollment(
            world,
            conn,
            k,
            50 + n,
            Fact("enrollment", k, s, "enrollments", ended=True, staff=role != "student"),
            person_id=person,
            class_id=classes[0],
            role=role,
            primary=role != "student",
            begin_date=date(BEGIN_YEAR + k, 3, 1 + n),
            end_date=date(ENDED_YEAR + k, 1, 1 + n),
        )
    # A student whose contacts include one from the neighbouring school.
    _person(world, conn, k, "students", 3, agent_ids=[neighbour["contacts"][0], mine["contacts"][1]])
    return Roster(course=course, session=session, classes=classes)


@dataclass(frozen=True)
class Roster:
    course: str
    session: str
    classes: list[str]


def _enrollment(world: World, conn: Connection, k: int, n: int, fact: Fact, **values: Any) -> None:
    s = school_source(k)
    world.marked[("S", k, "enrollments", n)] = _record(
        world,
        conn,
        "enrollment",
        fact,
        world.source_ids[s],
        world.school_ids[k],
        source_record_id=_m(k, "enrollments", "source_record_id", n),
        **values,
    )


def _school_life(
    world: World, conn: Connection, k: int, people: dict[int, dict[str, list[str]]], roster: Roster
) -> None:
    """One or two rows of every school-life entity, each naming its school in every value."""
    mine, neighbour = people[k], people[(k + 1) % SCHOOLS]
    pupil, other, contact = mine["students"][0], mine["students"][1], mine["contacts"][0]
    klass = roster.classes[0]
    numbers = itertools.count(100)  # marker numbers of school-life rows, apart from people's

    def life(entity: str, key: str | None = None, **refs: str | None) -> str:
        return _life_record(world, conn, k, ENTITIES_BY_NAME[entity], next(numbers), refs, key)

    assignment = life("assignment", class_id=klass)
    for student in (pupil, other):
        life("attendance_mark", student_id=student, class_id=klass if student == pupil else None)
        life("assignment_result", student_id=student, assignment_id=assignment)
    life("attendance_summary", student_id=pupil, session_id=roster.session)
    # Recorded by a teacher of the next school: the reference must not be followed without a grant.
    life("behaviour_incident", student_id=pupil, staff_id=neighbour["staff"][0])
    life("grade_record", student_id=pupil, course_id=roster.course, class_id=klass, session_id=roster.session)
    life("calendar_event")
    life("timetable_slot", class_id=klass, session_id=roster.session)
    life("demographics", person_id=pupil)
    life("address", person_id=pupil)
    life("contact_point", person_id=pupil)
    life("contact_point", person_id=contact)
    life("contact_relationship", student_id=pupil, contact_id=contact)
    life("photo", person_id=pupil)
    for key in CUSTOM_KEYS:
        life("custom_field", key=key, person_id=pupil)


def _life_record(
    world: World,
    conn: Connection,
    k: int,
    spec: EntitySpec,
    n: int,
    refs: dict[str, str | None],
    key: str | None,
) -> str:
    data_type = spec.data_type or ""
    values: dict[str, Any] = {"source_record_id": _m(k, data_type, "source_record_id", n)}
    for f in spec.fields:
        if (spec.name, f.name) in ENUM_VALUES:
            values[f.name] = ENUM_VALUES[(spec.name, f.name)]
        elif f.type is FieldType.STRING:
            values[f.name] = _m(k, data_type, f.name, n)
        elif f.type is FieldType.DATE:
            month = 1 + LIFE_DATES.index((data_type, f.name))
            values[f.name] = date(LIFE_YEAR + k, month, 1 + n % 28)
        elif f.type is FieldType.INTEGER:
            values[f.name] = 7
        elif f.type is FieldType.FLOAT:
            values[f.name] = 7.5
        elif f.type is FieldType.BOOLEAN:
            values[f.name] = True
        # Date-times and references stay NULL unless given: neither can name its school.
    values.update(refs)
    if key is not None:
        values["key"] = key
        values["entity"] = "person"
    s = school_source(k)
    hub_id = _record(
        world,
        conn,
        spec.name,
        Fact(spec.name, k, s, data_type, key=key),
        world.source_ids[s],
        world.school_ids[k],
        **values,
    )
    world.marked[("S", k, data_type, n)] = hub_id
    return hub_id


# --- the oracle -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolGrant:
    data_types: frozenset[str]
    fields: dict[str, frozenset[str]] | None = None  # data type → fields; absent: all fields
    primary_only: bool = False
    future_active: bool = False
    ignore_district: bool = False
    endless_teachers: bool = False
    grade_posting: bool = False
    periods_always_active: bool = False
    custom_keys: tuple[str, ...] = ()  # empty: every key
    log_payloads: bool = False  # no effect on what the app sees: must not change it either

    def options(self) -> dict[str, Any]:
        return {
            "primary_enrollments_only": self.primary_only,
            "future_enrollments_active": self.future_active,
            "ignore_all_schools_records": self.ignore_district,
            "endless_teacher_enrollments": self.endless_teachers,
            "use_grade_posting_end_date": self.grade_posting,
            "marking_periods_always_active": self.periods_always_active,
            "custom_fields": list(self.custom_keys),
            "log_full_payloads": self.log_payloads,
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
    data_types = draw(st.frozensets(st.sampled_from(SERVED), min_size=1))
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
        endless_teachers=draw(st.booleans()),
        grade_posting=draw(st.booleans()),
        periods_always_active=draw(st.booleans()),
        # "nokey" matches no row: a list naming only it serves no custom field at all.
        custom_keys=tuple(draw(st.lists(st.sampled_from((*CUSTOM_KEYS, "nokey")), max_size=2, unique=True))),
        log_payloads=draw(st.integers(0, 9)) == 0,
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

    def district_periods_active(self, source: int) -> bool:
        """A district marking period not started yet: only if every grant with classes at the
        source's schools has marking periods always active (the strictest grant wins)."""
        with_classes = [
            g for k, g in self.grants.items() if school_source(k) == source and "classes" in g.data_types
        ]
        return all(g.periods_always_active for g in with_classes)

    def row_visible(self, fact: Fact) -> bool:
        if fact.kind == "district":
            return False
        if fact.kind == "school":
            return fact.school in self.grants
        if fact.school is None:
            visible = self.district_visible(fact.source)
            return visible and (not fact.future_period or self.district_periods_active(fact.source))
        g = self.grants.get(fact.school)
        if g is None or fact.data_type not in g.data_types:
            return False
        if fact.kind == "enrollment":
            if fact.future and not g.future_active:
                return False
            if fact.non_primary_staff and g.primary_only:
                return False
            if fact.ended and not self.ended_visible(fact.school, staff=fact.staff):
                return False
        if fact.future_period and not g.periods_always_active:
            return False
        # Custom fields: only the listed keys, when the grant lists any.
        return fact.key is None or not g.custom_keys or fact.key in g.custom_keys

    def ended_visible(self, school: int, *, staff: bool) -> bool:
        """An enrollment that has ended: with endless teacher enrollments (staff only), or with
        grade posting where a grading period is still open."""
        g = self.grants[school]
        return (g.endless_teachers and staff) or (g.grade_posting and school in OPEN_PERIOD_SCHOOLS)

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
        if name == "source_record_id" and data_type in g.data_types:
            return True
        if data_type not in g.data_types:
            return False
        if name == "role" and data_type in ROLES:
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
        for kind, n, data_type, name, number in _MARKER.findall(text):
            if kind == "D":
                if data_type == "district" or not self.district_visible(int(n)):
                    raise LeakError(f"{path}: district {data_type}.{name} of source {n} ({text!r})")
            elif not self.field_visible(int(n), data_type, name):
                raise LeakError(f"{path}: {data_type}.{name} of school {n} ({text!r})")
            row = self.world.marked.get((kind, int(n), data_type, int(number)))
            if row is not None and not self.row_visible(self.world.facts[row]):
                raise LeakError(f"{path}: {data_type}.{name} of a row out of scope ({text!r})")
        if (match := _DATE.match(text)) is not None:
            self._check_date(int(match.group(1)), int(match.group(2)), int(match.group(3)), text, path)
        for hub_id in self._ids_in(text):
            fact = self.world.facts.get(hub_id)
            if fact is not None and not self.row_visible(fact):
                raise LeakError(f"{path}: id of a hidden {fact.kind} of school {fact.school} ({text!r})")

    def _check_date(self, year: int, month: int, day: int, text: str, path: str) -> None:
        checks = (
            (DOB_YEAR, lambda k: self.field_visible(k, list(ROLES)[month - 1], "date_of_birth")),
            (BEGIN_YEAR, lambda k: self.field_visible(k, "enrollments", "begin_date")),
            (
                FUTURE_YEAR,
                lambda k: self.field_visible(k, "enrollments", "begin_date") and self.grants[k].future_active,
            ),
            (END_YEAR, lambda k: self.field_visible(k, "enrollments", "end_date")),
            (
                ENDED_YEAR,
                lambda k: (
                    self.field_visible(k, "enrollments", "end_date")
                    and self.ended_visible(k, staff=month == 1 and day == 2)
                ),
            ),
            # Only the school's term (not started yet) has dates in this range.
            (
                SESSION_YEAR,
                lambda k: (
                    self.field_visible(k, "sessions", "start_date") and self.grants[k].periods_always_active
                ),
            ),
            (PERIOD_START_YEAR, lambda k: self.field_visible(k, "sessions", "start_date")),
            (PERIOD_END_YEAR, lambda k: self.field_visible(k, "sessions", "end_date")),
            (
                LIFE_YEAR,
                lambda k: 0 < month <= len(LIFE_DATES) and self.field_visible(k, *LIFE_DATES[month - 1]),
            ),
        )
        for base, allowed in checks:
            if base <= year < base + SCHOOLS and not allowed(year - base):
                raise LeakError(f"{path}: date {text} of school {year - base}")
        if DISTRICT_SESSION_YEAR <= year < DISTRICT_SESSION_YEAR + 2:
            source = year - DISTRICT_SESSION_YEAR
            # The district's school year starts on the 1st, its term (not started yet) on the 2nd.
            future_term = day == 2
            if not self.district_visible(source) or (
                future_term and not self.district_periods_active(source)
            ):
                raise LeakError(f"{path}: date {text} of district {source}")

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


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


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
    # School life: each field under its camelCase name, a reference under its edge's name.
    **{
        (entity, _camel(f.name.removesuffix("_id") if f.type is FieldType.REFERENCE else f.name)): f.name
        for entity in LIFE_ENTITIES
        for f in ENTITIES_BY_NAME[entity].fields
    },
}
