"""The matching benchmark's loader and metrics, on a tiny set written here."""

import numpy as np
import pytest

from tradewinds.search import evaluation as ev
from tradewinds.search.rerank import FEATURES, LearnedRanker, QueryProfile, features, split_words
from tradewinds.search.schemas import SearchHit


@pytest.fixture
def tiny_set(tmp_path):
    (tmp_path / "tableA.csv").write_text("id,title,price\n0,acme widget 2000,10\n1,acme gadget,5\n")
    (tmp_path / "tableB.csv").write_text("id,title,price\n0,acme widget 2000,10\n1,acme widget 2000 (box),11\n2,acme gadget,5\n")
    (tmp_path / "pairs_train.csv").write_text("ltable_id,rtable_id,label\n0,1,1\n1,0,0\n")
    (tmp_path / "pairs_valid.csv").write_text("ltable_id,rtable_id,label\n0,0,1\n1,2,1\n0,2,0\n")
    return ev.load(tmp_path)


def test_known_matches_come_from_the_other_splits_only(tiny_set):
    assert tiny_set.splits() == ["train", "valid"]
    assert tiny_set.positives("valid") == {"0": {"0"}, "1": {"2"}}
    assert tiny_set.known_elsewhere("valid") == {"0": {"1"}}
    assert tiny_set.known_elsewhere("train") == {"0": {"0"}, "1": {"2"}}
    with pytest.raises(FileNotFoundError, match="splits here: \\['train', 'valid'\\]"):
        tiny_set.positives("test")


def test_filtered_setting_skips_known_matches_but_nothing_else():
    ranked = [["1", "0", "2"], ["0", "2"]]
    relevant = [{"0"}, {"2"}]
    raw = ev.metrics(ranked, relevant)
    assert raw["recall@1"] == 0.0 and raw["mrr@10"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    filtered = ev.metrics(ranked, relevant, known=[{"1"}, set()])
    # query 0: its train match "1" leaves the list, so its valid match is first; query 1 is unchanged
    assert filtered["recall@1"] == 0.5 and filtered["mrr@10"] == pytest.approx((1 + 1 / 2) / 2)
    # a known match that is also relevant in this split stays (and counts)
    assert ev.metrics([["1"]], [{"1"}], known=[{"1"}])["recall@1"] == 1.0


def _hit(offer_id, title, price=None):
    return SearchHit(offer_id=offer_id, product_id="p", supplier_id="s", title=title, score=0.01, lexical_score=5.0,
                     dense_score=0.9, lexical_rank=1, dense_rank=1, currency="USD", moq=1, unit_price=price)


def test_contrast_features_compare_a_candidate_with_the_pool():
    assert split_words("Mavis Beacon deluxe17 v2.0") == {"mavis", "beacon", "deluxe", "17", "v", "2", "0"}
    q = QueryProfile("math success deluxe 2006")
    hits = [_hit("a", "math success deluxe 2008"), _hit("b", "math success deluxe 2006"),
            _hit("c", "math success deluxe 2006 expansion pack")]
    x = features(q, hits)
    col = {name: x[:, FEATURES.index(name)] for name in FEATURES}
    assert list(col["number_conflict"]) == [1.0, 0.0, 0.0]
    assert col["miss_contrast"][0] == pytest.approx(2 / 3) and col["miss_contrast"][1] == 0.0  # "2006": 2 of 3 have it
    assert col["extra_rare"][2] == pytest.approx(2 * (1 - 1 / 3)) and col["extra_rare"][1] == 0.0
    assert list(col["split_cover"]) == [pytest.approx(0.75), 1.0, 1.0]


def test_an_ensemble_artifact_averages_its_members_probabilities():
    n = len(FEATURES)
    rng = np.random.default_rng(0)
    linear = {"coef": rng.normal(size=n).tolist()}
    network = {"w1": rng.normal(size=(n, 3)).tolist(), "b1": [0.0, 0.1, -0.1], "w2": [1.0, -2.0, 0.5]}
    base = {"features": list(FEATURES), "mean": [0.0] * n, "std": [1.0] * n}
    q = QueryProfile("acme widget 2000", 10)
    hits = [_hit("a", "acme widget 2000", 10), _hit("b", "acme widget 3000", 12), _hit("c", "acme gadget", 5)]
    alone = [LearnedRanker({**base, "members": [m]}).scores(q, hits) for m in (linear, network)]
    both = LearnedRanker({**base, "members": [linear, network]}).scores(q, hits)
    assert both == pytest.approx((alone[0] + alone[1]) / 2) and both.sum() == pytest.approx(1.0)
    assert not np.allclose(alone[0], alone[1])


def test_the_shipped_ranker_matches_this_codes_features():
    ranker = LearnedRanker.load()
    assert ranker.members and ranker.meta["cv_top1"] > 0.8
    assert "valid" not in ranker.meta["trained_on"]
