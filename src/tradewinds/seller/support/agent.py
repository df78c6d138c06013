"""The support agent of one workspace's shop: conversations in, replies out, every write through the action ledger.

``SupportAgent.send`` stores the customer's message, runs one turn of the conversation's strategy on the state stored
with it, and stores the reply and the new state. Two strategies stand behind one interface (``turn(desk, state,
text) -> Reply``), picked by the model's capabilities: the tool-calling loop for a model with native tools, the guided
dialogue manager for the embedded small model (or by ``TRADEWINDS_SUPPORT_STRATEGY``). Either way the rules are the
code's: identity before account data, one customer per conversation, the policy checked by the ledger's action
types, nothing written without the customer's explicit yes to the exact effect.

A conversation is a run of the platform's runtime (``runtime.Runs``, its id the conversation's): each customer message
starts its next attempt, and its steps (the message read, the model's and tools' steps, the change waiting for a yes,
each action applied, a hand-off) are events in the run's log, streamed and replayed like any run's.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.engine import Engine

from ...accounts import Actor, Role
from ...actions import ActionLedger
from ...models.gateway import Gateway
from ...runtime.events import StepEvent
from ...runtime.runs import Runs
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
                 gateway: Gateway | None = None, strategy: str | Strategy = "auto", actor: Actor = AGENT,
                 runs: Runs | None = None) -> None:
        self.engine, self.workspace_id, self.ledger, self.policies, self.gateway = engine, workspace_id, ledger, policies, gateway
        self.strategy = strategy if not isinstance(strategy, str) else pick_strategy(strategy, gateway)
        self.actor = actor
        self.runs = runs or Runs(engine, workers=1, max_queued=0)  # turns run in the caller's thread: no pool is used
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
        self.runs.begin(conversation_id, "support", workspace_id=self.workspace_id, meta={"turn": state.turns + 1})

        def emit(event: StepEvent) -> None:
            self.runs.emit(conversation_id, event)

        emit(StepEvent(step="understand", message="reading the customer's message"))
        desk = Desk(workspace_id=self.workspace_id, shop=self.shop, policy=self.policies.current(self.workspace_id)[1],
                    ledger=self.ledger, actor=self.actor.model_copy(update={"run_id": conversation_id}),
                    conversation_id=conversation_id, gateway=self.gateway, emit=emit)
        try:
            reply = self.strategy.turn(desk, state, text)
        except Exception as exc:
            self.runs.finish(conversation_id, "error", {"message": "the agent could not answer this message", "code": type(exc).__name__})
            raise
        for action_id in reply.applied:
            emit(StepEvent(step="tool", message=f"action {action_id} applied", data={"action_id": action_id}))
        if reply.pending is not None:
            emit(StepEvent(step="plan", message=f"waiting for the customer's yes: {reply.pending.summary}"[:2000]))
        if reply.handoff is not None:
            emit(StepEvent(step="review", message=f"handed to a person: {reply.handoff.reason}"[:2000]))
        emit(StepEvent(step="done", message="replied", data={"awaiting": reply.awaiting, "strategy": reply.strategy}))
        self.runs.finish(conversation_id, "done")  # this turn; a hand-off is its 'review' event
        self.store.add_message(conversation_id, "agent", f"agent {self.strategy.name}", reply.text,
                               reply.model_dump(mode="json", exclude={"text"}))
        self.store.save(conversation_id, state=state.model_dump(mode="json"), customer_id=state.customer_id,
                        status="handed_off" if state.handoff else "open", language=state.language)
        return reply
