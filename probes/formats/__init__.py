"""Wire formats read by more than one backend: the Prometheus text exposition format."""
