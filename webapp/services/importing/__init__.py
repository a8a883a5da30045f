"""Importing the customer sheets teams already keep (.xlsx, .xls, .csv): reading within limits,
header detection, column mapping, dated logs, validation, duplicate choices, the commit."""

from .core import (
    CHOICES,
    ExistingIndex,
    InvalidRows,
    Outcome,
    Preview,
    build_preview,
    change_encoding,
    claim,
    create_batch,
    execute,
    run_import,
    samples,
    save_settings,
    settings_of,
    sheet_of,
)
from .logs import LogEntry, parse_log
from .mapping import FIELDS, guess_mapping
from .readers import ENCODINGS, ImportFileError, open_sheet

__all__ = [
    "CHOICES",
    "ENCODINGS",
    "FIELDS",
    "ExistingIndex",
    "ImportFileError",
    "InvalidRows",
    "LogEntry",
    "Outcome",
    "Preview",
    "build_preview",
    "change_encoding",
    "claim",
    "create_batch",
    "execute",
    "guess_mapping",
    "open_sheet",
    "parse_log",
    "run_import",
    "samples",
    "save_settings",
    "settings_of",
    "sheet_of",
]
