from pathlib import Path

import polib
from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_korean_translation():
    catalog = polib.pofile(str(PO))
    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []
    assert len(catalog.translated_entries()) > 150


def test_the_compiled_catalog_matches_the_po_file():
    # `make messages` compiles; a .po edited without recompiling would silently show English.
    source = polib.pofile(str(PO))
    compiled = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(PO.with_suffix(".mo")))}
    for entry in source.translated_entries():
        compiled_entry = compiled.get((entry.msgctxt, entry.msgid))
        assert compiled_entry is not None, f"not compiled: {entry.msgid!r}"
        assert compiled_entry.msgstr == entry.msgstr, f"stale translation of {entry.msgid!r}"
