"""Global ids: base64 of "Type:hubid", opaque to apps, so `node(id:)` knows where to look.

Decoding an id only says which table to read; the read itself still goes through the policy.
"""

from __future__ import annotations

import base64
import binascii

from hub.graphql.errors import BadArgumentError
from hub.store.json_nodes import global_id

__all__ = ["NODE_TYPES", "global_id", "parse_global_id"]

NODE_TYPES = (
    *("School", "Person", "Class", "Course", "AcademicSession", "Enrollment"),
    # School life (hub.graphql.types_life) and people's details (hub.graphql.types_details).
    *("AttendanceMark", "AttendanceSummary", "BehaviourIncident", "GradeRecord", "Assignment"),
    *("AssignmentResult", "CalendarEvent", "TimetableSlot"),
    *("Demographics", "Address", "ContactPoint", "ContactRelationship", "Photo", "CustomField"),
)


def parse_global_id(value: str) -> tuple[str, str]:
    """(type name, hub id) of a global id; BAD_ARGUMENT for anything we did not issue."""
    try:
        text = base64.urlsafe_b64decode(value.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    type_name, _, hub_id = text.partition(":")
    if type_name not in NODE_TYPES or not hub_id:
        raise BadArgumentError("not a Satchel global id", argument="id")
    return type_name, hub_id
