"""Command-line interface (typer + rich). Commands live one module each in this package."""
