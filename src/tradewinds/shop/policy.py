"""The merchant's after-sales policy as data: validated, versioned per workspace, and rendered into the text a
customer is shown (so what the support agent says and what its tools enforce come from the same record)."""

from __future__ import annotations

from collections.abc import Callable

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from ..accounts import Actor
from ..actions import audit
from .tables import PolicyVersionRow

_POLICIES = PolicyVersionRow.__table__


class CategoryRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=200, description="a product category, e.g. 'Underwear' or 'Electronics > Headphones'")
    returnable: bool = True
    return_window_days: int | None = Field(None, ge=0, le=365, description="overrides the shop's window")
    restocking_fee_pct: float | None = Field(None, ge=0, le=50)


class AfterSalesPolicy(BaseModel):
    """What a customer may ask for after buying, and on what terms."""

    model_config = ConfigDict(extra="forbid")
    return_window_days: int = Field(30, ge=0, le=365, description="days after delivery a return or exchange may be asked for")
    return_shipping_paid_by: Literal["customer", "merchant"] = "customer"
    restocking_fee_pct: float = Field(0, ge=0, le=50)
    refund_to: Literal["original_method", "original_or_gift_card", "store_credit"] = "original_or_gift_card"
    cancellable_statuses: list[str] = Field(default_factory=lambda: ["pending"], min_length=0)
    cancel_reasons: list[str] = Field(default_factory=lambda: ["no longer needed", "ordered by mistake"], min_length=1)
    modifiable_statuses: list[str] = Field(default_factory=lambda: ["pending"])
    items_modified_once: bool = True
    exchange_same_product_only: bool = True
    exceptions: list[CategoryRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct_categories(self) -> AfterSalesPolicy:
        seen = [r.category.lower() for r in self.exceptions]
        if len(seen) != len(set(seen)):
            raise ValueError("each category may have one exception rule")
        return self

    def rule_for(self, category: str) -> tuple[bool, int, float]:
        """(returnable, window days, restocking fee %) for a product category (the most specific rule wins)."""
        rules = sorted((r for r in self.exceptions if category.lower().startswith(r.category.lower())), key=lambda r: -len(r.category))
        rule = rules[0] if rules else None
        return ((rule.returnable if rule else True),
                (rule.return_window_days if rule and rule.return_window_days is not None else self.return_window_days),
                (rule.restocking_fee_pct if rule and rule.restocking_fee_pct is not None else self.restocking_fee_pct))

    def render(self, lang: str = "en", word: Callable[[str], str] = str) -> str:
        """The policy in words for customers; every figure comes from the fields above. ``word`` says a status or a
        cancel reason in the customer's language (the shop writes them in English)."""
        t = TEXT.get(lang, TEXT["en"])
        lines = [t["window"].format(days=self.return_window_days),
                 t["shipping_" + self.return_shipping_paid_by],
                 t["fee"].format(pct=f"{self.restocking_fee_pct:g}") if self.restocking_fee_pct else t["no_fee"],
                 t["refund_" + self.refund_to],
                 t["cancel"].format(statuses=", ".join(map(word, self.cancellable_statuses)) or "-",
                                    reasons=", ".join(map(word, self.cancel_reasons)))]
        if self.exchange_same_product_only:
            lines.append(t["exchange"])
        for r in self.exceptions:
            if not r.returnable:
                lines.append(t["not_returnable"].format(category=r.category))
            elif r.return_window_days is not None:
                lines.append(t["window_for"].format(category=r.category, days=r.return_window_days))
        return "\n".join(f"- {line}" for line in lines)


TEXT = {
    "en": {"window": "You can ask for a return or an exchange within {days} days of delivery.",
           "shipping_customer": "Return shipping is paid by you.", "shipping_merchant": "We pay the return shipping.",
           "fee": "A restocking fee of {pct}% is deducted from the refund.", "no_fee": "There is no restocking fee.",
           "refund_original_method": "Refunds go to the original payment method.",
           "refund_original_or_gift_card": "Refunds go to the original payment method or to a gift card of yours.",
           "refund_store_credit": "Refunds are given as store credit.",
           "cancel": "An order can be cancelled while it is {statuses}, for one of these reasons: {reasons}.",
           "exchange": "An item can be exchanged for another option of the same product.",
           "not_returnable": "{category} cannot be returned.", "window_for": "{category}: returns within {days} days."},
    "es": {"window": "Puede pedir una devolución o un cambio en los {days} días siguientes a la entrega.",
           "shipping_customer": "El envío de la devolución corre por su cuenta.", "shipping_merchant": "Nosotros pagamos el envío de la devolución.",
           "fee": "Se descuenta del reembolso una tarifa de reposición del {pct}%.", "no_fee": "No hay tarifa de reposición.",
           "refund_original_method": "Los reembolsos van al medio de pago original.",
           "refund_original_or_gift_card": "Los reembolsos van al medio de pago original o a una tarjeta regalo suya.",
           "refund_store_credit": "Los reembolsos se dan como crédito en la tienda.",
           "cancel": "Un pedido se puede cancelar mientras está {statuses}, por uno de estos motivos: {reasons}.",
           "exchange": "Un artículo se puede cambiar por otra opción del mismo producto.",
           "not_returnable": "{category}: no admite devolución.", "window_for": "{category}: devoluciones en {days} días."},
    "zh": {"window": "签收后 {days} 天内可申请退货或换货。", "shipping_customer": "退货运费由您承担。", "shipping_merchant": "退货运费由我们承担。",
           "fee": "退款将扣除 {pct}% 的重新上架费。", "no_fee": "不收取重新上架费。", "refund_original_method": "退款退回原支付方式。",
           "refund_original_or_gift_card": "退款退回原支付方式或您的礼品卡。", "refund_store_credit": "退款以店铺余额形式发放。",
           "cancel": "订单在 {statuses} 状态下可以取消，原因须为：{reasons}。", "exchange": "商品可换成同一产品的其他规格。",
           "not_returnable": "{category}不支持退货。", "window_for": "{category}：{days} 天内可退货。"},
    "ko": {"window": "배송 완료 후 {days}일 이내에 반품이나 교환을 요청하실 수 있습니다.", "shipping_customer": "반품 배송비는 고객님 부담입니다.",
           "shipping_merchant": "반품 배송비는 저희가 부담합니다.", "fee": "환불 금액에서 {pct}%의 재입고 수수료가 차감됩니다.",
           "no_fee": "재입고 수수료는 없습니다.", "refund_original_method": "환불은 원래 결제 수단으로 진행됩니다.",
           "refund_original_or_gift_card": "환불은 원래 결제 수단 또는 고객님의 기프트 카드로 진행됩니다.",
           "refund_store_credit": "환불은 상점 적립금으로 지급됩니다.",
           "cancel": "주문은 {statuses} 상태일 때 다음 사유로 취소할 수 있습니다: {reasons}.",
           "exchange": "상품은 같은 제품의 다른 옵션으로 교환할 수 있습니다.",
           "not_returnable": "{category}은(는) 반품할 수 없습니다.", "window_for": "{category}: {days}일 이내 반품 가능."},
    "ar": {"window": "يمكنك طلب إرجاع أو استبدال خلال {days} يومًا من التسليم.", "shipping_customer": "تتحمل أنت تكلفة شحن الإرجاع.",
           "shipping_merchant": "نحن نتحمل تكلفة شحن الإرجاع.", "fee": "تُخصم رسوم إعادة تخزين بنسبة {pct}% من المبلغ المسترد.",
           "no_fee": "لا توجد رسوم إعادة تخزين.", "refund_original_method": "يُعاد المبلغ إلى وسيلة الدفع الأصلية.",
           "refund_original_or_gift_card": "يُعاد المبلغ إلى وسيلة الدفع الأصلية أو إلى بطاقة هدايا لك.",
           "refund_store_credit": "يُعاد المبلغ رصيدًا في المتجر.",
           "cancel": "يمكن إلغاء الطلب ما دام {statuses}، لأحد هذه الأسباب: {reasons}.",
           "exchange": "يمكن استبدال المنتج بخيار آخر من المنتج نفسه.",
           "not_returnable": "لا يمكن إرجاع {category}.", "window_for": "{category}: الإرجاع خلال {days} يومًا."},
}


class PolicyStore:
    """Versions of each workspace's policy; the newest is in force, every older one stays readable."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self, workspace_id: str) -> tuple[int, AfterSalesPolicy]:
        """(version, policy); version 0 is the default policy of a shop that never set one."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_POLICIES).where(_POLICIES.c.workspace_id == workspace_id)
                               .order_by(_POLICIES.c.version.desc()).limit(1)).first()
        return (row.version, AfterSalesPolicy.model_validate(row.policy)) if row else (0, AfterSalesPolicy())

    def in_force_at(self, workspace_id: str, when: str) -> tuple[int, AfterSalesPolicy, str | None]:
        """(version, policy, since when) of the policy in force at ``when`` (ISO 8601); version 0 is the default
        policy, in force before any was set."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_POLICIES).where(_POLICIES.c.workspace_id == workspace_id, _POLICIES.c.created_at <= when)
                               .order_by(_POLICIES.c.version.desc()).limit(1)).first()
        return (row.version, AfterSalesPolicy.model_validate(row.policy), row.created_at) if row else (0, AfterSalesPolicy(), None)

    def version(self, workspace_id: str, version: int) -> AfterSalesPolicy:
        with self.engine.connect() as conn:
            row = conn.execute(select(_POLICIES.c.policy).where(_POLICIES.c.workspace_id == workspace_id, _POLICIES.c.version == version)).first()
        if row is None:
            from ..errors import NotFoundError

            raise NotFoundError(f"no policy version {version} in this workspace", hint="see the versions with `tradewinds shop policy show`")
        return AfterSalesPolicy.model_validate(row.policy)

    def save(self, workspace_id: str, policy: AfterSalesPolicy, *, by: Actor) -> int:
        """Store a new version (the same policy as the current one: no new version); returns the version in force.
        The change is an event in the workspace's audit trail, in the same transaction."""
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            newest = conn.execute(select(func.max(_POLICIES.c.version)).where(_POLICIES.c.workspace_id == workspace_id)).scalar() or 0
            if newest and conn.execute(select(_POLICIES.c.policy).where(_POLICIES.c.workspace_id == workspace_id,
                                                                         _POLICIES.c.version == newest)).scalar() == policy.model_dump():
                return newest
            conn.execute(insert(_POLICIES).values(workspace_id=workspace_id, version=newest + 1, policy=policy.model_dump(),
                                                  created_at=datetime.now(UTC).isoformat(timespec="seconds"), created_by=by.id))
            audit.append(conn, workspace_id, "shop_policy.changed", by, {"version": newest + 1, "policy": policy.model_dump()})
        return newest + 1
