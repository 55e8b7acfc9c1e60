"""OneRoster vocabularies and how they map to canonical values. Shared by the REST and CSV bindings."""

from __future__ import annotations

# OneRoster user role → (canonical person role, data type that scopes it).
# 1.1 roles: administrator, aide, guardian, parent, proctor, relative, student, teacher.
# 1.2 adds districtAdministrator, siteAdministrator, systemAdministrator, principal, counselor.
PERSON_ROLES: dict[str, str] = {
    "student": "student",
    "teacher": "staff",
    "aide": "staff",
    "administrator": "staff",
    "proctor": "staff",
    "districtadministrator": "staff",
    "siteadministrator": "staff",
    "systemadministrator": "staff",
    "principal": "staff",
    "counselor": "staff",
    "parent": "contact",
    "guardian": "contact",
    "relative": "contact",
}

# OneRoster org type → canonical organisation kind.
ORG_KINDS: dict[str, str] = {
    "district": "district",
    "school": "school",
    "local": "other",
    "state": "other",
    "national": "other",
    "department": "other",
}

# OneRoster academic session type → canonical kind.
SESSION_KINDS: dict[str, str] = {
    "schoolyear": "school_year",
    "semester": "semester",
    "term": "term",
    "gradingperiod": "grading_period",
}

# OneRoster class type → canonical kind.
CLASS_KINDS: dict[str, str] = {"scheduled": "scheduled", "homeroom": "homeroom"}

# Enrollment roles are kept as sent (lower-cased): student, teacher, aide, administrator, proctor …

# The other way, canonical → OneRoster, for the simulator (and any writer): the spelling 1.1 uses.
ORG_TYPES: dict[str, str] = {"district": "district", "school": "school", "trust": "local", "other": "local"}
SESSION_TYPES: dict[str, str] = {
    "school_year": "schoolYear",
    "semester": "semester",
    "term": "term",
    "quarter": "term",  # 1.1 has no quarter
    "grading_period": "gradingPeriod",
}
CLASS_TYPES: dict[str, str] = {"scheduled": "scheduled", "homeroom": "homeroom", "registration": "homeroom"}

# Record status: 1.1 marks deletions "tobedeleted"; 1.0 feeds said "inactive".
ACTIVE_STATUSES = frozenset({"active"})
DELETED_STATUSES = frozenset({"tobedeleted", "inactive"})
