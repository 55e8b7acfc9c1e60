"""A seeded synthetic school district in canonical form.

Simulators render it in their source's dialect, so each adapter can be round-trip tested
(generated canonical → simulator → adapter → canonical) and `satchel demo` has data to serve.
Frames look exactly like an adapter's output: `spec.polars_schema()` columns, references holding
SOURCE record ids. Everything is drawn from one `random.Random(seed)` in a fixed order and never
from set iteration, so the same arguments give the same district in every process.
"""

from __future__ import annotations

import math
import random
import unicodedata
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


def generate_district(students: int = 500, seed: int = 7) -> SyntheticDistrict:
    """Generate a district with about `students` students; the same arguments give the same district."""
    if students < 1:
        raise ValueError("a district needs at least one student")
    return _Generator(students, seed).run()


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
