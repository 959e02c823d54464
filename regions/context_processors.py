from django.urls import translate_url


def site(request):
    """The other-language link every page shows, and the user's role for the header."""
    membership = (
        getattr(request.user, "membership", None) if request.user.is_authenticated else None
    )
    return {
        "url_ko": translate_url(request.get_full_path(), "ko"),
        "url_en": translate_url(request.get_full_path(), "en"),
        "membership": membership,
    }
