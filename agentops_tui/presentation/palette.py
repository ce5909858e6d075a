"""Status colours: the theme's where the terminal still tells them apart, and the cell every status is shown in."""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color, ColorParseError, ColorSystem
from rich.text import Text

from probes.model import Status


@dataclass(frozen=True)
class Palette:
    """Colours for statuses, taken from the app theme at run time where they stay distinct (`palette_for`).

    The defaults land on green, yellow, red, magenta and grey when a terminal has only 16 or 8 colours."""

    ok: str = "#4EBF71"
    warn: str = "#FFC107"
    crit: str = "#E5534B"
    unknown: str = "#C678DD"
    stale: str = "#808080"
    dim: str = "#808080"

    def of(self, status: Status) -> str:
        return {
            Status.OK: self.ok,
            Status.WARN: self.warn,
            Status.CRIT: self.crit,
            Status.UNKNOWN: self.unknown,
            Status.STALE: self.stale,
        }[status]


def palette_for(ok: str | None, warn: str | None, crit: str | None, system: ColorSystem | None) -> Palette:
    """The theme's colours for OK, WARN and CRIT if the terminal (`system`, None without colour) still tells them
    apart from each other and from UNKNOWN and STALE, else the defaults. A 16-colour terminal turns the dark
    theme's orange warning and red error both into bright red; an 8-colour one drops the bright half."""
    base = Palette()
    themed = Palette(ok=_rich(ok) or base.ok, warn=_rich(warn) or base.warn, crit=_rich(crit) or base.crit)
    return themed if distinct(themed, system) else base


def _rich(colour: str | None) -> str | None:
    """A theme colour as Rich names it (Textual's ANSI themes say `ansi_red`, Rich `red`)."""
    return colour.removeprefix("ansi_") if colour else None


def distinct(p: Palette, system: ColorSystem | None) -> bool:
    """Whether every status colour stays its own colour on a terminal with `system` (16 colours: also with 8)."""
    if system is None:
        return True  # nothing is drawn in colour: the glyph and the word tell statuses apart
    shown = set()
    for status in Status:
        try:
            colour = Color.parse(p.of(status)).downgrade(system)
        except ColorParseError:
            return False
        shown.add((colour.number or 0) % 8 if system is ColorSystem.STANDARD else colour.get_truecolor())
    return len(shown) == len(Status)


GLYPH = {Status.OK: "●", Status.WARN: "▲", Status.CRIT: "✖", Status.UNKNOWN: "?", Status.STALE: "◌"}
LABEL = {Status.OK: "OK", Status.WARN: "WARN", Status.CRIT: "CRIT", Status.UNKNOWN: "UNKN", Status.STALE: "STALE"}


def status_cell(status: Status, p: Palette) -> Text:
    return Text(f"{GLYPH[status]} {LABEL[status]}", style=f"bold {p.of(status)}")


def reason_style(status: Status, p: Palette) -> str:
    """A reason in its status's colour; an OK one (`healthy`) dimmed."""
    return p.of(status) if status is not Status.OK else p.dim


def breaker_style(state: str, p: Palette) -> str:
    """A circuit breaker's state: open red, half-open yellow, closed green."""
    return p.crit if state == "open" else p.warn if state == "half_open" else p.ok
