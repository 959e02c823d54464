from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.i18n import Bilingual, pick
from regions.models import Region

partial_date_validator = RegexValidator(
    r"^\d{4}(-\d{2}(-\d{2})?)?$", _("Use YYYY, YYYY-MM or YYYY-MM-DD.")
)


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")


class PlanQuerySet(models.QuerySet):
    def national(self):
        return self.filter(level=Level.NATIONAL)

    def regional(self):
        return self.filter(level=Level.REGIONAL)


class Plan(Bilingual, models.Model):
    """A comprehensive S&T promotion plan: the national plan or a region's own."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("region"),
    )
    implements = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implemented_by",
        limit_choices_to={"level": Level.NATIONAL},
        verbose_name=_("implements national plan"),
    )
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    vision_ko = models.TextField(_("vision (Korean)"), blank=True)
    vision_en = models.TextField(_("vision (English)"), blank=True)
    goal_ko = models.TextField(_("goal (Korean)"), blank=True)
    goal_en = models.TextField(_("goal (English)"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    adopted_on = models.CharField(
        _("adopted on"),
        max_length=10,
        blank=True,
        validators=[partial_date_validator],
        help_text=_("YYYY-MM-DD, or YYYY-MM when the day is not known."),
    )
    secretariat_ko = models.CharField(_("secretariat (Korean)"), max_length=200, blank=True)
    secretariat_en = models.CharField(_("secretariat (English)"), max_length=200, blank=True)
    provisional = models.BooleanField(
        _("provisional"), default=False, help_text=_("Content only partly confirmed.")
    )
    editorial_alignment = models.BooleanField(
        _("alignment is editorial"),
        default=False,
        help_text=_("Links to national tasks are our reading, not official."),
    )
    note_en = models.TextField(_("note"), blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    history = HistoricalRecords()

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["level", "region__order", "key"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                name="plan_region_matches_level",
                condition=Q(level="national", region__isnull=True)
                | Q(level="regional", region__isnull=False),
                violation_error_message=_(
                    "A national plan has no region; a regional plan has one."
                ),
            ),
            models.CheckConstraint(
                name="plan_period_ordered",
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(start_year__lte=models.F("end_year")),
                violation_error_message=_("The plan ends before it starts."),
            ),
        ]

    def __str__(self):
        return self.name_ko

    def get_absolute_url(self):
        return reverse("plan_detail", args=[self.key])

    @property
    def vision(self) -> str:
        return pick(self, "vision")

    @property
    def goal(self) -> str:
        return pick(self, "goal")

    @property
    def secretariat(self) -> str:
        return pick(self, "secretariat")

    @property
    def is_national(self) -> bool:
        return self.level == Level.NATIONAL


class BasicDirection(Bilingual, models.Model):
    """One of a plan's basic directions (추진 방향), in order."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="directions")
    number = models.PositiveSmallIntegerField(_("number"))
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("basic direction")
        verbose_name_plural = _("basic directions")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="direction_number_per_plan")
        ]

    def __str__(self):
        return self.name_ko


class Strategy(Bilingual, models.Model):
    """A strategy (전략), numbered within its plan."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="strategies", verbose_name=_("plan")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name_ko = models.CharField(_("name (Korean)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    provisional = models.BooleanField(_("provisional"), default=False)
    note_en = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="strategy_number_per_plan")
        ]

    def __str__(self):
        return f"{self.plan.key} {self.number}. {self.name_ko}"


class Task(Bilingual, models.Model):
    """A key task (중점과제), numbered within its strategy and shown as `2-3`."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("strategy")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name_ko = models.CharField(_("name (Korean)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    provisional = models.BooleanField(_("provisional"), default=False)
    placeholder = models.BooleanField(
        _("title unknown"),
        default=False,
        help_text=_("The task exists but its title was not found; never shown as a title."),
    )
    note_en = models.TextField(_("note"), blank=True)
    aligns_with = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="served_by",
        limit_choices_to={"strategy__plan__level": Level.NATIONAL},
        verbose_name=_("serves national tasks"),
    )
    history = HistoricalRecords(m2m_fields=[aligns_with])

    class Meta:
        ordering = ["strategy__plan", "strategy__number", "number"]
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="task_number_per_strategy")
        ]

    def __str__(self):
        return f"{self.strategy.plan.key}:{self.code} {self.name_ko}"

    def get_absolute_url(self):
        return reverse("task_detail", args=[self.strategy.plan.key, self.code])

    @property
    def code(self) -> str:
        return f"{self.strategy.number}-{self.number}"


class Basis(models.TextChoices):
    PLAN = "plan", _("Planned")
    ACTUAL = "actual", _("Actual")


class Budget(models.Model):
    """Yearly investment (억원) from an implementation plan, for a plan or one of its tasks."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("plan")
    )
    task = models.ForeignKey(
        Task,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="budgets",
        verbose_name=_("key task"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    total = models.PositiveBigIntegerField(_("total (100M KRW)"))
    # None means "not reported", which is not the same as zero.
    central = models.PositiveBigIntegerField(_("central government"), null=True, blank=True)
    local = models.PositiveBigIntegerField(_("local government"), null=True, blank=True)
    private = models.PositiveBigIntegerField(_("private sector"), null=True, blank=True)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "year", "basis", "task"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "year", "basis"],
                condition=Q(task__isnull=True),
                name="budget_once_per_plan_year_basis",
            ),
            models.UniqueConstraint(
                fields=["plan", "year", "basis", "task"],
                condition=Q(task__isnull=False),
                name="budget_once_per_task_year_basis",
            ),
        ]

    def __str__(self):
        return f"{self.plan.key} {self.year} {self.basis}"

    @property
    def unallocated(self):
        """What the reported split leaves out of the total (None when nothing is split)."""
        parts = [p for p in (self.central, self.local, self.private) if p is not None]
        if not parts:
            return None
        return self.total - sum(parts)
