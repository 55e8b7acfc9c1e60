"""api_requests.reads: the (school, data type) pairs a request returned, for exact access counts

Revision ID: 0005r
Revises: 0004p
Create Date: 2026-12-01 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005r"
down_revision: str | Sequence[str] | None = "0004p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_requests") as batch_op:
        batch_op.add_column(sa.Column("reads", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_requests") as batch_op:
        batch_op.drop_column("reads")
