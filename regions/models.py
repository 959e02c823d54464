from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.i18n import Bilingual, pick


class Region(Bilingual, models.Model):
    """A metropolitan or provincial government (시·도)."""

    code = models.CharField(_("administrative code"), max_length=2, primary_key=True)
    kostat_code = models.CharField(_("KOSTAT code"), max_length=2)
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    short_ko = models.CharField(_("short name (Korean)"), max_length=20)
    short_en = models.CharField(_("short name (English)"), max_length=40)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return f"{self.name_ko} ({self.code})"

    def get_absolute_url(self):
        return reverse("region_detail", args=[self.code])

    @property
    def short(self) -> str:
        return pick(self, "short")


class Agency(Bilingual, models.Model):
    """The region's S&T policy agency (지역 과학기술 전담기관)."""

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="agency", verbose_name=_("region")
    )
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("S&T agency")
        verbose_name_plural = _("S&T agencies")

    def __str__(self):
        return self.name_ko


class Role(models.TextChoices):
    MINISTRY = "ministry", _("Ministry officer")
    SECRETARIAT = "secretariat", _("Regional secretariat")


class Membership(models.Model):
    """A user's role: ministry officer, or the secretariat of exactly one region."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("region"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_region_matches_role",
                condition=(Q(role="secretariat", region__isnull=False))
                | (Q(role="ministry", region__isnull=True)),
                violation_error_message=_(
                    "A secretariat belongs to one region; a ministry officer to none."
                ),
            )
        ]

    def __str__(self):
        if self.region_id:
            return f"{self.user} — {self.get_role_display()} ({self.region_id})"
        return f"{self.user} — {self.get_role_display()}"
