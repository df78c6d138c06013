"""The evidence pack: the cover letter, the order, the products as listed, the tracking timeline, the customer's
messages, the policy, refunds, earlier orders and Visa CE 3.0 (what the issuer reads), laid out once as blocks and written as Markdown,
HTML or PDF by the same exporters as the sourcing report (escaped, fonts for every script)."""

from __future__ import annotations

from pathlib import Path

from ...sourcing.export import blocks_to_html, blocks_to_markdown, blocks_to_pdf
from ...sourcing.layout import Block, Heading, Paragraph, Table
from ...shop.disputes import Dispute
from .evidence import Evidence
from .letter import Letter


def layout(dispute: Dispute, evidence: Evidence, letter: Letter, messages: dict[str, list] | None = None) -> list[Block]:
    """What goes to the card issuer: the letter and the evidence it cites. The recommendation and its chances stay
    with the merchant (the dispute's page and `tradewinds disputes show`)."""
    r = evidence.route
    out: list[Block] = [Heading(f"Response to dispute {dispute.id}", 1),
                        Paragraph(f"{dispute.amount} {dispute.currency} · {r.category.replace('_', ' ')}"
                                  + (f" · {r.network} {r.code} {r.title}" if r.code and r.title else f" · Stripe reason {dispute.reason}")
                                  + (f" · evidence due {dispute.due_by}" if dispute.due_by else ""), "note"),
                        Heading("Letter"), *[Paragraph(line) for line in letter.text.splitlines()],
                        Heading("Evidence")]
    for item in evidence.items:
        if item.kind == "tracking":
            out += [Heading(f"{item.id}. {item.title}", 3), Table(["time", "event"], [[k, v] for k, v in item.facts.items()], widths=[1, 3])]
        else:
            out += [Heading(f"{item.id}. {item.title}", 3), Paragraph(f"source: {item.source}", "note"),
                    Table(["", ""], [[k, v] for k, v in item.facts.items()], widths=[1, 3])]
        if item.kind == "communication" and messages and item.source.split(" ", 1)[1] in messages:
            out.append(Table(["time", "from", "message"], [[m.at, m.role, m.text[:1000]] for m in messages[item.source.split(" ", 1)[1]]],
                             widths=[1, 1, 4]))
    if evidence.ce3.applicable:
        out += [Heading("Visa Compelling Evidence 3.0"), Table(["criterion", "met", "detail"],
                                                               [[c.name, "yes" if c.met else "no", c.detail] for c in evidence.ce3.criteria], widths=[3, 1, 4])]
    return out


def write(blocks: list[Block], path: Path, fmt: str, title: str) -> None:
    link = "http://127.0.0.1:8000/v1"
    if fmt == "pdf":
        blocks_to_pdf(blocks, path, title, "en", link)
    elif fmt == "html":
        path.write_text(blocks_to_html(blocks, title, "en", link), encoding="utf-8")
    else:
        path.write_text(blocks_to_markdown(blocks, link), encoding="utf-8")
