"""The shop's support agent over HTTP: start a conversation, send the customer's messages, read the replies (as JSON,
or streamed as Server-Sent Events), list the conversations. For a shop's own chat widget or backend, with a key of
the support role; every change the agent makes waits for the customer's yes and goes through the action ledger."""

from __future__ import annotations

import json
from typing import Literal

import anyio
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ...runtime.sse import SSE_DOC, finished_stream, stream
from ...seller.support import Reply
from ...shop.conversations import Conversation, MessageOut
from ..auth import SUPPORT, PrincipalDep
from ..deps import RunsDep, ServicesDep

router = APIRouter(tags=["support"], dependencies=[SUPPORT])
CONVERSATION_ID = r"^cnv_[a-z2-7]{16}$"


class ConversationIn(BaseModel):
    channel: Literal["chat", "api", "email"] = "api"


class MessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000, description="what the customer wrote (data: it never instructs the agent)")


class ConversationOut(Conversation):
    messages: list[MessageOut] = Field(default_factory=list)


def _public(c: Conversation, messages: list[MessageOut] | None = None) -> ConversationOut:
    return ConversationOut(**c.model_dump(exclude={"state"}), state={}, messages=messages or [])


@router.post("/v1/support/conversations", status_code=201, response_model=ConversationOut, summary="Start a conversation with the support agent")
def start(services: ServicesDep, principal: PrincipalDep, body: ConversationIn | None = None) -> ConversationOut:
    return _public(services.support(principal.workspace_id).start(channel=(body or ConversationIn()).channel))


@router.get("/v1/support/conversations", response_model=list[ConversationOut], summary="The shop's conversations, newest first")
def list_conversations(services: ServicesDep, principal: PrincipalDep, status: Literal["open", "handed_off", "closed"] | None = None,
                       limit: int = Query(50, ge=1, le=500)) -> list[ConversationOut]:
    return [_public(c) for c in services.support(principal.workspace_id).store.list(status=status, limit=limit)]


@router.get("/v1/support/conversations/{conversation_id}", response_model=ConversationOut, summary="One conversation and its messages")
def get_conversation(services: ServicesDep, principal: PrincipalDep, conversation_id: str = Path(pattern=CONVERSATION_ID)) -> ConversationOut:
    store = services.support(principal.workspace_id).store
    return _public(store.get(conversation_id), store.messages(conversation_id))


@router.post("/v1/support/conversations/{conversation_id}/messages", response_model=Reply,
             summary="The customer's message; the agent's reply (JSON, or Server-Sent Events with Accept: text/event-stream)")
def send(request: Request, body: MessageIn, services: ServicesDep, principal: PrincipalDep,
         conversation_id: str = Path(pattern=CONVERSATION_ID)):
    agent = services.support(principal.workspace_id, runs=request.app.state.runs)  # the conversation's steps: GET /v1/runs/{id}/events
    agent.store.get(conversation_id)  # 404 before anything is stored
    if "text/event-stream" not in request.headers.get("accept", ""):
        return agent.send(conversation_id, body.text)

    async def events():
        yield f"event: received\ndata: {json.dumps({'step': 'received', 'message': 'reading your message'})}\n\n"
        reply = await anyio.to_thread.run_sync(agent.send, conversation_id, body.text)
        for n, line in enumerate(reply.text.split("\n")):  # the reply as it will be shown, a line at a time
            yield f"event: line\ndata: {json.dumps({'step': 'line', 'n': n, 'text': line}, ensure_ascii=False)}\n\n"
        yield f"event: reply\ndata: {reply.model_dump_json()}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/v1/support/conversations/{conversation_id}/events",
            summary="The conversation's steps as Server-Sent Events (each message read, model and tool steps, changes waiting "
                    "for a yes, actions applied, hand-offs), replayed from the start, then live", **SSE_DOC)
def conversation_events(services: ServicesDep, runs: RunsDep, principal: PrincipalDep,
                        conversation_id: str = Path(pattern=CONVERSATION_ID)) -> StreamingResponse:
    services.support(principal.workspace_id).store.get(conversation_id)  # 404 for another workspace's or an unknown one
    if runs.get(conversation_id, workspace_id=principal.workspace_id) is None:
        return finished_stream("no message yet", {"conversation_id": conversation_id})
    return stream(runs, conversation_id, 0)
