"""apps.grants_version: bumped by the database on every write to one of the app's grants

The API keeps each app's access policy between requests and rebuilds it only when this version
has moved (hub.access.policy_cache). Triggers, not the application, bump it, so no write path —
an admin action, a request approval, a source deleted with its grants, another process, a manual
UPDATE — can leave a stale policy in force.

Revision ID: 0007g
Revises: 0006i
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007g"
down_revision: str | Sequence[str] | None = "0006i"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = "UPDATE apps SET grants_version = grants_version + 1 WHERE id = {row}.app_id"

# SQLite: one trigger per event (NEW is the written row; OLD the row before or the deleted one).
_SQLITE_TRIGGERS = {
    "grants_inserted": f"AFTER INSERT ON grants BEGIN {_BUMP.format(row='NEW')}; END",
    "grants_updated": (
        f"AFTER UPDATE ON grants BEGIN {_BUMP.format(row='OLD')}; "
        f"{_BUMP.format(row='NEW')} AND NEW.app_id IS NOT OLD.app_id; END"
    ),
    "grants_deleted": f"AFTER DELETE ON grants BEGIN {_BUMP.format(row='OLD')}; END",
}

_POSTGRES_FUNCTION = f"""
CREATE FUNCTION satchel_grants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_BUMP.format(row="OLD")};
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.app_id IS DISTINCT FROM OLD.app_id) THEN
        {_BUMP.format(row="NEW")};
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.add_column("apps", sa.Column("grants_version", sa.BigInteger(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER grants_changed AFTER INSERT OR UPDATE OR DELETE ON grants "
            "FOR EACH ROW EXECUTE FUNCTION satchel_grants_changed()"
        )
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER grants_changed ON grants")
        op.execute("DROP FUNCTION satchel_grants_changed()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("apps") as batch_op:
        batch_op.drop_column("grants_version")
