"""The action layer: every restart, throttle, drain and resume goes through here (no Textual import).

`ActionLayer.plan()` decides whether a request may run (read-only, support, storm guard, bulk cap) and which
executor does it; `ActionLayer.run()` runs it with the audit journal written before and after.
"""
