"""What differs between OneRoster 1.1 and 1.2 REST: base paths, scopes, and the fields each version's
records carry (so the adapter asks for exactly the fields it maps, with `fields=`)."""

from __future__ import annotations

from typing import Literal

Version = Literal["1.1", "1.2"]
VERSIONS: tuple[Version, ...] = ("1.2", "1.1")  # the order auto-detection tries them in

API_PATHS: dict[Version, str] = {
    "1.1": "/ims/oneroster/v1p1",
    "1.2": "/ims/oneroster/rostering/v1p2",
}

# OneRoster 1.2 OAuth 2 scopes (1EdTech Security Framework, client credentials).
SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
SCOPE_ROSTER = SCOPE_PREFIX + "roster.readonly"  # all rostering data, demographics included
SCOPE_ROSTER_CORE = (
    SCOPE_PREFIX + "roster-core.readonly"
)  # orgs, sessions, courses, classes, users, enrollments
SCOPE_DEMOGRAPHICS = SCOPE_PREFIX + "roster-demographics.readonly"
SCOPE_GRADEBOOK = SCOPE_PREFIX + "gradebook.readonly"  # categories, lineItems, results

# 1.2 splits the API into services with their own base paths; 1.1 serves everything from one.
GRADEBOOK_PATHS: dict[Version, str] = {
    "1.1": "/ims/oneroster/v1p1",
    "1.2": "/ims/oneroster/gradebook/v1p2",
}
GRADEBOOK_COLLECTIONS = frozenset({"categories", "lineItems", "results"})

# (endpoint, response key, canonical entity), in dependency order. Demographics are not a stream of
# their own: the users stream joins them onto users (see streams.py).
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("orgs", "orgs", "organisation"),
    ("academicSessions", "academicSessions", "academic_session"),
    ("courses", "courses", "course"),
    ("classes", "classes", "class"),
    ("users", "users", "person"),
    ("enrollments", "enrollments", "enrollment"),
)

_COMMON = ("sourcedId", "status", "dateLastModified")
_USER_11_12 = ("username", "enabledUser", "givenName", "middleName", "familyName", "identifier",
               "email", "sms", "phone", "agents", "grades")  # fmt: skip

_RACE_FLAGS = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
               "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
               "hispanicOrLatinoEthnicity")  # fmt: skip

# The fields mapping.py reads, per version. Asking for a field a version does not define makes a
# 1.1 server return whole records (spec §3.6), so the lists are exact per version.
FIELDS: dict[Version, dict[str, tuple[str, ...]]] = {
    "1.1": {
        "orgs": (*_COMMON, "name", "type", "identifier", "parent"),
        "academicSessions": (*_COMMON, "title", "type", "startDate", "endDate", "parent", "schoolYear"),
        "courses": (*_COMMON, "title", "courseCode", "schoolYear", "grades", "subjects", "org"),
        "classes": (
            *_COMMON,
            "title",
            "classCode",
            "classType",
            "location",
            "grades",
            "subjects",
            "course",
            "school",
            "terms",
            "periods",
        ),
        "users": (*_COMMON, *_USER_11_12, "role", "orgs"),
        "enrollments": (*_COMMON, "user", "class", "school", "role", "primary", "beginDate", "endDate"),
        "demographics": (*_COMMON, "birthDate", "sex", *_RACE_FLAGS, "countryOfBirthCode"),
        "categories": (*_COMMON, "title"),
        "lineItems": (*_COMMON, "title", "assignDate", "dueDate", "class", "category", "resultValueMax"),
        "results": (*_COMMON, "lineItem", "student", "scoreStatus", "score", "comment"),
    },
}
FIELDS["1.2"] = {
    **FIELDS["1.1"],
    "academicSessions": (*FIELDS["1.1"]["academicSessions"], "org"),
    "users": (*_COMMON, *_USER_11_12, "preferredFirstName", "roles", "primaryOrg"),
    "lineItems": (*FIELDS["1.1"]["lineItems"], "school"),
    "results": (*FIELDS["1.1"]["results"], "class", "textScore", "late", "missing"),
}
# Narrow reads that resolve what a gradebook record does not say itself (its school).
LOOKUP_FIELDS: dict[str, tuple[str, ...]] = {
    "classes": ("sourcedId", "school"),
    "lineItems": ("sourcedId", "class"),
}


def split_base_url(base_url: str) -> tuple[str, Version | None]:
    """A configured base URL → (server root, the version its path names, if it names one)."""
    root = base_url.rstrip("/")
    for version, path in API_PATHS.items():
        if root.endswith(path):
            return root[: -len(path)], version
    return root, None


def default_scopes(*, demographics: bool, gradebook: bool = False) -> tuple[str, ...]:
    """The narrowest scopes that cover what the adapter reads."""
    return (
        SCOPE_ROSTER_CORE,
        *((SCOPE_DEMOGRAPHICS,) if demographics else ()),
        *((SCOPE_GRADEBOOK,) if gradebook else ()),
    )


def collection_path(version: Version, collection: str) -> str:
    """The API path a collection is served under: 1.2 keeps the gradebook in its own service."""
    return (GRADEBOOK_PATHS if collection in GRADEBOOK_COLLECTIONS else API_PATHS)[version]
