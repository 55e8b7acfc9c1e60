"""graphql audit log and change-feed scope snapshots

Revision ID: 0002g
Revises: 0001
Create Date: 2026-11-22 08:00:00

Hand-written: creates only the GraphQL API's own tables (hub/store/audit_models.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.columns

revision: str = "0002g"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", hub.store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("operation", sa.String(length=200), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("error_codes", sa.JSON(), nullable=False),
        sa.Column("schools", sa.JSON(), nullable=False),
        sa.Column("data_types", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_api_requests_app_id_apps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_requests")),
    )
    with op.batch_alter_table("api_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_requests_app_id"), ["app_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_requests_at"), ["at"], unique=False)

    op.create_table(
        "feed_scopes",
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("hash", sa.String(length=32), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", hub.store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_feed_scopes_app_id_apps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("app_id", "hash", name=op.f("pk_feed_scopes")),
    )


def downgrade() -> None:
    op.drop_table("feed_scopes")
    with op.batch_alter_table("api_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_requests_at"))
        batch_op.drop_index(batch_op.f("ix_api_requests_app_id"))
    op.drop_table("api_requests")
