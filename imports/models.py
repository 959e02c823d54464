import zlib

import orjson
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """An uploaded spreadsheet of KPI values: checked first, then applied all at once."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        APPLYING = "applying", _("Writing")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.CHECKING
    )
    # The uploaded file, kept in the database (not on a disk the web server serves, and shared
    # by every web and worker process) only until the background check has read it.
    content = models.BinaryField(_("file content"), null=True, blank=True, editable=False)
    # The parsed rows and each row's problems, kept so that the preview and the final write
    # see the same data: JSON, zlib-compressed (read and written through `rows`). A 100,000-row
    # file is 15 MB of JSON; as jsonb it took PostgreSQL 3 s to store, compressed 0.1 s.
    rows_data = models.BinaryField(_("checked rows"), null=True, blank=True, editable=False)
    # What confirming writes, compactly: [line, KPI id, year, value, source, note, version] of
    # each row that creates or updates a value (the same encoding; read through `writes`).
    writes_data = models.BinaryField(_("rows to write"), null=True, blank=True, editable=False)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def rows(self) -> list[dict]:
        """The checked rows (RowCheck.to_json dicts), decoded once per instance."""
        if getattr(self, "_rows_cache", None) is None:
            data = self.rows_data
            self._rows_cache = orjson.loads(zlib.decompress(data)) if data else []
        return self._rows_cache

    @rows.setter
    def rows(self, rows: list[dict]) -> None:
        self.rows_data = self.pack_rows(rows)
        self._rows_cache = list(rows)

    @property
    def writes(self) -> list[list]:
        data = self.writes_data
        return orjson.loads(zlib.decompress(data)) if data else []

    @staticmethod
    def pack_rows(rows: list[dict]) -> bytes:
        # orjson: a 100,000-row file's rows in 0.1 s instead of 0.4 s with json.
        return zlib.compress(orjson.dumps(rows), 1)

    def refresh_from_db(self, *args, **kwargs):
        self._rows_cache = None
        super().refresh_from_db(*args, **kwargs)
