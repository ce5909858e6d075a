"""Pure presentation: models in, Rich `Text` and tables out. No widgets, so every function is tested without an app.

The package holds the vocabulary every screen shares (`palette`: status colours and cells; `formats`: numbers)
and one module per screen: `overview` (rows, columns that fit, the header), `detail`, `alerts`, `spend`,
`journal`, `workflow` (the dialogs), `answers` (a control endpoint's answer in words). Strings from outside go
into `Text(...)` as plain text, never as markup.
"""

from agentops_tui.presentation.formats import (
    fmt_bytes,
    fmt_clock,
    fmt_cpu,
    fmt_cpus,
    fmt_duration,
    fmt_money,
    fmt_number,
    fmt_rate,
    fmt_seconds,
)
from agentops_tui.presentation.palette import GLYPH, LABEL, Palette, distinct, palette_for, status_cell

__all__ = [
    "GLYPH", "LABEL", "Palette", "distinct", "fmt_bytes", "fmt_clock", "fmt_cpu", "fmt_cpus", "fmt_duration",
    "fmt_money", "fmt_number", "fmt_rate", "fmt_seconds", "palette_for", "status_cell",
]  # fmt: skip
