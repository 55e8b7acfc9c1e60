"""Running a GraphQL operation as an app for an admin's preview ("Preview as app").

The same schema, executor and AccessPolicy as the app's own requests; the one difference is the
grants handed to the policy: the app's current grants at the schools the admin administers, and
no others. So a preview can show less than the app sees (other schools), never more, and what it
shows at the admin's schools is exactly what the app gets there, withheld fields included.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection

from hub.access import AccessPolicy, AppRecord
from hub.graphql.execute import Operation, Outcome, execute
from hub.graphql.schema import SatchelSchema


def preview_policy(conn: Connection, app_id: str, schools: Collection[str]) -> AccessPolicy:
    """The app's policy cut to the grants at `schools` (the intersection with the admin's)."""
    full = AccessPolicy.load(conn, app_id)
    allowed = set(schools)
    kept = tuple(g for g in full.grants if g.school_id in allowed)
    return AccessPolicy(app_id=app_id, grants=kept, today=full.today)


def run_preview(
    conn: Connection,
    app: AppRecord,
    schools: Collection[str],
    operation: Operation,
    *,
    schema: SatchelSchema,
) -> Outcome:
    """Execute as `app` restricted to `schools`; the payload says it is a preview."""
    policy = preview_policy(conn, app.id, schools)
    outcome = execute(conn, app, policy, operation, schema=schema)
    extensions = outcome.payload.setdefault("extensions", {})
    extensions["preview"] = {"app": {"id": app.id, "name": app.name}, "schools": sorted(policy.schools())}
    return outcome
