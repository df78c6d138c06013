import json
import shutil
from pathlib import Path

import pytest

from tradewinds.catalog.db import open_database
from tradewinds.catalog.importers import get_format, guess_format, run_import
from tradewinds.catalog.repository import CatalogRepository
from tradewinds.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = "offer_id,product_id,title,supplier_id,supplier_name,supplier_country,price_tiers,moq\n"


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path)


@pytest.fixture
def repo(settings):
    open_database.cache_clear()
    return CatalogRepository(open_database(settings.resolved_database_url))


def imp(path, repo, settings, fmt=None, **kw):
    return run_import(path, get_format(fmt or guess_format(path)), repo, settings=settings, **kw)


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_native_csv_imports_and_is_idempotent(repo, settings, tmp_path):
    path = shutil.copy(FIXTURES / "catalog.csv", tmp_path / "catalog.csv")
    r1 = imp(Path(path), repo, settings)
    assert r1.ok and r1.offers_upserted == 3 and r1.rows_skipped == 0
    counts = repo.counts()
    assert counts == {"suppliers": 2, "products": 2, "offers": 3}
    r2 = imp(Path(path), repo, settings)
    assert r2.ok and repo.counts() == counts
    from tradewinds.catalog.ids import make_id

    offer = repo.get(make_id("off", "csv", "O-1"))
    assert [t.unit_price for t in offer.price_tiers] == [1850, 1720, 1600] and offer.certifications == ["CE", "RoHS"]
    product = repo.get(make_id("prd", "csv", "P-1"))
    assert product.attributes[1].value == 11 and product.attributes[1].unit == "L"


def test_missing_columns_refused_with_list(repo, settings, tmp_path):
    p = write(tmp_path, "bad.csv", "offer_id,title\nO1,x\n")
    r = imp(p, repo, settings)
    assert r.refused and repo.counts()["offers"] == 0
    msg = str(r.issues[0])
    assert "missing required column(s)" in msg and "supplier_country" in msg and "found: offer_id, title" in msg


def test_bad_rows_are_reported_precisely_and_good_rows_kept(repo, settings, tmp_path):
    rows = [
        "O1,P1,Good mug,S1,Sup,CN,100:1.5,100",
        "O2,P2,Negative,S1,Sup,CN,100:-1.5,100",
        "O3,P3,Not a number,S1,Sup,CN,100:abc,100",
        "O4,P4,Absurd moq,S1,Sup,CN,100:1.5,999999999",
        "O1,P5,Duplicate id,S1,Sup,CN,100:1.5,100",
        "O6,P6,Bad country,S2,Sup,Narnia,100:1.5,100",
    ]
    p = write(tmp_path, "mixed.csv", HEADER + "\n".join(rows) + "\n")
    r = imp(p, repo, settings)
    assert not r.refused and r.offers_upserted == 1 and r.rows_skipped == 5
    by_row = {i.row: i for i in r.issues}
    # rows as the spreadsheet numbers them: the header is row 1, the first data row is row 2
    lines = p.read_text().splitlines()
    assert "100:abc" in lines[by_row[4].row - 1]  # the issue's row is the file's line
    assert by_row[3].field == "price_tiers" and "greater than 0" in by_row[3].problem
    assert by_row[4].field == "price_tiers" and by_row[4].value == "100:abc" and "numbers" in by_row[4].fix
    assert by_row[5].field == "moq" and "absurd" in by_row[5].problem
    assert "duplicate offer id, first seen in row 2" in by_row[6].problem
    assert by_row[7].field == "supplier_country" and "Narnia" in str(by_row[7])
    assert all(i.file == "mixed.csv" for i in r.issues)


def test_strict_refuses_everything(repo, settings, tmp_path):
    p = write(tmp_path, "mixed.csv", HEADER + "O1,P1,Good,S1,Sup,CN,1:2,1\nO2,P2,Bad,S1,Sup,CN,1:x,1\n")
    r = imp(p, repo, settings, strict=True)
    assert r.refused and repo.counts() == {"suppliers": 0, "products": 0, "offers": 0}


@pytest.mark.parametrize("encoding", ["cp1252", "gb18030", "utf-16"])
def test_legacy_encodings_are_detected(repo, settings, tmp_path, encoding):
    title = {"cp1252": "Café crème mug – 350 ml", "gb18030": "陶瓷马克杯 咖啡杯 350毫升 商用 白色 哑光", "utf-16": "Tasse à café"}[encoding]
    p = write(tmp_path, "enc.csv", HEADER + f"O1,P1,{title},S1,Sup,CN,1:2,1\n" * 1, encoding=encoding)
    r = imp(p, repo, settings)
    assert r.ok, [str(i) for i in r.issues]
    from tradewinds.catalog.ids import make_id

    assert repo.get(make_id("prd", "csv", "P1")).title == title


def test_binary_and_oversized_files_refused(repo, settings, tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"\x89PNG\x00\x00\x00\x0d" + bytes(range(256)) * 4)
    r = imp(p, repo, settings, fmt="csv")
    assert r.refused and ("binary" in r.issues[0].problem or "UTF-8" in r.issues[0].problem)
    big = write(tmp_path, "big.csv", HEADER + "O1,P1,t,S1,Sup,CN,1:2,1\n" * 50)
    r = imp(big, repo, Settings(data_dir=tmp_path, max_import_bytes=100), fmt="csv")
    assert r.refused and "import limit" in r.issues[0].problem and "TRADEWINDS_MAX_IMPORT_BYTES" in r.issues[0].fix


def test_jsonl_typed_records_and_dangling_reference(repo, settings, tmp_path):
    lines = [
        {"type": "supplier", "external_id": "S1", "name": "Hanoi Garments", "country": "VN", "certifications": ["bsci"]},
        {"type": "product", "external_id": "P1", "title": "Cotton t-shirt 180gsm", "hs_code": "610910"},
        {"type": "offer", "external_id": "O1", "product_external_id": "P1", "supplier_external_id": "S1",
         "price_tiers": [{"min_qty": 300, "unit_price": 2.1}], "moq": 300},
        {"type": "offer", "external_id": "O2", "product_external_id": "P404", "supplier_external_id": "S1",
         "price_tiers": [{"min_qty": 1, "unit_price": 2}]},
        "not json {",
    ]
    p = write(tmp_path, "c.jsonl", "\n".join(l if isinstance(l, str) else json.dumps(l) for l in lines))
    r = imp(p, repo, settings)
    assert r.offers_upserted == 1 and r.rows_skipped == 2
    problems = " ".join(str(i) for i in r.issues)
    assert "not valid JSON" in problems and "neither in this file nor in the catalog" in problems


def test_google_merchant_tsv_and_xml(repo, settings, tmp_path):
    tsv = write(tmp_path, "feed.tsv", "id\ttitle\tdescription\tprice\tbrand\tmpn\n"
                "G1\tBamboo toothbrush\t<b>Soft</b> bristles\t2.50 USD\tEcoSmile\tES-100\nG2\tBroken\tx\tfree\t\t\n")
    r = imp(tsv, repo, settings, supplier_defaults={"name": "Eco Shop", "country": "DE"})
    assert r.offers_upserted == 1 and r.issues[0].row == 3 and r.issues[0].field == "price"
    xml = write(tmp_path, "feed.xml", """<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>
<item><g:id>X1</g:id><g:title>Linen apron</g:title><g:price>12.00 EUR</g:price><g:brand>Lino</g:brand></item>
</channel></rss>""")
    r = imp(xml, repo, settings, supplier_defaults={"name": "Lino Lda", "country": "PT"})
    assert r.ok and r.offers_upserted == 1
    r = imp(xml, repo, settings)
    assert r.refused and "--supplier-country" in r.issues[0].fix
    r = imp(xml, repo, settings, supplier_defaults={"country": "PT"})  # whose feed it is must be said
    assert r.refused and "--supplier-name" in r.issues[0].fix


def test_two_merchants_feeds_never_overwrite_each_other(repo, settings, tmp_path):
    feed = write(tmp_path, "feed.tsv", "id\ttitle\tprice\nSKU-1\tLinen apron\t12.00 EUR\n")
    a = imp(feed, repo, settings, supplier_defaults={"name": "Lino Lda", "country": "PT"})
    b = imp(feed, repo, settings, supplier_defaults={"name": "Eco Shop", "country": "DE"})
    assert a.ok and b.ok and set(a.offer_ids).isdisjoint(b.offer_ids)
    suppliers = {repo.get(o).supplier_id for o in (*a.offer_ids, *b.offer_ids)}
    assert len(suppliers) == 2


def test_xml_entity_expansion_is_refused(repo, settings, tmp_path):
    bomb = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<rss><channel><item><g:id xmlns:g="http://base.google.com/ns/1.0">&lol2;</g:id></item></channel></rss>"""
    r = imp(write(tmp_path, "bomb.xml", bomb), repo, settings, supplier_defaults={"country": "CN"})
    assert r.refused and "refused for safety" in r.issues[0].problem


def test_shopify_export_variants_and_image_rows(repo, settings, tmp_path):
    text = ("Handle,Title,Body (HTML),Vendor,Type,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src\n"
            "tee,Organic Tee,<p>Soft</p>,Acme,Shirts,Size,S,TEE-S,19.00,http://img/1.jpg\n"
            "tee,,,,,,M,TEE-M,19.00,\n"
            "tee,,,,,,,,,http://img/2.jpg\n"
            "tee,,,,,,L,TEE-L,abc,\n")
    p = write(tmp_path, "products_export.csv", text)
    assert guess_format(p) == "shopify"
    r = imp(p, repo, settings, supplier_defaults={"name": "Acme store", "country": "US"})
    assert r.offers_upserted == 2 and r.rows_skipped == 1 and r.issues[0].field == "Variant Price"
    from tradewinds.catalog.ids import make_id

    assert repo.get(make_id("prd", "shopify", "acme-store.us/tee:TEE-M")).title == "Organic Tee - M"  # the store names its ids
