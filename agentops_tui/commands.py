"""Command palette: the actions that make sense for the selected service, with the exact operation as help.

The palette parses plain strings as markup (a service called `bad[/nope]x` crashed it, one called
`[@click=app.quit]x` quit the app when its entry was clicked), so every title and help goes in as `Content`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.screen import Screen

from agentops_tui.actions.model import ACTION_KINDS, ActionKind
from agentops_tui.controller import VERBS
from agentops_tui.screens.base import Dashboard, FleetScreen
from probes.text.sanitize import clean
from probes.view import status_now


def targets_of(screens: list[Screen[object]]) -> list[str]:
    """What the palette's actions apply to: the topmost fleet screen that names services (the palette itself,
    the help or the alerts list name none; then it is the overview's selection or marks below them)."""
    for screen in reversed(screens):
        if isinstance(screen, FleetScreen):
            names = screen.targets()
            if names is not None:
                return names
    return []


class ServiceCommands(Provider):
    """Restart/throttle/drain/resume the selected (or marked) services; only what their config supports."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = cast(Dashboard, self.app)
        names = targets_of(self.app.screen_stack)
        out: list[tuple[str, Callable[[], object], str]] = []
        if names:
            label = clean(names[0], 80) if len(names) == 1 else f"{len(names)} marked services"
            for kind in ACTION_KINDS:
                if app.controller.why_not(names, kind) is None:  # the footer's rule: only what can run
                    op = app.actions.operation(names[0], kind, {"max_requests_per_minute": 1, "cpus": 1.0})
                    help_text = op.description if op and kind != "throttle" else "asks for the new limits"
                    out.append((f"{VERBS[kind]} {label}", partial(self._act, names, kind), help_text))
        out.append(("Show the audit journal", partial(self._journal), "every action, before and after"))
        return out

    def _act(self, names: list[str], kind: ActionKind) -> None:
        cast(Dashboard, self.app).controller.request(names, kind)

    def _journal(self) -> None:
        cast(Dashboard, self.app).open_journal()

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield DiscoveryHit(Content(title), callback, text=title, help=_literal(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, _highlight(matcher, title), callback, text=title, help=_literal(help_text))


def _highlight(matcher: Matcher, title: str) -> Content:
    """`Matcher.highlight` without its markup parse: the matched letters of the plain title in the match style."""
    content = Content(title)
    _, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _literal(text: str) -> str:
    """`text` as Content, shown as written. `help` is annotated `str`, but the palette hands it to
    `Content.from_markup`, which returns a Content as it is and would parse a str."""
    return cast(str, Content(clean(text, 300)))


class ServiceFinder(Provider):
    """Type part of a service's name: one hit per service, opening its detail. Names are data: the hit is built as
    Content from plain text and so is the help, so a name like `[@click=app.quit]x[/]` is shown, never run."""

    async def search(self, query: str) -> Hits:
        app = cast(Dashboard, self.app)
        snap = app.snapshot
        matcher = self.matcher(query)
        for view in snap.services if snap is not None else ():
            name = clean(view.name, 80)
            score = matcher.match(name)
            if score <= 0:
                continue
            status, reason = status_now(view, app.clock())
            help_text = f"{status.value} · {clean(view.kind, 20)} · {clean(reason, 120)} · open its detail"
            prompt = _highlight(matcher, name)
            yield Hit(score, prompt, partial(app.open_detail, view.name), text=name, help=_literal(help_text))
