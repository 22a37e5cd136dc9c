"""The report: results.json, a self-contained HTML page with embedded plots, and a
markdown summary. Sections are :class:`Section` writers in :data:`SECTIONS`; a new
part of the comparison adds its writer there (see :mod:`loadtest.report.sections`)."""

from loadtest.report.writer import Section, validate, write_report

__all__ = ["Section", "validate", "write_report"]
