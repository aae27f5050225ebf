"""The `optout` command line: one module per command group, shared plumbing, the Typer app."""
