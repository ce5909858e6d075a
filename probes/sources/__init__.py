"""The backends, one package each (probes.sources.<name>), found through probes.registry."""
