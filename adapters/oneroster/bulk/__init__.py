"""OneRoster CSV bulk binding (1.0, 1.1, 1.2): read a .zip or folder of CSV files with polars.

    streams = bulk_streams(Path("export.zip"))      # one Stream per data file, dependency order
    check(Path("export.zip"))                       # CheckResult: version, files, what is wrong
    write_bulk(district, Path("out.zip"), version="1.2")  # the simulator side

See docs/adapters/oneroster-csv.md for the field mapping and how each quirk of real feeds is read.
"""

from adapters.oneroster.bulk.bulkset import BulkSet, open_bulk
from adapters.oneroster.bulk.check import check, detect_version
from adapters.oneroster.bulk.headers import HeaderError, HeaderFix
from adapters.oneroster.bulk.manifest import Version
from adapters.oneroster.bulk.mapping import CUSTOM_FIELDS_SCHEMA
from adapters.oneroster.bulk.stream import PAGE_SIZE, BulkMappedPage, BulkStream, FramePage
from adapters.oneroster.bulk.streams import bulk_streams
from adapters.oneroster.bulk.writer import write_bulk

__all__ = [
    "CUSTOM_FIELDS_SCHEMA",
    "PAGE_SIZE",
    "BulkMappedPage",
    "BulkSet",
    "BulkStream",
    "FramePage",
    "HeaderError",
    "HeaderFix",
    "Version",
    "bulk_streams",
    "check",
    "detect_version",
    "open_bulk",
    "write_bulk",
]
