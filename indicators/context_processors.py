from regions.access import may


def workflow(request) -> dict:
    """The workflow links every page's header shows, by permission (never by role)."""
    user = request.user
    return {
        "may_enter_values": may(user, "indicators.use_workspace"),
        "may_review_values": may(user, "indicators.review_values"),
    }
