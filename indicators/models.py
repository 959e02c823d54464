from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.i18n import Bilingual, current_is_english, pick
from indicators import progress
from plans.models import Plan, Task
from regions.access import scope_of
from regions.models import Region

VALUE_DIGITS = {"max_digits": 20, "decimal_places": 6}
# What a value column keeps: 14 digits before the point and 6 after (indicators/entry.py).
MAX_DECIMALS = VALUE_DIGITS["decimal_places"]
MAX_INTEGER_DIGITS = VALUE_DIGITS["max_digits"] - MAX_DECIMALS


class Unit(models.Model):
    """A unit of measure from the seed's unit table (rank, pct, 억원, ...)."""

    key = models.SlugField(_("key"), max_length=20, primary_key=True)
    symbol_ko = models.CharField(_("symbol (Korean)"), max_length=20, blank=True)
    symbol_en = models.CharField(_("symbol (English)"), max_length=20, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=60)
    decimals = models.PositiveSmallIntegerField(
        _("display decimals"), default=2, help_text=_("Maximum precision shown.")
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        return self.key

    @property
    def symbol(self) -> str:
        return self.symbol_en if current_is_english() else self.symbol_ko


class Direction(models.TextChoices):
    INCREASE = "increase", _("Higher is better")
    DECREASE = "decrease", _("Lower is better")


class Method(models.TextChoices):
    LINEAR = "linear", _("Linear")
    CAGR = "cagr", _("Compound annual growth")


class IndicatorQuerySet(models.QuerySet):
    def editable_by(self, user):
        """KPIs whose values this user enters (their access scope, regions/access.py)."""
        return scope_of(user).restrict(self, "plan__region", to="enter")

    def with_approved_observations(self):
        """Prefetch approved observations by year: one query for any number of KPIs."""
        return self.prefetch_related(
            Prefetch(
                "observations",
                queryset=Observation.objects.approved().order_by("year"),
                to_attr="approved_observations",
            )
        )


class Indicator(Bilingual, models.Model):
    """A key performance indicator (성과지표) of a plan, with baseline and target."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("plan")
    )
    task = models.ForeignKey(
        Task,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("key task"),
    )
    key = models.SlugField(_("key"), max_length=60)
    name_ko = models.CharField(_("name (Korean)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    definition_ko = models.TextField(_("definition (Korean)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, verbose_name=_("unit"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    method = models.CharField(
        _("progress method"), max_length=10, choices=Method.choices, default=Method.LINEAR
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    baseline_value = models.DecimalField(_("baseline value"), **VALUE_DIGITS)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    target_value = models.DecimalField(_("target value"), **VALUE_DIGITS)
    series = models.SlugField(
        _("statistical series"),
        max_length=60,
        blank=True,
        help_text=_("Series in the indicator history that feeds this KPI, if any."),
    )
    provisional = models.BooleanField(_("provisional"), default=False)
    note_en = models.TextField(_("note"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    history = HistoricalRecords()

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "id"]
        verbose_name = _("indicator (KPI)")
        verbose_name_plural = _("indicators (KPIs)")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="indicator_key_per_plan"),
            models.CheckConstraint(
                name="indicator_target_after_baseline",
                condition=Q(target_year__gt=models.F("baseline_year")),
                violation_error_message=_("The target year must come after the baseline year."),
            ),
        ]

    def __str__(self):
        return f"{self.plan.key}:{self.key}"

    def get_absolute_url(self):
        return reverse("kpi_detail", args=[self.plan.key, self.key])

    def clean(self):
        # A target against the KPI's direction makes every status meaningless (an "increase"
        # KPI aiming lower would rate any fall as progress).
        base, target = self.baseline_value, self.target_value
        if base is None or target is None:
            return
        if (self.direction == Direction.INCREASE and target < base) or (
            self.direction == Direction.DECREASE and target > base
        ):
            raise ValidationError(
                {
                    "target_value": _(
                        "The target goes against the KPI's direction (%(direction)s): from "
                        "%(baseline)s it must be %(way)s."
                    )
                    % {
                        "direction": self.get_direction_display(),
                        "baseline": base,
                        "way": _("at least the baseline")
                        if self.direction == Direction.INCREASE
                        else _("at most the baseline"),
                    }
                }
            )

    @property
    def entry_years(self) -> range:
        """Years a value may be entered for: after the baseline, through the plan's end."""
        last = max(self.target_year, self.plan.end_year or self.target_year)
        return range(self.baseline_year + 1, last + 1)

    @property
    def definition(self) -> str:
        return pick(self, "definition")

    @property
    def approved_points(self) -> list[tuple[int, Decimal]]:
        """(year, value) of the approved observations (needs `with_approved_observations`)."""
        observations = getattr(self, "approved_observations", None)
        if observations is None:
            observations = list(self.observations.approved().order_by("year"))
        return [(o.year, o.value) for o in observations]

    @cached_property
    def assessment(self) -> progress.Assessment:
        """Progress of this KPI over its approved values: the methodology of progress.py."""
        return progress.assess(
            direction=self.direction,
            baseline=(self.baseline_year, self.baseline_value),
            target=(self.target_year, self.target_value),
            observations=self.approved_points,
            method=self.method,
        )

    @property
    def latest_approved(self):
        """The approved value of the greatest year (needs `with_approved_observations`)."""
        observations = getattr(self, "approved_observations", None)
        if observations is None:
            observations = list(self.observations.approved().order_by("year"))
        return observations[-1] if observations else None


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class ObservationQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=WorkflowStatus.APPROVED)

    def visible_to(self, user):
        """Values this user may see: approved ones, plus the unapproved ones of the places
        their access scope sees (regions/access.py)."""
        return scope_of(user).restrict(
            self, "indicator__plan__region", to="see", public=Q(status=WorkflowStatus.APPROVED)
        )


class Observation(models.Model):
    """One value of one KPI for one year, with its place in the review workflow."""

    # Lookups by KPI use the (indicator, year) unique index: a second index on indicator
    # alone would only slow every write down.
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="observations",
        verbose_name=_("indicator (KPI)"),
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), **VALUE_DIGITS)
    source = models.CharField(_("source"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        db_index=False,
    )
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
        db_index=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
        db_index=False,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Nothing looks values up by who entered, submitted or reviewed them (deleting a user, which
    # sets these to null, is rare), so those columns carry no index: at 100,000 imported rows
    # every index costs a second of writing.
    # The history's user is not a database constraint either (like every other foreign key of
    # a history table): checking it cost a lookup and a row lock per history row at commit,
    # a third of a second per 100,000 imported values. Deleting a user through Django still
    # sets it to null.
    history = HistoricalRecords(
        no_db_index=["entered_by", "submitted_by", "reviewed_by"], user_db_constraint=False
    )

    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"], name="observation_once_per_indicator_year"
            )
        ]

    def __str__(self):
        return f"{self.indicator} {self.year} = {self.value}"


class SeriesValue(models.Model):
    """A published statistic for a region (or the nation) in a year, e.g. the R-COSTII rank."""

    series = models.SlugField(_("series"), max_length=60)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series_values",
        verbose_name=_("region"),
        help_text=_("Empty for the national figure."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), **VALUE_DIGITS)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        ordering = ["series", "region", "year"]
        verbose_name = _("series value")
        verbose_name_plural = _("series values")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "region", "year"],
                condition=Q(region__isnull=False),
                name="series_value_once_per_region_year",
            ),
            models.UniqueConstraint(
                fields=["series", "year"],
                condition=Q(region__isnull=True),
                name="series_value_once_per_national_year",
            ),
        ]

    def __str__(self):
        return f"{self.series} {self.region_id or '00'} {self.year} = {self.value}"


class ReminderLog(models.Model):
    """One reminder e-mail sent: the unique key keeps a reminder from going out twice a day."""

    class Kind(models.TextChoices):
        SECRETARIAT = "secretariat", _("Missing values (secretariat)")
        MINISTRY = "ministry", _("Submission board digest (ministry)")

    sent_on = models.DateField(_("sent on"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    recipient = models.EmailField(_("recipient"))
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    year = models.PositiveSmallIntegerField(_("year reported"))
    missing = models.PositiveIntegerField(_("values missing"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "kind", "recipient"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["sent_on", "kind", "recipient"], name="reminder_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.sent_on} {self.kind} {self.recipient}"
