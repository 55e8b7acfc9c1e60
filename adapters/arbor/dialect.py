"""The Arbor REST dialect in one place: resources, their JSON keys, and value formats.

Shared by the adapter (to read) and the simulator (to serve), so the two cannot drift apart.
A list endpoint `GET /rest-v2/{path}` answers `{list_key: [reference, …]}`; a reference is
`{"entityType", "id", "href", "displayName"}`; `GET {href}` answers `{singular_key: object}`; the
change feed `GET /rest-v2/{path}/changelog` answers `{"changes": [{changedObject, changeType,
fromRevision, toRevision, changeDatetime}]}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

API_ROOT = "/rest-v2"


@dataclass(frozen=True)
class Resource:
    path: str  # kebab-case plural, e.g. "student-guardian-relationships"
    entity_type: str  # Arbor's entityType, e.g. "StudentGuardianRelationship"

    @property
    def list_key(self) -> str:
        """Lower-camel plural: the key a list response puts its references under."""
        head, *rest = self.path.split("-")
        return head + "".join(part.title() for part in rest)

    @property
    def singular_key(self) -> str:
        """Lower-camel entity type: the key a single-object response puts the object under."""
        return self.entity_type[0].lower() + self.entity_type[1:]

    def href(self, record_id: str) -> str:
        return f"{API_ROOT}/{self.path}/{record_id}"


RESOURCES: dict[str, Resource] = {
    r.path: r
    for r in (
        Resource("schools", "School"),
        Resource("academic-years", "AcademicYear"),
        Resource("terms", "Term"),
        Resource("progress-measurement-periods", "ProgressMeasurementPeriod"),
        Resource("registration-forms", "RegistrationForm"),
        Resource("academic-units", "AcademicUnit"),
        Resource("students", "Student"),
        Resource("staff", "Staff"),
        Resource("guardians", "Guardian"),
        Resource("registration-form-memberships", "RegistrationFormMembership"),
        Resource("academic-unit-enrolments", "AcademicUnitEnrolment"),
        Resource("student-guardian-relationships", "StudentGuardianRelationship"),
        Resource("email-addresses", "EmailAddress"),
        Resource("telephone-numbers", "TelephoneNumber"),
        Resource("postal-addresses", "PostalAddress"),
        Resource("attendance-register-types", "AttendanceRegisterType"),
        Resource("attendance-marks", "AttendanceMark"),
        Resource("sessions", "Session"),
        Resource("attendance-records", "AttendanceRecord"),
        Resource("behavioural-incidents", "BehaviouralIncident"),
        Resource("behavioural-incident-student-involvements", "BehaviouralIncidentStudentInvolvement"),
    )
}

# Every object carries when it last changed and at which revision (the changelog's clock).
MODIFIED = "lastModifiedDatetime"
REVISION = "revision"
CHANGE_TYPES = ("created", "updated", "deleted")


def format_datetime(value: datetime) -> str:
    """Arbor's 'Y-m-d H:i:s', plus milliseconds when there are any (so stamps round-trip exactly)."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{value.microsecond // 1000:03d}" if value.microsecond else text


def parse_datetime(text: str) -> datetime:
    """Arbor datetimes carry no zone; the dialect is UTC (see README: real Arbor sends UK local time)."""
    parsed = datetime.fromisoformat(text)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
