"""The gateway: routing by task, fallbacks with backoff, timeouts, concurrency, cache, usage, settings."""

import json
import threading
import time

import pytest
from typer.testing import CliRunner

from tradewinds.cli import app
from tradewinds.models import ChatOptions, ChatRequest, ChatResponse, FakeChatModel, Gateway, Message, ProviderError, Usage
from tradewinds.models.store import ModelStore
from tradewinds.models.testing import Product
from tradewinds.settings import Settings, get_settings


def req(text="hi", temperature=0.0, **kw) -> ChatRequest:
    return ChatRequest(messages=[Message(role="user", content=text)], options=ChatOptions(temperature=temperature, **kw))


def reply(text, tokens=(10, 5)) -> ChatResponse:
    return ChatResponse(text=text, model_id="fake:x", usage=Usage(prompt_tokens=tokens[0], completion_tokens=tokens[1]))


def busy(request):
    raise ProviderError("HTTP 429", retryable=True, status=429)


def gateway(tmp_path, models, routes, **settings) -> tuple[Gateway, list[float]]:
    sleeps: list[float] = []
    s = Settings(data_dir=tmp_path, model_routes=routes, **settings)
    return Gateway(s, models=models, sleep=sleeps.append), sleeps


def test_tasks_resolve_by_longest_dotted_prefix(tmp_path):
    gw, _ = gateway(tmp_path, {}, {"sourcing": ["fake:a"], "sourcing.extract": ["fake:b", "fake:c"]})
    assert gw.route("sourcing.extract") == ["fake:b", "fake:c"]
    assert gw.route("sourcing.extract.units") == ["fake:b", "fake:c"]
    assert gw.route("sourcing.report") == ["fake:a"]
    assert gw.route("seller.listing") == ["local:qwen2.5-0.5b"]  # the default route is always there


def test_retries_with_jittered_backoff_then_falls_back(tmp_path):
    primary, fallback = FakeChatModel(busy, model="a"), FakeChatModel(["from b"], model="b")
    gw, sleeps = gateway(tmp_path, {"fake:a": primary, "fake:b": fallback}, {"t": ["fake:a", "fake:b"]},
                         model_retries=2, model_backoff_s=1.0)
    assert gw.complete("t", req()).text == "from b"
    assert len(primary.requests) == 3 and len(fallback.requests) == 1
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1.0 and 0 <= sleeps[1] <= 2.0  # full jitter under a doubling cap
    usage = {r.model_id: r for r in gw.store.usage()}
    assert usage["fake:a"].errors == 3 and usage["fake:b"].calls == 1


def test_every_route_failing_says_which_and_how_to_fix(tmp_path):
    gw, _ = gateway(tmp_path, {"fake:a": FakeChatModel(busy, model="a")}, {"t": ["fake:a"]}, model_retries=0)
    with pytest.raises(ProviderError, match="every model on its route failed") as e:
        gw.complete("t", req())
    assert "fake:a: HTTP 429" in e.value.message and "TRADEWINDS_MODEL_ROUTES" in e.value.hint


def test_non_retryable_errors_are_not_retried(tmp_path):
    def bad(request):
        raise ProviderError("rejected: schema", retryable=False)

    model = FakeChatModel(bad, model="a")
    gw, sleeps = gateway(tmp_path, {"fake:a": model, "fake:b": FakeChatModel(["x"], model="b")}, {"t": ["fake:a", "fake:b"]})
    with pytest.raises(ProviderError, match="rejected"):
        gw.complete("t", req())
    assert len(model.requests) == 1 and sleeps == []


def test_timeout_moves_on_to_the_fallback(tmp_path):
    slow = FakeChatModel(lambda r: (time.sleep(1.0), "late")[1], model="slow")
    gw, _ = gateway(tmp_path, {"fake:slow": slow, "fake:b": FakeChatModel(["quick"], model="b")}, {"t": ["fake:slow", "fake:b"]},
                    model_retries=0)
    started = time.perf_counter()
    assert gw.complete("t", req(timeout_s=0.2)).text == "quick"
    assert time.perf_counter() - started < 0.9


def test_concurrency_limit_per_model(tmp_path):
    in_flight, peak, lock = [0], [0], threading.Lock()

    def tracked(request):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return "ok"

    gw, _ = gateway(tmp_path, {"fake:a": FakeChatModel(tracked, model="a")}, {"t": ["fake:a"]}, model_concurrency=2, model_cache=False)
    threads = [threading.Thread(target=gw.complete, args=("t", req(f"q{i}"))) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2


def test_cache_serves_identical_temperature_zero_requests(tmp_path):
    model = FakeChatModel(lambda r: reply("answer"), model="a")
    gw, _ = gateway(tmp_path, {"fake:a": model}, {"t": ["fake:a"]})
    first = gw.complete("t", req("same"))
    assert gw.complete("t", req("same", timeout_s=5)).text == first.text  # the timeout is not part of the key
    assert len(model.requests) == 1
    gw.complete("t", req("same", max_tokens=99))  # other parameters: a new key
    gw.complete("t", req("same", temperature=0.7))
    gw.complete("t", req("same", temperature=0.7))  # sampling: never cached
    assert len(model.requests) == 4
    schema = req("same").model_copy(update={"json_schema": Product.model_json_schema()})
    gw.complete("t", schema)
    assert len(model.requests) == 5
    row = next(r for r in gw.store.usage() if r.model_id == "fake:a")
    assert row.calls == 6 and row.cached == 1


def test_cache_survives_restart_and_can_be_bypassed(tmp_path):
    model = FakeChatModel(lambda r: reply("answer"), model="a")
    gw, _ = gateway(tmp_path, {"fake:a": model}, {"t": ["fake:a"]})
    gw.complete("t", req("q"))
    again = Gateway(gw.settings, models={"fake:a": model})
    again.complete("t", req("q"))
    assert len(model.requests) == 1
    Gateway(gw.settings, models={"fake:a": model}, cache=False).complete("t", req("q"))
    assert len(model.requests) == 2


def test_cut_off_replies_are_not_cached(tmp_path):
    model = FakeChatModel(lambda r: ChatResponse(text="{", finish_reason="length", model_id="fake:a"), model="a")
    gw, _ = gateway(tmp_path, {"fake:a": model}, {"t": ["fake:a"]})
    gw.complete("t", req())
    gw.complete("t", req())
    assert len(model.requests) == 2


def test_ask_through_a_task_reasks_and_meters_cost(tmp_path):
    replies = ['{"name": "mug", "quantity": 0}', '{"name": "mug", "quantity": 5}']
    model = FakeChatModel(lambda r: reply(replies.pop(0), tokens=(1000, 100)), model="a")
    gw, _ = gateway(tmp_path, {"fake:a": model}, {"sourcing": ["fake:a"]}, model_prices={"fake:a": [2.0, 10.0]})
    result, usage = gw.ask("sourcing.extract", [Message(role="user", content="5 mugs")], Product)
    assert result.quantity == 5 and usage.prompt_tokens == 2000
    assert model.requests[0].json_schema["properties"]["name"]["maxLength"] == 40
    assert "greater than or equal to 1" in model.requests[1].messages[-1].content
    (row,) = gw.store.usage()
    assert row.task == "sourcing.extract" and row.calls == 2 and row.completion_tokens == 200
    assert row.cost_usd == 0.0  # fake:* models are free whatever the table says


def test_usage_costs_from_the_price_table_and_unpriced_models(tmp_path):
    store = ModelStore(tmp_path / "m.sqlite")
    s = Settings(data_dir=tmp_path, model_prices={"openai:my-model": [1.0, 2.0]}, model_routes={"t": ["openai:my-model"]},
                 openai_base_url="http://127.0.0.1:9/v1")
    gw = Gateway(s, store=store, models={"openai:my-model": FakeChatModel(lambda r: reply("x", (1_000_000, 500_000)), model="m"),
                                         "openai:other": FakeChatModel(lambda r: reply("x", (10, 10)), model="o")})
    gw.complete("t", req())
    gw.settings = s.model_copy(update={"model_routes": {"t": ["openai:other"], "default": ["local:qwen2.5-0.5b"]}})
    gw.complete("t", req())
    rows = {r.model_id: r for r in store.usage()}
    assert rows["openai:my-model"].cost_usd == pytest.approx(2.0)
    assert rows["openai:other"].cost_usd is None


def test_models_usage_cli_prints_the_metered_calls(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADEWINDS_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    gw = Gateway(get_settings(), models={"fake:a": FakeChatModel(lambda r: reply("x", (120, 30)), model="a")})
    gw.settings = gw.settings.model_copy(update={"model_routes": {"listing.title": ["fake:a"], "default": ["fake:a"]}})
    gw.complete("listing.title", req("a"))
    gw.complete("listing.title", req("a"))
    result = CliRunner().invoke(app, ["models", "usage", "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["task"] == "listing.title" and row["calls"] == 2 and row["cached"] == 1 and row["prompt_tokens"] == 120
    table = CliRunner().invoke(app, ["models", "usage"])
    assert "listing.title" in table.output and "fake:a" in table.output


def test_routes_from_toml_file_and_env(tmp_path, monkeypatch):
    toml = tmp_path / "tw.toml"
    toml.write_text('[model_routes]\n"sourcing.extract" = ["openai:qwen-plus", "local:qwen2.5-0.5b"]\n'
                    '[model_prices]\n"openai:qwen-plus" = [0.5, 1.5]\n')
    monkeypatch.setenv("TRADEWINDS_CONFIG", str(toml))
    monkeypatch.setenv("TRADEWINDS_MODEL_ROUTES", '{"seller.reply": "openai:qwen-max, openai:qwen-plus"}')
    s = Settings()
    assert s.model_routes["sourcing.extract"] == ["openai:qwen-plus", "local:qwen2.5-0.5b"]
    assert s.model_routes["seller.reply"] == ["openai:qwen-max", "openai:qwen-plus"]
    assert s.model_routes["default"] == ["local:qwen2.5-0.5b"] and s.model_prices["openai:qwen-plus"] == [0.5, 1.5]
    with pytest.raises(ValueError, match="not provider:model"):
        Settings(model_routes={"t": ["qwen-plus"]})
    monkeypatch.setenv("TRADEWINDS_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(Exception, match="not a file"):
        Settings()


def test_a_misconfigured_fallback_never_breaks_a_working_primary(tmp_path):
    model = FakeChatModel(lambda r: reply('{"name": "mug", "quantity": 5}'), model="a")
    # openai:* with no TRADEWINDS_OPENAI_BASE_URL cannot be built: it is left out, the primary answers
    gw, _ = gateway(tmp_path, {"fake:a": model}, {"sourcing": ["fake:a", "openai:qwen-plus"]})
    result, _ = gw.ask("sourcing.extract", [Message(role="user", content="5 mugs")], Product)
    assert result.quantity == 5
    only_broken, _ = gateway(tmp_path, {}, {"t": ["openai:qwen-plus"]})
    with pytest.raises(Exception, match="no model on its route can be used"):
        only_broken.ask("t", [Message(role="user", content="5 mugs")], Product)


def test_a_misconfigured_primary_falls_back_to_the_next_model(tmp_path):
    gw, _ = gateway(tmp_path, {"fake:b": FakeChatModel(["from b"], model="b")}, {"t": ["openai:qwen-plus", "fake:b"]})
    assert gw.complete("t", req()).text == "from b"


def test_a_timed_out_call_keeps_its_slot_until_it_really_ends(tmp_path):
    slow = FakeChatModel(lambda r: (time.sleep(1.0), "late")[1], model="slow")
    gw, _ = gateway(tmp_path, {"fake:slow": slow}, {"t": ["fake:slow"]}, model_retries=0, model_concurrency=1, model_cache=False)
    with pytest.raises(ProviderError, match="did not answer"):
        gw.complete("t", req(timeout_s=0.2))
    with pytest.raises(ProviderError, match="no free slot"):  # the first call still runs on the model's side
        gw.complete("t", req("again", timeout_s=0.2))
    time.sleep(1.0)
    assert gw.complete("t", req("later", timeout_s=2)).text == "late"


def test_the_need_reader_falls_back_to_the_extractors_when_no_model_can_be_used(tmp_path):
    from tradewinds.sourcing.understand import understand

    gw, _ = gateway(tmp_path, {}, {"default": ["openai:qwen-plus"]})
    ledger, _ = understand("300 ceramic mugs", gw)
    assert [(line.concept, line.quantity) for line in ledger.lines] == [("ceramic mug", 300)]
    assert any("the model could not read" in n for n in ledger.notes)


def test_providers_register_like_plugins(tmp_path):
    from tradewinds.models.registry import PROVIDERS, get_chat_model

    @PROVIDERS.register("echo")
    def _echo(model, settings):
        return FakeChatModel(lambda r: f"{model}: {r.messages[-1].content}", model=model)

    model = get_chat_model("echo:parrot", Settings(data_dir=tmp_path))
    assert model.complete(req("hello")).text == "parrot: hello"
    with pytest.raises(Exception, match="providers: echo, fake, local, openai"):
        get_chat_model("nosuch:x", Settings(data_dir=tmp_path))


def test_one_gateway_serves_every_request_of_a_process(demo_services):
    first = demo_services.gateway()
    assert demo_services.gateway() is first  # one cache, one set of slots, one pool; not one per request
    assert demo_services.sourcer().gateway is first
