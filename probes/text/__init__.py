"""Text from outside made safe to show (sanitize), secrets hidden (redact), numbers written one way (units)."""
