"""The tables every interface shows, built from an engine's JSON result: the CLI prints
them (rich) and the dashboard shows them (HTML), so both give the same numbers the same
way. One module per engine; :mod:`~hashpivot.reports.tables.formats` holds the number
formats. Cheap to import: no pandas, no plotting."""
