"""Checks over a parsed network: each module one family of diagnostics (see docs/dsl.md)."""
