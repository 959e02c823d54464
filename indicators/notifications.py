"""E-mails about the review workflow (Django's email backend; the console in development)."""

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils.translation import gettext as _

from regions.access import accounts_entering, reviewers

log = logging.getLogger(__name__)


def _addresses(users) -> list[str]:
    return sorted({user.email for user in users if user.email})


def _send(messages) -> None:
    # A mail server outage must not undo a submission that has been committed already.
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:
        log.exception("Could not send workflow e-mail")


def values_submitted(observations, *, by) -> None:
    """Tell ministry officers that a region submitted values for review."""
    recipients = _addresses(reviewers())
    if not recipients:
        return
    first = observations[0].indicator.plan
    where = first.region.name_ko if first.region else first.name_ko
    lines = [f"- {o.indicator.name_ko} {o.year}: {o.value}" for o in observations]
    subject = _("[KPI review] %(where)s submitted %(count)s value(s)") % {
        "where": where,
        "count": len(observations),
    }
    body = "\n".join(
        [
            _("%(user)s submitted these values for review:") % {"user": by.get_username()},
            *lines,
            "",
            _("Review queue: %(url)s") % {"url": settings.SITE_URL + "/review/"},
        ]
    )
    _send([(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)])


def value_returned(observation, *, by) -> None:
    """Tell the region's secretariat that the ministry returned (or reopened) a value."""
    recipients = _addresses(accounts_entering(observation.indicator.plan.region_id))
    if not recipients:
        return
    subject = _("[KPI review] %(kpi)s %(year)s was returned") % {
        "kpi": observation.indicator.name_ko,
        "year": observation.year,
    }
    body = "\n".join(
        [
            _("%(user)s returned this value with the comment:") % {"user": by.get_username()},
            "",
            observation.review_comment,
            "",
            _("Your workspace: %(url)s") % {"url": settings.SITE_URL + "/workspace/"},
        ]
    )
    _send([(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)])
