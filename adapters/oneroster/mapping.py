"""OneRoster 1.1 and 1.2 JSON records → canonical frames. Pure functions: no I/O, no clock.

Each entity has a row mapper that reads one record and raises `FieldError` naming the OneRoster
field at fault; `to_canonical` turns those into Rejects, routes "tobedeleted" records to
`deleted_ids`, and builds a frame with exactly the entity's polars schema. References stay as
OneRoster sourcedIds; the sync engine resolves them.

The mappers read both versions without being told which: 1.2 only adds fields (`roles`,
`primaryOrg`, `preferredFirstName`, an `org` on sessions) where 1.1 has others (`role`, `orgs`).
A user's demographics record (birth date, sex) arrives joined onto its page (`UsersPage`), read
by the users stream, so that mapping a page stays pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

import polars as pl

from adapters.oneroster import vocab
from adapters.sdk import MappedPage, Page, Reject
from hub.canonical import EntitySpec

# Demographics fields OneRoster has no field for (in any version or binding): language and the
# programme flags. (The other way, stateOfBirthAbbreviation, cityOfBirth and
# publicSchoolResidenceStatus have no canonical field.)
DEMOGRAPHICS_NOT_CARRIED = frozenset({"language", "english_learner", "free_reduced_lunch", "special_needs"})
# Canonical fields OneRoster 1.1 REST does not carry: it has no preferred name, and its results
# have no text score (letter). Birth date and sex come from the demographics endpoint, joined onto
# users. Everything else round-trips, except that 1.1 cannot say a result was late: a late result
# reads as graded (LATE_READS_AS below).
NOT_CARRIED: dict[str, frozenset[str]] = {
    "organisation": frozenset(),
    "academic_session": frozenset(),
    "course": frozenset(),
    "class": frozenset(),
    "person": frozenset({"preferred_name"}),
    "enrollment": frozenset(),
    "demographics": DEMOGRAPHICS_NOT_CARRIED,
    "assignment": frozenset(),
    "assignment_result": frozenset({"letter"}),
}
# Per REST version. With `demographics: false` in the config, add person date_of_birth and gender
# (and no demographics entity is read).
NOT_CARRIED_BY_VERSION: dict[str, dict[str, frozenset[str]]] = {
    "1.1": NOT_CARRIED,
    "1.2": {entity: frozenset() for entity in NOT_CARRIED} | {"demographics": DEMOGRAPHICS_NOT_CARRIED},
}
# Result statuses a version cannot express, and what they read as instead.
LATE_READS_AS: dict[str, dict[str, str]] = {"1.0": {"late": "graded"}, "1.1": {"late": "graded"}, "1.2": {}}


def as_version_reads(frames: Mapping[str, pl.DataFrame], version: str) -> dict[str, pl.DataFrame]:
    """Canonical frames as a OneRoster version can say them (for round-trip comparisons): 1.1 has
    no "late", so a late result reads as graded."""
    results = frames["assignment_result"].with_columns(pl.col("status").replace(LATE_READS_AS[version]))
    return {**frames, "assignment_result": results}


DEMOGRAPHIC_FIELDS = frozenset({"date_of_birth", "gender"})

Record = dict[str, Any]
RowMapper = Callable[[Record], Record]


@dataclass(frozen=True)
class UsersPage(Page):
    """A page of users with the demographics records of (at least) those users, by sourcedId."""

    demographics: Mapping[str, Record] = field(default_factory=dict)


@dataclass(frozen=True)
class DemographicsPage(Page):
    """A page of demographics records with the school of every user read in the run."""

    schools: Mapping[str, str] = field(default_factory=dict)


class FieldError(ValueError):
    """A record's field that cannot be mapped; becomes a Reject naming the OneRoster field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def to_canonical(spec: EntitySpec, page: Page, row: RowMapper) -> MappedPage:
    schema = spec.polars_schema()
    rows: list[Record] = []
    rejects: list[Reject] = []
    deleted: list[str] = []
    for record in cast(list[Any], page.records):  # JSON: may hold anything
        if not isinstance(record, dict):
            rejects.append(Reject(None, None, "record is not a JSON object", page.location))
            continue
        sourced_id = record.get("sourcedId")
        if not isinstance(sourced_id, str) or not sourced_id.strip():
            reason = (
                "missing sourcedId"
                if sourced_id in (None, "")
                else f"sourcedId {sourced_id!r} is not a string"
            )
            rejects.append(Reject(None, "sourcedId", reason, page.location))
            continue
        try:
            status = _record_status(record)
            if status in vocab.DELETED_STATUSES:
                deleted.append(sourced_id)
                continue
            if status not in vocab.ACTIVE_STATUSES:
                raise FieldError("status", f"unknown status {record.get('status')!r}")
            mapped = row(record)
            mapped["source_record_id"] = sourced_id
            stamp = _required(
                _datetime(record.get("dateLastModified"), "dateLastModified"), "dateLastModified"
            )
            # A joined record (demographics) may be newer than the user: the later stamp is when
            # the source last changed this person, and it moves the users checkpoint past it.
            joined = mapped.get("source_updated_at")
            mapped["source_updated_at"] = max(stamp, joined) if joined is not None else stamp
        except FieldError as exc:
            rejects.append(Reject(sourced_id, exc.field, exc.reason, page.location))
            continue
        rows.append(mapped)
    frame = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return MappedPage(frame=frame, rejects=rejects, deleted_ids=deleted)


# -- one mapper per entity -------------------------------------------------------------------------


def org_row(r: Record) -> Record:
    kind = _vocab(r, "type", vocab.ORG_KINDS)
    return {
        "school_id": r["sourcedId"] if kind == "school" else None,
        "kind": kind,
        "name": _text(r.get("name")),
        "identifier": _text(r.get("identifier")),
        "parent_id": guid_ref(r.get("parent"), "parent"),
    }


def session_row(r: Record) -> Record:
    return {
        "school_id": guid_ref(r.get("org"), "org"),  # 1.2 names the org; 1.1 sessions are district-wide
        "kind": _vocab(r, "type", vocab.SESSION_KINDS),
        "title": _text(r.get("title")),
        "start_date": _date(r.get("startDate"), "startDate"),
        "end_date": _date(r.get("endDate"), "endDate"),
        "parent_id": guid_ref(r.get("parent"), "parent"),
        "school_year": _year(r.get("schoolYear")),
    }


def course_row(r: Record) -> Record:
    return {
        "school_id": guid_ref(r.get("org"), "org"),
        "title": _text(r.get("title")),
        "code": _text(r.get("courseCode")),
        "school_year_id": guid_ref(r.get("schoolYear"), "schoolYear"),
        "grades": _strings(r.get("grades"), "grades"),
        "subjects": _strings(r.get("subjects"), "subjects"),
    }


def class_row(r: Record) -> Record:
    return {
        "school_id": guid_ref(r.get("school"), "school"),
        "title": _text(r.get("title")),
        "code": _text(r.get("classCode")),
        "kind": _vocab(r, "classType", vocab.CLASS_KINDS),
        "course_id": guid_ref(r.get("course"), "course"),
        "session_ids": _refs(r.get("terms"), "terms"),
        "room": _text(r.get("location")),
        "periods": _strings(r.get("periods"), "periods"),
        "grades": _strings(r.get("grades"), "grades"),
        "subjects": _strings(r.get("subjects"), "subjects"),
    }


def user_row(r: Record, demographics: Record | None = None) -> Record:
    role, role_field, _ = _primary_role(r)
    canonical_role = vocab.PERSON_ROLES.get(str(role).lower()) if isinstance(role, str) else None
    if canonical_role is None:
        raise FieldError(
            role_field, f"unknown role {role!r}; expected one of {', '.join(vocab.PERSON_ROLES)}"
        )
    born, sex, demographics_modified = _demographics(demographics)
    return {
        "school_id": user_school(r),
        "role": canonical_role,
        "role_detail": role,
        "given_name": _text(r.get("givenName")),
        "middle_name": _text(r.get("middleName")),
        "family_name": _text(r.get("familyName")),
        "preferred_name": _text(r.get("preferredFirstName")),  # 1.2 only
        "username": _text(r.get("username")),
        "email": _text(r.get("email")),
        "phone": _text(r.get("phone")),
        "sms": _text(r.get("sms")),
        "identifier": _text(r.get("identifier")),
        "grades": _strings(r.get("grades"), "grades"),
        "enabled": _bool(r.get("enabledUser"), "enabledUser", default=None),
        "date_of_birth": born,
        "gender": sex,
        "agent_ids": _refs(r.get("agents"), "agents"),
        "source_updated_at": demographics_modified,  # to_canonical keeps the later of this and the user's
    }


def user_school(r: Record) -> str | None:
    """Canonical people have one school: 1.2's primaryOrg, else the primary role's org, else 1.1's
    first org (contacts list their students' schools after their own)."""
    _, _, role_org = _primary_role(r)
    orgs = _refs(r.get("orgs"), "orgs")
    return guid_ref(r.get("primaryOrg"), "primaryOrg") or role_org or (orgs[0] if orgs else None)


def demographics_row(r: Record, schools: Mapping[str, str]) -> Record:
    """A demographics record → the demographics entity. Language and the programme flags (EL, FRL,
    SEN) have no OneRoster field; state and city of birth and public school residence status have
    no canonical one."""
    person = r["sourcedId"]
    school = schools.get(person)
    if school is None:
        raise FieldError("sourcedId", f"no user {person!r} was read with it, so its school is unknown")
    sex = _text(r.get("sex"))
    canonical_sex = vocab.DEMOGRAPHIC_SEX.get(sex.strip().lower()) if sex else None
    if sex and canonical_sex is None:
        raise FieldError("sex", f"unknown sex {sex!r}; expected one of {', '.join(vocab.DEMOGRAPHIC_SEX)}")
    flags = {flag: _bool(r.get(flag), flag, default=None) for flag in vocab.ETHNICITY_FLAGS.values()}
    return {
        "school_id": school,
        "person_id": person,
        "sex": canonical_sex,
        "ethnicity": vocab.ethnicity(flags),
        "country_of_birth": _text(r.get("countryOfBirthCode")),
    }


def _primary_role(r: Record) -> tuple[Any, str, str | None]:
    """(role, the field it came from, that role's org): 1.2's `roles` list, else 1.1's `role`."""
    roles = r.get("roles")
    if roles is None:
        return r.get("role"), "role", None
    if not isinstance(roles, list) or not roles or not all(isinstance(x, dict) for x in roles):
        raise FieldError("roles", f"expected a non-empty list of roles, got {roles!r}")
    primary = [x for x in roles if str(x.get("roleType", "")).lower() == "primary"]
    chosen = (primary or roles)[0]  # a feed without roleType: the first role stands in
    return chosen.get("role"), "roles.role", guid_ref(chosen.get("org"), "roles.org")


def _demographics(d: Record | None) -> tuple[date | None, str | None, datetime | None]:
    """(birth date, sex lower-cased, dateLastModified) of a demographics record; nothing if absent."""
    if d is None:
        return None, None, None
    modified = _datetime(d.get("dateLastModified"), "demographics.dateLastModified")
    if is_deleted(d):
        return None, None, modified  # the deletion is a change to the person too
    sex = _text(d.get("sex"))
    return _date(d.get("birthDate"), "demographics.birthDate"), sex.strip().lower() if sex else None, modified


def enrollment_row(r: Record) -> Record:
    role = r.get("role")
    if not isinstance(role, str) or not role.strip():
        raise FieldError("role", f"missing or invalid enrollment role {role!r}")
    return {
        "school_id": guid_ref(r.get("school"), "school"),
        "person_id": _required(guid_ref(r.get("user"), "user"), "user"),
        "class_id": _required(guid_ref(r.get("class"), "class"), "class"),
        "role": role.strip().lower(),
        "primary": _bool(r.get("primary"), "primary", default=False),
        "begin_date": _date(r.get("beginDate"), "beginDate"),
        "end_date": _date(r.get("endDate"), "endDate"),
    }


ROW_MAPPERS: dict[str, RowMapper] = {
    "organisation": org_row,
    "academic_session": session_row,
    "course": course_row,
    "class": class_row,
    "person": user_row,
    "enrollment": enrollment_row,
}


def is_deleted(r: Record) -> bool:
    """Is the record marked deleted ("tobedeleted"; 1.0 feeds said "inactive")?"""
    return _record_status(r) in vocab.DELETED_STATUSES


def _record_status(r: Record) -> str:
    return str(r.get("status") or "active").lower()


# -- value parsers: tolerant of what real feeds send, loud about what they cannot read -------------

_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f"})


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise FieldError(field, f"missing {field}")
    return value


def guid_ref(value: Any, field: str) -> str | None:
    """A GUIDRef {"href", "sourcedId", "type"} (or a bare id, as some feeds send) → the sourcedId."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        value = value.get("sourcedId")
    if isinstance(value, str | int) and str(value).strip():
        return str(value)
    raise FieldError(field, f"reference without a sourcedId: {value!r}")


def _refs(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    return [ref for ref in (guid_ref(v, field) for v in value) if ref is not None]


def _strings(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # CSV-minded feeds send "09,10"
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and str(v).strip()]
    raise FieldError(field, f"expected a list of strings, got {value!r}")


def _bool(value: Any, field: str, *, default: bool | None) -> bool | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldError(field, f"expected true or false, got {value!r}")


def _date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
        except ValueError:
            pass
    raise FieldError(field, f"not a date (YYYY-MM-DD): {value!r}")


def _datetime(value: Any, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            # A zone-less timestamp is taken as UTC, which is what OneRoster requires.
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise FieldError(field, f"not an ISO 8601 datetime: {value!r}")


def _year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise FieldError("schoolYear", f"not a year: {value!r}") from None


def _vocab(r: Record, field: str, table: dict[str, str]) -> str:
    value = r.get(field)
    kind = table.get(str(value).lower()) if isinstance(value, str) else None
    if kind is None:
        raise FieldError(field, f"unknown {field} {value!r}; expected one of {', '.join(table)}")
    return kind
