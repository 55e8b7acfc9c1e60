"""A seeded synthetic school district in canonical form.

Simulators render it in their source's dialect, so each adapter can be round-trip tested
(generated canonical → simulator → adapter → canonical) and `satchel demo` has data to serve.
Frames look exactly like an adapter's output: `spec.polars_schema()` columns, references holding
SOURCE record ids. Everything is drawn from one `random.Random(seed)` in a fixed order and never
from set iteration, so the same arguments give the same district in every process.
"""

from __future__ import annotations

import base64
import math
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import polars as pl

from hub.canonical import ENTITIES_BY_NAME

GRADES = ("KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
STUDENTS_PER_SCHOOL = 400
STUDENTS_PER_STAFF = 15
CLASS_SIZE = 25

# Underscores stand for spaces inside a name ("De_la_Cruz").
_FEMALE = """
Olivia Emma Charlotte Amelia Sophia Isabella Ava Mia Evelyn Harper Luna Camila Sofía Aaliyah Zoë
Chloé Renée Anne-Marie Mary-Kate Aisha Fatima Mariam Layla Noor Yasmin Priya Ananya Diya Aditi Kavya
Mei Xiu Ying Yuki Hana Sakura Ji-woo Seo-yeon Minh Linh Thao Imani Nia Zuri Amara Ayana Keisha Tamika
Shanice Guadalupe María Lucía Valentina Ximena Daniela Paola Ingrid Astrid Freya Siobhán Aoife Niamh
Saoirse Maëlle Léa Inès Chiara Giulia Francesca Olga Katarzyna Zofia Ileana Dakota Winona Talia Noa
Esther Miriam Leah Rachel Grace Hannah Abigail Elizabeth Margaret Ruth Josephine Ivy Hazel Violet
Nora Stella Aurora Penelope Willow Naomi Eleanor Alice Clara Rosa Elena Ana Maya Sara Iman Salma
"""
_MALE = """
Liam Noah Oliver James Elijah William Henry Lucas Benjamin Theodore Mateo Santiago José Jesús Ángel
Andrés Joaquín Sebastián Diego Luis Carlos Miguel Alejandro Jean-Luc Jean-Pierre François René
Mohammed Omar Ali Yusuf Ibrahim Hassan Karim Tariq Arjun Rohan Vikram Aarav Ishaan Rahul Sanjay
Wei Jun Hao Chen Hiroshi Kenji Takumi Min-jun Ji-ho Duc Minh-Anh Quang Jamal Malik DeShawn Darnell
Tyrone Kwame Kofi Chinedu Oluwaseun Emeka Tobias Björn Søren Lars Magnus Finn Seán Oisín Cian Ronan
Dmitri Mikhail Piotr Krzysztof Tomás Matteo Lorenzo Giovanni Luca Nikolaos Yosef David Samuel Isaac
Aaron Daniel Caleb Ethan Owen Jack Leo Ezra Hudson Jackson Aiden Wyatt Gabriel Julian Isaiah Micah
Cheveyo Hania Ahanu Kai Rafael Emilio Nicolás
"""
_NEUTRAL = "Alex Jordan Taylor Morgan Casey Riley Avery Quinn Rowan Sage Emerson Skyler Jamie Reese Dakota"
_FAMILY = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernández López González
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Pérez Thompson White Harris Sánchez Clark
Ramírez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gómez Phillips Evans Turner Díaz Parker
Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutiérrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chávez Wood James
Bennett Gray Mendoza Ruiz Hughes Price Álvarez Castillo Sanders Patel Myers Long Ross Foster Jiménez
Núñez Peña Ibáñez Muñoz O'Brien O'Connor O'Neill O'Sullivan D'Angelo D'Souza N'Diaye McAllister
MacDonald Smith-Jones García-López Lloyd-Williams Nakamura-Reed De_la_Cruz Van_der_Berg Da_Silva
St._John Nguyen-Tran Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin Tanaka
Suzuki Takahashi Watanabe Yamamoto Sato Park Choi Jung Kang Cho Yoon Tran Le Pham Hoang Vu Singh
Kumar Sharma Gupta Reddy Iyer Nair Chatterjee Desai Khan Ahmed Hussain Rahman Haddad Nasser Khalil
Okafor Adeyemi Mensah Owusu Abubakar Diallo Traoré Mbeki Kamau Otieno Haile Tesfaye Müller Schmidt
Schneider Fischer Weber Becker Kowalski Nowak Wiśniewski Novák Horváth Ivanova Petrov Popescu Rossi
Russo Ferrari Esposito Bianchi Romano Costa Silva Santos Oliveira Pereira Andersson Johansson Nilsson
Larsen Hansen Jensen Virtanen Korhonen Doyle Byrne Ó_Súilleabháin Kealoha Begay Yazzie Tsosie
Redcloud Whitehorse Cohen Levi Friedman Katz Papadopoulos Georgiou Yilmaz Kaya Demir Öztürk
"""
_PLACES = """
Riverside Lakeview Maple_Grove Cedar_Hill Oak_Park Pine_Ridge Willow_Creek Harbor_Point Sunnyvale
Fairview Brookside Highland Meadowbrook Stonebridge Clearwater Silver_Lake Eastwood Westfield
Northgate Southport Greenwood Ridgeview Springdale Foxborough Bayside Elmhurst Hillcrest Parkside
Rosewood Summit Valley_View Mountain_View Prairie_Wind Cottonwood Red_Rock Blue_Spruce Aspen_Grove
Mesa_Verde Kingsbridge Marshfield
"""
_HONOREES = """
Sojourner_Truth César_Chávez Sally_Ride Roberto_Clemente Maya_Angelou Katherine_Johnson Sequoyah
Ellen_Ochoa Dolores_Huerta Frederick_Douglass Rosa_Parks Thurgood_Marshall Amelia_Earhart
Mae_Jemison Daniel_Inouye Fred_Korematsu Sonia_Sotomayor Jackie_Robinson Harriet_Tubman
Wilma_Mankiller George_Washington_Carver Grace_Hopper Ruth_Bader_Ginsburg Jim_Thorpe Patsy_Mink
Booker_T._Washington Helen_Keller Carl_Sagan Marie_Curie Albert_Einstein
"""
_PERSONAL_DOMAINS = ("example.com", "example.net", "mail.example.org", "home.example.com")
_AREA_CODES = ("206", "312", "415", "503", "512", "602", "617", "702", "720", "919")

# Subjects by school level: every student takes all the core subjects plus one of the others.
_CORE = ("Mathematics", "English Language Arts", "Science", "Social Studies")
_ELEMENTARY_EXTRA = ("Art", "Music", "Physical Education")
_SECONDARY_EXTRA = ("Spanish", "Physical Education", "Art", "Computer Science", "Music")
_SUBJECT_CODES = {
    "Mathematics": "MATH",
    "English Language Arts": "ELA",
    "Science": "SCI",
    "Social Studies": "SOC",
    "Art": "ART",
    "Music": "MUS",
    "Physical Education": "PE",
    "Spanish": "SPAN",
    "Computer Science": "CS",
    "Homeroom": "HR",
}
_SPECIAL_ROOMS = {"Physical Education": "Gymnasium", "Music": "Music Room", "Art": "Art Studio"}
_LEVEL_NAMES = {
    "k12": "{place} Academy",
    "elementary": "{place} Elementary School",
    "secondary": "{place} Junior-Senior High School",
    "middle": "{honoree} Middle School",
    "high": "{place} High School",
}
_LEVEL_GRADES = {
    "k12": GRADES,
    "elementary": GRADES[:6],
    "secondary": GRADES[6:],
    "middle": GRADES[6:9],
    "high": GRADES[9:],
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS_PER_DAY = 86_400_000


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.replace("_", " ") for w in text.split())


FEMALE_NAMES = _words(_FEMALE)
MALE_NAMES = _words(_MALE)
NEUTRAL_NAMES = _words(_NEUTRAL)
FAMILY_NAMES = _words(_FAMILY)
PLACES = _words(_PLACES)
HONOREES = _words(_HONOREES)


@dataclass(frozen=True)
class SyntheticDistrict:
    """A generated district: canonical frames keyed by entity name, plus what produced them."""

    name: str
    domain: str
    seed: int
    students: int
    frames: dict[str, pl.DataFrame]
    edited_ids: tuple[str, ...] = field(default=())  # person ids changed by the last with_edits()

    def with_edits(self, fraction: float, seed: int) -> SyntheticDistrict:
        """A copy in which `fraction` of people have a new family name or email, modified later."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be between 0 and 1")
        rng = random.Random(seed)
        people = self.frames["person"]
        count = round(fraction * people.height)
        rows = sorted(rng.sample(range(people.height), count))
        stamps = [frame["source_updated_at"].max() for frame in self.frames.values()]
        latest = max(t for t in stamps if isinstance(t, datetime))
        family = people["family_name"].to_list()
        email = people["email"].to_list()
        updated = people["source_updated_at"].to_list()
        for n, i in enumerate(rows):
            if rng.random() < 0.5:
                family[i] = rng.choice(FAMILY_NAMES)
            else:
                email[i] = (
                    f"{_slug(rng.choice(FAMILY_NAMES))}.{rng.randrange(1000, 9999)}@{rng.choice(_PERSONAL_DOMAINS)}"
                )
            updated[i] = latest + timedelta(days=1, milliseconds=n)
        edited = people.with_columns(
            pl.Series("family_name", family, dtype=pl.String),
            pl.Series("email", email, dtype=pl.String),
            pl.Series("source_updated_at", updated, dtype=pl.Datetime("us", "UTC")),
        )
        edited_ids = tuple(people["source_record_id"].gather(rows).to_list())
        return replace(self, frames={**self.frames, "person": edited}, edited_ids=edited_ids)


def generate_district(
    students: int = 500,
    seed: int = 7,
    *,
    school_life: bool = False,
    attendance_days: int | None = None,
    gradebook: bool = False,
    demographics: bool = False,
) -> SyntheticDistrict:
    """Generate a district with about `students` students; the same arguments give the same district.

    The roster (organisations, sessions, courses, classes, people, enrollments) is always made.
    `school_life` adds everything else: attendance, behaviour, grades, assignments and results,
    calendar, timetable, demographics, addresses, contact points and relationships, photos and
    custom fields. It is off by default because a roster-only source (OneRoster) syncs exactly the
    roster, and tests compare the store to every frame. `attendance_days` caps the school days of
    attendance marks (None: the whole fall semester; 0: no marks, the heaviest entity by far).
    `gradebook` (assignments and results) and `demographics` add just those parts of school life,
    for sources that carry the roster and them alone (OneRoster); each part is drawn from a random
    stream of its own, so the roster and the other part are the same with or without it.
    """
    if students < 1:
        raise ValueError("a district needs at least one student")
    if attendance_days is not None and attendance_days < 0:
        raise ValueError("attendance_days cannot be negative")
    district = _Generator(students, seed).run()
    if not school_life:
        return _with_parts(district, gradebook=gradebook, demographics=demographics)
    # Drawn from a random stream of its own, so the roster is byte-identical with or without it.
    life = _SchoolLife(district, random.Random(f"satchel-life-{students}-{seed}"), attendance_days)
    return replace(district, frames={**district.frames, **life.frames()})


def _with_parts(district: SyntheticDistrict, *, gradebook: bool, demographics: bool) -> SyntheticDistrict:
    frames = dict(district.frames)
    if gradebook:
        frames.update(_part_life(district, "gradebook").assignments())
    if demographics:
        life = _part_life(district, "demographics")
        # A OneRoster source knows the demographics of everyone it lists, not only students'.
        life.students = district.frames["person"]
        frames["demographics"] = life.demographics()
    return replace(district, frames=frames)


def _part_life(district: SyntheticDistrict, part: str) -> _SchoolLife:
    """School life for one part alone, drawn from a random stream of its own."""
    rng = random.Random(f"satchel-{part}-{district.students}-{district.seed}")
    return _SchoolLife(district, rng, attendance_days=0)


class _Table:
    """Column lists for one entity, appended row by row, frozen into a frame with the spec's schema."""

    def __init__(self, entity: str) -> None:
        self.schema = ENTITIES_BY_NAME[entity].polars_schema()
        self.columns: dict[str, list[Any]] = {name: [] for name in self.schema}

    def add(self, **values: Any) -> None:
        # source_updated_at is given as milliseconds since the epoch, converted once in frame().
        for name, column in self.columns.items():
            column.append(values.get(name))

    def extend(self, rows: int, **values: Any) -> None:
        """Append `rows` rows at once; each value is a list of `rows` values or one value for all."""
        for name, column in self.columns.items():
            value = values.get(name)
            column.extend(value if isinstance(value, list) else [value] * rows)

    def frame(self) -> pl.DataFrame:
        series = []
        for name, values in self.columns.items():
            dtype = self.schema[name]
            if name == "source_updated_at":
                s = (
                    pl.Series(name, values, dtype=pl.Int64)
                    .cast(pl.Datetime("ms"))
                    .dt.replace_time_zone("UTC")
                )
                series.append(s.cast(dtype))
            elif isinstance(dtype, pl.List):
                series.append(_list_series(name, values))
            else:
                series.append(pl.Series(name, values, dtype=dtype))
        return pl.DataFrame(series)


def _list_series(name: str, values: list[list[str]]) -> pl.Series:
    # Building list columns element by element is slow in polars; joining and splitting is not.
    sep = "\x1f"
    joined = pl.Series(name, [sep.join(v) if v else None for v in values], dtype=pl.String).str.split(sep)
    empty = pl.lit([], dtype=pl.List(pl.String))
    return pl.select(pl.when(joined.is_null()).then(empty).otherwise(joined).alias(name)).to_series()


@dataclass(frozen=True)
class _School:
    id: str
    level: str
    grades: tuple[str, ...]


@dataclass(frozen=True)
class _Class:
    id: str
    school_id: str
    begin: date
    end: date


class _Generator:
    def __init__(self, students: int, seed: int) -> None:
        self.students = students
        self.seed = seed
        self.rng = random.Random(f"satchel-district-{students}-{seed}")
        self.tables = {name: _Table(name) for name in ENTITIES_BY_NAME}
        self.usernames: dict[str, int] = {}
        base = datetime(2026, 6, 1, tzinfo=UTC)
        self.base_ms = int((base - _EPOCH).total_seconds() * 1000)

    # -- small helpers -------------------------------------------------------------------------
    def id(self) -> str:
        return self.ids(1)[0]

    def ids(self, count: int) -> list[str]:
        """`count` random version-4 UUIDs, drawn as one big random number (fast for enrollments)."""
        h = f"{self.rng.getrandbits(128 * count):0{32 * count}x}"
        return [
            f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-4{h[i + 13 : i + 16]}-"
            f"{'89ab'[int(h[i + 16], 16) & 3]}{h[i + 17 : i + 20]}-{h[i + 20 : i + 32]}"
            for i in range(0, 32 * count, 32)
        ]

    def updates(self, count: int, days: int = 60) -> list[int]:
        return [self.base_ms + ms for ms in self.rng.choices(range(days * _MS_PER_DAY), k=count)]

    def updated(self, days: int = 60) -> int:
        return self.base_ms + self.rng.randrange(days * _MS_PER_DAY)

    def unique_username(self, base: str) -> str:
        n = self.usernames.get(base, 0)
        self.usernames[base] = n + 1
        return base if n == 0 else f"{base}{n + 1}"

    def given_name(self) -> tuple[str, str]:
        r = self.rng.random()
        if r < 0.48:
            return self.rng.choice(FEMALE_NAMES), "female"
        if r < 0.96:
            return self.rng.choice(MALE_NAMES), "male"
        return self.rng.choice(NEUTRAL_NAMES), "unspecified"

    def phone(self) -> str:
        return f"+1 {self.rng.choice(_AREA_CODES)} 555 {self.rng.randrange(100, 200):04d}"

    # -- the district --------------------------------------------------------------------------
    def run(self) -> SyntheticDistrict:
        rng = self.rng
        place = rng.choice(PLACES)
        self.district_name = f"{place} Unified School District"
        self.domain = f"{_slug(place)}usd.example.org"
        self.state_code = rng.choice(("CA", "TX", "WA", "IL", "NY", "CO", "OR"))
        self.district_id = self.id()
        self.tables["organisation"].add(
            source_record_id=self.district_id,
            source_updated_at=self.base_ms - 90 * _MS_PER_DAY,
            kind="district",
            name=self.district_name,
            identifier=f"{rng.randrange(10, 57):02d}{rng.randrange(10**5):05d}",
            parent_id=None,
        )
        self.sessions()
        schools = self.schools()
        grade_of = rng.choices(
            range(len(GRADES)), weights=[9, 10, 10, 10, 10, 10, 10, 10, 10, 9, 9, 8, 8], k=self.students
        )
        roster: dict[str, dict[str, list[int]]] = {s.id: {g: [] for g in s.grades} for s in schools}
        serving = {g: [s for s in schools if g in s.grades] for g in GRADES}
        school_of: list[str] = []
        for i, g in enumerate(grade_of):
            school = rng.choice(serving[GRADES[g]])
            roster[school.id][GRADES[g]].append(i)
            school_of.append(school.id)
        student_ids = self.people_students(grade_of, school_of)
        for school in schools:
            self.school_classes(school, roster[school.id], student_ids)
        return SyntheticDistrict(
            name=self.district_name,
            domain=self.domain,
            seed=self.seed,
            students=self.students,
            frames={name: table.frame() for name, table in self.tables.items()},
        )

    def sessions(self) -> None:
        table = self.tables["academic_session"]
        year_id, fall_id, spring_id = self.id(), self.id(), self.id()
        self.year = (year_id, date(2026, 8, 24), date(2027, 6, 11))
        self.fall = (fall_id, date(2026, 8, 24), date(2027, 1, 15))
        self.spring = (spring_id, date(2027, 1, 19), date(2027, 6, 11))
        rows = [
            (year_id, "school_year", "2026-2027 School Year", *self.year[1:], None),
            (fall_id, "semester", "Fall 2026", *self.fall[1:], year_id),
            (spring_id, "semester", "Spring 2027", *self.spring[1:], year_id),
            (self.id(), "grading_period", "Quarter 1", date(2026, 8, 24), date(2026, 10, 30), fall_id),
            (self.id(), "grading_period", "Quarter 2", date(2026, 11, 2), date(2027, 1, 15), fall_id),
            (self.id(), "grading_period", "Quarter 3", date(2027, 1, 19), date(2027, 3, 26), spring_id),
            (self.id(), "grading_period", "Quarter 4", date(2027, 3, 29), date(2027, 6, 11), spring_id),
        ]
        for sid, kind, title, start, end, parent in rows:
            table.add(
                source_record_id=sid,
                school_id=None,  # district-wide
                source_updated_at=self.base_ms - 60 * _MS_PER_DAY + self.rng.randrange(_MS_PER_DAY),
                kind=kind,
                title=title,
                start_date=start,
                end_date=end,
                parent_id=parent,
                school_year=2027,
            )

    def schools(self) -> list[_School]:
        count = max(1, round(self.students / STUDENTS_PER_SCHOOL))
        if count == 1:
            levels = ["k12"]
        elif count == 2:
            levels = ["elementary", "secondary"]
        else:
            middle = max(1, round(count * 3 / 13))
            high = max(1, round(count * 4 / 13))
            levels = ["elementary"] * (count - middle - high) + ["middle"] * middle + ["high"] * high
        names: dict[str, int] = {}
        schools = []
        for level in levels:
            name = _LEVEL_NAMES[level].format(
                place=self.rng.choice(PLACES), honoree=self.rng.choice(HONOREES)
            )
            names[name] = names.get(name, 0) + 1
            if names[name] > 1:
                name = f"{name} No. {names[name]}"
            school = _School(id=self.id(), level=level, grades=_LEVEL_GRADES[level])
            self.tables["organisation"].add(
                source_record_id=school.id,
                school_id=school.id,
                source_updated_at=self.base_ms - 90 * _MS_PER_DAY + self.rng.randrange(_MS_PER_DAY),
                kind="school",
                name=name,
                identifier=f"{self.rng.randrange(10**11, 10**12)}",  # NCES-style 12 digits
                parent_id=self.district_id,
            )
            schools.append(school)
        return schools

    # -- students and their contacts -----------------------------------------------------------
    def people_students(self, grade_of: list[int], school_of: list[str]) -> list[str]:
        rng = self.rng
        n = self.students
        ids = self.ids(n)
        state_ids = rng.sample(range(10**8, 10**9), n)
        # Families: shuffled students cut into groups of 1-3 siblings sharing a family name.
        order = list(range(n))
        rng.shuffle(order)
        families: list[list[int]] = []
        i = 0
        while i < n:
            size = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
            families.append(order[i : i + size])
            i += size
        family_name = [""] * n
        contacts_of: list[list[str]] = [[] for _ in range(n)]
        for members in families:
            surname = rng.choice(FAMILY_NAMES)
            for m in members:
                family_name[m] = surname
            self.contacts(members, surname, ids, school_of, contacts_of)
        table = self.tables["person"]
        for s in range(n):
            given, gender = self.given_name()
            family = family_name[s]
            username = self.unique_username(f"{_slug(given)[:1]}{_slug(family)}")
            g = grade_of[s]
            born = date(2020 - g, 9, 1) + timedelta(days=rng.randrange(365))
            table.add(
                source_record_id=ids[s],
                school_id=school_of[s],
                source_updated_at=self.updated(),
                role="student",
                role_detail="student",
                given_name=given,
                middle_name=rng.choice(FEMALE_NAMES + MALE_NAMES) if rng.random() < 0.3 else None,
                family_name=family,
                preferred_name=self.given_name()[0] if rng.random() < 0.05 else None,
                username=username,
                email=f"{username}@students.{self.domain}",
                phone=None,
                sms=None,
                identifier=f"{self.state_code}{state_ids[s]}",
                grades=[GRADES[g]],
                enabled=rng.random() < 0.98,
                date_of_birth=born,
                gender=gender,
                agent_ids=contacts_of[s],
            )
        return ids

    def contacts(
        self,
        members: list[int],
        surname: str,
        student_ids: list[str],
        school_of: list[str],
        contacts_of: list[list[str]],
    ) -> None:
        rng = self.rng
        count = rng.choices((1, 2, 3), weights=(45, 50, 5))[0]
        for k, cid in enumerate(self.ids(count)):
            role = "relative" if k == 2 else ("parent" if rng.random() < 0.85 else "guardian")
            given, gender = self.given_name()
            family = surname if k == 0 or rng.random() < 0.7 else rng.choice(FAMILY_NAMES)
            email = f"{_slug(given)}.{_slug(family)}{rng.randrange(1, 100)}@{rng.choice(_PERSONAL_DOMAINS)}"
            phone = self.phone()
            for m in members:
                contacts_of[m].append(cid)
            self.tables["person"].add(
                source_record_id=cid,
                school_id=school_of[members[0]],
                source_updated_at=self.updated(),
                role="contact",
                role_detail=role,
                given_name=given,
                middle_name=None,
                family_name=family,
                preferred_name=None,
                username=email if rng.random() < 0.7 else None,
                email=email,
                phone=phone,
                sms=phone if rng.random() < 0.6 else None,
                identifier=None,
                grades=[],
                enabled=rng.random() < 0.9,
                date_of_birth=None,
                gender=gender,
                agent_ids=[student_ids[m] for m in members],
            )

    # -- staff, courses, classes, enrollments for one school -----------------------------------
    def staff(self, school: _School, headcount: int) -> dict[str, list[str]]:
        admins = max(1, round(headcount * 0.05))
        aides = round(headcount * 0.1)
        teachers = max(1, headcount - admins - aides)
        by_role: dict[str, list[str]] = {"teacher": [], "aide": [], "administrator": []}
        for role, count in (("teacher", teachers), ("aide", aides), ("administrator", admins)):
            for _ in range(count):
                given, gender = self.given_name()
                family = self.rng.choice(FAMILY_NAMES)
                username = self.unique_username(f"{_slug(given)}.{_slug(family)}")
                sid = self.id()
                by_role[role].append(sid)
                self.tables["person"].add(
                    source_record_id=sid,
                    school_id=school.id,
                    source_updated_at=self.updated(),
                    role="staff",
                    role_detail=role,
                    given_name=given,
                    middle_name=None,
                    family_name=family,
                    preferred_name=None,
                    username=username,
                    email=f"{username}@{self.domain}",
                    phone=self.phone() if role == "administrator" else None,
                    sms=None,
                    identifier=f"E{self.rng.randrange(10**6):06d}",
                    grades=[],
                    enabled=self.rng.random() < 0.98,
                    date_of_birth=None,
                    gender=gender,
                    agent_ids=[],
                )
        return by_role

    def course(self, school: _School, grade: str, subject: str) -> str:
        cid = self.id()
        label = "K" if grade == "KG" else str(int(grade))
        self.tables["course"].add(
            source_record_id=cid,
            school_id=school.id,
            source_updated_at=self.updated(30),
            title=f"{subject} {label}",
            code=f"{_SUBJECT_CODES[subject]}-{grade}",
            school_year_id=self.year[0],
            grades=[grade],
            subjects=[subject],
        )
        return cid

    def school_classes(self, school: _School, roster: dict[str, list[int]], student_ids: list[str]) -> None:
        rng = self.rng
        headcount = sum(len(v) for v in roster.values())
        staff = self.staff(school, max(3, round(headcount / STUDENTS_PER_STAFF)))
        teachers = staff["teacher"]
        extras = _ELEMENTARY_EXTRA if school.level == "elementary" else _SECONDARY_EXTRA
        classes: list[_Class] = []
        next_teacher = 0
        for grade, pupils in roster.items():
            if not pupils:
                continue
            pupils = pupils[:]
            rng.shuffle(pupils)
            choice = [rng.randrange(len(extras)) for _ in pupils]
            groups: list[tuple[str, int, list[int]]] = [("Homeroom", 0, pupils)]
            groups += [(subject, n + 1, pupils) for n, subject in enumerate(_CORE)]
            groups += [
                (subject, len(_CORE) + n + 1, [p for p, c in zip(pupils, choice, strict=True) if c == n])
                for n, subject in enumerate(extras)
            ]
            for subject, slot, members in groups:
                if not members:
                    continue
                course_id = self.course(school, grade, subject)
                sections = math.ceil(len(members) / CLASS_SIZE)
                for k in range(sections):
                    teacher = teachers[next_teacher % len(teachers)]
                    next_teacher += 1
                    klass = self.klass(school, grade, subject, course_id, slot, k, sections)
                    classes.append(klass)
                    self.enrol(klass, [teacher], "teacher", primary=True)
                    if rng.random() < 0.05:  # a co-teacher
                        self.enrol(klass, [rng.choice(teachers)], "teacher", primary=False)
                    pupils_here = [student_ids[p] for p in members[k::sections]]
                    self.enrol(klass, pupils_here, "student", primary=False, late=0.03)
        for aide in staff["aide"]:
            for klass in rng.sample(classes, min(4, len(classes))):
                self.enrol(klass, [aide], "aide", primary=False)

    def klass(
        self, school: _School, grade: str, subject: str, course_id: str, slot: int, k: int, sections: int
    ) -> _Class:
        rng = self.rng
        label = "K" if grade == "KG" else str(int(grade))
        cid = self.id()
        if subject == "Homeroom":
            kind, sessions, periods = "homeroom", [self.year], ["HR"]
            title = f"Homeroom {label}-{chr(ord('A') + k % 26)}"
        else:
            kind, periods = "scheduled", [str(1 + (slot + k) % 7)]
            # Core subjects run all year (both semesters); the others for one semester.
            sessions = (
                [self.fall, self.spring] if subject in _CORE else [rng.choice((self.fall, self.spring))]
            )
            title = f"{subject} {label}" + (f" ({k + 1})" if sections > 1 else "")
        room = _SPECIAL_ROOMS.get(subject) or f"Room {rng.randrange(1, 4)}{rng.randrange(1, 40):02d}"
        self.tables["class"].add(
            source_record_id=cid,
            school_id=school.id,
            source_updated_at=self.updated(30),
            title=title,
            code=f"{_SUBJECT_CODES[subject]}-{grade}-{k + 1:02d}",
            kind=kind,
            course_id=course_id,
            session_ids=[s[0] for s in sessions],
            room=room,
            periods=periods,
            grades=[grade],
            subjects=[subject],
        )
        return _Class(cid, school.id, min(s[1] for s in sessions), max(s[2] for s in sessions))

    def enrol(self, klass: _Class, people: list[str], role: str, *, primary: bool, late: float = 0.0) -> None:
        """Enrol `people` in `klass`; a `late` share of them join a few weeks after it starts."""
        count = len(people)
        rng = self.rng
        begins = [
            klass.begin + timedelta(days=rng.randrange(14, 60))
            if late and rng.random() < late
            else klass.begin
            for _ in range(count)
        ]
        self.tables["enrollment"].extend(
            count,
            source_record_id=self.ids(count),
            school_id=klass.school_id,
            source_updated_at=self.updates(count),
            person_id=people,
            class_id=klass.id,
            role=role,
            primary=primary,
            begin_date=begins,
            end_date=klass.end,
        )


@lru_cache(maxsize=4096)
def _slug(name: str) -> str:
    """ASCII letters and digits only, lower case: "Núñez" → "nunez", "O'Brien" → "obrien"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum())


# -- school life: everything beyond the roster ------------------------------------------------------
# Big entities (attendance marks, grades, results) are built as whole polars columns: a term of
# marks for 50,000 students is millions of rows, far too many for per-row Python. Small ones
# (behaviour, addresses, relationships) are plain loops over students, which stay cheap.

# School calendar 2026-27: (date, title) pairs; weekdays among them are not school days.
_HOLIDAYS = (
    (date(2026, 9, 7), "Labor Day - No School"),
    (date(2026, 10, 12), "Indigenous Peoples' Day - No School"),
    (date(2026, 11, 11), "Veterans Day - No School"),
    *((date(2026, 11, d), "Thanksgiving Break") for d in (25, 26, 27)),
    *((date(2026, 12, 21) + timedelta(days=d), "No School - Holiday Recess") for d in range(12)),
    (date(2027, 1, 18), "Martin Luther King Jr. Day - No School"),
    (date(2027, 2, 15), "Presidents' Day - No School"),
    *((date(2027, 3, 22) + timedelta(days=d), "Spring Break") for d in range(5)),
    (date(2027, 5, 31), "Memorial Day - No School"),
)
_OCCASIONS = (
    (date(2026, 8, 24), "First Day of School"),
    (date(2026, 9, 10), "Back to School Night"),
    (date(2026, 9, 23), "Picture Day"),
    (date(2026, 10, 2), "Progress Reports"),
    (date(2026, 10, 21), "Parent-Teacher Conferences"),
    (date(2026, 12, 18), "Winter Concert"),
    (date(2027, 1, 15), "End of Semester 1"),
    (date(2027, 6, 11), "Last Day of School"),
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

# Attendance: canonical status → (share of sessions per 1000, US code, UK code).
# UK registers mark presence "/" in the morning and "\" in the afternoon.
_ATTENDANCE = {
    "present": (935, "P", "/"),
    "late": (18, "L", "L"),
    "tardy": (5, "T", "U"),  # UK "U": arrived after the register closed
    "absent": (6, "A", "N"),  # no reason given yet
    "excused": (22, "E", "I"),  # UK "I": illness, authorised
    "unexcused": (8, "U", "O"),  # UK "O": unauthorised
    "offsite": (4, "OS", "B"),  # UK "B": educated off site
    "misc": (2, "M", "X"),
}
_ABSENT = ("absent", "excused", "unexcused")
_ABSENCE_NOTES = ("Illness", "Medical appointment", "Family emergency", "Religious observance")

_VIOLATIONS = (
    ("Disruptive behavior", "Talking over the teacher repeatedly"),
    ("Computer misuse", "Playing video games on laptop"),
    ("Tardiness", "Late to class three times this week"),
    ("Eating in classroom", "Would not stop when asked"),
    ("Disrespect", "Rude language towards a classmate"),
    ("Dress code", "Hat worn in class after a warning"),
    ("Fighting", "Pushing another student in the hallway"),
)
_ACTIONS = ("Warning", "Parent contact", "Detention", "Lunch detention", "Out-of-school suspension")

_CATEGORIES = ("Homework", "Classwork", "Quiz", "Test", "Project Work")
_MAX_SCORES = (10.0, 20.0, 25.0, 50.0, 100.0)
_GRADE_COMMENTS = (
    "A pleasure to have in class.",
    "Needs to complete homework on time.",
    "Shows great effort & improvement.",
    "Participates actively in discussions.",
    "Should review notes before tests.",
)
_LETTERS = ((97, "A+", 4.0), (93, "A", 4.0), (90, "A-", 3.7), (87, "B+", 3.3), (83, "B", 3.0),
            (80, "B-", 2.7), (77, "C+", 2.3), (73, "C", 2.0), (70, "C-", 1.7), (67, "D+", 1.3),
            (63, "D", 1.0), (60, "D-", 0.7), (0, "F", 0.0))  # fmt: skip

_ETHNICITIES = (
    ("Hispanic or Latino", 27),
    ("White", 45),
    ("Black or African American", 14),
    ("Asian", 6),
    ("Two or more races", 5),
    ("American Indian or Alaska Native", 2),
    ("Native Hawaiian or Other Pacific Islander", 1),
)
_BIRTH_COUNTRIES = (("US", 90), ("MX", 4), ("IN", 1), ("CN", 1), ("VN", 1), ("PH", 1), ("SV", 1), ("GB", 1))
_LANGUAGES = (("en", 78), ("es", 15), ("vi", 2), ("zh", 2), ("ar", 1), ("tl", 1), ("ko", 1))
_STREETS = _words("""Main Oak Maple Cedar Pine Elm Washington Lake Hill Park Sunset Lincoln Jefferson
Madison Franklin River Meadow Highland Church Spring Chestnut Walnut Willow Ridge Valley Forest""")
_STREET_KINDS = ("St.", "Ave.", "Rd.", "Dr.", "Ln.", "Ct.", "Blvd.", "Way")
_CUSTOM_KEYS = ("Locker #", "Bus", "Nickname")

# A tiny but well-formed JPEG header and trailer; the middle varies by person.
_JPEG_HEAD = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300")
_JPEG_TAIL = bytes.fromhex("ffd9")


def _conform(entity: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Exactly the entity's schema, in order: columns cast, absent fields null."""
    schema = ENTITIES_BY_NAME[entity].polars_schema()
    if not frame.height:
        return pl.DataFrame(schema=schema)
    return frame.select(
        [
            (pl.col(n).cast(t) if n in frame.columns else pl.lit(None, dtype=t)).alias(n)
            for n, t in schema.items()
        ]
    )


def _rows(entity: str, rows: dict[str, list[Any]]) -> pl.DataFrame:
    schema = ENTITIES_BY_NAME[entity].polars_schema()
    return _conform(entity, pl.DataFrame(rows, schema={n: schema[n] for n in rows}))


def letter_for(percent: float) -> tuple[str, float]:
    """US letter grade and GPA points for a percentage."""
    for floor, letter, points in _LETTERS:
        if percent >= floor:
            return letter, points
    return "F", 0.0


def school_days(start: date, count: int | None, end: date) -> list[date]:
    """Weekdays from `start` to `end` that are not holidays, at most `count` of them."""
    holidays = {d for d, _ in _HOLIDAYS}
    days: list[date] = []
    day = start
    while day <= end and (count is None or len(days) < count):
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += timedelta(days=1)
    return days


class _SchoolLife:
    """Derives school life from a generated roster; every draw comes from `rng`."""

    def __init__(self, district: SyntheticDistrict, rng: random.Random, attendance_days: int | None) -> None:
        self.rng = rng
        self.domain = district.domain
        f = district.frames
        self.people = f["person"]
        self.students = self.people.filter(pl.col("role") == "student")
        self.classes = f["class"]
        self.sessions = f["academic_session"]
        self.schools = f["organisation"].filter(pl.col("kind") == "school")["source_record_id"].to_list()
        self.enrollments = f["enrollment"]
        semesters = self.sessions.filter(pl.col("kind") == "semester").sort("start_date")
        self.fall = semesters.row(0, named=True)
        self.year_id = self.sessions.filter(pl.col("kind") == "school_year")["source_record_id"].item()
        self.days = school_days(self.fall["start_date"], attendance_days, self.fall["end_date"])
        names = self.people.select(
            "source_record_id", (pl.col("given_name") + " " + pl.col("family_name")).alias("name")
        )
        teachers = self.enrollments.filter((pl.col("role") == "teacher") & pl.col("primary"))
        self.class_teacher = teachers.join(
            names, left_on="person_id", right_on="source_record_id", maintain_order="left"
        ).select("class_id", pl.col("person_id").alias("teacher_id"), pl.col("name").alias("teacher"))
        homerooms = self.classes.filter(pl.col("kind") == "homeroom").select(
            pl.col("source_record_id").alias("class_id")
        )
        self.homeroom = (
            self.enrollments.filter(pl.col("role") == "student")
            .join(homerooms, on="class_id", maintain_order="left")
            .join(self.class_teacher, on="class_id", how="left", maintain_order="left")
            .select(pl.col("person_id").alias("student_id"), "school_id", "class_id", "teacher_id", "teacher")
            .unique("student_id", keep="first", maintain_order=True)
        )

    # -- random columns ------------------------------------------------------------------------
    def seed(self) -> int:
        return self.rng.getrandbits(32)

    def pick(self, weighted: dict[str, int] | tuple[tuple[str, int], ...], n: int) -> pl.Series:
        """`n` draws from a weighted vocabulary, as one column (no per-row Python)."""
        pairs = weighted.items() if isinstance(weighted, dict) else weighted
        pool = pl.Series([v for v, w in pairs for _ in range(w)], dtype=pl.String)
        return pool.sample(n, with_replacement=True, seed=self.seed()) if n else pool.clear()

    def uniform(self, low: int, high: int, n: int) -> pl.Series:
        """`n` integers in [low, high], as one column: row numbers hashed with a drawn seed.

        (Sampling a range would materialise it, and some ranges here are days of milliseconds.)
        Polars keeps seeded hashes stable within a version, which is what determinism needs here.
        """
        hashed = pl.int_range(0, n, eager=True, dtype=pl.UInt64).hash(seed=self.seed())
        return (hashed % (high - low + 1)).cast(pl.Int64) + low

    def stamp(self, day: date, hour: int, spread_minutes: int) -> datetime:
        start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        return start + timedelta(milliseconds=self.rng.randrange(spread_minutes * 60_000))

    def ids(self, n: int) -> list[str]:
        return [f"{self.rng.getrandbits(60):015x}" for _ in range(n)]

    # -- all entities --------------------------------------------------------------------------
    def frames(self) -> dict[str, pl.DataFrame]:
        attendance = self.attendance()
        contacts = self.contacts()
        return {
            "demographics": self.demographics(),
            **contacts,
            "photo": self.photos(),
            "calendar_event": self.calendar(),
            "timetable_slot": self.timetable(),
            **attendance,
            "behaviour_incident": self.behaviour(),
            **self.assignments(),
            "grade_record": self.grades(),
            "custom_field": self.custom_fields(),
        }

    # -- attendance ----------------------------------------------------------------------------
    def attendance(self) -> dict[str, pl.DataFrame]:
        """AM and PM marks for every student on every school day, and each student's totals."""
        n, d = self.homeroom.height, len(self.days)
        if not n or not d:
            return {
                "attendance_mark": _conform("attendance_mark", pl.DataFrame()),
                "attendance_summary": _conform("attendance_summary", pl.DataFrame()),
            }
        # Every third school (from the second) keeps a UK-style register, so both code sets appear.
        style = {school: i % 3 == 1 for i, school in enumerate(self.schools)}
        days = pl.DataFrame({"date": self.days}).with_columns(day=pl.col("date").cast(pl.String))
        # One draw per student-day; the afternoon keeps an absence, drops a late arrival, and
        # sometimes turns a present morning into an afternoon absence (sent home ill).
        grid = (
            self.homeroom.with_columns(uk=pl.col("school_id").replace_strict(style, return_dtype=pl.Boolean))
            .join(days, how="cross", maintain_order="left_right")
            .with_columns(am=self.pick({k: v[0] for k, v in _ATTENDANCE.items()}, n * d))
            .with_columns(
                pm=pl.when(pl.col("am").is_in(["late", "tardy"]))
                .then(pl.lit("present"))
                .when((pl.col("am") == "present") & (self.uniform(0, 999, n * d) < 8))
                .then(pl.lit("excused"))
                .otherwise(pl.col("am"))
            )
        )
        # A cross join keeps the left order: each student-day's AM row, then its PM row, no sort.
        sessions = pl.DataFrame({"session": ["am", "pm"], "key": ["AM", "PM"], "hour": [12, 17]})
        rows = grid.join(sessions, how="cross", maintain_order="left_right")
        total = rows.height
        rows = rows.with_columns(
            status=pl.when(pl.col("session") == "am").then(pl.col("am")).otherwise(pl.col("pm")),
            late=self.uniform(1, 25, total),
            after_close=self.uniform(26, 50, total),
            offset_ms=self.uniform(0, 45 * 60_000, total),
            note_pick=self.pick(tuple((note, 1) for note in _ABSENCE_NOTES), total),
        )
        us_codes = {k: v[1] for k, v in _ATTENDANCE.items()}
        uk_codes = {k: v[2] for k, v in _ATTENDANCE.items()}
        code = (
            pl.when(~pl.col("uk"))
            .then(pl.col("status").replace_strict(us_codes))
            .when((pl.col("status") == "present") & (pl.col("session") == "pm"))
            .then(pl.lit("\\"))
            .otherwise(pl.col("status").replace_strict(uk_codes))
        )
        recorded = (
            pl.col("date").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
            + pl.duration(hours=pl.col("hour"), milliseconds=pl.col("offset_ms"))
        ).cast(pl.Datetime("us", "UTC"))
        marks = rows.select(
            source_record_id=pl.concat_str(["student_id", "day", "key"], separator=":"),
            school_id="school_id",
            source_updated_at=recorded,
            student_id="student_id",
            date="date",
            session="session",
            class_id="class_id",
            status="status",
            source_code=code,
            minutes_late=pl.when(pl.col("status") == "late")
            .then(pl.col("late"))
            .when(pl.col("status") == "tardy")
            .then(pl.col("after_close")),
            note=pl.when(pl.col("status") == "excused").then(pl.col("note_pick")),
            recorded_by="teacher",
            recorded_at=recorded,
        )
        return {
            "attendance_mark": _conform("attendance_mark", marks),
            "attendance_summary": self.attendance_summaries(grid, marks),
        }

    def attendance_summaries(self, grid: pl.DataFrame, marks: pl.DataFrame) -> pl.DataFrame:
        """Totals per student, from the student-day grid (half a day per absent session)."""
        absent = list(_ABSENT)

        def sessions(cond: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
            return (cond(pl.col("am")).cast(pl.Int64) + cond(pl.col("pm")).cast(pl.Int64)).sum()

        fall = self.fall["source_record_id"]
        stamps = marks.group_by("student_id").agg(source_updated_at=pl.col("source_updated_at").max())
        frame = (
            grid.group_by("student_id", maintain_order=True)
            .agg(
                school_id=pl.col("school_id").first(),
                days_possible=pl.len().cast(pl.Float64),
                periods_absent=sessions(lambda s: s.is_in(absent)),
                periods_absent_excused=sessions(lambda s: s == "excused"),
                periods_absent_unexcused=sessions(lambda s: s == "unexcused"),
                periods_late=sessions(lambda s: s == "late"),
                periods_tardy=sessions(lambda s: s == "tardy"),
                periods_offsite=sessions(lambda s: s == "offsite"),
                periods_misc=sessions(lambda s: s == "misc"),
                days_partially_absent=(pl.col("am").is_in(absent) != pl.col("pm").is_in(absent))
                .sum()
                .cast(pl.Float64),
            )
            .join(stamps, on="student_id", maintain_order="left")
            .with_columns(
                source_record_id=pl.col("student_id") + ":" + fall,
                session_id=pl.lit(fall),
                days_absent=pl.col("periods_absent") * 0.5,
                days_absent_excused=pl.col("periods_absent_excused") * 0.5,
                days_absent_unexcused=pl.col("periods_absent_unexcused") * 0.5,
            )
            .with_columns(days_attended=pl.col("days_possible") - pl.col("days_absent"))
        )
        return _conform("attendance_summary", frame)

    # -- behaviour -----------------------------------------------------------------------------
    def behaviour(self) -> pl.DataFrame:
        rng = self.rng
        rows: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "student_id", "date", "incident_type",
            "violation", "description", "staff_name", "staff_id", "action", "suspension_begin",
            "suspension_end", "processed")}  # fmt: skip
        days = self.days or school_days(self.fall["start_date"], None, self.fall["end_date"])
        for student in self.homeroom.iter_rows(named=True):
            if rng.random() >= 0.05:
                continue
            for _ in range(rng.choices((1, 2, 3), weights=(70, 22, 8))[0]):
                day = rng.choice(days)
                violation, description = rng.choice(_VIOLATIONS)
                action = rng.choice(_ACTIONS)
                suspended = action == "Out-of-school suspension"
                begin = day + timedelta(days=1) if suspended else None
                rows["source_record_id"].append(self.ids(1)[0])
                rows["school_id"].append(student["school_id"])
                rows["source_updated_at"].append(self.stamp(day, 19, 120))
                rows["student_id"].append(student["student_id"])
                rows["date"].append(day)
                rows["incident_type"].append("referral")
                rows["violation"].append(violation)
                rows["description"].append(description)
                rows["staff_name"].append(student["teacher"])
                rows["staff_id"].append(student["teacher_id"])
                rows["action"].append(action)
                rows["suspension_begin"].append(begin)
                rows["suspension_end"].append(begin + timedelta(days=rng.randrange(3)) if begin else None)
                rows["processed"].append(rng.random() < 0.85)
        return _rows("behaviour_incident", rows)

    # -- classes: grades, assignments, timetable -------------------------------------------------
    def _student_classes(self) -> pl.DataFrame:
        """(student, class) for every scheduled (non-homeroom) class, with its course, grade and sessions."""
        scheduled = self.classes.filter(pl.col("kind") == "scheduled").select(
            pl.col("source_record_id").alias("class_id"),
            "course_id",
            "session_ids",
            pl.col("grades").list.first().alias("grade"),
        )
        return (
            self.enrollments.filter(pl.col("role") == "student")
            .select(pl.col("person_id").alias("student_id"), "school_id", "class_id")
            .join(scheduled, on="class_id", maintain_order="left")
        )

    def grades(self) -> pl.DataFrame:
        quarters = self.sessions.filter(pl.col("kind") == "grading_period").select(
            pl.col("source_record_id").alias("session_id"), pl.col("parent_id").alias("semester"), "end_date"
        )
        semesters = self.sessions.filter(pl.col("kind") == "semester").select(
            pl.col("source_record_id").alias("session_id"),
            pl.col("source_record_id").alias("semester"),
            "end_date",
        )
        periods = pl.concat(
            [quarters.with_columns(kind=pl.lit("quarter"), credits=pl.lit(0.25)),
             semesters.with_columns(kind=pl.lit("semester"), credits=pl.lit(0.5))]
        )  # fmt: skip
        rows = (
            self._student_classes()
            .explode("session_ids")
            .rename({"session_ids": "semester"})
            .join(periods, on="semester", maintain_order="left_right")
            .sort("student_id", "class_id", "session_id")
        )
        n = rows.height
        percent = self.uniform(55, 100, n).cast(pl.Float64)
        graded = self.uniform(0, 99, n) >= 3  # 3% not graded yet: null, never 0
        comment = self.pick(tuple((c, 1) for c in _GRADE_COMMENTS), n)
        commented = self.uniform(0, 9, n) == 0
        offset = self.uniform(0, 8 * 3_600_000, n)
        rows = rows.with_columns(
            percent=percent, graded=graded, comment=comment, commented=commented, offset=offset
        )
        letters = {str(p): letter_for(p) for p in range(0, 101)}
        key = pl.col("percent").cast(pl.Int64).cast(pl.String)
        gpa = key.replace_strict({k: v[1] for k, v in letters.items()}, return_dtype=pl.Float64)
        grade_level = pl.col("grade").replace("KG", "0").cast(pl.Int64)
        good = pl.col("graded")
        frame = rows.select(
            source_record_id=pl.concat_str(["student_id", "class_id", "session_id"], separator=":"),
            school_id="school_id",
            source_updated_at=(
                pl.col("end_date").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
                + pl.duration(days=3, hours=15)
                + pl.duration(milliseconds=pl.col("offset"))
            ).cast(pl.Datetime("us", "UTC")),
            student_id="student_id",
            course_id="course_id",
            class_id="class_id",
            session_id="session_id",
            kind="kind",
            letter=pl.when(good).then(key.replace_strict({k: v[0] for k, v in letters.items()})),
            percent=pl.when(good).then(pl.col("percent")),
            gpa_points=pl.when(good).then(gpa),
            weighted_gpa_points=pl.when(good).then(gpa + pl.when(grade_level >= 11).then(0.5).otherwise(0.0)),
            credits="credits",
            credits_earned=pl.when(good).then(
                pl.when(pl.col("percent") >= 60).then(pl.col("credits")).otherwise(0.0)
            ),
            affects_gpa=grade_level >= 9,
            comment=pl.when(good & pl.col("commented")).then(pl.col("comment")),
        )
        return _conform("grade_record", frame)

    def assignments(self, per_class: int = 6) -> dict[str, pl.DataFrame]:
        fall_id = self.fall["source_record_id"]
        classes = self.classes.filter(
            (pl.col("kind") == "scheduled") & pl.col("session_ids").list.contains(fall_id)
        ).select(pl.col("source_record_id").alias("class_id"), "school_id")
        span = (self.fall["end_date"] - self.fall["start_date"]).days - 14
        work = classes.join(
            pl.DataFrame({"n": range(1, per_class + 1)}), how="cross", maintain_order="left_right"
        )
        k = work.height
        work = (
            work.with_columns(
                category=self.pick(tuple((c, 1) for c in _CATEGORIES), k),
                max_score=self.pick(tuple((str(m), 1) for m in _MAX_SCORES), k).cast(pl.Float64),
                start=self.uniform(0, max(span, 1), k),
                length=self.uniform(1, 14, k),
                offset=self.uniform(0, 3_600_000, k),
            )
            .with_columns(
                assignment_id=pl.col("class_id") + "-A" + pl.col("n").cast(pl.String).str.zfill(2),
                assigned=pl.lit(self.fall["start_date"]) + pl.duration(days=pl.col("start")),
            )
            .with_columns(due=pl.col("assigned") + pl.duration(days=pl.col("length")))
        )
        assignments = work.select(
            source_record_id="assignment_id",
            school_id="school_id",
            source_updated_at=(
                pl.col("assigned").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
                + pl.duration(hours=13, milliseconds=pl.col("offset"))
            ).cast(pl.Datetime("us", "UTC")),
            class_id="class_id",
            title=pl.col("category") + " " + pl.col("n").cast(pl.String),
            category="category",
            assigned_date="assigned",
            due_date="due",
            max_score="max_score",
        )
        results = (
            self._student_classes()
            .select("student_id", "class_id")
            .join(
                work.select("class_id", "assignment_id", "max_score", "due", "school_id"),
                on="class_id",
                maintain_order="left_right",
            )
            .sort("assignment_id", "student_id")
        )
        r = results.height
        results = results.with_columns(
            status=self.pick((("graded", 90), ("missing", 4), ("exempt", 2), ("late", 4)), r),
            share=self.uniform(50, 100, r),
            commented=self.uniform(0, 19, r) == 0,
            offset=self.uniform(0, 3 * 86_400_000, r),
        )
        scored = pl.col("status").is_in(["graded", "late"])
        score = (pl.col("max_score") * pl.col("share") / 100).round(1)
        letters = {str(p): letter_for(p)[0] for p in range(0, 101)}
        results = results.select(
            source_record_id=pl.col("assignment_id") + ":" + pl.col("student_id"),
            school_id="school_id",
            source_updated_at=(
                pl.col("due").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
                + pl.duration(days=1, milliseconds=pl.col("offset"))
            ).cast(pl.Datetime("us", "UTC")),
            assignment_id="assignment_id",
            student_id="student_id",
            score=pl.when(scored).then(score),
            status="status",
            letter=pl.when(scored).then(pl.col("share").cast(pl.String).replace_strict(letters)),
            comment=pl.when(scored & pl.col("commented")).then(pl.lit("Well done!")),
        )
        return {
            "assignment": _conform("assignment", assignments),
            "assignment_result": _conform("assignment_result", results),
        }

    def timetable(self) -> pl.DataFrame:
        rng = self.rng
        rows: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "class_id", "day", "period",
            "start_time", "end_time", "room", "session_id")}  # fmt: skip
        for klass in self.classes.iter_rows(named=True):
            period = klass["periods"][0] if klass["periods"] else "1"
            sessions = klass["session_ids"]
            days: tuple[str, ...]
            if period == "HR":
                days, start, minutes = _WEEKDAYS, 7 * 60 + 50, 15
            else:
                days = (
                    _WEEKDAYS
                    if len(sessions) > 1 or rng.random() < 0.5
                    else rng.choice((("mon", "wed", "fri"), ("tue", "thu")))
                )
                start, minutes = 8 * 60 + 10 + (int(period) - 1) * 55, 50
            session = sessions[0] if len(sessions) == 1 else self.year_id
            stamp = klass["source_updated_at"]
            for day in days:
                rows["source_record_id"].append(f"{klass['source_record_id']}:{day}:{period}")
                rows["school_id"].append(klass["school_id"])
                rows["source_updated_at"].append(stamp)
                rows["class_id"].append(klass["source_record_id"])
                rows["day"].append(day)
                rows["period"].append(period)
                rows["start_time"].append(f"{start // 60:02d}:{start % 60:02d}")
                rows["end_time"].append(f"{(start + minutes) // 60:02d}:{(start + minutes) % 60:02d}")
                rows["room"].append(klass["room"])
                rows["session_id"].append(session)
        return _rows("timetable_slot", rows)

    def calendar(self) -> pl.DataFrame:
        rows: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "date", "title", "kind", "description")}  # fmt: skip
        events = [(d, t, "holiday") for d, t in _HOLIDAYS if d.weekday() < 5]
        events += [(d, t, "occasion") for d, t in _OCCASIONS]
        events.sort()
        for school in self.schools:
            for day, title, kind in events:
                rows["source_record_id"].append(self.ids(1)[0])
                rows["school_id"].append(school)
                rows["source_updated_at"].append(self.stamp(date(2026, 7, 1), 0, 24 * 60))
                rows["date"].append(day)
                rows["title"].append(title)
                rows["kind"].append(kind)
                rows["description"].append(None)
        return _rows("calendar_event", rows)

    # -- people's details ----------------------------------------------------------------------
    def demographics(self) -> pl.DataFrame:
        s = self.students
        n = s.height
        language = self.pick(_LANGUAGES, n)
        frame = s.select("source_record_id", "school_id", "source_updated_at").with_columns(
            person_id=pl.col("source_record_id"),
            sex=s["gender"].replace({"unspecified": "unknown"}),
            ethnicity=self.pick(_ETHNICITIES, n),
            country_of_birth=self.pick(_BIRTH_COUNTRIES, n),
            language=language,
            english_learner=(language != "en") & (self.uniform(0, 9, n) < 6),
            free_reduced_lunch=self.uniform(0, 99, n) < 40,
            special_needs=self.uniform(0, 99, n) < 13,
        )
        return _conform("demographics", frame)

    def photos(self) -> pl.DataFrame:
        rng = self.rng
        rows: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "person_id", "content_type", "url",
            "data", "taken_at")}  # fmt: skip
        for s in self.students.select("source_record_id", "school_id").iter_rows():
            if rng.random() >= 0.9:
                continue
            taken = self.stamp(date(2026, 9, 23), 13, 240)
            inline = rng.random() < 0.2
            body = _JPEG_HEAD + rng.getrandbits(256).to_bytes(32, "big") + _JPEG_TAIL
            rows["source_record_id"].append(s[0])
            rows["school_id"].append(s[1])
            rows["source_updated_at"].append(taken)
            rows["person_id"].append(s[0])
            rows["content_type"].append("image/jpeg")
            rows["url"].append(None if inline else f"https://photos.{self.domain}/students/{s[0]}.jpg")
            rows["data"].append(base64.b64encode(body).decode() if inline else None)
            rows["taken_at"].append(taken)
        return _rows("photo", rows)

    def custom_fields(self) -> pl.DataFrame:
        rng = self.rng
        rows: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "entity", "record_source_id",
            "person_id", "key", "value")}  # fmt: skip
        cols = self.students.select("source_record_id", "school_id", "source_updated_at", "preferred_name")
        for sid, school, stamp, nickname in cols.iter_rows():
            values = {
                "Locker #": str(rng.randrange(100, 999)),
                "Bus": str(rng.randrange(1, 60)) if rng.random() < 0.6 else None,
                "Nickname": nickname,
            }
            for key in _CUSTOM_KEYS:
                if values[key] is None:
                    continue
                rows["source_record_id"].append(f"{sid}:{key}")
                rows["school_id"].append(school)
                rows["source_updated_at"].append(stamp)
                rows["entity"].append("person")
                rows["record_source_id"].append(sid)
                rows["person_id"].append(sid)
                rows["key"].append(key)
                rows["value"].append(values[key])
        return _rows("custom_field", rows)

    def contacts(self) -> dict[str, pl.DataFrame]:
        """Addresses, contact points and student ↔ contact relationships, consistent with each other:
        a contact who lives with a student shares the family's address."""
        rng = self.rng
        people = {r["source_record_id"]: r for r in self.people.iter_rows(named=True) if r["role"] != "staff"}
        place = self.domain.split("usd.")[0].title()
        state = rng.choice(("CA", "TX", "WA", "IL", "NY", "CO", "OR"))
        addresses: dict[str, tuple[str, str | None, str]] = {}  # person → (line1, line2, postcode)
        family_home: dict[str, tuple[str, str | None, str]] = {}
        lives_with: dict[str, bool] = {}
        rel: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "student_id", "contact_id",
            "relationship", "priority", "custody", "emergency", "lives_with")}  # fmt: skip

        def new_address() -> tuple[str, str | None, str]:
            line2 = f"Apt {rng.randrange(1, 40)}" if rng.random() < 0.2 else None
            line1 = f"{rng.randrange(1, 9999)} {rng.choice(_STREETS)} {rng.choice(_STREET_KINDS)}"
            return line1, line2, f"{rng.randrange(10000, 99999):05d}"

        for student in self.students.iter_rows(named=True):
            sid, agents = student["source_record_id"], student["agent_ids"]
            family = agents[0] if agents else sid
            home = family_home.setdefault(family, new_address())
            addresses[sid] = home
            for k, cid in enumerate(agents):
                contact = people[cid]
                if cid not in lives_with:
                    lives_with[cid] = k == 0 or (k == 1 and rng.random() < 0.7)
                    addresses[cid] = home if lives_with[cid] else new_address()
                relationship = _relationship(contact["role_detail"], contact["gender"], rng)
                rel["source_record_id"].append(f"{sid}:{cid}")
                rel["school_id"].append(student["school_id"])
                rel["source_updated_at"].append(
                    max(student["source_updated_at"], contact["source_updated_at"])
                )
                rel["student_id"].append(sid)
                rel["contact_id"].append(cid)
                rel["relationship"].append(relationship)
                rel["priority"].append(k + 1)
                rel["custody"].append(contact["role_detail"] != "relative")
                rel["emergency"].append(k < 2 or rng.random() < 0.5)
                rel["lives_with"].append(lives_with[cid])
        addr: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "person_id", "kind", "line1", "line2",
            "city", "region", "postcode", "country")}  # fmt: skip
        points: dict[str, list[Any]] = {k: [] for k in (
            "source_record_id", "school_id", "source_updated_at", "person_id", "kind", "value", "label",
            "primary")}  # fmt: skip
        for pid, person in people.items():
            if pid not in addresses:
                continue
            line1, line2, postcode = addresses[pid]
            for name, value in (("source_record_id", f"{pid}:home"), ("school_id", person["school_id"]),
                                ("source_updated_at", person["source_updated_at"]), ("person_id", pid),
                                ("kind", "home"), ("line1", line1), ("line2", line2), ("city", place),
                                ("region", state), ("postcode", postcode), ("country", "US")):  # fmt: skip
                addr[name].append(value)
            work = self_phone(rng) if person["role"] == "contact" and rng.random() < 0.3 else None
            for kind, label, value, primary in (
                ("email", "email", person["email"], True),
                ("phone", "home_phone", person["phone"], True),
                ("phone", "cell_phone", person["sms"], False),
                ("phone", "work_phone", work, False),
            ):
                if value is None:
                    continue
                points["source_record_id"].append(f"{pid}:{label}")
                points["school_id"].append(person["school_id"])
                points["source_updated_at"].append(person["source_updated_at"])
                points["person_id"].append(pid)
                points["kind"].append(kind)
                points["value"].append(value)
                points["label"].append(label)
                points["primary"].append(primary)
        return {
            "address": _rows("address", addr),
            "contact_point": _rows("contact_point", points),
            "contact_relationship": _rows("contact_relationship", rel),
        }


def self_phone(rng: random.Random) -> str:
    return f"+1 {rng.choice(_AREA_CODES)} 555 {rng.randrange(200, 300):04d}"


def _relationship(role: str, gender: str, rng: random.Random) -> str:
    if role == "parent":
        return {"female": "mother", "male": "father"}.get(gender, "parent")
    if role == "guardian":
        return "guardian"
    return rng.choice(("grandparent", "aunt", "uncle", "sibling"))
