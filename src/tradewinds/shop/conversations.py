"""Conversations and their messages, per workspace: what a customer said, what the agent or a person answered, and
the support agent's state between turns. The only SQL for them."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets

from pydantic import BaseModel, Field
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from ..accounts import Actor
from ..actions import audit
from ..errors import NotFoundError
from .tables import ChatLinkRow, ConversationRow, MessageRow

_CONV, _MSG, _LINKS = ConversationRow.__table__, MessageRow.__table__, ChatLinkRow.__table__


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Conversation(BaseModel):
    id: str
    channel: str
    status: str
    customer_id: str | None
    language: str
    strategy: str
    state: dict
    created_at: str
    updated_at: str


class MessageOut(BaseModel):
    seq: int
    role: str
    author: str
    text: str
    data: dict = Field(default_factory=dict)
    at: str


class ConversationStore:
    def __init__(self, engine: Engine, workspace_id: str) -> None:
        self.engine, self.workspace_id = engine, workspace_id

    def create(self, *, channel: str, strategy: str, state: dict, language: str = "en") -> Conversation:
        cid = "cnv_" + base64.b32encode(os.urandom(10)).decode().lower()
        at = audit.now()
        values = dict(workspace_id=self.workspace_id, id=cid, channel=channel, status="open", customer_id=None, language=language,
                      strategy=strategy, state=state, created_at=at, updated_at=at)
        with self.engine.begin() as conn:
            conn.execute(insert(_CONV).values(**values))
        return Conversation(**{k: v for k, v in values.items() if k != "workspace_id"})

    def get(self, conversation_id: str) -> Conversation:
        with self.engine.connect() as conn:
            row = conn.execute(select(_CONV).where(_CONV.c.workspace_id == self.workspace_id, _CONV.c.id == conversation_id)).first()
        if row is None:
            raise NotFoundError(f"no conversation {conversation_id!r} in this workspace", hint="start one with POST /v1/support/conversations")
        return Conversation(**{k: getattr(row, k) for k in Conversation.model_fields})

    def save(self, conversation_id: str, *, state: dict, status: str, customer_id: str | None, language: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(_CONV).where(_CONV.c.workspace_id == self.workspace_id, _CONV.c.id == conversation_id).values(
                state=state, status=status, customer_id=customer_id, language=language, updated_at=audit.now()))

    def add_message(self, conversation_id: str, role: str, author: str, text: str, data: dict | None = None) -> MessageOut:
        with self.engine.begin() as conn:
            seq = (conn.execute(select(func.max(_MSG.c.seq)).where(_MSG.c.workspace_id == self.workspace_id,
                                                                   _MSG.c.conversation_id == conversation_id)).scalar() or 0) + 1
            at = audit.now()
            conn.execute(insert(_MSG).values(workspace_id=self.workspace_id, conversation_id=conversation_id, seq=seq, role=role,
                                             author=author, text=text, data=data or {}, at=at))
        return MessageOut(seq=seq, role=role, author=author, text=text, data=data or {}, at=at)

    def messages(self, conversation_id: str, *, after: int = 0) -> list[MessageOut]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_MSG).where(_MSG.c.workspace_id == self.workspace_id, _MSG.c.conversation_id == conversation_id,
                                                   _MSG.c.seq > after).order_by(_MSG.c.seq))
            return [MessageOut(seq=r.seq, role=r.role, author=r.author, text=r.text, data=r.data, at=r.at) for r in rows]

    def list(self, *, status: str | None = None, limit: int = 50) -> list[Conversation]:
        query = select(_CONV).where(_CONV.c.workspace_id == self.workspace_id)
        if status:
            query = query.where(_CONV.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(_CONV.c.updated_at.desc()).limit(limit))
            return [Conversation(**{k: getattr(r, k) for k in Conversation.model_fields}) for r in rows]

    def take_over(self, conversation_id: str, by: Actor) -> None:
        """A person answers from now on: the agent stops replying in this conversation (audited)."""
        self.get(conversation_id)
        with self.engine.begin() as conn:
            audit.lock(conn, self.workspace_id)
            conn.execute(update(_CONV).where(_CONV.c.workspace_id == self.workspace_id, _CONV.c.id == conversation_id).values(
                status="handed_off", updated_at=audit.now()))
            audit.append(conn, self.workspace_id, "support.taken_over", by, {"conversation_id": conversation_id})

    # -- links customers chat through ------------------------------------------------------------------------
    def create_link(self, by: Actor) -> str:
        """A new chat link's token (shown once; only its hash is stored; audited)."""
        token = "chat_" + secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            audit.lock(conn, self.workspace_id)
            conn.execute(insert(_LINKS).values(token_hash=_hash(token), workspace_id=self.workspace_id, created_by=by.id,
                                               created_at=audit.now(), revoked=False))
            audit.append(conn, self.workspace_id, "support.chat_link_created", by, {"token_hash": _hash(token)[:12]})
        return token

    @staticmethod
    def workspace_of_link(engine: Engine, token: str) -> str:
        with engine.connect() as conn:
            row = conn.execute(select(_LINKS.c.workspace_id).where(_LINKS.c.token_hash == _hash(token), _LINKS.c.revoked.is_(False))).first()
        if row is None:
            raise NotFoundError("this chat link does not exist or was revoked", hint="ask the shop for its current chat link")
        return row.workspace_id

