"""HTTP for the probes: one bounded GET with classified errors, the keep-alive fast path and polling rounds."""
