"""The support inbox (conversations, handoffs with the agent's summary and suggested reply, take over, reply as a
person) for the support role, and the customer chat page a shop links to (public, through a chat link's token)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ..api.auth import ADMIN, PUBLIC, SUPPORT, PrincipalDep
from ..api.deps import ServicesDep
from ..shop.conversations import ConversationStore
from .pages import page

router = APIRouter(include_in_schema=False, dependencies=[SUPPORT])
public = APIRouter(include_in_schema=False)
STATUSES = ("open", "handed_off", "closed")


@router.get("/support", response_class=HTMLResponse)
def inbox(request: Request, services: ServicesDep, principal: PrincipalDep, status: str = "", link: str = "") -> HTMLResponse:
    store = ConversationStore(services.repo.engine, principal.workspace_id)
    rows = []
    for c in store.list(status=status if status in STATUSES else None, limit=100):
        last = store.messages(c.id)[-1:] or [None]
        rows.append((c, last[0]))
    return page(request, "support_inbox.html", nav="support", rows=rows, status=status, statuses=STATUSES,
                link=link, base=str(request.base_url).rstrip("/"), can_link=principal.role.value in ("owner", "admin"))


@router.get("/support/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation(conversation_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    store = ConversationStore(services.repo.engine, principal.workspace_id)
    c = store.get(conversation_id)
    return page(request, "support_conversation.html", nav="support", c=c, messages=store.messages(conversation_id),
                handoff=c.state.get("handoff"), pending=c.state.get("pending"))


@router.post("/support/conversations/{conversation_id}/take-over")
def take_over(conversation_id: str, services: ServicesDep, principal: PrincipalDep) -> Response:
    ConversationStore(services.repo.engine, principal.workspace_id).take_over(conversation_id, principal.actor)
    return RedirectResponse(f"/support/conversations/{quote(conversation_id)}", status_code=303)


@router.post("/support/conversations/{conversation_id}/reply")
def reply(conversation_id: str, services: ServicesDep, principal: PrincipalDep,
          text: str = Form(..., min_length=1, max_length=4000)) -> Response:
    """A person's reply (typed, or the agent's suggestion approved as it is): the conversation is theirs from now on."""
    store = ConversationStore(services.repo.engine, principal.workspace_id)
    if store.get(conversation_id).status != "handed_off":
        store.take_over(conversation_id, principal.actor)
    store.add_message(conversation_id, "staff", principal.user, text)
    return RedirectResponse(f"/support/conversations/{quote(conversation_id)}", status_code=303)


@router.post("/support/chat-links", dependencies=[ADMIN])
def new_link(services: ServicesDep, principal: PrincipalDep) -> Response:
    token = ConversationStore(services.repo.engine, principal.workspace_id).create_link(principal.actor)
    return RedirectResponse(f"/support?link={quote(token)}", status_code=303)


# -- the customer's side: a chat link ----------------------------------------------------------------------
class ChatIn(BaseModel):
    conversation_id: str | None = Field(None, pattern=r"^cnv_[a-z2-7]{16}$")
    text: str = Field(min_length=1, max_length=4000)


class ChatOut(BaseModel):
    conversation_id: str
    text: str
    awaiting: str | None = None
    done: bool = False
    handed_off: bool = False


@public.get("/chat/{token}", response_class=HTMLResponse, dependencies=[PUBLIC])
def chat_page(token: str, request: Request, services: ServicesDep) -> HTMLResponse:
    ConversationStore.workspace_of_link(services.repo.engine, token)
    return page(request, "chat.html", token=token)


@public.post("/chat/{token}/messages", response_model=ChatOut, dependencies=[PUBLIC])
def chat_message(token: str, body: ChatIn, services: ServicesDep) -> ChatOut:
    """The customer's message through the shop's link; the conversation id they were given is theirs alone."""
    ws = ConversationStore.workspace_of_link(services.repo.engine, token)
    agent = services.support(ws)
    if body.conversation_id is None:
        cid = agent.start(channel="chat").id
    else:
        cid = body.conversation_id
        if agent.store.get(cid).channel != "chat":  # 404 for another workspace's; a staff channel is not the customer's
            from ..errors import NotFoundError

            raise NotFoundError(f"no conversation {cid!r} for this chat link")
    out = agent.send(cid, body.text)
    staff = [m for m in agent.store.messages(cid) if m.role == "staff"]
    text = out.text or (staff[-1].text if staff else "")
    return ChatOut(conversation_id=cid, text=text, awaiting=out.awaiting, done=out.done, handed_off=out.handoff is not None or not out.text)
