import datetime
from io import StringIO
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import reminders, services
from indicators.models import Indicator, ReminderLog

START = datetime.date(2026, 3, 1)
BUSAN = "bistep@example.com"
DAEJEON = "distep@example.com"
OFFICER = "officer@example.com"


@pytest.fixture(autouse=True)
def start_on_the_first_of_march(settings):
    settings.REMINDER_START = "03-01"
    settings.SITE_URL = "https://rstplan.example.kr"


@pytest.fixture
def people(busan, daejeon, ministry):
    """The three personas, each with an e-mail address."""
    for client, email in ((busan, BUSAN), (daejeon, DAEJEON), (ministry, OFFICER)):
        client.user.email = email
        client.user.save(update_fields=["email"])
    return {"busan": busan, "daejeon": daejeon, "ministry": ministry}


@pytest.fixture
def busan_kpis(db):
    return list(Indicator.objects.select_related("plan").filter(plan__key="busan-2").order_by("id"))


def mails_to(address):
    return [message for message in mail.outbox if address in message.to]


# Values close to each Busan KPI's last ones, so that submitting them needs no note.
PLAUSIBLE = {"rcostii_rank": "6", "rnd_to_grdp_pct": "2.05", "se_talent_flow_index": "0.27"}


def enter(indicator, client):
    value = PLAUSIBLE[indicator.key]
    return services.save_observation(indicator=indicator, year=2025, value=value, by=client.user)


def busan_line(body):
    return next(line for line in body.splitlines() if line.startswith("- 부산광역시:"))


def test_nothing_is_sent_before_the_start_date(people):
    result = reminders.send_reminders(today=START - datetime.timedelta(days=1))
    assert result.sent == 0 and result.skipped_already_sent == 0
    assert "2026-03-01" in result.reason
    assert mail.outbox == []
    assert not ReminderLog.objects.exists()


def test_on_the_start_date_the_busan_secretariat_gets_one_email_listing_its_three_kpis(
    people, busan_kpis
):
    result = reminders.send_reminders(today=START)
    assert result.reason is None and result.failed == 0
    [message] = mails_to(BUSAN)
    assert message.to == [BUSAN]
    assert message.subject == (
        "[지방과학기술] 2025년 성과지표 실적 입력 안내 / KPI values due for 2025"
    )
    assert len(busan_kpis) == 3
    for kpi in busan_kpis:
        assert f"- {kpi.name_ko}: 미입력" in message.body
        assert f"- {kpi.name_en}: missing" in message.body
    assert "https://rstplan.example.kr/workspace/?year=2025" in message.body
    # Korean first, then English; plain text, so "S&T" is not escaped as HTML.
    assert message.body.index("부산광역시") < message.body.index("Busan Metropolitan City")
    assert "S&T" in message.body and "&amp;" not in message.body
    log = ReminderLog.objects.get(recipient=BUSAN)
    assert (log.sent_on, log.kind, log.region_id, log.year, log.missing) == (
        START,
        ReminderLog.Kind.SECRETARIAT,
        "26",
        2025,
        3,
    )


def test_a_draft_value_is_listed_as_draft(people, busan_kpis):
    draft = busan_kpis[1]
    enter(draft, people["busan"])
    reminders.send_reminders(today=START)
    [message] = mails_to(BUSAN)
    assert f"- {draft.name_ko}: 작성 중" in message.body
    assert f"- {draft.name_en}: draft" in message.body
    assert f"- {busan_kpis[0].name_en}: missing" in message.body
    assert "3 KPI values for 2025 have not been submitted yet" in message.body


def test_a_returned_value_is_listed_as_returned(people, busan_kpis):
    kpi = busan_kpis[1]
    observation = enter(kpi, people["busan"])
    services.submit_observation(observation=observation, by=people["busan"].user)
    services.return_observation(
        observation=observation, by=people["ministry"].user, comment="출처를 확인해 주세요"
    )
    reminders.send_reminders(today=START)
    [message] = mails_to(BUSAN)
    assert f"- {kpi.name_ko}: 반려됨" in message.body
    assert f"- {kpi.name_en}: returned" in message.body


def test_submitted_and_approved_values_are_not_listed(people, busan_kpis):
    approved, submitted, missing = busan_kpis
    observation = enter(approved, people["busan"])
    services.submit_observation(observation=observation, by=people["busan"].user)
    services.approve_observation(observation=observation, by=people["ministry"].user)
    observation = enter(submitted, people["busan"])
    services.submit_observation(observation=observation, by=people["busan"].user)
    mail.outbox.clear()  # the submission notified the ministry

    reminders.send_reminders(today=START)

    [message] = mails_to(BUSAN)
    assert approved.name_en not in message.body and submitted.name_en not in message.body
    assert f"- {missing.name_en}: missing" in message.body
    assert "1 KPI value for 2025 has not been submitted yet" in message.body
    [digest] = mails_to(OFFICER)
    assert busan_line(digest.body) == (
        "- 부산광역시: 미입력 1 · 작성 중 0 · 제출됨 1 · 반려됨 0 · 승인됨 1 (총 3)"
    )


def test_a_region_with_everything_approved_gets_no_email(people, busan_kpis):
    for kpi in busan_kpis:
        observation = enter(kpi, people["busan"])
        services.submit_observation(observation=observation, by=people["busan"].user)
        services.approve_observation(observation=observation, by=people["ministry"].user)
    mail.outbox.clear()
    result = reminders.send_reminders(today=START)
    assert mails_to(BUSAN) == []
    assert any(line.startswith("ministry digest") for line in result.details)


def test_the_daejeon_secretariat_gets_no_email_because_daejeon_has_no_kpis(people):
    assert not Indicator.objects.filter(plan__region_id="30").exists()
    reminders.send_reminders(today=START)
    assert mails_to(DAEJEON) == []
    assert not ReminderLog.objects.filter(recipient=DAEJEON).exists()


def test_the_ministry_gets_one_digest_with_busans_counts(people, busan_kpis):
    enter(busan_kpis[0], people["busan"])
    reminders.send_reminders(today=START)
    [digest] = mails_to(OFFICER)
    assert digest.subject == (
        "[지방과학기술] 2025년 성과지표 실적 제출 현황 / KPI submission board for 2025"
    )
    assert busan_line(digest.body) == (
        "- 부산광역시: 미입력 2 · 작성 중 1 · 제출됨 0 · 반려됨 0 · 승인됨 0 (총 3)"
    )
    assert (
        "- Busan Metropolitan City: missing 2 · draft 1 · submitted 0 · returned 0 · "
        "approved 0 (of 3)" in digest.body
    )
    assert "https://rstplan.example.kr/review/board/" in digest.body
    assert "Daejeon" not in digest.body  # no KPIs, nothing to count
    log = ReminderLog.objects.get(recipient=OFFICER)
    assert log.kind == ReminderLog.Kind.MINISTRY and log.region is None and log.year == 2025


def test_a_second_run_the_same_day_sends_nothing_more_and_the_next_day_sends_again(people):
    first = reminders.send_reminders(today=START)
    assert first.sent == 2 and first.skipped_already_sent == 0  # Busan and the ministry
    assert len(mail.outbox) == 2

    again = reminders.send_reminders(today=START)
    assert again.sent == 0 and again.skipped_already_sent == 2
    assert len(mail.outbox) == 2

    tomorrow = reminders.send_reminders(today=START + datetime.timedelta(days=1))
    assert tomorrow.sent == 2 and len(mail.outbox) == 4
    assert ReminderLog.objects.count() == 4


def test_a_reminder_another_worker_already_logged_today_is_not_sent_again(people):
    # What a second worker running at the same moment finds: the first one's claim.
    ReminderLog.objects.create(sent_on=START, kind="secretariat", recipient=BUSAN, year=2025)
    result = reminders.send_reminders(today=START)
    assert result.sent == 1 and result.skipped_already_sent == 1
    assert mails_to(BUSAN) == [] and len(mails_to(OFFICER)) == 1


def test_a_failing_mail_server_leaves_no_log_so_a_later_run_retries(people, monkeypatch):
    def refuse(self, fail_silently=False):
        raise SMTPException("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr(EmailMessage, "send", refuse)
        result = reminders.send_reminders(today=START)
    assert result.sent == 0 and result.failed == 2
    assert not ReminderLog.objects.exists()
    assert mail.outbox == []

    retry = reminders.send_reminders(today=START)
    assert retry.sent == 2 and retry.failed == 0
    assert len(mails_to(BUSAN)) == 1 and len(mails_to(OFFICER)) == 1


def test_inactive_users_and_users_without_an_address_get_nothing(people, django_user_model):
    people["busan"].user.is_active = False
    people["busan"].user.save(update_fields=["is_active"])
    people["ministry"].user.email = ""
    people["ministry"].user.save(update_fields=["email"])
    result = reminders.send_reminders(today=START)
    assert result.sent == 0 and mail.outbox == []
    assert "2025년에 보낼 안내가 없습니다" in result.reason


def test_the_number_of_queries_does_not_grow_with_the_number_of_kpis(people, busan_kpis):
    def queries_on(day):
        with CaptureQueriesContext(connection) as context:
            result = reminders.send_reminders(today=day)
        assert result.sent == 2
        return len(context.captured_queries)

    before = queries_on(START)
    # Three reads, then a savepoint, an insert and its release for each of the two e-mails.
    assert before == 3 + 3 * 2
    template = busan_kpis[0]
    for n in range(5):
        Indicator.objects.create(
            plan=template.plan,
            key=f"extra_{n}",
            name_ko=f"추가 지표 {n}",
            name_en=f"Extra KPI {n}",
            unit=template.unit,
            direction=template.direction,
            baseline_year=2021,
            baseline_value=1,
            target_year=2027,
            target_value=2,
        )
    after = queries_on(START + datetime.timedelta(days=1))
    assert after == before
    assert "Extra KPI 4" in mails_to(BUSAN)[-1].body


def test_today_defaults_to_the_local_date(people, monkeypatch):
    monkeypatch.setattr(reminders.timezone, "localdate", lambda: datetime.date(2026, 2, 1))
    assert "2026-03-01" in reminders.send_reminders().reason
    monkeypatch.setattr(reminders.timezone, "localdate", lambda: START)
    assert reminders.send_reminders().sent == 2


@pytest.mark.parametrize("start", ["13-45", "3-1", "03/01", "02-30", "02-29", ""])
def test_a_reminder_start_that_is_not_a_day_of_the_year_is_a_clear_error(settings, start):
    settings.REMINDER_START = start
    with pytest.raises(ImproperlyConfigured, match=r"REMINDER_START=.* MM-DD"):
        reminders.send_reminders(today=START)


def test_a_reminder_start_later_in_the_year_is_honoured(settings, people):
    settings.REMINDER_START = "06-15"
    assert reminders.send_reminders(today=datetime.date(2026, 6, 14)).sent == 0
    assert reminders.send_reminders(today=datetime.date(2026, 6, 15)).sent == 2


def test_the_command_sends_for_the_given_date_and_says_so(people):
    out = StringIO()
    call_command("send_reminders", "--date", "2026-03-02", stdout=out)
    assert "Sent 2 reminder(s)" in out.getvalue()
    assert f"→ {BUSAN}: sent (3 value(s) due)" in out.getvalue()
    assert ReminderLog.objects.filter(sent_on=datetime.date(2026, 3, 2)).count() == 2

    out = StringIO()
    call_command("send_reminders", "--date", "2026-03-02", stdout=out)
    assert "skipped 2 already sent today" in out.getvalue()


def test_the_command_says_why_nothing_was_sent_before_the_start_date(people):
    out = StringIO()
    call_command("send_reminders", "--date", "2026-02-27", stdout=out)
    assert "Sent 0 reminder(s)" in out.getvalue()
    assert "2026-03-01" in out.getvalue()
    assert mail.outbox == []


@pytest.mark.parametrize("date", ["2026-13-01", "tomorrow", "20260301", "2026-02-30"])
def test_the_command_rejects_a_bad_date(db, date):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--date", date)


def test_the_command_turns_a_bad_reminder_start_into_a_command_error(db, settings):
    settings.REMINDER_START = "13-45"
    with pytest.raises(CommandError, match="REMINDER_START='13-45'"):
        call_command("send_reminders", "--date", "2026-03-02")
