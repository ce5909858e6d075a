"""The health backend."""
