"""File I/O at the edges: CSV tables in, CSV files out (atomically)."""
