"""metadata.* / ext_* columns → canonical custom fields: one row per record and key with a value.

A file with extension columns gets a second stream, after every entity stream (a custom field
points at its person). It maps the file exactly as the entity stream does, so a record's custom
fields follow the record: its school and dateLastModified, and when the record is quarantined its
custom fields are held too (quarantined, so the store keeps what it had, never tombstoned). In a
bulk file a cell left empty is gone by absence; a delta file says nothing by absence, so there an
empty cell, or a tobedeleted record, reports its custom fields deleted.
"""

from __future__ import annotations

import polars as pl

from adapters.oneroster.bulk.bulkset import BulkSet
from adapters.oneroster.bulk.headers import is_extension
from adapters.oneroster.bulk.manifest import Mode
from adapters.oneroster.bulk.mapping import FileMapping, map_frame
from adapters.oneroster.bulk.reader import ROW
from adapters.oneroster.bulk.stream import BulkMappedPage, BulkStream, FramePage
from adapters.sdk import Page, Reject
from hub.canonical import CUSTOM_FIELD


def custom_field_id(entity: str, record: str, key: str) -> str:
    """A custom field's source record id: the record's sourcedIds are unique per file, not per set."""
    return f"{entity}:{record}:{key}"


class CustomFieldsStream(BulkStream):
    def __init__(self, bulk: BulkSet, mapping: FileMapping, mode: Mode, page_size: int) -> None:
        super().__init__(bulk, mapping, mode, page_size)
        self.name = f"{mapping.file}.extensions"
        self.record_entity = mapping.entity.name
        self.entity = CUSTOM_FIELD

    def to_canonical(self, page: Page) -> BulkMappedPage:
        if not isinstance(page, FramePage):
            raise TypeError(f"{self.name}: expected a FramePage, got {type(page).__name__}")
        mapped = map_frame(page.frame, self._mapping)
        extensions = [c for c in page.frame.columns if is_extension(c)]
        deleted: list[str] = []
        if self.partial:
            deleted += self._emptied(page.frame, mapped.frame["source_record_id"], extensions)
            deleted += [
                custom_field_id(self.record_entity, r, k) for r in mapped.deleted_ids for k in extensions
            ]
        return BulkMappedPage(
            frame=self._rows(mapped.custom_fields, mapped.frame),
            rejects=self._held(page.frame, mapped.rejects, extensions),
            deleted_ids=deleted,
        )

    def _rows(self, cells: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
        schema = CUSTOM_FIELD.polars_schema()
        owners = records.select(pl.col("source_record_id").alias("record"), "school_id", "source_updated_at")
        frame = cells.rename({"source_record_id": "record"}).join(
            owners, on="record", how="inner", maintain_order="left"
        )
        return frame.select(
            pl.concat_str(pl.lit(self.record_entity + ":"), "record", pl.lit(":"), "key").alias(
                "source_record_id"
            ),
            "school_id",
            "source_updated_at",
            pl.lit(self.record_entity).alias("entity"),
            pl.col("record").alias("record_source_id"),
            (pl.col("record") if self.record_entity == "person" else pl.lit(None)).alias("person_id"),
            "key",
            "value",
        ).cast(pl.Schema(schema))

    def _held(self, rows: pl.DataFrame, rejects: list[Reject], extensions: list[str]) -> list[Reject]:
        """The custom fields of quarantined records, quarantined with them."""
        held = {r.source_record_id for r in rejects if r.source_record_id is not None}
        if not held or not extensions:
            return []
        cells = (
            rows.filter(pl.col("sourcedId").is_in(list(held)))
            .unpivot(on=extensions, index=["sourcedId", ROW], variable_name="key", value_name="value")
            .drop_nulls("value")
        )
        return [
            Reject(
                custom_field_id(self.record_entity, record, key),
                key,
                f"not read: its record is quarantined ({self._mapping.file}.csv:row {row})",
                f"{self._mapping.file}.csv:row {row}",
            )
            for record, row, key in cells.select("sourcedId", ROW, "key").iter_rows()
        ]

    def _emptied(self, rows: pl.DataFrame, good: pl.Series, extensions: list[str]) -> list[str]:
        if not extensions or good.is_empty():
            return []
        cells = (
            rows.filter(pl.col("sourcedId").is_in(good.implode()))
            .unpivot(on=extensions, index="sourcedId", variable_name="key", value_name="value")
            .filter(pl.col("value").is_null())
        )
        return [
            custom_field_id(self.record_entity, r, k) for r, k in cells.select("sourcedId", "key").iter_rows()
        ]
