"""The Textual app: receives fleet snapshots from a source and hands them to the fleet screens shown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rich.color import ColorSystem
from textual import events
from textual.app import App
from textual.notifications import SeverityLevel
from textual.theme import Theme

from agentops_tui import bindings
from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.applog import StatusLog
from agentops_tui.commands import ServiceCommands, ServiceFinder
from agentops_tui.controller import ActionController
from agentops_tui.keyorder import KeyOrder
from agentops_tui.messages import FleetUpdated
from agentops_tui.presentation import Palette, palette_for
from agentops_tui.screens.base import FleetScreen
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.screens.dialog import Dialog
from agentops_tui.screens.help import HelpScreen
from agentops_tui.screens.overview import OverviewScreen
from agentops_tui.source import FleetSource, LiveSource
from agentops_tui.themes import remember, starting_theme
from probes import paths
from probes.config import FleetConfig
from probes.text.sanitize import clean
from probes.view import FleetSnapshot, ServiceView

SHUTDOWN_GRACE_S = 3.0
COLOR_SYSTEMS = {
    "standard": ColorSystem.STANDARD, "windows": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
}  # fmt: skip


class AgentOpsApp(App[int]):
    """One app for the CLI, the tests and the screenshot script; build it with `make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "agentops-tui"
    ENABLE_COMMAND_PALETTE = True
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # under 30 rows dialogs drop their blank rows (80x24)
    COMMANDS = App.COMMANDS | {ServiceCommands, ServiceFinder}
    BINDINGS = bindings.APP

    headless_colours = ColorSystem.TRUECOLOR
    """The colour system a headless run's pictures stand for: 24-bit wherever they are taken, unless a test asks
    for the colours of a given terminal."""

    def __init__(
        self,
        cfg: FleetConfig,
        source: FleetSource,
        *,
        badges: tuple[str, ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.source = source
        self.badges = badges
        self.clock = clock
        self.snapshot: FleetSnapshot | None = None
        self._firing: set[tuple[str, str, str]] = set()
        self.status_log = StatusLog()  # status changes to the app log (--log-file)
        self.palette = Palette()
        journal = Path(cfg.actions.journal) if cfg.actions.journal else paths.default_journal_path()
        self.actions = ActionLayer(cfg, Journal(journal), self.view_of, read_only=cfg.read_only)
        self.redact = self.actions.redact  # for text shown that did not come through a fleet view
        self.controller = ActionController(self, self.actions, self.unmark)
        self._quit_asked = False
        self.keys = KeyOrder(self, super().on_event, self._keys_blocked)

    def view_of(self, name: str) -> ServiceView | None:
        """The latest view of a service (None before the first snapshot or for an unknown name)."""
        if self.snapshot is None:
            return None
        return next((v for v in self.snapshot.services if v.name == name), None)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast is redacted: outcomes, refusals and errors quote what services and commands said."""
        super().notify(
            self.redact(message), title=self.redact(title), severity=severity, timeout=timeout, markup=markup
        )

    def get_default_screen(self) -> OverviewScreen:
        return OverviewScreen(self)

    def on_mount(self) -> None:
        self.theme = self._first_theme = starting_theme(self.cfg)
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.palette = self._palette_from_theme()
        if self.cfg.keymap:
            self.set_keymap(self.cfg.keymap)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._on_signal, 128 + sig)
        self.source.start(self._publish)

    def _remember_theme(self, theme: Theme) -> None:
        """A theme picked in the command palette is the next start's (unless --theme or theme: say otherwise).
        Textual also announces the theme set at start; that one is not a pick."""
        if theme.name != self._first_theme:
            self._first_theme = theme.name
            remember(theme.name)

    def _on_signal(self, code: int) -> None:
        """SIGTERM or SIGHUP: stop polling and quit. When the terminal is gone (a dropped SSH session, a killed tmux
        pane), Textual's shutdown can block writing to it; the process must not live on polling, so it ends anyway
        after SHUTDOWN_GRACE_S."""
        with contextlib.suppress(Exception):  # journaling what is left halfway must never keep the process alive
            self.controller.abandon_workflows(f"the dashboard got {signal.Signals(code - 128).name}")
        self.source.stop()
        self.exit(code)
        watchdog = threading.Timer(SHUTDOWN_GRACE_S, os._exit, (code,))
        watchdog.daemon = True
        watchdog.start()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            gate = self.source.ui_idle
            if gate is not None:  # the poller pauses until this key's answer is on screen
                gate.clear()
                self.call_after_refresh(gate.set)
            await self.keys.arrive(event)
            return
        await super().on_event(event)

    def _keys_blocked(self, key: events.Key) -> bool:
        """Keys typed before a dialog was drawn answer nothing: while an action is on its way to its dialog, and
        until the dialog has been on screen, they are dropped (never handed to the screen below). Escape still
        reaches a dialog: it only ever cancels."""
        screen = self.screen
        if isinstance(screen, Dialog):
            return not screen.shown and key.key != "escape"
        return self.controller.asking

    def _publish(self, snap: FleetSnapshot) -> None:
        """Called on the poller thread; post_message is thread-safe."""
        self.post_message(FleetUpdated(snap))

    async def action_quit(self) -> None:
        """`q`, Ctrl+Q, and Ctrl+C on the workflow panel: during a drain workflow, ask first (quitting leaves the
        service drained with nothing to resume it); quitting anyway journals the workflow `abandoned`."""
        if self._quit_asked:
            return
        question = self.controller.quit_question()
        if question is None:
            self.exit()
            return
        self._quit_asked = True

        def answer(quit_anyway: bool | None) -> None:
            self._quit_asked = False
            if quit_anyway:
                self.controller.abandon_workflows("the operator quit the dashboard")
                self.exit()

        self.push_screen(question, answer)

    def on_unmount(self) -> None:
        self.controller.abandon_workflows("the dashboard exited")
        self.source.stop()
        gc.unfreeze()  # an app made and ended in a longer-lived process (tests) must not pin what it froze
        gc.set_threshold(*GC_DEFAULT_THRESHOLD)

    def _palette_from_theme(self) -> Palette:
        """The theme's status colours, unless this terminal's colours would merge two statuses (headless, as in
        tests and screenshots, there is no terminal: the pictures stand for `headless_colours`)."""
        t = self.current_theme
        system = None if self.no_color else COLOR_SYSTEMS.get(self.console.color_system or "")
        if self.is_headless:
            system = self.headless_colours
        return palette_for(t.success, t.warning, t.error, system)

    def on_fleet_updated(self, message: FleetUpdated) -> None:
        if not self.is_running:  # shutting down: the screens are being taken apart, widget by widget
            return
        if self.snapshot is None:
            self.set_timer(GC_FREEZE_AFTER_S, _settle_gc)
        self.snapshot = message.snapshot
        self.status_log.observe(message.snapshot)
        self._ring_for_new_alerts(message.snapshot)
        for screen in reversed(self.screen_stack):  # the top screen, and every one seen under a dialog
            if isinstance(screen, FleetScreen):
                screen.receive(message.snapshot)
            if not screen.is_modal:
                break

    def _ring_for_new_alerts(self, snap: FleetSnapshot) -> None:
        """The terminal bell (and a toast naming it) once per alert that starts firing."""
        firing = {a.key: a for a in snap.firing()}
        new = [a for key, a in firing.items() if key not in self._firing]
        self._firing = set(firing)
        if not new:
            return
        if self.cfg.alerts.bell is not False:
            self.bell()
        names = ", ".join(f"{clean(a.service, 40) or 'fleet'}: {clean(a.name, 40)}" for a in new[:3])
        self.notify(f"alert firing: {names}", severity="error", timeout=6, markup=False)

    def unmark(self, names: list[str]) -> None:
        """An action ran on these services: their marks are used up."""
        for screen in self.screen_stack:
            if isinstance(screen, FleetScreen):
                screen.unmark(names)

    # Where a screen goes next (the `Dashboard` the screens are given). Screens not shown at start are imported
    # when first opened: the first frame does not wait for them.
    def open_detail(self, name: str) -> None:
        self.push_screen(DetailScreen(self, name))

    def open_logs(self, name: str) -> None:
        from agentops_tui.screens.logs import LogsScreen

        self.push_screen(LogsScreen(self, name))

    def open_spend(self) -> None:
        from agentops_tui.screens.spend import SpendScreen

        if not isinstance(self.screen, SpendScreen):
            self.push_screen(SpendScreen(self))

    def open_alerts(self) -> None:
        from agentops_tui.screens.alerts import AlertsScreen

        self.push_screen(AlertsScreen(self))

    def open_journal(self) -> None:
        from agentops_tui.screens.journal import JournalScreen

        self.push_screen(JournalScreen(self))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            # The keys as bound now: Textual keeps the keymap it applies to every screen's bindings in `_keymap`.
            self.push_screen(HelpScreen(bindings.bound_keys(self._keymap)))


def make_app(
    cfg: FleetConfig,
    *,
    source: FleetSource | None = None,
    badges: tuple[str, ...] = (),
    clock: Callable[[], float] = time.monotonic,
) -> AgentOpsApp:
    """The one app factory (CLI, tests, screenshots): live polling unless a source is given."""
    if cfg.read_only and "READ-ONLY" not in badges:
        badges = (*badges, "READ-ONLY")
    return AgentOpsApp(cfg, source or LiveSource(cfg), badges=badges, clock=clock)


GC_FREEZE_AFTER_S = 5.0  # after the first snapshot: the widgets, probes and rows that live as long as the app exist
GC_THRESHOLD = (20_000, 20, 20)
GC_DEFAULT_THRESHOLD = gc.get_threshold()


def _settle_gc() -> None:
    """Move everything alive now out of the collector's sight, and collect the young less often.

    Measured at 200 services: 580 ms of collections in 40 s (1.5% of a core), and each full collection walked
    about 160,000 long-lived objects (60 ms, a frozen screen for a key press). What the steady state allocates
    dies young by reference counting; the few cycles are still collected.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
