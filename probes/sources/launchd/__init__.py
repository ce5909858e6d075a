"""The launchd backend."""
