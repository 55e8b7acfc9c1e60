"""Canonical tables: index (school_id, id), people (school_id, role, id), for per-school pages

A page of a school's rows in id order (keyset pagination) walks these indexes and stops at the
page size; with (school_id) alone every row of the school was read and sorted. They replace the
(school_id) and (school_id, role) indexes, which are their prefixes.

Revision ID: 0006i
Revises: 0005r
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006i"
down_revision: str | Sequence[str] | None = "0005r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every canonical table at 0005r (hub.canonical.ENTITIES then).
TABLES = (
    "organisations",
    "academic_sessions",
    "courses",
    "classes",
    "people",
    "enrollments",
    "demographics",
    "addresses",
    "contact_points",
    "contact_relationships",
    "photos",
    "calendar_events",
    "timetable_slots",
    "attendance_marks",
    "attendance_summaries",
    "behaviour_incidents",
    "assignments",
    "assignment_results",
    "grade_records",
    "custom_fields",
)


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_school_id_id", table, ["school_id", "id"])
        op.drop_index(f"ix_{table}_school_id", table_name=table)
    op.create_index("ix_people_school_id_role_id", "people", ["school_id", "role", "id"])
    op.drop_index("ix_people_school_id_role", table_name="people")


def downgrade() -> None:
    op.create_index("ix_people_school_id_role", "people", ["school_id", "role"])
    op.drop_index("ix_people_school_id_role_id", table_name="people")
    for table in TABLES:
        op.create_index(f"ix_{table}_school_id", table, ["school_id"])
        op.drop_index(f"ix_{table}_school_id_id", table_name=table)
