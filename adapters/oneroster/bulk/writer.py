"""The simulator side: render a synthetic district as a OneRoster CSV bulk set (1.0, 1.1 or 1.2).

Columns are built with polars expressions under their 1.1 names, renamed to 1.0 names where 1.0
differs, then laid out in the version's column order (a column the version lacks is dropped, one
the district cannot fill is left empty). 1.0 had no manifest.csv; one is written anyway, saying 1.0.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl

from adapters.oneroster.bulk.headers import ALIASES_10, COLUMNS
from adapters.oneroster.bulk.manifest import Version
from adapters.oneroster.sim_render import categories_of
from adapters.oneroster.vocab import ETHNICITY_FLAGS, SCORE_STATUS_NAMES
from hub.synthetic import SyntheticDistrict

_ORG_TYPES = {"district": "district", "school": "school", "trust": "district", "other": "local"}
_SESSION_TYPES = {
    "school_year": "schoolYear",
    "semester": "semester",
    "term": "term",
    "quarter": "term",
    "grading_period": "gradingPeriod",
}
_CLASS_TYPES = {"scheduled": "scheduled", "homeroom": "homeroom", "registration": "homeroom"}
_MANIFEST_FILES = (
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItems",
    "orgs",
    "resources",
    "results",
    "roles",
    "users",
)


def write_bulk(
    district: SyntheticDistrict,
    dest: Path,
    *,
    version: Version = "1.1",
    zip: bool = True,
) -> Path:
    """Write the set to `dest` (a .zip file when `zip`, else a folder) and return `dest`."""
    frames = render(district, version)
    files = {"manifest.csv": _manifest(version, set(frames))} | {
        f"{name}.csv": _csv(frame) for name, frame in frames.items()
    }
    if zip:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
    else:
        dest.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (dest / name).write_bytes(data)
    return dest


def render(district: SyntheticDistrict, version: Version) -> dict[str, pl.DataFrame]:
    """Each file of the set as a frame of strings, columns in the version's order."""
    f = district.frames
    people = f["person"]
    built = {
        "orgs": _orgs(f["organisation"]),
        "academicSessions": _sessions(f["academic_session"]),
        "courses": _courses(f["course"]),
        "classes": _classes(f["class"]),
        "users": _users(people),
        "demographics": _demographics(people, f["demographics"]),
        "enrollments": _enrollments(f["enrollment"]),
    }
    if version == "1.2":
        built["roles"] = _roles(people)
    if version != "1.0" and f["assignment"].height:  # 1.0 had no gradebook files
        built["categories"] = _categories(f["assignment"])
        built["lineItems"] = _line_items(f["assignment"])
        built["results"] = _results(f["assignment_result"], f["assignment"])
    columns = COLUMNS[version]
    return {
        name: _layout(frame, columns[name], ALIASES_10.get(name, {}) if version == "1.0" else {})
        for name, frame in built.items()
    }


def _layout(frame: pl.DataFrame, columns: tuple[str, ...], aliases: dict[str, str]) -> pl.DataFrame:
    renamed = frame.rename({new: old for old, new in aliases.items() if new in frame.columns})
    return renamed.select(
        pl.col(c) if c in renamed.columns else pl.lit(None, dtype=pl.String).alias(c) for c in columns
    )


_MODIFIED = pl.col("source_updated_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").alias("dateLastModified")
_IDENTITY = (pl.col("source_record_id").alias("sourcedId"), pl.lit("active").alias("status"), _MODIFIED)


def _date(name: str) -> pl.Expr:
    return pl.col(name).dt.strftime("%Y-%m-%d")


def _joined(name: str) -> pl.Expr:
    return pl.col(name).list.join(",")


def _bool(name: str) -> pl.Expr:
    return pl.when(pl.col(name)).then(pl.lit("true")).when(pl.col(name).not_()).then(pl.lit("false"))


def _orgs(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *_IDENTITY,
        pl.col("name"),
        pl.col("kind").replace_strict(_ORG_TYPES, default="local").alias("type"),
        pl.col("identifier"),
        pl.col("parent_id").alias("parentSourcedId"),
    )


def _sessions(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *_IDENTITY,
        pl.col("title"),
        pl.col("kind").replace_strict(_SESSION_TYPES, default="term").alias("type"),
        _date("start_date").alias("startDate"),
        _date("end_date").alias("endDate"),
        pl.col("parent_id").alias("parentSourcedId"),
        pl.col("school_year").cast(pl.String).alias("schoolYear"),
    )


def _courses(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *_IDENTITY,
        pl.col("school_year_id").alias("schoolYearSourcedId"),
        pl.col("title"),
        pl.col("code").alias("courseCode"),
        _joined("grades").alias("grades"),
        pl.col("school_id").alias("orgSourcedId"),
        _joined("subjects").alias("subjects"),
    )


def _classes(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *_IDENTITY,
        pl.col("title"),
        _joined("grades").alias("grades"),
        pl.col("course_id").alias("courseSourcedId"),
        pl.col("code").alias("classCode"),
        pl.col("kind").replace_strict(_CLASS_TYPES, default="scheduled").alias("classType"),
        pl.col("room").alias("location"),
        pl.col("school_id").alias("schoolSourcedId"),
        _joined("session_ids").alias("termSourcedIds"),
        _joined("subjects").alias("subjects"),
        _joined("periods").alias("periods"),
    )


def _users(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *_IDENTITY,
        _bool("enabled").alias("enabledUser"),
        pl.col("school_id").alias("orgSourcedIds"),
        pl.col("role_detail").alias("role"),
        pl.col("username"),
        pl.col("given_name").alias("givenName"),
        pl.col("family_name").alias("familyName"),
        pl.col("middle_name").alias("middleName"),
        pl.col("identifier"),
        pl.col("email"),
        pl.col("sms"),
        pl.col("phone"),
        _joined("agent_ids").alias("agentSourcedIds"),
        _joined("grades").alias("grades"),
        pl.col("preferred_name").alias("preferredGivenName"),
        pl.col("school_id").alias("primaryOrgSourcedId"),
    )


def _roles(people: pl.DataFrame) -> pl.DataFrame:
    """1.2: one primary role per person, at the person's school."""
    return people.select(
        (pl.lit("role-") + pl.col("source_record_id")).alias("sourcedId"),
        pl.lit("active").alias("status"),
        _MODIFIED,
        pl.col("source_record_id").alias("userSourcedId"),
        pl.lit("primary").alias("roleType"),
        pl.col("role_detail").alias("role"),
        pl.col("school_id").alias("orgSourcedId"),
    )


def _demographics(people: pl.DataFrame, details: pl.DataFrame) -> pl.DataFrame:
    """Birth date and sex from the person; the race flags, country of birth and the record's stamp
    from the demographics entity, when the district has one."""
    known = people.filter(pl.col("date_of_birth").is_not_null() | pl.col("gender").is_not_null())
    joined = known.join(
        details.select(
            "source_record_id", "ethnicity", "country_of_birth", pl.col("source_updated_at").alias("_at")
        ),
        on="source_record_id",
        how="left",
        maintain_order="left",
    ).with_columns(source_updated_at=pl.coalesce("_at", "source_updated_at"))
    described = pl.col("ethnicity").is_not_null()
    flags = [
        pl.when(described).then(_bool_of(pl.col("ethnicity") == label)).alias(flag)
        for label, flag in ETHNICITY_FLAGS.items()
    ]
    return joined.select(
        *_IDENTITY,
        _date("date_of_birth").alias("birthDate"),
        pl.col("gender").alias("sex"),
        *flags,
        pl.col("country_of_birth").alias("countryOfBirthCode"),
    )


def _enrollments(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        *_IDENTITY,
        pl.col("class_id").alias("classSourcedId"),
        pl.col("school_id").alias("schoolSourcedId"),
        pl.col("person_id").alias("userSourcedId"),
        pl.col("role"),
        _bool("primary").alias("primary"),
        _date("begin_date").alias("beginDate"),
        _date("end_date").alias("endDate"),
    )


def _categories(assignments: pl.DataFrame) -> pl.DataFrame:
    return categories_of(assignments).select(*_IDENTITY, pl.col("title"))


def _line_items(frame: pl.DataFrame) -> pl.DataFrame:
    categories = categories_of(frame).select(
        pl.col("title").alias("category"), pl.col("source_record_id").alias("categorySourcedId")
    )
    return frame.join(categories, on="category", how="left", maintain_order="left").select(
        *_IDENTITY,
        pl.col("title"),
        _date("assigned_date").alias("assignDate"),
        _date("due_date").alias("dueDate"),
        pl.col("class_id").alias("classSourcedId"),
        pl.col("categorySourcedId"),
        pl.col("school_id").alias("schoolSourcedId"),  # 1.2 only: 1.1's layout drops it
        pl.when(pl.col("max_score").is_not_null()).then(pl.lit("0")).alias("resultValueMin"),
        pl.col("max_score").cast(pl.String).alias("resultValueMax"),
    )


def _results(frame: pl.DataFrame, assignments: pl.DataFrame) -> pl.DataFrame:
    classes = assignments.select(pl.col("source_record_id").alias("assignment_id"), "class_id")
    status = pl.col("status")
    return frame.join(classes, on="assignment_id", how="left", maintain_order="left").select(
        *_IDENTITY,
        pl.col("assignment_id").alias("lineItemSourcedId"),
        pl.col("student_id").alias("studentSourcedId"),
        status.replace_strict(SCORE_STATUS_NAMES, default=None, return_dtype=pl.String).alias("scoreStatus"),
        pl.col("score").cast(pl.String).alias("score"),
        pl.col("comment"),
        # 1.2 only (1.1's layout drops them): the class, the text score and the two flags.
        pl.col("class_id").alias("classSourcedId"),
        pl.col("letter").alias("textScore"),
        _bool_of(status == "late").alias("late"),
        _bool_of(status == "missing").alias("missing"),
    )


def _bool_of(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr).then(pl.lit("true")).otherwise(pl.lit("false"))


def _csv(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    return buffer.getvalue()


def _manifest(version: str, present: set[str]) -> bytes:
    rows = [("manifest.version", "1.0"), ("oneroster.version", version)]
    rows += [(f"file.{name}", "bulk" if name in present else "absent") for name in _MANIFEST_FILES]
    rows += [("source.systemName", "Satchel simulator"), ("source.systemCode", "satchel")]
    return _csv(pl.DataFrame(rows, schema=["propertyName", "value"], orient="row"))
