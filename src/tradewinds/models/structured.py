"""Structured output: ask with a Pydantic model, get a validated instance or a precise error.

Schema-constrained decoding where the model supports it, else JSON mode, else the schema in
the prompt; every reply is validated; an invalid one is sent back with the exact validation
error (bounded re-asks); ``finish_reason == "length"`` is a failure, never a result. Output
schemas must bound every free string and list (maxLength/maxItems), or ``ask`` refuses them.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from .chat import ChatModel, ChatOptions, ChatRequest, Message, ModelError, Usage

T = TypeVar("T", bound=BaseModel)


class StructuredOutputError(ModelError):
    """The model did not produce valid output within the allowed attempts."""

    code = "invalid_model_output"

    def __init__(self, message: str, *, attempts: int, usage: Usage, raw: str) -> None:
        super().__init__(message, hint="use a stronger model for this task, or simplify the schema")
        self.attempts = attempts
        self.usage = usage
        self.raw = raw


def unbounded_fields(schema: dict[str, Any]) -> list[str]:
    """Paths of free strings without maxLength and arrays without maxItems: a small model can loop
    inside one until max_tokens (measured: 1 of 50 sampled titles ran away in a keyword string)."""
    defs = schema.get("$defs", {})
    found: list[str] = []

    def walk(node: dict[str, Any], path: str, seen: frozenset[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(defs.get(name, {}), path, seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, path, seen)
        kind = node.get("type")
        if kind == "string" and "maxLength" not in node and "enum" not in node and "const" not in node and "format" not in node:
            found.append(path or "$")
        elif kind == "array":
            if "maxItems" not in node:
                found.append(path or "$")
            walk(node.get("items", {}), f"{path}[]", seen)
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{name}" if path else name, seen)

    walk(schema, "", frozenset())
    return found


def ask(model: ChatModel, messages: list[Message], output: type[T], *, options: ChatOptions | None = None,
        max_retries: int = 2) -> tuple[T, Usage]:
    schema = output.model_json_schema()
    unbounded = unbounded_fields(schema)
    if unbounded:
        raise ConfigError(f"output schema {output.__name__} has unbounded fields: {', '.join(unbounded)}",
                          hint="give every str Field(max_length=...) and every list Field(max_length=...) (or use Literal)")
    request = ChatRequest(messages=list(messages), options=options or ChatOptions(),
                          json_schema=schema if model.supports_json_schema else None, schema_name=output.__name__,
                          json_mode=not model.supports_json_schema and model.supports_json_mode)
    if not model.supports_json_schema:
        request.messages.insert(0, Message(role="system", content="Answer with one JSON object matching this JSON schema:\n"
                                           + json.dumps(schema)))
    usage, attempt = Usage(), 0
    while True:
        attempt += 1
        response = model.complete(request)
        usage, raw = usage + response.usage, response.text
        if response.finish_reason == "length":
            problem = f"the reply was cut off at max_tokens={request.options.max_tokens}"
        else:
            try:
                return output.model_validate_json(raw), usage
            except ValidationError as exc:
                problem = str(exc)
        if attempt > max_retries:
            raise StructuredOutputError(f"{model.model_id} gave no valid {output.__name__} in {attempt} attempt(s): {problem}",
                                        attempts=attempt, usage=usage, raw=raw)
        request = request.model_copy(update={"messages": [*request.messages, Message(role="assistant", content=raw),
                                                           Message(role="user", content="That reply is invalid: " + problem
                                                                   + "\nAnswer again with only the corrected JSON object.")]})
