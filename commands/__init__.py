"""Command-line flows behind main.py's subcommands: each returns an exit code."""
