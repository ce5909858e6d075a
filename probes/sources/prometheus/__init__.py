"""The prometheus backend."""
