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

# Result scoreStatus → canonical assignment_result status. 1.2's `late` / `missing` flags override
# it (see gradebook_mapping.py); 1.1 has no way to say "late", so a late result reads as graded.
SCORE_STATUSES: dict[str, str] = {
    "fully graded": "graded",
    "partially graded": "not_graded",
    "submitted": "not_graded",
    "not submitted": "missing",
    "exempt": "exempt",
}
# The other way, for the simulator: canonical status → scoreStatus.
SCORE_STATUS_NAMES: dict[str, str] = {
    "graded": "fully graded",
    "late": "fully graded",
    "pass": "fully graded",
    "fail": "fully graded",
    "missing": "not submitted",
    "exempt": "exempt",
    "not_graded": "submitted",
}

# Demographics race flags → the canonical ethnicity label (US federal reporting categories).
# Hispanic or Latino is reported first whatever the race flags say; more than one race, or the
# "two or more races" flag, is "Two or more races".
HISPANIC = "Hispanic or Latino"
TWO_OR_MORE_RACES = "Two or more races"
RACE_FLAGS: dict[str, str] = {
    "americanIndianOrAlaskaNative": "American Indian or Alaska Native",
    "asian": "Asian",
    "blackOrAfricanAmerican": "Black or African American",
    "nativeHawaiianOrOtherPacificIslander": "Native Hawaiian or Other Pacific Islander",
    "white": "White",
}
ETHNICITY_FLAGS: dict[str, str] = {
    **{label: flag for flag, label in RACE_FLAGS.items()},
    HISPANIC: "hispanicOrLatinoEthnicity",
    TWO_OR_MORE_RACES: "demographicRaceTwoOrMoreRaces",
}
# OneRoster sex → canonical demographics sex (female, male, other, unknown).
DEMOGRAPHIC_SEX: dict[str, str] = {
    "female": "female",
    "male": "male",
    "other": "other",
    "unspecified": "unknown",
}


def ethnicity(flags: dict[str, bool | None]) -> str | None:
    """The canonical label for a record's flags (flag name → value); None when none is set."""
    if flags.get("hispanicOrLatinoEthnicity"):
        return HISPANIC
    races = [label for flag, label in RACE_FLAGS.items() if flags.get(flag)]
    if flags.get("demographicRaceTwoOrMoreRaces") or len(races) > 1:
        return TWO_OR_MORE_RACES
    return races[0] if races else None
