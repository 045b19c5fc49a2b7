"""The ``zst`` command line (Typer). Each command parses options, builds a config dataclass and
calls one library function; only this package imports typer."""
