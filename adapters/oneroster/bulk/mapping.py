"""Each OneRoster CSV file mapped to one canonical entity, as polars expressions over the string
columns `reader.read_file` produces (users also carry `_role*` from roles.csv and `_demo*` from
demographics.csv, joined by `load.load_file`). References keep the SOURCE ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from adapters.oneroster import vocab
from adapters.oneroster.bulk.headers import is_extension
from adapters.oneroster.bulk.parse import first_item, to_bool, to_date, to_datetime, to_int, to_list, to_vocab
from adapters.oneroster.bulk.reader import ROW
from adapters.oneroster.bulk.validate import TYPED, Check, invalid, required, split_rejects, typed
from adapters.oneroster.vocab import CLASS_KINDS, ORG_KINDS, PERSON_ROLES, SCORE_STATUSES, SESSION_KINDS
from adapters.sdk import Reject
from hub.canonical import (
    ACADEMIC_SESSION,
    ASSIGNMENT,
    ASSIGNMENT_RESULT,
    CLASS,
    COURSE,
    DEMOGRAPHICS,
    ENROLLMENT,
    ORGANISATION,
    PERSON,
    EntitySpec,
)

FIRST_ROW = "_first_row"  # row of the first record with the same sourcedId (set over the whole file)
CUSTOM_FIELDS_SCHEMA = {
    "entity": pl.String,
    "source_record_id": pl.String,
    "key": pl.String,
    "value": pl.String,
}

# OneRoster role names as the spec spells them, so role_detail reads `districtAdministrator`
# whatever case the file used.
ROLE_NAMES = {
    name.lower(): name
    for name in (
        "administrator",
        "aide",
        "guardian",
        "parent",
        "proctor",
        "relative",
        "student",
        "teacher",
        "districtAdministrator",
        "siteAdministrator",
        "systemAdministrator",
        "principal",
    )
}
_STATUSES = {"active": "active", "inactive": "inactive", "tobedeleted": "tobedeleted"}
RECORD_STATUS = "_record_status"  # the row's status column, typed (results have a canonical `status`)


@dataclass(frozen=True)
class FileMapping:
    file: str
    entity: EntitySpec
    school_id: pl.Expr
    fields: dict[str, pl.Expr]  # canonical field → expression over the file's columns
    checks: tuple[Check, ...] = ()
    modified: pl.Expr | None = None  # source_updated_at, when more than the row's dateLastModified


@dataclass
class MappedFrame:
    frame: pl.DataFrame
    rejects: list[Reject]
    deleted_ids: list[str]
    custom_fields: pl.DataFrame  # long: entity, source_record_id, key, value


def _col(name: str) -> pl.Expr:
    return pl.col(name)


# -- the files ------------------------------------------------------------------------------------
ORGS = FileMapping(
    "orgs",
    ORGANISATION,
    # A school is its own school; districts and other orgs sit above schools.
    school_id=pl.when(to_vocab(_col("type"), ORG_KINDS) == "school").then(_col("sourcedId")),
    fields={
        "kind": to_vocab(_col("type"), ORG_KINDS),
        "name": _col("name"),
        "identifier": _col("identifier"),
        "parent_id": _col("parentSourcedId"),
    },
    checks=(required("type"), invalid("type", "kind", "unknown org type")),
)

ACADEMIC_SESSIONS = FileMapping(
    "academicSessions",
    ACADEMIC_SESSION,
    school_id=pl.lit(None, dtype=pl.String),  # sessions carry no org in the CSV binding
    fields={
        "kind": to_vocab(_col("type"), SESSION_KINDS),
        "title": _col("title"),
        "start_date": to_date(_col("startDate")),
        "end_date": to_date(_col("endDate")),
        "parent_id": _col("parentSourcedId"),
        "school_year": to_int(_col("schoolYear")),
    },
    checks=(
        required("type"),
        invalid("type", "kind", "unknown session type"),
        invalid("startDate", "start_date", "unparseable date"),
        invalid("endDate", "end_date", "unparseable date"),
        invalid("schoolYear", "school_year", "unparseable year"),
    ),
)

COURSES = FileMapping(
    "courses",
    COURSE,
    school_id=_col("orgSourcedId"),
    fields={
        "title": _col("title"),
        "code": _col("courseCode"),
        "school_year_id": _col("schoolYearSourcedId"),
        "grades": to_list(_col("grades")),
        "subjects": to_list(_col("subjects")),
    },
)

CLASSES = FileMapping(
    "classes",
    CLASS,
    school_id=_col("schoolSourcedId"),
    fields={
        "title": _col("title"),
        "code": _col("classCode"),
        "kind": to_vocab(_col("classType"), CLASS_KINDS),
        "course_id": _col("courseSourcedId"),
        "session_ids": to_list(_col("termSourcedIds")),
        "room": _col("location"),
        "periods": to_list(_col("periods")),
        "grades": to_list(_col("grades")),
        "subjects": to_list(_col("subjects")),
    },
    checks=(
        required("classType"),
        invalid("classType", "kind", "unknown class type"),
    ),
)

# users.csv names a role itself (1.0/1.1) or leaves it to roles.csv (1.2, joined as `_role`).
_ROLE = pl.coalesce(_col("role"), _col("_role"))
USERS = FileMapping(
    "users",
    PERSON,
    school_id=pl.coalesce(_col("primaryOrgSourcedId"), _col("_role_org"), first_item(_col("orgSourcedIds"))),
    fields={
        "role": to_vocab(_ROLE, PERSON_ROLES),
        "role_detail": to_vocab(_ROLE, ROLE_NAMES),
        "given_name": _col("givenName"),
        "middle_name": _col("middleName"),
        "family_name": _col("familyName"),
        "preferred_name": _col("preferredGivenName"),
        "username": _col("username"),
        "email": _col("email"),
        "phone": _col("phone"),
        "sms": _col("sms"),
        "identifier": _col("identifier"),
        "grades": to_list(_col("grades")),
        "enabled": to_bool(_col("enabledUser")),
        "date_of_birth": to_date(_col("_birthDate")),
        "gender": _col("_sex").str.to_lowercase(),
        "agent_ids": to_list(_col("agentSourcedIds")),
    },
    checks=(
        Check("role", _ROLE.is_null(), pl.lit("missing role")),
        invalid("role", "role", "unknown role"),
        Check(
            "role",
            _col("role").is_null() & _col("_role").is_not_null() & typed("role").is_null(),
            pl.format("unknown role '{}'", _col("_role")),
            file="roles",
            row="_role_row",
        ),
        invalid("enabledUser", "enabled", "unknown boolean"),
        Check(
            "birthDate",
            _col("_birthDate").is_not_null() & typed("date_of_birth").is_null(),
            pl.format("unparseable date '{}'", _col("_birthDate")),
            file="demographics",
            row="_demo_row",
        ),
    ),
)

ENROLLMENTS = FileMapping(
    "enrollments",
    ENROLLMENT,
    school_id=_col("schoolSourcedId"),
    fields={
        "person_id": _col("userSourcedId"),
        "class_id": _col("classSourcedId"),
        "role": _col("role").str.to_lowercase(),  # kept as sent: student, teacher, aide, proctor …
        "primary": to_bool(_col("primary")),
        "begin_date": to_date(_col("beginDate")),
        "end_date": to_date(_col("endDate")),
    },
    checks=(
        required("userSourcedId"),
        required("classSourcedId"),
        required("role"),
        invalid("primary", "primary", "unknown boolean"),
        invalid("beginDate", "begin_date", "unparseable date"),
        invalid("endDate", "end_date", "unparseable date"),
    ),
)


def _number(column: str) -> pl.Expr:
    return _col(column).cast(pl.Float64, strict=False)


def _not_in(column: str, other_file: str, consequence: str = "") -> pl.Expr:
    return pl.format(
        f"{column.removesuffix('SourcedId')} '{{}}' is not in {other_file}.csv{consequence}", _col(column)
    )


def _bool_check(column: str) -> Check:
    """A boolean column that is not read as a field, only tested (the result and race flags)."""
    return Check(
        column,
        _col(column).is_not_null() & to_bool(_col(column)).is_null(),
        pl.format("unknown boolean '{}'", _col(column)),
    )


_OWN_MODIFIED = to_datetime(_col("dateLastModified"))
LINE_ITEMS = FileMapping(
    "lineItems",
    ASSIGNMENT,
    # 1.2 names the school; 1.1 only the class, whose school comes from classes.csv.
    school_id=pl.coalesce(_col("schoolSourcedId"), _col("_class_school")),
    fields={
        "class_id": _col("classSourcedId"),
        "title": _col("title"),
        "category": _col("_category_title"),
        "assigned_date": to_date(_col("assignDate")),
        "due_date": to_date(_col("dueDate")),
        "max_score": _number("resultValueMax"),
    },
    checks=(
        required("classSourcedId"),
        Check(
            "categorySourcedId",
            _col("categorySourcedId").is_not_null() & _col("_category_found").is_null(),
            _not_in("categorySourcedId", "categories"),
        ),
        Check(
            "classSourcedId",
            typed("school_id").is_null(),
            _not_in("classSourcedId", "classes", ", so the school is unknown"),
        ),
        invalid("assignDate", "assigned_date", "unparseable date"),
        invalid("dueDate", "due_date", "unparseable date"),
        invalid("resultValueMax", "max_score", "not a number"),
    ),
    # A renamed category changes its line items: the later of the two stamps is theirs.
    modified=pl.when(_OWN_MODIFIED.is_not_null()).then(
        pl.max_horizontal(_OWN_MODIFIED, to_datetime(_col("_category_modified")))
    ),
)

_SCORE_STATUS = to_vocab(_col("scoreStatus"), SCORE_STATUSES)
RESULTS = FileMapping(
    "results",
    ASSIGNMENT_RESULT,
    # The class's school, else (1.2, classes.csv not in the set) the school its line item names.
    school_id=pl.coalesce(_col("_class_school"), _col("_item_school")),
    fields={
        "assignment_id": _col("lineItemSourcedId"),
        "student_id": _col("studentSourcedId"),
        "score": _number("score"),
        # 1.2's flags say more than scoreStatus can: a late result is still "fully graded".
        "status": pl.when(to_bool(_col("missing")))
        .then(pl.lit("missing"))
        .when((_SCORE_STATUS == "graded") & to_bool(_col("late")))
        .then(pl.lit("late"))
        .otherwise(_SCORE_STATUS),
        "letter": _col("textScore"),
        "comment": _col("comment"),
    },
    checks=(
        required("lineItemSourcedId"),
        required("studentSourcedId"),
        Check(
            "lineItemSourcedId",
            _col("classSourcedId").is_null() & _col("_item_class").is_null(),
            _not_in("lineItemSourcedId", "lineItems", ", so its class is unknown"),
        ),
        Check(
            "classSourcedId",
            typed("school_id").is_null(),
            pl.format(
                "class '{}' is not in classes.csv, so the school is unknown",
                pl.coalesce(_col("classSourcedId"), _col("_item_class")),
            ),
        ),
        Check(
            "scoreStatus",
            _col("scoreStatus").is_not_null() & _SCORE_STATUS.is_null(),
            pl.format("unknown scoreStatus '{}'", _col("scoreStatus")),
        ),
        invalid("score", "score", "not a number"),
        _bool_check("late"),
        _bool_check("missing"),
    ),
)


def _ethnicity() -> pl.Expr:
    """The race and ethnicity flags as one label, by the rule of `vocab.ethnicity`."""
    race = {flag: to_bool(_col(flag)).fill_null(False) for flag in vocab.RACE_FLAGS}
    races = pl.sum_horizontal(*(f.cast(pl.Int32) for f in race.values()))
    label: pl.Expr = pl.lit(None, dtype=pl.String)
    for flag, value in reversed(race.items()):  # built inside out: the first rule that holds wins
        label = pl.when(value).then(pl.lit(vocab.RACE_FLAGS[flag])).otherwise(label)
    several = to_bool(_col("demographicRaceTwoOrMoreRaces")).fill_null(False) | (races > 1)
    label = pl.when(several).then(pl.lit(vocab.TWO_OR_MORE_RACES)).otherwise(label)
    hispanic = to_bool(_col("hispanicOrLatinoEthnicity")).fill_null(False)
    return pl.when(hispanic).then(pl.lit(vocab.HISPANIC)).otherwise(label)


DEMOGRAPHICS_FILE = FileMapping(
    "demographics",
    DEMOGRAPHICS,
    school_id=_col("_user_school"),  # its user's, joined by load.load_file
    fields={
        "person_id": _col("sourcedId"),
        "sex": to_vocab(_col("sex"), vocab.DEMOGRAPHIC_SEX),
        "ethnicity": _ethnicity(),
        "country_of_birth": _col("countryOfBirthCode"),
        # No OneRoster column: language and the programme flags.
        "language": pl.lit(None, dtype=pl.String),
        "english_learner": pl.lit(None, dtype=pl.Boolean),
        "free_reduced_lunch": pl.lit(None, dtype=pl.Boolean),
        "special_needs": pl.lit(None, dtype=pl.Boolean),
    },
    checks=(
        Check(
            "sourcedId",
            _col("_user_school").is_null(),
            pl.format(
                "user '{}' is not in users.csv (or has no org), so the school is unknown", _col("sourcedId")
            ),
        ),
        invalid("sex", "sex", "unknown sex"),
        *(_bool_check(flag) for flag in vocab.ETHNICITY_FLAGS.values()),
    ),
)

MAPPINGS: dict[str, FileMapping] = {
    m.file: m
    for m in (
        ORGS,
        ACADEMIC_SESSIONS,
        COURSES,
        CLASSES,
        USERS,
        DEMOGRAPHICS_FILE,
        ENROLLMENTS,
        LINE_ITEMS,
        RESULTS,
    )
}


# -- the one pipeline every file goes through --------------------------------------------------------
def _common_checks() -> list[Check]:
    return [
        required("sourcedId"),
        Check(
            "sourcedId",
            _col(FIRST_ROW) != _col(ROW),
            pl.format("duplicate sourcedId (first at row {})", _col(FIRST_ROW)),
        ),
        invalid("status", RECORD_STATUS, "unknown status"),
        invalid("dateLastModified", "source_updated_at", "unparseable dateLastModified"),
    ]


def with_first_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Mark duplicates; done over the whole file, before it is cut into pages."""
    ids = frame["sourcedId"]
    if ids.n_unique() == ids.len():  # the usual case, and cheaper than grouping every row
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias(FIRST_ROW))
    return frame.with_columns(_col(ROW).min().over("sourcedId").alias(FIRST_ROW))


def map_frame(frame: pl.DataFrame, mapping: FileMapping) -> MappedFrame:
    """Map rows of `<mapping.file>.csv` (strings, as read) to the canonical frame of its entity."""
    if FIRST_ROW not in frame.columns:
        frame = with_first_rows(frame)
    # An empty status is "active": fill_null, or `~deleting` would drop the row with the null.
    status = _col("status").str.to_lowercase().fill_null("active")
    deleting = (status == "tobedeleted") & _col("sourcedId").is_not_null()
    deleted_ids = frame.filter(deleting)["sourcedId"].to_list()
    schema = mapping.entity.polars_schema()
    exprs = {
        "source_record_id": _col("sourcedId"),
        "school_id": mapping.school_id,
        "source_updated_at": _OWN_MODIFIED if mapping.modified is None else mapping.modified,
        **mapping.fields,
        RECORD_STATUS: to_vocab(_col("status"), _STATUSES),
    }
    # Type every field once; the checks then read the typed columns.
    live = frame.filter(~deleting).with_columns(expr.alias(TYPED + name) for name, expr in exprs.items())
    good, rejects = split_rejects(live, [*_common_checks(), *mapping.checks], mapping.file)
    canonical = good.select(typed(name).cast(dtype).alias(name) for name, dtype in schema.items())
    return MappedFrame(canonical, rejects, deleted_ids, _custom_fields(good, mapping.entity.name))


def _custom_fields(frame: pl.DataFrame, entity: str) -> pl.DataFrame:
    """metadata.* / ext_* cells as (entity, source_record_id, key, value) rows; empty cells dropped."""
    extensions = [c for c in frame.columns if is_extension(c)]
    if not extensions or frame.is_empty():
        return pl.DataFrame(schema=CUSTOM_FIELDS_SCHEMA)
    return (
        frame.select(pl.col("sourcedId").alias("source_record_id"), *extensions)
        .unpivot(index="source_record_id", variable_name="key", value_name="value")
        .drop_nulls("value")
        .select(pl.lit(entity).alias("entity"), "source_record_id", "key", "value")
    )
