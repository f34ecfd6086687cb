"""The engine wing: running the rules over files and projects (see docs/architecture.md)."""
