"""Render a synthetic district (canonical frames) as the objects of one Arbor school site.

The inverse of mapping.py, written separately so the round-trip test catches either side's
mistakes. Canonical ids become Arbor ids as they are (Arbor's are numbers; the adapter treats
ids as opaque strings). Values the canonical model has in US flavour arrive UK-shaped: attendance
codes become UK register codes, contact labels Arbor's types.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl

from adapters.arbor.dialect import MODIFIED, RESOURCES, format_datetime
from adapters.arbor.marks import UK_CODES, code_for
from hub.synthetic import SyntheticDistrict

Record = dict[str, Any]
Rendered = dict[str, dict[str, Record]]  # resource path → id → object

PERSON_PATHS = {"student": "students", "staff": "staff", "contact": "guardians"}
CONTACT_TYPES = {"email": "Personal", "home_phone": "Home", "cell_phone": "Mobile", "work_phone": "Work"}
REGISTERS = {"am": ("AM", time(8, 45), time(9, 15)), "pm": ("PM", time(13, 15), time(13, 45))}


def ref(path: str, record_id: str, display: str | None = None, entity_type: str | None = None) -> Record:
    resource = RESOURCES.get(path)
    kind = entity_type or (resource.entity_type if resource else path)
    href = resource.href(record_id) if resource else f"/rest-v2/{path}/{record_id}"
    return {"entityType": kind, "id": record_id, "href": href, "displayName": display or record_id}


def _lookup(kind: str, value: str | None) -> Record | None:
    """A reference to a lookup value (a type, a subject …), named by its displayName."""
    if value is None:
        return None
    return {"entityType": kind, "id": value.lower().replace(" ", "-"), "displayName": value}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _at(day: date, clock: time) -> str:
    return format_datetime(datetime.combine(day, clock, UTC))


class _Site:
    def __init__(self, district: SyntheticDistrict, school_id: str | None) -> None:
        f = district.frames
        schools = f["organisation"].filter(pl.col("kind") == "school")
        self.school = school_id or schools["source_record_id"][0]
        self.frames = {
            name: frame.filter(pl.col("school_id").is_null() | (pl.col("school_id") == self.school))
            for name, frame in f.items()
        }
        self.out: Rendered = {path: {} for path in RESOURCES}
        people = self.frames["person"]
        self.people = {r["source_record_id"]: r for r in people.iter_rows(named=True)}
        self.sessions = {
            r["source_record_id"]: r for r in self.frames["academic_session"].iter_rows(named=True)
        }

    def put(self, path: str, record_id: str, display: str | None, modified: datetime, **fields: Any) -> None:
        obj = ref(path, record_id, display)
        obj[MODIFIED] = format_datetime(modified)
        obj.update(fields)
        self.out[path][record_id] = obj

    def rows(self, entity: str) -> Iterator[dict[str, Any]]:
        return self.frames[entity].iter_rows(named=True)

    def person_ref(self, person_id: str) -> Record:
        person = self.people.get(person_id)
        if person is None:  # a test removed the person but not what points at them
            return ref("students", person_id)
        return ref(PERSON_PATHS[person["role"]], person_id, f"{person['given_name']} {person['family_name']}")

    def year_of(self, session_id: str) -> str:
        session = self.sessions[session_id]
        while session["parent_id"] is not None:
            session = self.sessions[session["parent_id"]]
        return str(session["source_record_id"])

    def render(self) -> Rendered:
        for renderer in (self.school_and_years, self.classes, self.people_, self.enrolments,
                         self.contacts, self.attendance, self.behaviour):  # fmt: skip
            renderer()
        return self.out

    def school_and_years(self) -> None:
        for r in self.rows("organisation"):
            if r["source_record_id"] == self.school:
                self.put("schools", self.school, r["name"], r["source_updated_at"],
                         schoolName=r["name"], urn=r["identifier"])  # fmt: skip
        for r in self.rows("academic_session"):
            sid, kind = r["source_record_id"], r["kind"]
            dates = {"startDate": _day(r["start_date"]), "endDate": _day(r["end_date"])}
            if kind == "school_year":
                code = f"{r['start_date'].year}/{r['end_date'].year % 100:02d}"
                self.put("academic-years", sid, r["title"], r["source_updated_at"],
                         academicYearName=r["title"], code=code, **dates)  # fmt: skip
                continue
            year = self.year_of(sid)
            path, name = (
                ("progress-measurement-periods", "periodName")
                if kind == "grading_period"
                else ("terms", "termName")
            )
            self.put(path, sid, r["title"], r["source_updated_at"], academicYear=ref("academic-years", year),
                     **{name: r["title"]}, **dates)  # fmt: skip

    def classes(self) -> None:
        for r in self.rows("class"):
            sessions = [self.sessions[s] for s in r["session_ids"]]
            year = self.year_of(sessions[0]["source_record_id"]) if sessions else None
            year_ref = ref("academic-years", year) if year else None
            if r["kind"] == "homeroom":
                self.put("registration-forms", r["source_record_id"], r["title"], r["source_updated_at"],
                         code=r["code"], registrationFormName=r["title"], shortName=r["code"],
                         room=_lookup("Room", r["room"]), academicYear=year_ref)  # fmt: skip
                continue
            subject = r["subjects"][0] if r["subjects"] else None
            self.put("academic-units", r["source_record_id"], r["title"], r["source_updated_at"],
                     academicUnitName=r["title"], academicUnitCode=r["code"], academicYear=year_ref,
                     subject=_lookup("Subject", subject),
                     effectiveDate=_day(min((s["start_date"] for s in sessions), default=None)),
                     endDate=_day(max((s["end_date"] for s in sessions), default=None)))  # fmt: skip

    def people_(self) -> None:
        for pid, r in self.people.items():
            person = {
                "entityType": "Person",
                "id": f"person-{pid}",
                "href": f"/rest-v2/people/person-{pid}",
                "legalFirstName": r["given_name"],
                "legalMiddleNames": r["middle_name"],
                "legalLastName": r["family_name"],
                "preferredFirstName": r["preferred_name"],
                "dateOfBirth": _day(r["date_of_birth"]),
                "gender": r["gender"].upper() if r["gender"] else None,
            }
            extra = {
                "student": {"uniqueLearnerNumber": r["identifier"]},
                "staff": {"staffNumber": r["identifier"]},
            }
            self.put(PERSON_PATHS[r["role"]], pid, self.person_ref(pid)["displayName"], r["source_updated_at"],
                     person=person, **extra.get(r["role"], {}))  # fmt: skip

    def enrolments(self) -> None:
        kinds = {r["source_record_id"]: r["kind"] for r in self.rows("class")}
        for r in self.rows("enrollment"):
            if r["role"] != "student":
                continue  # staff on classes are not in the dialect
            form = kinds.get(r["class_id"]) == "homeroom"
            path, field = (
                ("registration-form-memberships", "registrationForm")
                if form
                else ("academic-unit-enrolments", "academicUnit")
            )
            group = ref("registration-forms" if form else "academic-units", r["class_id"])
            self.put(path, r["source_record_id"], None, r["source_updated_at"], student=self.person_ref(r["person_id"]),
                     startDate=_day(r["begin_date"]), endDate=_day(r["end_date"]), **{field: group})  # fmt: skip

    def contacts(self) -> None:
        for r in self.rows("contact_relationship"):
            kind = r["relationship"].title() if r["relationship"] else None
            self.put("student-guardian-relationships", r["source_record_id"], None, r["source_updated_at"],
                     student=self.person_ref(r["student_id"]), guardian=self.person_ref(r["contact_id"]),
                     guardianRelationshipType=_lookup("GuardianRelationshipType", kind),
                     isLegalGuardian=r["custody"], emergencyContactPriority=r["priority"])  # fmt: skip
        for r in self.rows("contact_point"):
            owner = self.person_ref(r["person_id"])
            kind = _lookup("ContactType", CONTACT_TYPES.get(r["label"], r["label"]))
            order = 1 if r["primary"] else 2
            if r["kind"] == "email":
                self.put("email-addresses", r["source_record_id"], r["value"], r["source_updated_at"],
                         emailAddressOwner=owner, emailAddressType=kind, emailAddress=r["value"],
                         dataOrder=order)  # fmt: skip
            else:
                self.put("telephone-numbers", r["source_record_id"], r["value"], r["source_updated_at"],
                         numberOwner=owner, telephoneNumberType=kind, number=r["value"],
                         telephoneNumberRanking=order)  # fmt: skip
        for r in self.rows("address"):
            self.put("postal-addresses", r["source_record_id"], r["line1"], r["source_updated_at"],
                     addressOwner=self.person_ref(r["person_id"]),
                     addressType=_lookup("AddressType", r["kind"].title() if r["kind"] else None),
                     address1=r["line1"], address2=r["line2"], postalTown=r["city"], postalState=r["region"],
                     postalCode=r["postcode"], country=r["country"])  # fmt: skip

    def attendance(self) -> None:
        epoch = datetime(2020, 1, 1, tzinfo=UTC)
        for code, (key, _, _) in REGISTERS.items():
            self.put("attendance-register-types", key, key, epoch, code=key, attendanceRegisterTypeName=f"{key} register",
                     isMorning=code == "am", isAfternoon=code == "pm")  # fmt: skip
        mark_ids = {}
        for n, (code, (_, description)) in enumerate(UK_CODES.items(), start=1):
            mark_ids[code] = str(n)
            self.put("attendance-marks", str(n), code, epoch, code=code, markDescription=description)
        for r in self.rows("attendance_mark"):
            key, start, end = REGISTERS[r["session"]]
            session_id = f"{r['class_id']}:{r['date']}:{key}"
            if session_id not in self.out["sessions"]:
                self.put("sessions", session_id, f"{key} registration", epoch,
                         startDatetime=_at(r["date"], start), endDatetime=_at(r["date"], end),
                         sessionName=f"{key} registration", attendanceRegisterType=ref("attendance-register-types", key),
                         registrationForm=ref("registration-forms", r["class_id"]))  # fmt: skip
            # Always the UK code of the status: a US-style school's "P" would read as UK "P" (sporting
            # activity), and for a UK-style school this is exactly the code it was generated with.
            code = code_for(r["status"], r["session"])
            self.put("attendance-records", r["source_record_id"], None, r["source_updated_at"],
                     attendanceMark=ref("attendance-marks", mark_ids[code], code),
                     student=self.person_ref(r["student_id"]), minutesLate=r["minutes_late"],
                     recordNote=r["note"], startDatetime=_at(r["date"], start), endDatetime=_at(r["date"], end),
                     event=ref("sessions", session_id))  # fmt: skip

    def behaviour(self) -> None:
        for r in self.rows("behaviour_incident"):
            incident_id = f"incident-{r['source_record_id']}"
            staff = ref("staff", r["staff_id"], r["staff_name"]) if r["staff_id"] else None
            self.put("behavioural-incidents", incident_id, r["violation"], r["source_updated_at"],
                     behaviour=_lookup("Behaviour", r["violation"]), incidentName=r["violation"],
                     narrative=r["description"], incidentDatetime=_at(r["date"], time(11, 0)),
                     loggedByStaff=staff)  # fmt: skip
            resolved = _at(r["date"] + timedelta(days=1), time(16, 0)) if r["processed"] else None
            self.put("behavioural-incident-student-involvements", r["source_record_id"], None, r["source_updated_at"],
                     behaviouralIncident=ref("behavioural-incidents", incident_id),
                     student=self.person_ref(r["student_id"]), resolvedDatetime=resolved)  # fmt: skip


def render_site(district: SyntheticDistrict, school_id: str | None = None) -> Rendered:
    """Every object of one school's site (the district's first school unless named)."""
    return _Site(district, school_id).render()
