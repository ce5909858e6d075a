"""Running the probes: the factory that makes them, the scheduler loop and its thread."""
