"""Merge the branches added in parallel (admin, GraphQL audit, canonical model, scheduling, connect)

Revision ID: 0003
Revises: 0002a, 0002g, 0002c, 0002s, 0002k
Create Date: 2026-11-22 09:00:00
"""

from collections.abc import Sequence

revision: str = "0003"
down_revision: str | Sequence[str] | None = ("0002a", "0002g", "0002c", "0002s", "0002k")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
