"""Keep the web app's message catalogs (src/tradewinds/web/locale/<lang>.po) in step with its templates.

    python scripts/i18n.py update   # add new messages (untranslated), drop ones no page shows, keep translations
    python scripts/i18n.py check    # list untranslated messages and mismatched %(name)s values; exit 1 if there are any

The messages are extracted with Babel from the templates (``_()`` and ``ngettext()``) and from
``web/pages.py`` (``N_()`` marks), see ``tradewinds.web.i18n.messages``. ``tests/test_web_i18n.py``
runs the check, so a page cannot gain an English-only message without the suite failing.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from tradewinds import __version__
from tradewinds.web import i18n

LOCALE = Path(__file__).resolve().parents[1] / "src/tradewinds/web/locale"


def update(lang: str) -> int:
    path = LOCALE / f"{lang}.po"
    old = read_po(io.BytesIO(path.read_bytes()), locale=lang) if path.exists() else Catalog(locale=lang)
    new = Catalog(locale=lang, project="Tradewinds", version=__version__, creation_date=old.creation_date,
                  revision_date=old.revision_date, header_comment=f"# Tradewinds web interface: {i18n.LANGUAGES[lang]}.")
    for message in i18n.messages().values():
        entry = old.get(message if isinstance(message, str) else message[0])
        new.add(message, string=entry.string if entry is not None else "", flags=entry.flags if entry is not None else ())
    out = io.BytesIO()
    write_po(out, new, width=0, omit_header=False, no_location=True)
    path.write_bytes(out.getvalue())
    return len(new)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    langs = [lang for lang in i18n.LANGUAGES if lang != "en"]
    if command == "update":
        LOCALE.mkdir(parents=True, exist_ok=True)
        for lang in langs:
            print(f"{lang}: {update(lang)} messages")
        command = "check"
    if command != "check":
        print(__doc__)
        return 2
    gaps = {lang: i18n.problems(lang) for lang in langs}
    for lang, found in gaps.items():
        print(f"{lang}: {len(found)} problem(s)" + "".join(f"\n  {p}" for p in found))
    return 1 if any(gaps.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
