"""The systemd backend."""
