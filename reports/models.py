from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.models import Plan


class Report(models.Model):
    """An annual report of a plan (Excel workbook + printable page), built by a background job."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="reports", verbose_name=_("plan")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Kept in the database so every web process can serve what any worker built.
    workbook = models.BinaryField(_("Excel workbook"), null=True, blank=True, editable=False)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self):
        return f"{self.plan.key} {self.year} ({self.get_state_display()})"
