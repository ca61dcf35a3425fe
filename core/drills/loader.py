"""Read drills from TOML files: the shipped ones and a trainer's own folder.

Every field is checked; a mistake raises UserError naming the file and the
field. A trainer's drill with the same id as a shipped one replaces it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.drills.catalog import FAULT_INFO, SETUPS
from core.drills.model import KINDS, SOURCES, Drill, Step
from core.drills.nodes import OUTCOME_CODES, OUTCOME_FAMILIES, known_outcome
from core.errors import UserError
from core.fileio import DRILL_FILE, read_small_file
from core.locations import DRILLS_ENV

DATA_DIR = Path(__file__).with_name("data")
TRAINER_DIR_NAME = "drills.d"
MAX_TIME_LIMIT = 24 * 3600

TOP_FIELDS = {
    "title",
    "goal",
    "kind",
    "hints",
    "time_limit",
    "fault",
    "choices",
    "allowed_nodes",
    "order",
    "keypad",
    "setup",
    "steps",
}
STEP_FIELDS = {"node", "label", "hint", "message", "outcome", "source"}


def _bad(path: Path, field: str, problem: str, fix: str) -> UserError:
    return UserError(f"Drill file {path}: the field '{field}' {problem}; {fix}.")


class _Fields:
    """Typed access to one TOML table, with errors that name file and field."""

    def __init__(self, path: Path, table: dict[str, Any], prefix: str = "") -> None:
        self.path, self.table, self.prefix = path, table, prefix

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        if key not in self.table:
            if required:
                raise _bad(self.path, self.name(key), "is missing", "add it as a quoted text")
            return default
        value = self.table[key]
        if not isinstance(value, str):
            raise _bad(self.path, self.name(key), "must be text", "put the value in quotes")
        value = value.strip()
        if required and not value:
            raise _bad(self.path, self.name(key), "is empty", "write something in it")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise _bad(self.path, self.name(key), "must be true or false", "write true or false")
        return value

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        value = self.table.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad(
                self.path,
                self.name(key),
                "must be a whole number",
                f"give a number from {low} to {high} without quotes",
            )
        return value

    def text_list(self, key: str) -> list[str] | None:
        if key not in self.table:
            return None
        value = self.table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _bad(
                self.path,
                self.name(key),
                "must be a list of texts",
                'write it like ["first", "second"]',
            )
        return value

    def unknown(self, allowed: set[str]) -> None:
        for key in self.table:
            if key not in allowed:
                raise _bad(
                    self.path,
                    self.name(key),
                    "is not a drill field",
                    f"use one of {', '.join(sorted(allowed))} (check the spelling)",
                )


def load_drill_file(
    path: Path, *, builtin: bool = False, known_nodes: Iterable[str] | None = None
) -> Drill:
    """Parse and check one drill file. ``known_nodes``: handset node ids to check steps against
    (load_drills passes the handset's)."""
    path = Path(path)
    try:
        raw = tomllib.loads(read_small_file(path, DRILL_FILE).decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(f"Drill file {path} is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(
            f"Drill file {path} is not valid TOML ({exc}); fix the syntax there."
        ) from None
    top = _Fields(path, raw)
    top.unknown(TOP_FIELDS)
    title = top.text("title", required=True)
    goal = _reflow(top.text("goal", required=True))
    kind = top.text("kind", required=True)
    if kind not in KINDS:
        raise _bad(path, "kind", f"is '{kind}'", f"use one of {', '.join(KINDS)}")
    hints = top.boolean("hints", default=kind == "guided")
    time_limit = top.integer("time_limit", None, 1, MAX_TIME_LIMIT)
    if kind == "timed" and time_limit is None:
        raise _bad(path, "time_limit", "is missing", "a timed drill needs a limit in seconds")
    order = top.integer("order", 100, 0, 10_000)
    keypad = top.boolean("keypad", default=False)
    fault = top.text("fault") or None
    setup = top.text("setup") or None
    if setup is not None and setup not in SETUPS:
        raise _bad(path, "setup", f"is '{setup}'", f"use one of {', '.join(SETUPS)}")
    if setup is not None and kind == "fault":
        raise _bad(path, "setup", "is set on a fault drill", "a fault sets up its own rehearsal")
    choices = top.text_list("choices")
    if kind == "fault":
        if fault is None:
            raise _bad(
                path, "fault", "is missing", f"a fault drill names one of {', '.join(FAULT_INFO)}"
            )
        if fault not in FAULT_INFO:
            raise _bad(path, "fault", f"is '{fault}'", f"use one of {', '.join(FAULT_INFO)}")
        choices = list(FAULT_INFO) if choices is None else choices
        for i, choice in enumerate(choices):
            if choice not in FAULT_INFO:
                raise _bad(
                    path, f"choices[{i}]", f"is '{choice}'", f"use one of {', '.join(FAULT_INFO)}"
                )
        if fault not in choices:
            raise _bad(path, "choices", f"leaves out the fault '{fault}'", "add it to the list")
        if len(choices) < 2:
            raise _bad(path, "choices", "offers one cause only", "list at least two causes")
    elif fault is not None or choices is not None:
        field = "fault" if fault is not None else "choices"
        raise _bad(path, field, f"is set on a {kind} drill", 'remove it or set kind = "fault"')
    allowed = top.text_list("allowed_nodes") or []
    steps = _steps(path, raw.get("steps"), hints)
    known = set(known_nodes) if known_nodes is not None else None
    if known is not None:
        for i, step in enumerate(steps):
            if step.node and step.node not in known:
                raise _bad(
                    path,
                    f"steps[{i}].node",
                    f"is '{step.node}', which is no handset screen",
                    "use a node id the handset shows (see docs/drills.md)",
                )
        for i, node in enumerate(allowed):
            if node not in known:
                raise _bad(
                    path,
                    f"allowed_nodes[{i}]",
                    f"is '{node}', which is no handset screen",
                    "use a node id the handset shows (see docs/drills.md)",
                )
    return Drill(
        id=path.stem,
        title=title,
        goal=goal,
        kind=kind,
        steps=tuple(steps),
        hints=hints,
        time_limit=time_limit,
        fault=fault,
        choices=tuple(choices or ()),
        allowed_nodes=frozenset(allowed),
        order=order if order is not None else 100,
        keypad=keypad,
        setup=setup,
        path=path,
        builtin=builtin,
    )


def _reflow(text: str) -> str:
    """Join the lines of each paragraph (blank lines separate paragraphs)."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _steps(path: Path, value: Any, hints: bool) -> list[Step]:
    if value is None:
        raise _bad(path, "steps", "is missing", "add at least one [[steps]] table")
    if not isinstance(value, list) or not value or not all(isinstance(s, dict) for s in value):
        raise _bad(path, "steps", "must be [[steps]] tables", "add at least one [[steps]] table")
    steps = []
    for i, table in enumerate(value):
        fields = _Fields(path, table, prefix=f"steps[{i}].")
        fields.unknown(STEP_FIELDS)
        source = fields.text("source", default="bulletin")
        if source not in SOURCES:
            raise _bad(path, fields.name("source"), f"is '{source}'", f"use one of {SOURCES}")
        hint = fields.text("hint")
        if hints and not hint:
            raise _bad(
                path, fields.name("hint"), "is missing", "a drill with hints needs one per step"
            )
        outcome = fields.text("outcome")
        if outcome and not known_outcome(outcome):
            codes = ", ".join([*sorted(OUTCOME_CODES), *(f + "..." for f in OUTCOME_FAMILIES)])
            raise _bad(path, fields.name("outcome"), f"is '{outcome}'", f"use one of {codes}")
        steps.append(
            Step(
                node=fields.text("node", required=not outcome),
                outcome=outcome,
                label=fields.text("label", required=True),
                hint=hint,
                message=fields.text("message"),
                source=source,
            )
        )
    return steps


def trainer_dir(workspace: Path | None) -> Path | None:
    """$HANDSET_CA_DRILLS, else <workspace>/drills.d, else none."""
    env = os.environ.get(DRILLS_ENV)
    if env:
        return Path(env)
    if workspace is not None:
        return Path(workspace) / TRAINER_DIR_NAME
    return None


def load_drills(
    workspace: Path | None = None,
    *,
    known_nodes: Iterable[str] | None = None,
    extra_dir: Path | None = None,
) -> list[Drill]:
    """All drills, shipped ones first replaced by a trainer's of the same id; sorted."""
    known = _default_known_nodes() if known_nodes is None else list(known_nodes)
    drills: dict[str, Drill] = {}
    for path in sorted(DATA_DIR.glob("*.toml")):
        drills[path.stem] = load_drill_file(path, builtin=True, known_nodes=known)
    folder = extra_dir if extra_dir is not None else trainer_dir(workspace)
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            drills[path.stem] = load_drill_file(path, builtin=False, known_nodes=known)
    elif folder is not None and folder.exists():
        raise UserError(f"The drills folder {folder} is not a folder; point {DRILLS_ENV} at one.")
    return sorted(drills.values(), key=lambda d: (d.order, d.id))


def find_drill(drill_id: str, workspace: Path | None = None, **kw: Any) -> Drill:
    """One drill by id; UserError listing the ids when there is none."""
    drills = load_drills(workspace, **kw)
    for drill in drills:
        if drill.id == drill_id:
            return drill
    names = ", ".join(d.id for d in drills)
    raise UserError(f"There is no drill '{drill_id}'; choose one of: {names}.")


def _default_known_nodes() -> list[str] | None:
    """The handset's node ids, when the handset package offers them."""
    from core.drills.nodes import handset_node_ids

    return handset_node_ids()
