"""Reports: daily tables, charts, exports, staffing and the regulator draft."""
