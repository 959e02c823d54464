"""The archive's format and the schema, shared by export and restore: what the backup keeps
and leaves out, the database's tables as its migrations made them, and how a column's value is
written to JSON. The package's docstring (datatools/backup/__init__.py) describes the format.
"""

from __future__ import annotations

import base64
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

FORMAT = "rstplan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# Apps whose every model is kept (the many-to-many and history tables included).
KEPT_APPS = (
    "auth",
    "authtoken",
    "admin",
    "regions",
    "plans",
    "indicators",
    "imports",
    "dashboard",
    "reports",
)
# Models deliberately left out, with the reason (see the module docstring).
LEFT_OUT = {
    "contenttypes.contenttype": "created by migrate; referred to by natural key",
    "auth.permission": "created by migrate; referred to by natural key",
    "sessions.session": "logins expire and name users by id; everybody signs in again",
}
# Rows that point at these carry a natural key, not the source database's id.
NATURAL_KEYS = {
    "contenttypes.contenttype": ("app_label", "model"),
    "auth.permission": ("content_type__app_label", "content_type__model", "codename"),
}
# Column types written to JSON as they are (strings, numbers, booleans, JSON values).
PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "BigIntegerField",
    "IntegerField",
    "SmallIntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "CharField",
    "TextField",
    "SlugField",
    "EmailField",
    "URLField",
    "GenericIPAddressField",
    "JSONField",
}


class BackupError(Exception):
    """The backup could not be written or restored; nothing was changed."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.message = message
        self.problems = problems or []
        super().__init__(message)

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {p}" for p in self.problems)])


def app_version() -> str:
    """The version of this app (pyproject.toml), as installed."""
    try:
        return metadata.version("rstplan")
    except metadata.PackageNotFoundError:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as file:
            return tomllib.load(file)["project"]["version"]


def kept_models(registry=apps) -> list[type[models.Model]]:
    """Every model whose rows the backup holds, each after the models it refers to."""
    kept, undecided = {}, []
    for model in registry.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.label_lower in LEFT_OUT:
            continue
        if opts.app_label in KEPT_APPS:
            kept[opts.label_lower] = model
        else:
            undecided.append(opts.label_lower)
    if undecided:
        raise BackupError(
            _(
                "These models are neither kept nor left out by the backup; decide in "
                "datatools/backup/format.py (KEPT_APPS or LEFT_OUT):"
            ),
            sorted(undecided),
        )
    # Foreign keys are checked at commit, so the order only makes the file read naturally:
    # accounts, then regions, plans, KPIs; a table after the tables it refers to.
    ordered: list[type[models.Model]] = []
    placed: set[str] = set()
    by_app = sorted(kept, key=lambda label: (KEPT_APPS.index(kept[label]._meta.app_label), label))
    while len(ordered) < len(kept):
        for label in by_app:
            if label in placed:
                continue
            needs = {
                f.related_model._meta.label_lower
                for f in kept[label]._meta.concrete_fields
                if f.is_relation and f.related_model is not kept[label]
            } & (set(kept) - {label})
            if needs <= placed:
                ordered.append(kept[label])
                placed.add(label)
                break
        else:  # a cycle between models: place the rest alphabetically
            rest = sorted(set(kept) - placed)
            ordered.extend(kept[label] for label in rest)
            placed.update(rest)
    return ordered


@dataclass
class Schema:
    """The kept models as a database's applied migrations define them."""

    models: list[type[models.Model]]
    applied: set[tuple[str, str]]

    def migrations(self) -> dict[str, list[str]]:
        by_app: dict[str, list[str]] = {}
        for app_label, name in sorted(self.applied):
            by_app.setdefault(app_label, []).append(name)
        return by_app


def database_schema(using: str) -> Schema:
    """The tables of database `using` as its applied migrations made them, not as the code
    describes them: the two differ while a migration is pending, and an old backup is restored
    into an empty database migrated only as far as the backup's schema."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    nodes = [node for node in applied if node in loader.graph.nodes]
    state = loader.project_state(nodes=nodes, at_end=True)
    kept = kept_models(state.apps)
    if not any(m._meta.app_label == "regions" for m in kept):
        raise BackupError(
            _("The database %(alias)s is not migrated: run `manage.py migrate` first.")
            % {"alias": using}
        )
    return Schema(models=kept, applied=applied)


@dataclass
class PartReport:
    """One table written or restored: its model, rows and the seconds it took."""

    model: str
    rows: int
    seconds: float


def base_type(field: models.Field) -> str:
    """The column's own type; a foreign key's is the type of the key it points at."""
    while field.is_relation:
        field = field.target_field
    return field.get_internal_type()


def natural_target(field: models.Field) -> str | None:
    """The model a column names by natural key (content type, permission), or None."""
    if field.is_relation and field.related_model._meta.label_lower in NATURAL_KEYS:
        return field.related_model._meta.label_lower
    return None


def natural_keys_by_id(label: str, using: str) -> dict[int, list[str]]:
    """Ids of content types or permissions in database `using` → their natural keys."""
    model = ContentType if label == "contenttypes.contenttype" else Permission
    return {
        pk: list(key)
        for pk, *key in model._base_manager.using(using).values_list("pk", *NATURAL_KEYS[label])
    }


def _iso(value) -> str:
    return value.isoformat()


def _b64(value) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def column_encoder(field: models.Field, natural: dict[str, dict]) -> Callable | None:
    """How to write one column's value as JSON (None: as it is)."""
    target = natural_target(field)
    if target:
        keys = natural[target]
        return keys.__getitem__
    kind = base_type(field)
    if kind in PLAIN_TYPES:
        return None
    if kind in ("DateTimeField", "DateField", "TimeField"):
        return _iso
    if kind == "DecimalField":
        return str
    if kind == "BinaryField":
        return _b64
    if kind == "UUIDField":
        return str
    raise BackupError(
        _("The backup cannot write the column %(column)s (%(kind)s) yet.")
        % {"column": f"{field.model._meta.label}.{field.attname}", "kind": kind}
    )
