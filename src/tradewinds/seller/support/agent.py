"""The support agent of one workspace's shop: conversations in, replies out, every write through the action ledger.

``SupportAgent.send`` stores the customer's message, runs one turn of the conversation's strategy on the state stored
with it, and stores the reply and the new state. Two strategies stand behind one interface (``turn(desk, state,
text) -> Reply``), picked by the model's capabilities: the tool-calling loop for a model with native tools, the guided
dialogue manager for the embedded small model (or by ``TRADEWINDS_SUPPORT_STRATEGY``). Either way the rules are the
code's: identity before account data, one customer per conversation, the policy checked by the ledger's action
types, nothing written without the customer's explicit yes to the exact effect.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.engine import Engine

from ...accounts import Actor, Role
from ...actions import ActionLedger
from ...models.gateway import Gateway
from ...shop.conversations import Conversation, ConversationStore
from ...shop.policy import PolicyStore
from ...shop.repository import ShopRepository
from .guided import Desk, GuidedStrategy
from .schemas import Reply, State

AGENT = Actor(kind="agent", id="support", role=Role.operator)


class Strategy(Protocol):
    name: str

    def turn(self, desk: Desk, state: State, text: str) -> Reply: ...


def pick_strategy(choice: str, gateway: Gateway | None, task: str = "support") -> Strategy:
    """``guided``, ``tools``, or ``auto``: the tool loop when every model on the task's route calls tools natively."""
    from .toolloop import ToolLoopStrategy

    if choice == "guided" or gateway is None:
        return GuidedStrategy()
    if choice == "tools":
        return ToolLoopStrategy(task=task)
    models = gateway.usable(task)
    return ToolLoopStrategy(task=task) if models and all(m.supports_tools for m in models) else GuidedStrategy()


class SupportAgent:
    def __init__(self, engine: Engine, workspace_id: str, *, ledger: ActionLedger, policies: PolicyStore,
                 gateway: Gateway | None = None, strategy: str | Strategy = "auto", actor: Actor = AGENT) -> None:
        self.engine, self.workspace_id, self.ledger, self.policies, self.gateway = engine, workspace_id, ledger, policies, gateway
        self.strategy = strategy if not isinstance(strategy, str) else pick_strategy(strategy, gateway)
        self.actor = actor
        self.store = ConversationStore(engine, workspace_id)
        self.shop = ShopRepository(engine, workspace_id)

    def start(self, *, channel: str = "chat") -> Conversation:
        return self.store.create(channel=channel, strategy=self.strategy.name, state=State().model_dump(mode="json"))

    def send(self, conversation_id: str, text: str, *, author: str = "customer") -> Reply:
        """One customer message -> the agent's reply (stored, with the conversation's new state)."""
        conversation = self.store.get(conversation_id)
        state = State.model_validate(conversation.state)
        self.store.add_message(conversation_id, "customer", author, text)
        if conversation.status == "handed_off":
            return Reply(text="", language=state.language, handoff=state.handoff, done=True, strategy=self.strategy.name)
        desk = Desk(workspace_id=self.workspace_id, shop=self.shop, policy=self.policies.current(self.workspace_id)[1],
                    ledger=self.ledger, actor=self.actor.model_copy(update={"run_id": conversation_id}),
                    conversation_id=conversation_id, gateway=self.gateway)
        reply = self.strategy.turn(desk, state, text)
        self.store.add_message(conversation_id, "agent", f"agent {self.strategy.name}", reply.text,
                               reply.model_dump(mode="json", exclude={"text"}))
        self.store.save(conversation_id, state=state.model_dump(mode="json"), customer_id=state.customer_id,
                        status="handed_off" if state.handoff else "open", language=state.language)
        return reply
