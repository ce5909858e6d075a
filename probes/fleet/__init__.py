"""The fleet's state: results joined into one row per service, status rules and alert rules."""
