"""Language facts from reference data: detection, numbers as written, money, places, cue words, FX with sources."""

import pytest

from tradewinds.errors import ConfigError
from tradewinds.lang import detect_language, fold
from tradewinds.lang.numbers import find_numbers
from tradewinds.lang.places import find_places
from tradewinds.sourcing.extract import extract, find_money
from tradewinds.trade import fx


@pytest.mark.parametrize("text, language", [
    ("Il nous faut 200 sweats à capuche brodés, livraison à Bordeaux", "fr"),
    ("Bitte 500 Baseballkappen mit Stickerei anbieten", "de"),
    ("Cerco 300 ombrelli pieghevoli automatici", "it"),
    ("Preciso de 1000 canetas esferográficas com logotipo", "pt"),
    ("Wij willen 50 akoestische gitaren bestellen", "nl"),
    ("Potrzebujemy 200 par butów do biegania", "pl"),
    ("300 çift spor ayakkabı lazım", "tr"),
    ("Нужно 1000 шариковых ручек", "ru"),
    ("ボールペン1000本、名入れ", "ja"),
    ("Chúng tôi muốn đặt 500 chiếc ô gấp tự động", "vi"),
    ("Kami mencari 200 pasang sepatu lari", "id"),
    ("ต้องการร่มพับอัตโนมัติ 300 คัน", "th"),
    ("हमें 300 बेसबॉल कैप चाहिए", "hi"),
    ("500 LED bulbs E27 9W CE", "en"),  # product words and codes are English loans in any need
    ("budget 25 USD per drill, 100 cordless drills", "en"),
])
def test_the_language_is_detected_from_scripts_and_words(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text, lang, values", [
    ("5 000 chaises", "fr", [5000]), ("1.000 Stück", "de", [1000]), ("2.500.000 đồng", "vi", [2500000]), ("1,20 € pièce", "fr", [1.2]),
    ("1,200 pcs", "en", [1200]), ("60k USD", "en", [60000]), ("15 mil reais", "pt", [15000]), ("500 juta rupiah", "id", [5e8]),
    ("5천만원", "ko", [5e7]), ("500万円", "ja", [5e6]), ("2 लाख रुपये", "hi", [2e5]), ("3000K LED", "en", [3000]),
    ("300 500ml mugs", "en", [300, 500]), ("4 mil bags", "en", [4]),  # 'mil' is a thickness in English
])
def test_numbers_are_read_as_the_writer_writes_them(text, lang, values):
    assert [n.value for n in find_numbers(text, lang)] == values


@pytest.mark.parametrize("text, expected", [
    ("budget 150 USD per panel, 40 solar panels", [(150.0, "USD", "unit")]),  # 'per <noun>' beats 'budget'
    ("presupuesto máximo de 120 dólares por silla", [(120.0, "USD", "unit")]),
    ("Gesamtbudget 8.000 EUR, max. 6 Euro pro Stück", [(8000.0, "EUR", "total"), (6.0, "EUR", "unit")]),
    ("業務用エスプレッソマシンを2台、1台あたり2000ドル以下", [(2000.0, "USD", "unit")]),  # '1台あたり' is the unit, not money
    ("maks. 60 zł za sztukę", [(60.0, "PLN", "unit")]),
    ("toplam bütçe 1.500.000 TL", [(1500000.0, "TRY", "total")]),
    ("harga maksimal Rp 250.000 per buah", [(250000.0, "IDR", "unit")]),
    ("ราคาไม่เกิน 35 บาทต่อหลอด", [(35.0, "THB", "unit")]),
    ("max 40 SAR per piece", [(40.0, "SAR", "unit")]),
    ("500 unidades, máximo 2 dólares cada una", [(2.0, "USD", "unit")]),  # 'unidades' is not a currency
    ("我们要买50块单晶硅太阳能板，每块不超过120美元", [(120.0, "USD", "unit")]),  # '50块' counts panels, it is not 50 yuan
    ("hotel de 40 quartos com orçamento de 1,2 milhão de reais", [(1200000.0, "BRL", "total")]),  # number word, 'de', currency
    ("400 USB-C chargers (USD 5 max each)", [(5.0, "USD", "unit")]),  # a count before a product word is not money
])
def test_money_is_a_unit_cap_or_a_budget_in_any_currency(text, expected):
    assert [(m.amount, m.currency, m.kind) for m in find_money(text)] == expected


@pytest.mark.parametrize("text, countries", [
    ("Lieferanten nicht aus China, Lieferung nach Hamburg", {"destination": ["DE"], "include": [], "exclude": ["CN"]}),
    ("fornitori non cinesi, consegna a Torino", {"destination": ["IT"], "include": [], "exclude": ["CN"]}),  # a demonym
    ("dostawa do Krakowa, dostawcy spoza Chin", {"destination": ["PL"], "include": [], "exclude": ["CN"]}),  # inflected names
    ("доставка в Москву, поставщики не из Китая", {"destination": ["RU"], "include": [], "exclude": ["CN"]}),
    ("中国以外のサプライヤー、東京まで配送", {"destination": ["JP"], "include": [], "exclude": ["CN"]}),
    ("只要越南的供应商", {"destination": [], "include": ["VN"], "exclude": []}),
    ("不要中国以外的供应商", {"destination": [], "include": ["CN"], "exclude": []}),  # not outside China: China only
    ("no suppliers from China or Vietnam, ship to Toronto", {"destination": ["CA"], "include": [], "exclude": ["CN", "VN"]}),
    ("somente fornecedores do Brasil, entrega em Lisboa", {"destination": ["PT"], "include": ["BR"], "exclude": []}),
    ("ship to Nice", {"destination": ["FR"], "include": [], "exclude": []}),
    ("very nice china cups", {"destination": [], "include": [], "exclude": []}),  # common words are not places
    ("Suche 1000 Liter Wandfarbe, keine Lieferanten aus der Türkei", {"destination": [], "include": [], "exclude": ["TR"]}),
    ("fournisseurs d'Espagne ou d'Italie", {"destination": [], "include": ["ES", "IT"], "exclude": []}),  # elided articles
    ("Para mi tienda en Guadalajara", {"destination": ["MX"], "include": [], "exclude": []}),  # 'Para' is a preposition
    ("hotel de 40 quartos em Salvador", {"destination": ["BR"], "include": [], "exclude": []}),  # the city, in Portuguese
    ("livraison au Salvador", {"destination": ["SV"], "include": [], "exclude": []}),  # the country, in French
    ("kawiarnia na 20 miejsc w Gdańsku", {"destination": ["PL"], "include": [], "exclude": []}),
    ("500 Kartuschen Silikondichtstoff, Lieferung nach Wien", {"destination": ["AT"], "include": [], "exclude": []}),  # not Kartum
    ("Kafe için 60 bistro sandalye, İzmir'e teslim", {"destination": ["TR"], "include": [], "exclude": []}),  # 'kafe' is a word
    ("दिल्ली के लिए 500 सूती तौलिए, केवल भारत के आपूर्तिकर्ता", {"destination": ["IN"], "include": ["IN"], "exclude": []}),
    ("스마트 도어락 100개, 중국산 제외", {"destination": [], "include": [], "exclude": ["CN"]}),  # made in China, excluded
    ("Frische Schnittblumen: 500 Bund Rosen", {"destination": [], "include": [], "exclude": []}),  # a German noun, not Frisco
    ("500 Tassen, Lieferung zu Hamburgs Hafen", {"destination": ["DE"], "include": [], "exclude": []}),  # the genitive still is
])
def test_destination_allowed_and_excluded_countries_in_any_language(text, countries):
    assert extract(text).countries == countries


def test_places_come_from_cldr_and_geonames_in_their_own_scripts():
    assert [(p.code, p.kind) for p in find_places("Hà Nội")] == [("VN", "city")]
    assert [(p.code, p.kind) for p in find_places("ส่งไปเชียงใหม่")] == [("TH", "city")]
    assert [(p.code, p.kind) for p in find_places("मुंबई में डिलीवरी")] == [("IN", "city")]
    assert [p.code for p in find_places("Warszawy", inflecting=True)] == ["PL"]
    assert [(p.code, p.name) for p in find_places("1000 tumblers, ship to Texas")] == [("US", "Texas")]  # a US state
    assert [p.code for p in find_places("we are in Georgia")] == ["GE"]  # the country before the state
    assert find_places("에센셜 오일 2000병") == []  # a Korean word that begins like 'Essen' is no place
    assert [p.code for p in find_places("부산으로 배송, 중국산 제외")] == ["KR", "CN"]  # a name and its particle or suffix


@pytest.mark.parametrize("text, expected", [
    ("500 cotton tote bags, no certification needed", ([], [])),
    ("must be CE plus RoHS", (["CE", "RoHS"], [])),
    ("LED bulbs, CE not required, RoHS", (["RoHS"], ["CE"])),
    ("ohne CE-Kennzeichnung, mit GS", (["GS"], ["CE"])),
])
def test_certifications_and_their_negations(text, expected):
    e = extract(text)
    assert (e.certifications, e.negated_certifications) == expected


@pytest.mark.parametrize("text, verified", [
    ("verified suppliers only", True), ("unverified suppliers are fine", False),
    ("no importa si el proveedor no está verificado", False), ("nur verifizierte Lieferanten", True),
    ("tylko zweryfikowani dostawcy", True),
])
def test_verified_only_follows_negation(text, verified):
    assert extract(text).verified_only is verified


@pytest.mark.parametrize("text, qty, lead", [
    ("Nous cherchons 5 000 chaises, livraison sous 45 jours", 5000, 45),  # the quantity is never the lead time
    ("500 toalhas de 70x140 cm", 500, None),  # nor a size
    ("Gesucht: 1.000 T-Shirts, Lieferung innerhalb von 6 Wochen", 1000, 42),
    ("300 Thermobecher, 12 Stunden warm, 2 Jahre Garantie", 300, None),  # a guarantee is not a lead time
    ("면 티셔츠 1000장, 개당 3달러 이하", 1000, None),  # '3달러' is money, not a month
    ("need 2000 LED bulbs E27 9W", 2000, None),  # 2000 is not a year
    ("order 500 kg of arabica coffee beans", 500, None),  # a bulk quantity
    ("Necesitamos 1000 litros de aceite de oliva", 1000, None),  # a volume, when it is all there is
    ("Il nous faut 600 m² de carrelage", 600, None),  # an area
    ("需要20台商用制冰机，30天内交货", 20, 30),  # a number right after a full-width comma; '天内' is within days
    ("Butuh 50 kursi kantor ergonomis", 50, None),  # office chairs, not a project of 50 seats
    ("600 toallas de algodón para hotel; la garantía es de 1 año", 600, None),  # a year is a duration, no quantity
    ("1000 adet pamuklu havlu, 2 yıl garanti", 1000, None),
    ("500 सूती टी-शर्ट चाहिए, वारंटी 1 साल", 500, None),
    ("Liefern Sie 200 Rucksäcke innerhalb von 2 Wochen, 2 Jahre Garantie", 200, 14),
])
def test_quantities_and_lead_times(text, qty, lead):
    e = extract(text)
    assert e.quantities[0][0] == qty and e.lead_time_days == lead


@pytest.mark.parametrize("text", ["600 toallas de algodón; la garantía es de 1 año", "1000 adet pamuklu havlu, 2 yıl garanti",
                                  "500 सूती टी-शर्ट चाहिए, वारंटी 1 साल", "Butuh 2000 masker wajah, masa simpan 3 tahun",
                                  "1500 Kaffeetassen aus Keramik, Haltbarkeit mindestens 5 Jahre"])
def test_a_number_of_years_is_not_a_second_quantity(text):
    assert len(extract(text).quantities) == 1


def test_rates_carry_their_source_and_a_missing_rate_names_the_setting():
    rates = fx.reference_rates()
    assert rates["EUR"].source == fx.ECB and rates["EUR"].as_of and rates["SAR"].source == fx.PEG
    assert abs(rates["SAR"].usd_per_unit - 1 / 3.75) < 1e-12 and rates["VND"].source.startswith("indicative")
    assert fx.rate_info("EUR", {"EUR": 1.5}).source == fx.SETTING  # an override says where it came from
    with pytest.raises(ConfigError, match="TRADEWINDS_FX_RATES"):
        fx.require("XOF", {"USD": 1.0}, where="the budget")


def test_folding_keeps_offsets():
    text = "İstanbul'a LİSBÔA"
    assert len(fold(text)) == len(text) and fold(text).startswith("istanbul")


def test_languages_that_never_change_a_words_ending_do_not_read_one_word_as_another():
    from tradewinds.sourcing.lexicon import find_terms

    [mask] = find_terms("Butuh 2000 masker wajah", "id")  # 'wajah' (face) is not 'wajan' (a frying pan)
    assert mask.concept.name == "face mask" and mask.qualifiers == ()
    assert [t.concept.name for t in find_terms("butuh 300 wajannya", "id")] == ["frying pan"]  # a suffix still reads
