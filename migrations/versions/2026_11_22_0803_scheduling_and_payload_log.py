"""Per-source sync schedule and raw payload log

Revision ID: 0002s
Revises: 0001
Create Date: 2026-11-22 08:03:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.columns

revision: str = "0002s"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("sync_interval_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("log_payloads", sa.Boolean(), server_default="0", nullable=False))
    op.create_table(
        "raw_payloads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("created_at", hub.store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["sync_runs.id"], name=op.f("fk_raw_payloads_run_id_sync_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_raw_payloads_source_id_sources"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_payloads")),
    )
    op.create_index(op.f("ix_raw_payloads_created_at"), "raw_payloads", ["created_at"])
    op.create_index(op.f("ix_raw_payloads_run_id"), "raw_payloads", ["run_id"])
    op.create_index(op.f("ix_raw_payloads_source_id"), "raw_payloads", ["source_id"])


def downgrade() -> None:
    op.drop_table("raw_payloads")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("log_payloads")
        batch.drop_column("sync_interval_minutes")
