"""Scroll bars drawn in whole cells, for every scrolling view of the app."""

from __future__ import annotations

from typing import ClassVar

from textual.scrollbar import ScrollBarRender
from textual.widget import Widget


class WholeCellScrollBarRender(ScrollBarRender):
    """A scroll bar whose thumb fills whole cells: no '▁▂▃' eighth-block glyphs at its ends,
    which show as stray marks beside the text in 16 colours, NO_COLOR and some fonts."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def whole_cell_scrollbars(widget: Widget) -> None:
    """Draw ``widget``'s scroll bars with WholeCellScrollBarRender."""
    # Textual declares renderer a ClassVar, yet reads it from the instance: set per widget.
    widget.vertical_scrollbar.renderer = WholeCellScrollBarRender  # type: ignore[misc]
    widget.horizontal_scrollbar.renderer = WholeCellScrollBarRender  # type: ignore[misc]
