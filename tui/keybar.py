"""A one-line footer: the screen's shown bindings as "key description" pairs.

Textual's Footer is a widget per key, rebuilt whenever the focus moves; this
draws the same information as one line of text, which keeps the first frame
quick (see benchmarks/bench_startup.py). Keyboard-only: keys are not clickable.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeyBar > .keybar--key {
        color: $footer-key-foreground;
        text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key"}

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Any) -> None:
        self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        palette = ""
        actions: set[str] = set()
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if key == self.app.COMMAND_PALETTE_BINDING and self.app.ENABLE_COMMAND_PALETTE:
                palette = f" {self.app.get_key_display(binding)} palette "
                continue
            if not binding.show or binding.action in actions:
                continue
            actions.add(binding.action)
            text.append(f" {self.app.get_key_display(binding)} ", style=key_style)
            text.append(binding.description + " ", style="" if enabled else "dim")
        if palette:
            gap = max(1, self.size.width - text.cell_len - len(palette))
            text.append(" " * gap).append(palette, style=key_style)
        return text
