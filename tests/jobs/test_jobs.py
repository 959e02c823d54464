"""Background jobs: the wiring in eager mode, and what happens when the broker is down."""

import contextlib
import logging

import kombu.pools
import pytest
from django.conf import settings
from django.core.management import call_command

from config.celery import app
from core.jobs import JobsUnavailable, enqueue, enqueue_named
from dashboard.tasks import refresh_dashboard_cache
from imports import services as import_services
from imports import tasks
from imports.models import ImportBatch
from indicators.models import Observation, WorkflowStatus
from tests import factories

UNUSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def busan_csv(value="2.05") -> bytes:
    return (
        "plan,kpi,year,value,source\n"
        f"busan-2,rnd_to_grdp_pct,2025,{value},https://www.bistep.re.kr/2025\n"
    ).encode()


def _fresh_connections():
    # Celery keeps broker connections once made; drop them so the next send connects anew.
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def no_broker():
    """Jobs go to a broker that is not there (as when Redis is down in production)."""
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    _fresh_connections()
    app.conf.update(task_always_eager=False, broker_url=UNUSED_BROKER)
    try:
        yield
    finally:
        app.conf.update(**saved)
        _fresh_connections()


@pytest.fixture
def broker_down(db):
    logging.getLogger("core.jobs").setLevel(logging.ERROR)
    with no_broker():
        yield


def test_the_upload_runs_as_a_job_and_the_preview_shows_its_result(busan):
    response = busan.post("/workspace/import/", {"file": _file("values.csv", busan_csv())})
    batch = ImportBatch.objects.get(user=busan.user)
    assert response.url == f"/workspace/import/{batch.pk}/"
    assert batch.state == ImportBatch.State.CHECKED and batch.content is None
    busan.post(f"/workspace/import/{batch.pk}/")
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and batch.rows_written == 1
    value = Observation.objects.get(
        indicator__plan__key="busan-2", indicator__key="rnd_to_grdp_pct", year=2025
    )
    assert value.status == WorkflowStatus.DRAFT and value.entered_by == busan.user


def test_a_running_job_shows_its_progress_and_refreshes(busan):
    batch = import_services.start_import(
        user=busan.user, file_name="values.csv", content=busan_csv()
    )
    html = busan.get(f"/workspace/import/{batch.pk}/").content.decode()
    assert 'http-equiv="refresh"' in html and "<progress" in html


def test_the_check_job_is_safe_to_run_twice(busan):
    batch = import_services.start_import(
        user=busan.user, file_name="values.csv", content=busan_csv()
    )
    assert tasks.check_import(batch.pk) == ImportBatch.State.CHECKED
    assert tasks.check_import(batch.pk) == ImportBatch.State.CHECKED
    import_services.request_apply(batch_id=batch.pk, by=busan.user)
    assert tasks.apply_import(batch.pk, busan.user.pk) == ImportBatch.State.APPLIED
    # A redelivered job finds the batch done and writes nothing again.
    assert tasks.apply_import(batch.pk, busan.user.pk) == ImportBatch.State.APPLIED
    assert Observation.objects.filter(year=2025).count() == 1


def test_the_import_command_runs_the_same_jobs(busan, tmp_path, capsys):
    path = tmp_path / "values.csv"
    path.write_bytes(busan_csv())
    call_command("import_values", str(path), "--user", busan.user.username, "--apply")
    assert "1 values saved as drafts" in capsys.readouterr().out


def test_an_upload_with_the_broker_down_says_so_and_keeps_nothing_half_done(busan, broker_down):
    response = busan.post(
        "/workspace/import/", {"file": _file("values.csv", busan_csv())}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    batch = ImportBatch.objects.get(user=busan.user)
    assert "작업 대기열" in html or "job queue" in html, (
        batch.state,
        batch.message,
        response.redirect_chain,
    )
    batch = ImportBatch.objects.get(user=busan.user)
    assert batch.state == ImportBatch.State.FAILED and batch.content is None
    assert not Observation.objects.filter(year=2025).exists()


def test_confirming_with_the_broker_down_leaves_the_batch_ready_to_confirm_again(busan):
    batch = factories.import_batch(by=busan.user, content=busan_csv(), file_name="v.csv")
    with no_broker():
        response = busan.post(f"/workspace/import/{batch.pk}/", follow=True)
    assert response.status_code == 200
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.CHECKED
    assert not Observation.objects.filter(year=2025).exists()


def test_enqueue_raises_a_clear_error_when_the_broker_is_down(broker_down):
    with pytest.raises(JobsUnavailable) as caught:
        enqueue(refresh_dashboard_cache)
    assert "try again" in caught.value.message or "다시 시도" in caught.value.message


def test_enqueue_by_name_raises_the_same_clear_error_when_the_broker_is_down(broker_down):
    with pytest.raises(JobsUnavailable):
        enqueue_named("dashboard.tasks.refresh_dashboard_cache")


def test_the_jobs_queued_when_public_data_change_are_real_tasks():
    # core.cache queues them by name (it may not import the dashboards): a typo would only
    # show as a log line on a worker.
    app.loader.import_default_modules()
    assert settings.PUBLIC_DATA_CHANGED_JOBS
    for name in settings.PUBLIC_DATA_CHANGED_JOBS:
        assert name in app.tasks


def test_approving_with_the_broker_down_still_works_and_stales_the_cache(
    busan, ministry, broker_down, django_capture_on_commit_callbacks
):
    kpi = factories.seed_kpi("busan-2", "rnd_to_grdp_pct")
    from core.cache import version

    before = version()
    with django_capture_on_commit_callbacks(execute=True):
        factories.value(kpi, 2024, "2", by=busan.user, to="approved", reviewer=ministry.user)
    assert version() == before + 1


def test_the_public_site_serves_with_the_broker_down(anonymous, broker_down):
    for path in ("/", "/dashboard/", "/dashboard/regions/26/", "/api/v1/indicators/"):
        assert anonymous.get(path).status_code == 200


def test_the_resilient_cache_treats_a_dead_redis_as_empty():
    from core.redis_cache import ResilientRedisCache

    cache = ResilientRedisCache(UNUSED_BROKER, {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.get("x", "default") == "default"
    assert cache.add("x", 1) is False
    cache.set("x", 1)
    assert cache.incr("x") == 0


def test_the_beat_schedule_is_in_settings_and_names_real_tasks():
    app.loader.import_default_modules()  # what a worker does first: find every tasks.py
    schedule = app.conf.beat_schedule
    assert schedule["send-reminders"]["task"] == "indicators.tasks.send_reminders"
    assert "indicators.tasks.send_reminders" in app.tasks


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")
