"""Reports: the terminal table, and files written to the report folder."""
