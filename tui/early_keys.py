"""Keys typed before a screen's fields exist (a fast typist, a paste, a slow SSH link).

Such keys reach the screen while nothing has the focus. The screen notes them and,
once its first field has the focus, hands them over in order, so nothing typed
right after the key that opened the screen is lost.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget
from textual.widgets import Input, TextArea


class EarlyKeys:
    """Mixin for a Screen whose first field should get the keys typed before it drew.

    A plain mixin, not a Screen subclass: a Screen base in the middle of the MRO
    would bring Screen's default CSS back over ModalScreen's.
    """

    focused: Widget | None  # Screen's attribute (the mixin is only used on screens)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._early_keys: list[events.Key] = []

    def early_enter(self, field: Widget) -> None:
        """What Enter typed early does (it runs after the keys before it are in)."""

    def _forward_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self.focused is None and not event.is_forwarded:
            self._early_keys.append(event)
        super()._forward_event(event)  # type: ignore[misc]

    def on_key(self, event: events.Key) -> None:
        if event not in self._early_keys:
            return
        self._early_keys.remove(event)
        field = self.focused
        if not isinstance(field, Input | TextArea):
            return
        if event.key == "enter":
            self.early_enter(field)
        elif event.is_printable:
            field.post_message(events.Key(event.key, event.character))
        elif event.key == "backspace":  # a binding, not a key an Input's on_key handles
            field.call_later(field.action_delete_left)  # after the keys before it
        else:
            return
        event.stop()
        event.prevent_default()
