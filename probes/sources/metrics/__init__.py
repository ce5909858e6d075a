"""The metrics backend."""
