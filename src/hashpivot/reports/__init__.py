"""Reports: charts (PNG with matplotlib, interactive HTML with plotly) and CSV writers."""
