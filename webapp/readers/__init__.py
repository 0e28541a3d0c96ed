"""Pure file readers: parse uploaded files into checked rows; no database, no Flask."""
