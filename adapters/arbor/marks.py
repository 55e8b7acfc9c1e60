"""UK statutory attendance codes → canonical attendance statuses.

England's register codes (DfE school attendance guidance). The canonical vocabulary is coarser,
so a mark keeps its code in `source_code`; `status` is what an app can rely on across sources:
authorised absence → excused, unauthorised → unexcused, approved educational activity away from
school → offsite, "no reason yet" → absent, and codes that are neither attendance nor absence
(not required to attend, not on roll, school closed) → misc.
"""

from __future__ import annotations

UK_CODES: dict[str, tuple[str, str]] = {
    # code: (canonical status, what the code means)
    "/": ("present", "present (AM)"),
    "\\": ("present", "present (PM)"),
    "L": ("late", "late, before the register closed"),
    "U": ("tardy", "late, after the register closed (counts as unauthorised absence)"),
    "B": ("offsite", "educated off site"),
    "D": ("misc", "dual registered, attending the other school"),
    "J": ("offsite", "at an interview"),
    "K": ("offsite", "attending education provision arranged by the local authority"),
    "P": ("offsite", "approved sporting activity"),
    "V": ("offsite", "educational visit or trip"),
    "W": ("offsite", "work experience"),
    "C": ("excused", "authorised absence: other exceptional circumstances"),
    "C1": ("excused", "authorised absence: regulated performance or employment abroad"),
    "C2": ("excused", "authorised absence: part-time timetable"),
    "E": ("excused", "authorised absence: suspended or excluded"),
    "H": ("excused", "authorised absence: holiday agreed by the school"),
    "I": ("excused", "authorised absence: illness"),
    "M": ("excused", "authorised absence: medical or dental appointment"),
    "Q": ("excused", "authorised absence: unable to attend, lack of transport"),
    "R": ("excused", "authorised absence: religious observance"),
    "S": ("excused", "authorised absence: study leave"),
    "T": ("excused", "authorised absence: mobile child travelling"),
    "G": ("unexcused", "unauthorised absence: holiday not agreed"),
    "O": ("unexcused", "unauthorised absence: no reason accepted"),
    "N": ("absent", "absent, no reason given yet"),
    "X": ("misc", "not required to attend (non-compulsory school age)"),
    "Y": ("misc", "unable to attend: enforced closure or exceptional circumstances"),
    "Z": ("misc", "pupil not yet on roll"),
    "#": ("misc", "planned whole-school closure"),
}


def status_of(code: str) -> str | None:
    """The canonical status of a UK code, or None when the code is not a known one."""
    found = UK_CODES.get(code.strip())
    return found[0] if found else None


# The code a register shows for a canonical status (the simulator renders non-UK data with it).
CODE_FOR_STATUS = {
    "late": "L",
    "tardy": "U",
    "absent": "N",
    "excused": "I",
    "unexcused": "O",
    "offsite": "B",
    "misc": "X",
}


def code_for(status: str, session: str) -> str:
    if status == "present":
        return "\\" if session == "pm" else "/"
    return CODE_FOR_STATUS[status]
