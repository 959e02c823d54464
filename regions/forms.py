import math
from datetime import UTC, datetime

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.security import client_ip
from regions import login_throttle


class URLListField(forms.CharField):
    """A list of source URLs edited as one URL per line (stored as a JSON list)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80})
    default_error_messages = {"url": _("Line %(line)s is not an http(s) URL: %(value)s")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("One URL per line."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
        check = URLValidator(schemes=["http", "https"])
        for number, line in enumerate(lines, start=1):
            try:
                check(line)
            except forms.ValidationError:
                raise forms.ValidationError(
                    self.error_messages["url"], code="url", params={"line": number, "value": line}
                ) from None
        return lines


class SourcesAdminMixin:
    """Admin mixin: edit a `sources` JSON list as one URL per line."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "sources":
            return URLListField(required=False, label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ThrottledLoginMixin:
    """Refuse log-in while the username or the address is locked (regions/login_throttle.py),
    count wrong passwords, and clear the username's count on success."""

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else ""
        lock = login_throttle.current_lock(username=username, ip=ip)
        if lock is not None:
            login_throttle.record_refusal(username=username, ip=ip, lock=lock)
            raise self.locked_error(lock)
        try:
            cleaned_data = super().clean()
        except forms.ValidationError:
            # No user means a wrong username or password; a known user refused for another
            # reason (inactive, not staff on the admin site) had the right password.
            if self.user_cache is None:
                lock = login_throttle.record_failure(username=username, ip=ip)
                if lock is not None:
                    raise self.locked_error(lock) from None
            raise
        if self.user_cache is not None:
            login_throttle.record_success(username=username)
        return cleaned_data

    def locked_error(self, lock: login_throttle.Lock) -> forms.ValidationError:
        until = timezone.localtime(datetime.fromtimestamp(lock.until, tz=UTC))
        minutes = max(1, math.ceil(lock.seconds_left / 60))
        return forms.ValidationError(
            ngettext(
                "Too many failed log-in attempts. Log-in is locked until %(time)s: try again "
                "in %(minutes)d minute.",
                "Too many failed log-in attempts. Log-in is locked until %(time)s: try again "
                "in %(minutes)d minutes.",
                minutes,
            )
            % {"time": until.strftime("%H:%M"), "minutes": minutes},
            code="locked",
        )


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The site's log-in form, throttled."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin site's log-in form, throttled the same way (same counts)."""
