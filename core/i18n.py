"""Bilingual model fields: Korean is the record, English our rendering of it."""

from django.utils.translation import get_language


def current_is_english() -> bool:
    return (get_language() or "ko").startswith("en")


def pick(obj, field: str) -> str:
    """The `<field>_en` value on English pages (when present), else `<field>_ko`."""
    if current_is_english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_ko", "") or ""


class Bilingual:
    """Mixin giving `name` (and `short`) in the language of the current request."""

    @property
    def name(self) -> str:
        return pick(self, "name")
