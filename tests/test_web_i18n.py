"""The web interface in Chinese, Spanish and Arabic: complete catalogs, the language chosen per request
(?lang=, cookie, the buyer's need, Accept-Language), right-to-left Arabic, over real HTTP."""

import json
import re

import pytest
from conftest import live_server

from tradewinds.server import create_app
from tradewinds.web import i18n


@pytest.fixture(scope="module")
def web(demo_services):
    with live_server(create_app(demo_services)) as url:
        yield url


@pytest.mark.parametrize("lang", ["zh", "es", "ar"])
def test_every_message_a_page_shows_is_translated_with_the_same_values(lang):
    assert len(i18n.messages()) > 150  # the templates' and pages.py's messages, extracted with Babel
    assert i18n.problems(lang) == []


def test_the_catalog_check_fails_on_a_missing_message_and_on_a_changed_value():
    po = i18n.resources.files("tradewinds.web").joinpath("locale/es.po").read_text("utf-8")
    dropped = po.replace('msgstr "¿Qué necesita comprar?"', 'msgstr ""')
    assert i18n.problems("es", dropped.encode()) == ["untranslated: 'What do you need to buy?'"]
    renamed = po.replace('msgstr "%(n)s ofertas indexadas."', 'msgstr "%(count)s ofertas indexadas."')
    assert i18n.problems("es", renamed.encode()) == ["values differ in '%(n)s offers indexed.': '%(count)s ofertas indexadas.'"]


def test_accept_language_picks_the_best_language_we_have():
    assert i18n.choose(None, None, "es-MX,es;q=0.9,en;q=0.5") == "es"
    assert i18n.choose(None, None, "fr-FR,fr;q=0.9,ar;q=0.8,en;q=0.5") == "ar"  # no French interface: the next one asked for
    assert i18n.choose(None, None, "de") == "en"
    assert i18n.choose("zh", "es", "ar") == "zh" and i18n.choose(None, "es", "ar") == "es"
    assert i18n.choose("xx", None, "garbage;q=abc") == "en"


def test_arabic_pages_are_right_to_left_and_the_choice_is_remembered(web):
    r = web.get(web + "/?lang=ar")
    assert r.status_code == 200 and '<html lang="ar" dir="rtl">' in r.text and "ماذا تحتاج أن تشتري؟" in r.text
    assert r.headers["content-language"] == "ar" and "tw_lang=ar" in r.headers["set-cookie"]
    again = web.get(web + "/bulk", cookies={"tw_lang": "ar"})
    assert 'dir="rtl"' in again.text and "الشراء بالجملة من جدول بيانات" in again.text
    assert "What do you need" not in r.text and "Bulk sourcing from a spreadsheet" not in again.text


def test_the_browsers_language_is_followed_and_script_messages_come_translated(web):
    r = web.get(web + "/", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert '<html lang="es" dir="ltr">' in r.text and "¿Qué necesita comprar?" in r.text
    island = re.search(r'<script type="application/json" id="i18n">(.*?)</script>', r.text).group(1)
    assert json.loads(island)["empty_need"] == "Escriba primero lo que necesita."  # what app.js shows, in the page's language
    chinese = web.get(web + "/catalog?q=mug", headers={"Accept-Language": "zh-CN"})
    assert "单价" in chinese.text and "Counts cover" not in chinese.text
    missing = web.get(web + "/runs/run_000000000000", headers={"Accept-Language": "zh"})
    assert missing.status_code == 404 and "返回寻源" in missing.text  # error pages too


def test_a_run_page_follows_the_language_of_the_buyers_need(web):
    run = web.post(f"{web}/v1/sourcing/runs", json={"need": "需要500个陶瓷马克杯，单价不超过2美元", "no_model": True, "start": False}).json()
    page = web.get(f"{web}/runs/{run['run_id']}")
    assert '<html lang="zh"' in page.text and "采购计划" in page.text
    chosen = web.get(f"{web}/runs/{run['run_id']}", cookies={"tw_lang": "en"})  # a language the buyer picked wins
    assert '<html lang="en"' in chosen.text and "The plan: check it, edit it, then run" in chosen.text
