"""Publishing a season: the Parquet store, the DuckDB views, the workbook and the report."""
