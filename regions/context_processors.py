from django.urls import translate_url


def site(request):
    """The other-language link every page shows, and the user's role and region (shown in the
    header; what the user may do is asked of the permissions, never of the role)."""
    membership = (
        getattr(request.user, "membership", None) if request.user.is_authenticated else None
    )
    return {
        "url_ko": translate_url(request.get_full_path(), "ko"),
        "url_en": translate_url(request.get_full_path(), "en"),
        "membership": membership,
    }
