"""canonical model, complete: attendance, behaviour, grades, assignments, calendar, timetable,
demographics, addresses, contact points and relationships, photos, custom fields

Hand-written so it creates only these tables (other branches own the rest). Every table has the
columns every canonical record carries (hub/store/canonical_tables.py), then its own fields; the
columns are spelled out here, not read from the specs, so that this revision never changes.

Revision ID: 0002c
Revises: 0001
Create Date: 2026-11-22 08:02:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import hub.store.columns

revision: str = "0002c"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = hub.store.columns.UTCDateTime(timezone=True)
TABLES = (
    "custom_fields",
    "grade_records",
    "assignment_results",
    "assignments",
    "behaviour_incidents",
    "attendance_summaries",
    "attendance_marks",
    "timetable_slots",
    "calendar_events",
    "photos",
    "contact_relationships",
    "contact_points",
    "addresses",
    "demographics",
)  # newest first: the order downgrade drops them in


def _canonical_table(
    name: str, comment: str, *columns: sa.Column[Any], indexes: tuple[tuple[str, ...], ...]
) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=True),
        sa.Column("source_updated_at", UTC, nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("change_version", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", UTC, nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f(f"fk_{name}_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("source_id", "source_record_id", name=f"uq_{name}_source_record"),
        comment=comment,
    )
    op.create_index(op.f(f"ix_{name}_change_version"), name, ["change_version"])
    op.create_index(op.f(f"ix_{name}_school_id"), name, ["school_id"])
    for cols in indexes:
        op.create_index(f"ix_{name}_{'_'.join(cols)}", name, list(cols))


def upgrade() -> None:
    _canonical_table(
        "demographics",
        "A person's demographic data and programme flags. Every field is sensitive.",
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("sex", sa.Text(), nullable=True, comment="female, male, other or unknown"),
        sa.Column("ethnicity", sa.Text(), nullable=True, comment="The source's ethnicity code or label"),
        sa.Column("country_of_birth", sa.Text(), nullable=True, comment="ISO 3166 alpha-2 where known"),
        sa.Column("language", sa.Text(), nullable=True, comment="First or home language"),
        sa.Column("english_learner", sa.Boolean(), nullable=True, comment="EL / EAL"),
        sa.Column("free_reduced_lunch", sa.Boolean(), nullable=True, comment="FRL / free school meals"),
        sa.Column("special_needs", sa.Boolean(), nullable=True, comment="SEN / IEP / 504"),
        indexes=(("person_id",),),
    )
    _canonical_table(
        "addresses",
        "A postal address of a person.",
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True, comment="home, mailing or other"),
        sa.Column("line1", sa.Text(), nullable=True),
        sa.Column("line2", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True, comment="State, county or province"),
        sa.Column("postcode", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True, comment="ISO 3166 alpha-2"),
        indexes=(("person_id",),),
    )
    _canonical_table(
        "contact_points",
        "A phone number or email address of a person.",
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True, comment="email or phone"),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column(
            "label",
            sa.Text(),
            nullable=True,
            comment="home, work, mobile, personal … as the source labels it",
        ),
        sa.Column("primary", sa.Boolean(), nullable=True),
        indexes=(("person_id",),),
    )
    _canonical_table(
        "contact_relationships",
        "How a contact relates to a student, and what they may be called for.",
        sa.Column("student_id", sa.String(length=36), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column(
            "relationship",
            sa.Text(),
            nullable=True,
            comment="mother, father, guardian, grandparent … (lower case)",
        ),
        sa.Column("priority", sa.BigInteger(), nullable=True, comment="1 is called first"),
        sa.Column(
            "custody", sa.Boolean(), nullable=True, comment="Has custody (US) / parental responsibility (UK)"
        ),
        sa.Column("emergency", sa.Boolean(), nullable=True, comment="An emergency contact"),
        sa.Column("lives_with", sa.Boolean(), nullable=True, comment="The student lives with them"),
        indexes=(("student_id",), ("contact_id",)),
    )
    _canonical_table(
        "photos",
        "A person's photo. Sensitive: shown to schools with a warning when granted.",
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=True, comment="image/jpeg, image/png …"),
        sa.Column(
            "url", sa.Text(), nullable=True, comment="Where the source serves it, when it is not inlined"
        ),
        sa.Column(
            "data", sa.Text(), nullable=True, comment="The image, base64-encoded, when the source inlines it"
        ),
        sa.Column("taken_at", UTC, nullable=True),
        indexes=(("person_id",),),
    )
    _canonical_table(
        "calendar_events",
        "A dated event on a school's calendar.",
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True, comment="occasion, holiday or assignment"),
        sa.Column("description", sa.Text(), nullable=True),
        indexes=(
            (
                "school_id",
                "date",
            ),
        ),
    )
    _canonical_table(
        "timetable_slots",
        "One weekly meeting of a class: day, period, times and room.",
        sa.Column("class_id", sa.String(length=36), nullable=True),
        sa.Column("day", sa.Text(), nullable=True, comment="mon, tue, wed, thu, fri, sat or sun"),
        sa.Column("period", sa.Text(), nullable=True, comment="The source's period code (1, P5, HR)"),
        sa.Column("start_time", sa.Text(), nullable=True, comment="HH:MM, school local time"),
        sa.Column("end_time", sa.Text(), nullable=True, comment="HH:MM, school local time"),
        sa.Column("room", sa.Text(), nullable=True),
        sa.Column("session_id", sa.String(length=36), nullable=True, comment="The term it applies in"),
        indexes=(("class_id",),),
    )
    _canonical_table(
        "attendance_marks",
        "A student's attendance in one session (AM/PM register, a period, or a whole day).",
        sa.Column("student_id", sa.String(length=36), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("session", sa.Text(), nullable=True, comment="am, pm, period or all_day"),
        sa.Column(
            "period",
            sa.Text(),
            nullable=True,
            comment="The source's period code (HR, P5, advisory) for period marks",
        ),
        sa.Column("class_id", sa.String(length=36), nullable=True, comment="The class the mark was taken in"),
        sa.Column(
            "status",
            sa.Text(),
            nullable=True,
            comment="present, absent, late, tardy, excused, unexcused, offsite or misc",
        ),
        sa.Column(
            "source_code",
            sa.Text(),
            nullable=True,
            comment="The source's own code, as sent (/, N, L, TARDY …)",
        ),
        sa.Column("minutes_late", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "recorded_by",
            sa.Text(),
            nullable=True,
            comment="Who took or last changed the mark, as the source names them",
        ),
        sa.Column("recorded_at", UTC, nullable=True),
        indexes=(
            (
                "student_id",
                "date",
            ),
            (
                "school_id",
                "date",
            ),
        ),
    )
    _canonical_table(
        "attendance_summaries",
        "A student's attendance totals over an academic session (or the year to date).",
        sa.Column("student_id", sa.String(length=36), nullable=True),
        sa.Column("session_id", sa.String(length=36), nullable=True, comment="The period summarised"),
        sa.Column("days_possible", sa.Float(), nullable=True),
        sa.Column("days_attended", sa.Float(), nullable=True),
        sa.Column("days_absent", sa.Float(), nullable=True),
        sa.Column("days_absent_excused", sa.Float(), nullable=True),
        sa.Column("days_absent_unexcused", sa.Float(), nullable=True),
        sa.Column("days_partially_absent", sa.Float(), nullable=True),
        sa.Column("periods_absent", sa.BigInteger(), nullable=True),
        sa.Column("periods_absent_excused", sa.BigInteger(), nullable=True),
        sa.Column("periods_absent_unexcused", sa.BigInteger(), nullable=True),
        sa.Column("periods_late", sa.BigInteger(), nullable=True),
        sa.Column("periods_tardy", sa.BigInteger(), nullable=True),
        sa.Column("periods_offsite", sa.BigInteger(), nullable=True),
        sa.Column("periods_misc", sa.BigInteger(), nullable=True),
        indexes=(("student_id",),),
    )
    _canonical_table(
        "behaviour_incidents",
        "A behaviour incident or referral involving one student.",
        sa.Column("student_id", sa.String(length=36), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column(
            "incident_type",
            sa.Text(),
            nullable=True,
            comment="The source's category (referral, detention, praise …)",
        ),
        sa.Column(
            "violation", sa.Text(), nullable=True, comment="What rule was broken, as the source words it"
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "staff_name", sa.Text(), nullable=True, comment="Who reported it, as the source names them"
        ),
        sa.Column(
            "staff_id",
            sa.String(length=36),
            nullable=True,
            comment="Who reported it, when the source links them",
        ),
        sa.Column("action", sa.Text(), nullable=True, comment="The action taken (detention, suspension …)"),
        sa.Column("suspension_begin", sa.Date(), nullable=True),
        sa.Column("suspension_end", sa.Date(), nullable=True),
        sa.Column("processed", sa.Boolean(), nullable=True, comment="The school has dealt with it"),
        indexes=(("student_id",),),
    )
    _canonical_table(
        "assignments",
        "A piece of work set in a class (gradebook column).",
        sa.Column("class_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column(
            "category", sa.Text(), nullable=True, comment="Gradebook category (Homework, Project Work …)"
        ),
        sa.Column("assigned_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column(
            "max_score",
            sa.Float(),
            nullable=True,
            comment="Points available; null for ungraded or pass/fail work",
        ),
        indexes=(("class_id",),),
    )
    _canonical_table(
        "assignment_results",
        "One student's result for one assignment.",
        sa.Column("assignment_id", sa.String(length=36), nullable=True),
        sa.Column("student_id", sa.String(length=36), nullable=True),
        sa.Column("score", sa.Float(), nullable=True, comment="Points scored; null when not graded"),
        sa.Column(
            "status",
            sa.Text(),
            nullable=True,
            comment="graded, missing, exempt, late, pass, fail, not_graded",
        ),
        sa.Column("letter", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        indexes=(("assignment_id",), ("student_id",)),
    )
    _canonical_table(
        "grade_records",
        "A reported grade: final, semester, quarter, exam or progress.",
        sa.Column("student_id", sa.String(length=36), nullable=True),
        sa.Column("course_id", sa.String(length=36), nullable=True),
        sa.Column("class_id", sa.String(length=36), nullable=True),
        sa.Column("session_id", sa.String(length=36), nullable=True, comment="The grading period"),
        sa.Column("kind", sa.Text(), nullable=True, comment="final, semester, quarter, exam or progress"),
        sa.Column("letter", sa.Text(), nullable=True, comment="Letter grade (A-, B+ …)"),
        sa.Column(
            "percent",
            sa.Float(),
            nullable=True,
            comment="Percentage; null when not graded (never 0 for 'no grade')",
        ),
        sa.Column("gpa_points", sa.Float(), nullable=True),
        sa.Column("weighted_gpa_points", sa.Float(), nullable=True),
        sa.Column("credits", sa.Float(), nullable=True, comment="Credits the course is worth"),
        sa.Column("credits_earned", sa.Float(), nullable=True),
        sa.Column("affects_gpa", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True, comment="Teacher's comment"),
        indexes=(("student_id",),),
    )
    _canonical_table(
        "custom_fields",
        "One extension value on one record: which entity and record, the key and the value.",
        sa.Column(
            "entity", sa.Text(), nullable=True, comment="The canonical entity it extends (person, class …)"
        ),
        sa.Column(
            "record_source_id", sa.Text(), nullable=True, comment="The source's id of the record it extends"
        ),
        sa.Column(
            "person_id",
            sa.String(length=36),
            nullable=True,
            comment="The person it extends, when entity is person",
        ),
        sa.Column("key", sa.Text(), nullable=True, comment="The source's field name"),
        sa.Column("value", sa.Text(), nullable=True, comment="As text; the source's type is not kept"),
        indexes=(("person_id",),),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
