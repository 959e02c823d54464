from django import template
from django.utils.html import format_html

from dashboard.charts import STATUS_STYLE, status_label

register = template.Library()


@register.simple_tag
def status_badge(status: str):
    """The status as icon + translated label on its colour (never colour alone)."""
    icon = STATUS_STYLE[status][1]
    return format_html(
        # The colour comes from the status-<status> class (site.css): no style attribute, so
        # the Content-Security-Policy needs no 'unsafe-inline' for styles.
        '<span class="status status-{}"><span class="status-icon" aria-hidden="true">{}</span> '
        "{}</span>",
        status,
        icon,
        status_label(status),
    )


@register.filter
def label(status: str) -> str:
    return status_label(status)


@register.simple_tag
def status_colour(status: str) -> str:
    return STATUS_STYLE[status][0]


@register.simple_tag
def status_icon(status: str) -> str:
    return STATUS_STYLE[status][1]
