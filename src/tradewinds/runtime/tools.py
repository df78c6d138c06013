"""Tools an agent may call: typed functions (Pydantic in, Pydantic out) that declare their effect.

A ``read`` tool runs as it is. A ``write`` or ``money`` tool never touches a store itself: it names an action type, and
the runtime submits its arguments to the action ledger as that action, with the caller as the actor, so the ledger's
roles, limits, approvals, kill switches and audit trail apply whatever the model asked for. The runtime, not the
model, checks that the caller's role may use the tool at all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_type_hints

from pydantic import BaseModel

from ..accounts import Actor, Role
from ..models.chat import ToolSpec

Effect = Literal["read", "write", "money"]


@dataclass(frozen=True)
class ToolContext:
    """What a tool may know of the run calling it."""

    workspace_id: str
    actor: Actor
    run_id: str


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    effect: Effect
    input: type[BaseModel]
    fn: Callable[[ToolContext, BaseModel], BaseModel] | None = None  # read tools
    action_type: str | None = None  # write and money tools: the ledger action their arguments become
    min_role: Role = Role.viewer

    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.input.model_json_schema())


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def add(self, tool: Tool) -> Tool:
        if tool.effect == "read" and tool.fn is None:
            raise ValueError(f"read tool {tool.name!r} needs a function")
        if tool.effect != "read" and (tool.action_type is None or tool.fn is not None):
            raise ValueError(f"{tool.effect} tool {tool.name!r} acts only through the ledger: give an action_type, no function")
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is registered twice")
        self._tools[tool.name] = tool
        return tool

    def read(self, description: str, *, name: str | None = None, min_role: Role = Role.viewer) -> Callable:
        """Decorator: a read tool from ``def f(ctx: ToolContext, args: SomeModel) -> OtherModel``."""
        def wrap(fn: Callable[[ToolContext, Any], BaseModel]) -> Callable:
            hints = get_type_hints(fn)
            params = list(inspect.signature(fn).parameters)
            if len(params) != 2 or not (isinstance(hints.get(params[1]), type) and issubclass(hints[params[1]], BaseModel)):
                raise TypeError(f"tool {fn.__name__}: expected (ctx: ToolContext, args: <a Pydantic model>)")
            self.add(Tool(name=name or fn.__name__, description=description, effect="read", input=hints[params[1]], fn=fn,
                          min_role=min_role))
            return fn

        return wrap

    def action(self, name: str, description: str, *, action_type: str, input: type[BaseModel], effect: Effect = "money",
               min_role: Role = Role.operator) -> Tool:
        """A write or money tool: its arguments become a ledger action of ``action_type``."""
        return self.add(Tool(name=name, description=description, effect=effect, input=input, action_type=action_type,
                             min_role=min_role))

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def specs(self) -> list[ToolSpec]:
        return [t.spec() for t in self._tools.values()]
