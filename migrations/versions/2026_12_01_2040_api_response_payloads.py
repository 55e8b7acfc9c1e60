"""api_response_payloads: full GraphQL responses of apps whose grants log them (kept 7 days)

Revision ID: 0004p
Revises: 0003
Create Date: 2026-12-01 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hub.store.columns

revision: str = "0004p"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_response_payloads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", hub.store.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("app_id", sa.String(length=36), nullable=False),
        sa.Column("operation", sa.String(length=200), nullable=True),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_api_response_payloads_app_id_apps"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_response_payloads")),
    )
    with op.batch_alter_table("api_response_payloads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_response_payloads_app_id"), ["app_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_response_payloads_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("api_response_payloads")
