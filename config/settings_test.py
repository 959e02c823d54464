"""Test settings: the same as production wiring, minus slowness and outside effects."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The manifest storage needs collectstatic and breaks live_server; tests use the plain one.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The suite makes thousands of anonymous API calls; throttling has its own test.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000000/minute"}}  # noqa: F405

# An empty second database that tests/test_backup.py restores backups into (import_all
# --database restore). pytest-django creates it only when a test asks for it: in memory on
# SQLite, test_<name>_restore on PostgreSQL.
DATABASES["restore"] = {  # noqa: F405
    **DATABASES["default"],  # noqa: F405
    "NAME": (
        f"{DATABASES['default']['NAME']}_restore"  # noqa: F405
        if DATABASES["default"]["ENGINE"].endswith("postgresql")  # noqa: F405
        else str(VAR_DIR / "restore.sqlite3")  # noqa: F405
    ),
    # Created without "default" when a test asks only for it (tests/test_migrations.py).
    "TEST": {"DEPENDENCIES": []},
}
