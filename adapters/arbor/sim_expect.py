"""What an Arbor site serving a synthetic district carries, in canonical form: for tests.

`arbor_shaped` applies the rewrites the dialect makes by design (documented in
docs/adapters/arbor.md); `carried_frames` keeps only the records the site serves, per entity, with
the fields no stream of that entity carries.
"""

from __future__ import annotations

import polars as pl

from adapters.arbor.mapping import NOT_CARRIED
from adapters.arbor.marks import code_for
from adapters.arbor.sim_render import CONTACT_TYPES, render_site
from adapters.arbor.streams import STREAMS
from hub.synthetic import SyntheticDistrict


def arbor_shaped(entity: str, frame: pl.DataFrame) -> pl.DataFrame:
    if entity == "academic_session":
        years = frame.filter(pl.col("kind") == "school_year")["source_record_id"]
        year = years[0] if years.len() else None
        return frame.with_columns(
            kind=pl.col("kind").replace({"semester": "term"}),
            # Progress periods hang off the academic year, not off a term.
            parent_id=pl.when(pl.col("kind") == "grading_period").then(pl.lit(year)).otherwise("parent_id"),
        )
    if entity == "class":
        return frame.with_columns(kind=pl.col("kind").replace({"homeroom": "registration"}))
    if entity == "contact_point":
        labels = {k: v.lower() for k, v in CONTACT_TYPES.items()}
        return frame.with_columns(label=pl.col("label").replace(labels))
    if entity == "attendance_mark":
        uk = [code_for(s, p) for s, p in frame.select("status", "session").iter_rows()]
        return frame.with_columns(source_code=pl.Series(uk, dtype=pl.String))
    return frame


def carried_frames(district: SyntheticDistrict) -> tuple[dict[str, pl.DataFrame], dict[str, set[str]]]:
    """(entity → the served records as the adapter should store them, entity → fields not compared)."""
    objects = render_site(district)
    ids: dict[str, set[str]] = {}
    not_carried: dict[str, set[str]] = {}
    for stream in STREAMS:
        ids.setdefault(stream.entity, set()).update(objects[stream.path])
        not_carried.setdefault(stream.entity, set()).update(NOT_CARRIED[stream.path])
    frames = {
        entity: arbor_shaped(entity, district.frames[entity]).filter(
            pl.col("source_record_id").is_in(list(wanted))
        )
        for entity, wanted in ids.items()
    }
    return frames, not_carried
