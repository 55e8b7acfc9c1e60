"""A synthetic district rendered as Focus pages (camelCase, or the older snake_case dialect).

The simulator serves these. Rendering reproduces Focus's habits so the adapter meets them on every
round trip: names HTML-escaped, staff as "Last, First", timestamps with the school's UTC offset,
`-1` for "no grade", grades and referrals keyed by id in snake_case, `[]` for no referrals.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo

import polars as pl

from hub.synthetic import SyntheticDistrict

Dialect = Literal["camel", "snake"]
Record = dict[str, Any]
SCHOOL_ZONE = ZoneInfo("America/New_York")
DAY_LETTERS = {"mon": "M", "tue": "T", "wed": "W", "thu": "H", "fri": "F", "sat": "S", "sun": "U"}
GRADE_PAGES = {
    "final_grades": "final",
    "semester_grades": "semester",
    "quarter_grades": "quarter",
    "exams": "exam",
}
# Keys whose values are maps keyed by data (names, ids, dates), never renamed to snake_case.
_DATA_KEYS = frozenset({"customFields", "events", "absences", "referrals", "periods", "mps", *GRADE_PAGES})


def snake_keys(value: Any) -> Any:
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        name = re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()
        if key in _DATA_KEYS and isinstance(v, dict):
            out[name] = v if key == "customFields" else {k: snake_keys(x) for k, x in v.items()}
        else:
            out[name] = snake_keys(v)
    return out


def local_time(value: datetime | None) -> str | None:
    """A UTC instant as Focus writes it: school-local, milliseconds, with the offset."""
    return None if value is None else value.astimezone(SCHOOL_ZONE).isoformat(timespec="milliseconds")


def local_midnight(value: date | None) -> str | None:
    if value is None:
        return None
    return datetime(value.year, value.month, value.day, tzinfo=SCHOOL_ZONE).isoformat(timespec="milliseconds")


def staff(name: str | None) -> str | None:
    """ "Douglass Belley" → "Belley, Douglass", HTML-escaped, as Focus lists staff."""
    if not name:
        return name
    given, _, family = name.partition(" ")
    return html.escape(f"{family}, {given}" if family else given)


def esc(value: str | None) -> str | None:
    return None if value is None else html.escape(value)


class FocusRenderer:
    def __init__(self, district: SyntheticDistrict) -> None:
        self.district = district
        self.frames = district.frames

    def _by(self, entity: str, column: str) -> dict[str, list[Record]]:
        out: dict[str, list[Record]] = {}
        for row in self.frames[entity].iter_rows(named=True):
            out.setdefault(row[column], []).append(row)
        return out

    @cached_property
    def students(self) -> list[Record]:
        return self.frames["person"].filter(pl.col("role") == "student").to_dicts()

    @cached_property
    def people(self) -> dict[str, Record]:
        return {r["source_record_id"]: r for r in self.frames["person"].iter_rows(named=True)}

    @cached_property
    def index(self) -> dict[str, dict[str, list[Record]]]:
        return {
            "demographics": self._by("demographics", "person_id"),
            "photo": self._by("photo", "person_id"),
            "custom_field": self._by("custom_field", "person_id"),
            "address": self._by("address", "person_id"),
            "contact_point": self._by("contact_point", "person_id"),
            "contact_relationship": self._by("contact_relationship", "student_id"),
            "attendance_mark": self._by("attendance_mark", "student_id"),
            "attendance_summary": self._by("attendance_summary", "student_id"),
            "behaviour_incident": self._by("behaviour_incident", "student_id"),
            "grade_record": self._by("grade_record", "student_id"),
            "assignment_result": self._by("assignment_result", "student_id"),
            "assignment": self._by("assignment", "source_record_id"),
            "timetable_slot": self._by("timetable_slot", "class_id"),
            "class": self._by("class", "source_record_id"),
            "enrollment": self._by("enrollment", "person_id"),
            "calendar_event": self._by("calendar_event", "school_id"),
        }

    def _rows(self, entity: str, key: str) -> list[Record]:
        return self.index[entity].get(key, [])

    # -- roster -------------------------------------------------------------------------------------
    def schools(self) -> list[Record]:
        orgs = self.frames["organisation"].filter(pl.col("kind") == "school")
        return [
            {"id": r["source_record_id"], "title": esc(r["name"]), "stateId": r["identifier"], "syear": 2026,
             "lastUpdated": local_time(r["source_updated_at"])}
            for r in orgs.iter_rows(named=True)
        ]  # fmt: skip

    def student(self, r: Record) -> Record:
        grade = r["grades"][0] if r["grades"] else None
        return {
            "id": r["source_record_id"], "schoolId": r["school_id"], "firstName": esc(r["given_name"]),
            "middleName": esc(r["middle_name"]), "lastName": esc(r["family_name"]),
            "nickname": esc(r["preferred_name"]), "username": r["username"], "email": r["email"],
            "stateId": r["identifier"], "grade": int(grade) if grade and grade.isdigit() else grade,
            "birthdate": f"{r['date_of_birth']}T00:00:00" if r["date_of_birth"] else None,
            "gender": r["gender"], "enabled": r["enabled"], "lastUpdated": local_time(r["source_updated_at"]),
        }  # fmt: skip

    # -- per-student pages ------------------------------------------------------------------------------
    def page(self, student_id: str, page: str, dialect: Dialect) -> Record | None:
        if student_id not in self.people or self.people[student_id]["role"] != "student":
            return None
        render = {
            "demographic": self.demographic, "address": self.address, "absences": self.absences,
            "referrals": self.referrals, "portal": self.portal, "schedule": self.schedule,
        }.get(page)  # fmt: skip
        if render is not None:
            body = render(student_id, dialect)
        elif page in GRADE_PAGES:
            body = self.grades(student_id, page, dialect)
        else:
            return None
        body.update(self.marking_periods(dialect))
        return snake_keys(body) if dialect == "snake" else body

    def marking_periods(self, dialect: Dialect) -> Record:
        sessions = self.frames["academic_session"].filter(pl.col("kind") == "semester").sort("start_date")
        mps = [{"id": r["source_record_id"], "name": r["title"], "year": 2026, "selected": n == 0}
               for n, r in enumerate(sessions.iter_rows(named=True))]  # fmt: skip
        if dialect == "snake":
            return {"mps": {m["id"]: m for m in mps}, "mp_years": [2025, 2026], "syear": 2026}
        return {"currentMarkingPeriod": mps[0], "markingPeriods": mps, "markingPeriodYears": [2025, 2026]}

    def demographic(self, sid: str, dialect: Dialect) -> Record:
        person = self.people[sid]
        body: Record = {"name": esc(f"{person['given_name']} {person['family_name']}")}
        for d in self._rows("demographics", sid):
            body.update({"gender": d["sex"], "ethnicity": d["ethnicity"], "birthCountry": d["country_of_birth"],
                         "language": d["language"], "ell": d["english_learner"],
                         "frl": "Y" if d["free_reduced_lunch"] else "N", "sped": d["special_needs"]})  # fmt: skip
        for p in self._rows("photo", sid):
            body["picture" if p["data"] else "pictureUrl"] = p["data"] or p["url"]
        body["customFields"] = {c["key"]: c["value"] for c in self._rows("custom_field", sid)}
        return body

    def _address_fields(self, pid: str) -> Record:
        for a in self._rows("address", pid):
            return {"address": a["line1"], "address2": a["line2"], "city": a["city"], "state": a["region"],
                    "zip": a["postcode"]}  # fmt: skip
        return {}

    def _points(self, pid: str) -> Record:
        points = self._rows("contact_point", pid)
        details = [{"title": p["label"].upper(), "type": p["kind"].upper(), "value": p["value"],
                    "primary": p["primary"]} for p in points]  # fmt: skip
        primary = {p["kind"]: p["value"] for p in points if p["primary"]}
        return {"details": details, "email": primary.get("email"), "phone": primary.get("phone")}

    def address(self, sid: str, dialect: Dialect) -> Record:
        body = {**self._address_fields(sid), **self._points(sid), "contacts": []}
        body.pop("details")  # students' own details come as the top-level email and phone
        for rel in sorted(self._rows("contact_relationship", sid), key=lambda r: r["priority"]):
            cid = rel["contact_id"]
            contact = self.people[cid]
            body["contacts"].append(
                {"id": cid, "name": esc(f"{contact['given_name']} {contact['family_name']}"),
                 "schoolId": contact["school_id"], "relationship": rel["relationship"].title(),
                 "priority": rel["priority"], "custody": rel["custody"], "emergency": rel["emergency"],
                 "livesWith": rel["lives_with"], **self._address_fields(cid), **self._points(cid)}
            )  # fmt: skip
        return body

    def absences(self, sid: str, dialect: Dialect) -> Record:
        days: dict[date, list[Record]] = {}
        for m in self._rows("attendance_mark", sid):
            key = m["period"] or m["session"].upper()
            days.setdefault(m["date"], []).append(
                {"period": key, "status": m["status"].upper(), "code": m["source_code"],
                 "coursePeriodId": m["class_id"], "lastUpdated": local_time(m["recorded_at"]),
                 "lastUpdatedBy": staff(m["recorded_by"]), "minutesLate": m["minutes_late"],
                 "comment": m["note"]}
            )  # fmt: skip
        body: Record = {}
        if dialect == "snake":
            body["absences"] = {
                d.isoformat(): {"date": d.isoformat(), "periods": {p["period"]: p for p in periods}}
                for d, periods in days.items()
            }
        else:
            body["days"] = [{"date": local_midnight(d), "periods": periods} for d, periods in days.items()]
        for s in self._rows("attendance_summary", sid):
            body.update({_camel(k): v for k, v in s.items() if k.startswith(("days_", "periods_"))})
        return body

    def referrals(self, sid: str, dialect: Dialect) -> Record:
        referrals = [
            {"id": b["source_record_id"], "entryDate": local_midnight(b["date"]),
             "creationDate": local_midnight(b["date"]), "violation": b["violation"],
             "otherViolation": esc(b["description"]), "teacher": staff(b["staff_name"]), "action": b["action"],
             "suspensionBegin": b["suspension_begin"] and b["suspension_begin"].isoformat(),
             "suspensionEnd": b["suspension_end"] and b["suspension_end"].isoformat(),
             "processed": b["processed"], "lastUpdated": local_time(b["source_updated_at"])}
            for b in self._rows("behaviour_incident", sid)
        ]  # fmt: skip
        # PHP's empty array is [] even where a filled one is an object keyed by id.
        if dialect == "snake" and referrals:
            return {"referrals": {r["id"]: r for r in referrals}}
        return {"referrals": referrals}

    def grades(self, sid: str, page: str, dialect: Dialect) -> Record:
        kind = GRADE_PAGES[page]
        grades = []
        for g in self._rows("grade_record", sid):
            if g["kind"] != kind:
                continue
            record = {"id": g["source_record_id"], "courseId": g["course_id"], "coursePeriodId": g["class_id"],
                      "mpId": g["session_id"], "letterGrade": g["letter"],
                      "percentGrade": -1 if g["percent"] is None else g["percent"], "gpaPoints": g["gpa_points"],
                      "weightedGpaPoints": g["weighted_gpa_points"], "credits": g["credits"],
                      "creditsEarned": g["credits_earned"], "affectsGpa": g["affects_gpa"],
                      "comment": esc(g["comment"]), "lastUpdated": local_time(g["source_updated_at"])}  # fmt: skip
            grades.append({k: v for k, v in record.items() if v is not None})  # blank fields are left out
        if dialect == "snake":
            return {page: {g["id"]: g for g in grades} if grades else []}
        return {"grades": grades}

    def _classes(self, sid: str) -> list[Record]:
        ids = [e["class_id"] for e in self._rows("enrollment", sid) if e["role"] == "student"]
        return [self._rows("class", c)[0] for c in ids]

    def portal(self, sid: str, dialect: Dialect) -> Record:
        results = {r["assignment_id"]: r for r in self._rows("assignment_result", sid)}
        courses = []
        for klass in self._classes(sid):
            assignments = []
            for aid, result in results.items():
                a = self._rows("assignment", aid)[0]
                if a["class_id"] != klass["source_record_id"]:
                    continue
                assignments.append(
                    {"id": aid, "name": esc(a["title"]), "category": a["category"],
                     "assigned": local_midnight(a["assigned_date"]), "due": local_midnight(a["due_date"]),
                     "maxGrade": a["max_score"], "studentGrade": result["score"], "status": result["status"],
                     "letterGrade": result["letter"], "comment": esc(result["comment"])}
                )  # fmt: skip
            courses.append({"id": klass["source_record_id"], "name": esc(klass["title"]),
                            "period": klass["periods"][0] if klass["periods"] else None, "assignments": assignments})  # fmt: skip
        return {"courses": courses}

    def schedule(self, sid: str, dialect: Dialect) -> Record:
        courses = []
        for klass in self._classes(sid):
            slots = self._rows("timetable_slot", klass["source_record_id"])
            if not slots:
                continue
            s = slots[0]
            courses.append(
                {"id": klass["source_record_id"], "name": esc(klass["title"]),
                 "days": "".join(DAY_LETTERS[x["day"]] for x in slots), "period": s["period"], "room": s["room"],
                 "startTime": s["start_time"], "endTime": s["end_time"], "markingPeriodId": s["session_id"]}
            )  # fmt: skip
        return {"courses": courses}

    def calendar(self, school_id: str, year: int, month: int, dialect: Dialect) -> Record:
        events = [
            {
                "id": e["source_record_id"],
                "date": e["date"].isoformat(),
                "title": esc(e["title"]),
                "type": e["kind"],
            }
            for e in self._rows("calendar_event", school_id)
            if (e["date"].year, e["date"].month) == (year, month)
        ]
        body: Record = {"year": year, "month": month}
        body["events"] = {e["id"]: e for e in events} if dialect == "snake" else events
        return body


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
