"""The queue backend."""
