"""Model gateway benchmark: local model speed, gateway overhead, cache hits, structured-output validity.

    python benchmarks/models.py [--model qwen2.5-0.5b] [--runs 50] [--calls 200]

1. Prompt and generation tokens/s of the local model at 1 and 2 llama.cpp threads (runtime
   timings, median of 3; a ~190-token prompt, 64 generated tokens).
2. Gateway overhead against calling the runtime directly, in the same run: (a) exact, with an
   instant fake model (gateway cache off: routing, slot, timeout thread, usage row); (b) against
   the real runtime with 1-token replies, interleaved, median difference.
3. Cache-hit latency: the same temperature-0 request through the gateway, served from SQLite.
4. Structured output: --runs sampled calls (temperature 0.8, fresh seed each) for each of three
   schemas, one attempt each (no re-ask), counting replies that validate against the Pydantic model.
Targets (issue 3): overhead <= 1 ms/call, cache hit <= 1 ms, 100% schema-valid.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationError

from tradewinds.models import ChatOptions, ChatRequest, FakeChatModel, Gateway, Message
from tradewinds.models.providers.local import LocalChatModel
from tradewinds.models.providers.openai import chat_body
from tradewinds.settings import Settings


class Requirement(BaseModel):
    product: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=10_000_000)
    max_unit_price: float | None = Field(None, ge=0)
    currency: Literal["USD", "EUR", "CNY", "AED", "GBP"] = "USD"
    certifications: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=5)


class Classification(BaseModel):
    category: Literal["kitchen equipment", "furniture", "apparel", "electronics", "packaging", "lighting", "tools", "other"]
    confidence: Literal["high", "medium", "low"]


class ListingTitle(BaseModel):
    title: str = Field(min_length=10, max_length=80)
    keywords: list[Annotated[str, Field(min_length=2, max_length=30)]] = Field(min_length=1, max_length=5)
    language: Literal["en", "es", "de", "fr", "ar"]


NEEDS = ["We need 500 blue ceramic mugs with our logo, under 2 USD each.", "Looking for 40 stainless steel cafe chairs, CE certified, budget 35 EUR a piece.",
         "Order 2 commercial espresso machines, 2 group, max 3000 dollars each.", "1200 cotton t-shirts, custom print, OEKO-TEX, below 3 USD.",
         "We want 10,000 kraft paper bags with handles for our shop in Dubai.", "Need 60 LED pendant lights, RoHS and CE, price up to 25 GBP.",
         "300 cordless drills 18V for resale, about 40 USD each.", "Buying 5000 PET bottles 500 ml, FDA compliant, 0.05 USD max."]
PRODUCTS = ["Stainless steel 2-group espresso machine with steam wand, 220 V", "Oak bistro chair, stackable, 45 cm seat",
            "Organic cotton crew-neck t-shirt, 180 gsm, unisex", "USB-C fast charger 65 W GaN, dual port",
            "Corrugated shipping box 40x30x20 cm, 5-ply", "LED panel light 60x60 cm 40 W 4000 K", "Cordless impact driver 18 V brushless",
            "Bamboo cutting board set of 3 with juice groove"]
MARKETS = ["Spain", "Germany", "France", "UAE", "United States"]

SCHEMAS = {
    "Requirement": (Requirement, lambda rng: f"Extract the buyer's requirement as JSON.\nMessage: {rng.choice(NEEDS)}"),
    "Classification": (Classification, lambda rng: f"Classify this product into one category.\nProduct: {rng.choice(PRODUCTS)}"),
    "ListingTitle": (ListingTitle, lambda rng: f"Write a marketplace title (10-80 characters) and up to 5 keywords in the language of "
                                              f"{rng.choice(MARKETS)} for: {rng.choice(PRODUCTS)}"),
}
LONG_PROMPT = ("You are a sourcing assistant. A buyer is opening a 40-seat coffee shop in Dubai with a budget of 60,000 USD. "
               "They need espresso machines, grinders, refrigerated display counters, chairs, tables, cups, saucers, "
               "takeaway packaging, lighting and a point-of-sale system. ") * 3 + "List ten product lines with a short reason for each."


def local_speed(model: str, data_dir: Path, threads: int) -> tuple[float, float]:
    chat = LocalChatModel(model, data_dir=data_dir, threads=threads, context=2048)
    rt = chat.runtime()
    prompt_tps, gen_tps = [], []
    for i in range(3):
        # a distinct first token each time, so no prompt-cache reuse flatters prompt speed
        body = chat_body(model, ChatRequest(messages=[Message(role="user", content=f"[{i}] " + LONG_PROMPT)], options=ChatOptions(max_tokens=64)))
        t = rt.server.handle_chat_completions(body)["timings"]
        prompt_tps.append(t["prompt_per_second"])
        gen_tps.append(t["predicted_per_second"])
    return statistics.median(prompt_tps), statistics.median(gen_tps)


def overhead_fake(data_dir: Path, calls: int) -> tuple[float, float]:
    fake = FakeChatModel(lambda r: "ok", model="bench")
    gw = Gateway(Settings(data_dir=data_dir, model_routes={"bench": ["fake:bench"]}), models={"fake:bench": fake}, cache=False)
    request = ChatRequest(messages=[Message(role="user", content="hi")])
    direct, routed = [], []
    for _ in range(calls):
        t = time.perf_counter()
        fake.complete(request)
        direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        gw.complete("bench", request)
        routed.append(time.perf_counter() - t)
    return statistics.median(direct) * 1000, statistics.median(routed) * 1000


def overhead_runtime(model: str, data_dir: Path, calls: int) -> tuple[float, float]:
    chat = LocalChatModel(model, data_dir=data_dir, threads=1, context=2048)
    gw = Gateway(Settings(data_dir=data_dir, model_routes={"bench": [chat.model_id]}), models={chat.model_id: chat}, cache=False)
    request = ChatRequest(messages=[Message(role="user", content="Say yes.")], options=ChatOptions(max_tokens=1))
    rt, body = chat.runtime(), chat_body(model, request)
    direct, routed = [], []
    for _ in range(calls):
        t = time.perf_counter()
        rt.server.handle_chat_completions(body)
        direct.append(time.perf_counter() - t)
        t = time.perf_counter()
        gw.complete("bench", request)
        routed.append(time.perf_counter() - t)
    return statistics.median(direct) * 1000, statistics.median(routed) * 1000


def cache_hit(data_dir: Path, calls: int) -> float:
    fake = FakeChatModel(lambda r: '{"product": "mug", "quantity": 500}', model="bench")
    gw = Gateway(Settings(data_dir=data_dir, model_routes={"bench": ["fake:bench"]}), models={"fake:bench": fake}, cache=True)
    request = ChatRequest(messages=[Message(role="system", content="Extract."), Message(role="user", content=NEEDS[0])],
                          json_schema=Requirement.model_json_schema(), schema_name="Requirement")
    gw.complete("bench", request)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        gw.complete("bench", request)
        times.append(time.perf_counter() - t)
    assert len(fake.requests) == 1, "cache did not serve the repeats"
    return statistics.median(times) * 1000


def validity(model: str, data_dir: Path, runs: int) -> dict[str, tuple[int, int, str]]:
    chat = LocalChatModel(model, data_dir=data_dir, threads=1, context=2048)
    rng = random.Random(7)
    out = {}
    for name, (schema, prompt) in SCHEMAS.items():
        valid, example = 0, ""
        for i in range(runs):
            request = ChatRequest(messages=[Message(role="user", content=prompt(rng))], json_schema=schema.model_json_schema(),
                                  schema_name=name, options=ChatOptions(temperature=0.8, max_tokens=160, seed=1000 + i))
            response = chat.complete(request)
            try:
                schema.model_validate_json(response.text)
                valid += response.finish_reason != "length"
                example = example or response.text.replace("\n", " ")[:110]
            except ValidationError as exc:
                print(f"  {name} run {i}: invalid ({exc.errors()[0]['msg']}): {response.text[:120]!r}", file=sys.stderr)
        out[name] = (valid, runs, example)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="qwen2.5-0.5b")
    ap.add_argument("--runs", type=int, default=50, help="sampled structured-output runs per schema")
    ap.add_argument("--calls", type=int, default=200, help="calls for the overhead and cache measurements")
    ap.add_argument("--data-dir", type=Path, default=Path("data"), help="where the assembled GGUF is kept")
    args = ap.parse_args()
    rows: list[tuple[str, str, str]] = []
    for threads in (1, 2):
        p, g = local_speed(args.model, args.data_dir, threads)
        rows.append((f"local:{args.model} {threads} thread(s)", f"prompt {p:,.0f} tok/s, generation {g:,.1f} tok/s", ""))
    with tempfile.TemporaryDirectory() as tmp:
        d, r = overhead_fake(Path(tmp) / "a", args.calls)
        rows.append(("gateway overhead, instant fake model", f"direct {d:.3f} ms, gateway {r:.3f} ms", f"+{r - d:.3f} ms/call (target <= 1)"))
        d, r = overhead_runtime(args.model, args.data_dir, min(args.calls, 40))
        rows.append(("gateway overhead, real runtime (1 token)", f"direct {d:.1f} ms, gateway {r:.1f} ms", f"+{r - d:.2f} ms/call, x{r / d:.3f}"))
        hit = cache_hit(Path(tmp) / "b", args.calls)
        rows.append(("cache hit (temperature 0, SQLite)", f"{hit:.3f} ms", "target <= 1 ms"))
        for name, (valid, runs, example) in validity(args.model, args.data_dir, args.runs).items():
            rows.append((f"schema-valid {name}, T=0.8", f"{valid}/{runs} = {valid / runs:.0%}", example))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':<48}  note")
    for name, result, note in rows:
        print(f"{name:<{width}}  {result:<48}  {note}")


if __name__ == "__main__":
    main()
