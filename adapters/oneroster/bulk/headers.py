"""The columns of each OneRoster CSV file per version, and how a file's header row is resolved.

Resolution maps every header the file sends to a known (1.1/1.2) column name:
exact match → kept; 1.0-era name → renamed (`userId` → `userIds`); differs only in case, or is
within a small edit distance of exactly ONE known column the file lacks → renamed and reported;
`metadata.*` / `ext_*` → kept as an extension (custom field). Anything else rejects the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.sdk import SourceContractError

_STATUS = ("sourcedId", "status", "dateLastModified")

# Columns as the 1.1 CSV binding orders them (the writer uses this order).
COLUMNS_11: dict[str, tuple[str, ...]] = {
    "orgs": (*_STATUS, "name", "type", "identifier", "parentSourcedId"),
    "academicSessions": (*_STATUS, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "courses": (
        *_STATUS,
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
    ),
    "classes": (
        *_STATUS,
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
    ),
    "users": (
        *_STATUS,
        "enabledUser",
        "orgSourcedIds",
        "role",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
    ),
    "enrollments": (
        *_STATUS,
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
    "demographics": (
        *_STATUS,
        "birthDate",
        "sex",
        "americanIndianOrAlaskaNative",
        "asian",
        "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander",
        "white",
        "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity",
        "countryOfBirthCode",
        "stateOfBirthAbbreviation",
        "cityOfBirth",
        "publicSchoolResidenceStatus",
    ),
    "categories": (*_STATUS, "title"),
    "lineItems": (
        *_STATUS,
        "title",
        "description",
        "assignDate",
        "dueDate",
        "classSourcedId",
        "categorySourcedId",
        "gradingPeriodSourcedId",
        "resultValueMin",
        "resultValueMax",
    ),
    "results": (
        *_STATUS,
        "lineItemSourcedId",
        "studentSourcedId",
        "scoreStatus",
        "score",
        "scoreDate",
        "comment",
    ),
}

# 1.2 moves a user's role and orgs into roles.csv and adds preferred names.
COLUMNS_12: dict[str, tuple[str, ...]] = {
    **COLUMNS_11,
    "users": (
        *_STATUS,
        "enabledUser",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
        "userMasterIdentifier",
        "resourceSourcedIds",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ),
    "roles": (
        *_STATUS,
        "userSourcedId",
        "roleType",
        "role",
        "beginDate",
        "endDate",
        "orgSourcedId",
        "userProfileSourcedId",
    ),
    # 1.2's gradebook: categories gain a weight; a line item names its school and its academic
    # session (1.1's gradingPeriodSourcedId, renamed) and may use a score scale; a result names
    # its class, may carry a text score, and says whether it was late or is missing.
    "categories": (*_STATUS, "title", "weight"),
    "lineItems": (
        *_STATUS,
        "title",
        "description",
        "assignDate",
        "dueDate",
        "classSourcedId",
        "categorySourcedId",
        "academicSessionSourcedId",
        "schoolSourcedId",
        "scoreScaleSourcedId",
        "resultValueMin",
        "resultValueMax",
    ),
    "results": (
        *_STATUS,
        "lineItemSourcedId",
        "studentSourcedId",
        "classSourcedId",
        "scoreScaleSourcedId",
        "scoreStatus",
        "score",
        "textScore",
        "scoreDate",
        "comment",
        "inProgress",
        "incomplete",
        "late",
        "missing",
    ),
}

# 1.0 (no manifest, fewer columns, some singular names).
COLUMNS_10: dict[str, tuple[str, ...]] = {
    "orgs": (
        *_STATUS,
        "name",
        "type",
        "identifier",
        "metadata.classification",
        "metadata.gender",
        "metadata.boarding",
        "parentSourcedId",
    ),
    "academicSessions": (*_STATUS, "title", "type", "startDate", "endDate", "parentSourcedId"),
    "courses": (*_STATUS, "schoolYearId", "title", "courseCode", "grade", "orgSourcedId", "subjects"),
    "classes": (
        *_STATUS,
        "title",
        "grade",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedId",
        "subjects",
    ),
    "users": (
        *_STATUS,
        "orgSourcedIds",
        "role",
        "username",
        "userId",
        "givenName",
        "familyName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agents",
    ),
    "enrollments": (*_STATUS, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary"),
    "demographics": (*_STATUS, "birthdate", "sex", *COLUMNS_11["demographics"][5:]),
}

COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {"1.0": COLUMNS_10, "1.1": COLUMNS_11, "1.2": COLUMNS_12}

# 1.0 column name → the 1.1 name it became.
ALIASES_10: dict[str, dict[str, str]] = {
    "courses": {"schoolYearId": "schoolYearSourcedId", "grade": "grades"},
    "classes": {"grade": "grades", "termSourcedId": "termSourcedIds"},
    "users": {"userId": "userIds", "agents": "agentSourcedIds"},
    "demographics": {"birthdate": "birthDate"},
}

# Without these a file cannot be mapped at all.
REQUIRED: dict[str, tuple[str, ...]] = {
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type", "startDate", "endDate"),
    "courses": ("sourcedId", "title", "orgSourcedId"),
    "classes": ("sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId"),
    "users": ("sourcedId", "givenName", "familyName"),
    "enrollments": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
    "demographics": ("sourcedId",),
    "roles": ("userSourcedId", "role"),
    "categories": ("sourcedId", "title"),
    "lineItems": ("sourcedId", "classSourcedId"),
    "results": ("sourcedId", "lineItemSourcedId", "studentSourcedId"),
}

EXTENSION_PREFIXES = ("metadata.", "ext_")
ALIAS_10 = "1.0 column name"


def known_columns(file: str) -> tuple[str, ...]:
    """Every 1.1/1.2 column name a file may carry, in 1.1 order then the 1.2 additions."""
    names = [*COLUMNS_11.get(file, ()), *COLUMNS_12.get(file, ())]
    return tuple(dict.fromkeys(names))


def is_extension(header: str) -> bool:
    return header.lower().startswith(EXTENSION_PREFIXES)


@dataclass(frozen=True)
class HeaderFix:
    """A header that was not spelt as the spec spells it, and what it was taken to mean."""

    file: str
    header: str
    column: str
    reason: str  # "1.0 column name", "case differs", "misspelt (edit distance 1)"

    def __str__(self) -> str:
        return f"{self.file}.csv: header {self.header!r} read as {self.column!r} ({self.reason})"


@dataclass(frozen=True)
class Headers:
    """How one file's header row maps onto known columns."""

    file: str
    renames: dict[str, str]  # as sent → known column, for every non-extension header
    extensions: tuple[str, ...]  # metadata.* / ext_* headers, as sent
    fixes: tuple[HeaderFix, ...] = field(default=())


class HeaderError(SourceContractError):
    """A header row this binding cannot read; the message names the file and the header."""


def resolve_headers(file: str, headers: list[str]) -> Headers:
    """Map `headers` (as sent, BOM and spaces already stripped) of `<file>.csv` onto known columns."""
    known = known_columns(file)
    known_lower = {k.lower(): k for k in known}
    aliases = {a.lower(): c for a, c in ALIASES_10.get(file, {}).items()}
    renames: dict[str, str] = {}
    extensions: list[str] = []
    fixes: list[HeaderFix] = []
    unresolved: list[str] = []
    for header in headers:
        if header in known:
            renames[header] = header
        elif is_extension(header):
            extensions.append(header)
        elif header.lower() in aliases:
            renames[header] = aliases[header.lower()]
            fixes.append(HeaderFix(file, header, renames[header], ALIAS_10))
        elif header.lower() in known_lower:
            renames[header] = known_lower[header.lower()]
            fixes.append(HeaderFix(file, header, renames[header], "case differs"))
        else:
            unresolved.append(header)
    taken = set(renames.values())
    for header in unresolved:
        column, distance = _closest(header, [k for k in known if k not in taken], file)
        renames[header] = column
        taken.add(column)
        fixes.append(HeaderFix(file, header, column, f"misspelt (edit distance {distance})"))
    duplicated = sorted({c for c in renames.values() if list(renames.values()).count(c) > 1})
    if duplicated:
        raise HeaderError(f"{file}.csv: more than one header reads as {', '.join(duplicated)}")
    missing = [c for c in REQUIRED.get(file, ()) if c not in taken]
    if missing:
        raise HeaderError(f"{file}.csv: required column(s) missing: {', '.join(missing)}")
    return Headers(file, renames, tuple(extensions), tuple(fixes))


def _closest(header: str, candidates: list[str], file: str) -> tuple[str, int]:
    """The one candidate within a small edit distance of `header`, or a HeaderError saying why not."""
    scored = [(_distance(header.lower(), c.lower()), c) for c in candidates]
    near = sorted((d, c) for d, c in scored if d <= _max_distance(c))
    if not near:
        raise HeaderError(
            f"{file}.csv: unknown header {header!r} (not a OneRoster column; "
            "extension columns must start with 'metadata.' or 'ext_')"
        )
    if len(near) > 1:
        names = " or ".join(repr(c) for _, c in near)
        raise HeaderError(f"{file}.csv: header {header!r} is ambiguous: it could be {names}")
    return near[0][1], near[0][0]


def _max_distance(column: str) -> int:
    # One typo in a short name ("rol" for "role") is plausible; two would match unrelated names.
    return 1 if len(column) <= 5 else 2


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (headers are short, so the plain dynamic programme is enough)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
