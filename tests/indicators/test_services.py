from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core.errors import ConflictError, WorkflowError
from indicators import services
from indicators.models import Observation, WorkflowStatus
from tests import factories

D = Decimal


@pytest.fixture
def rnd(db):
    return factories.seed_kpi("busan-2", "rnd_to_grdp_pct")


@pytest.fixture
def rank(db):
    return factories.seed_kpi("busan-2", "rcostii_rank")


@pytest.fixture
def national(db):
    return factories.seed_kpi("national-6", "regions_with_st_agency")


def enter(indicator, client, year=2025, value="2.05", **extra):
    """The secretariat's (or officer's) save under test; a value a test starts from is made
    by tests/factories.py."""
    return services.save_observation(
        indicator=indicator, year=year, value=value, by=client.user, **extra
    )


def test_the_regions_secretariat_enters_a_draft(rnd, busan):
    observation = enter(rnd, busan, source="https://bistep.re.kr/report", note="잠정치")
    assert observation.status == WorkflowStatus.DRAFT and observation.value == D("2.05")
    assert observation.entered_by == busan.user and observation.version == 1
    record = observation.history.first()
    assert record.history_user == busan.user and record.history_change_reason == "entered"


def test_another_regions_secretariat_cannot_enter_busans_value(rnd, daejeon):
    with pytest.raises(PermissionDenied):
        enter(rnd, daejeon)
    assert not Observation.objects.filter(indicator=rnd, year=2025).exists()


def test_a_ministry_officer_cannot_enter_a_regional_value(rnd, ministry):
    with pytest.raises(PermissionDenied):
        enter(rnd, ministry)


def test_a_ministry_officer_enters_a_national_kpi_and_a_secretariat_cannot(
    national, ministry, busan
):
    assert enter(national, ministry, value="10").status == WorkflowStatus.DRAFT
    with pytest.raises(PermissionDenied):
        enter(national, busan, year=2026, value="11")


def test_anonymous_visitors_cannot_enter_anything(rnd, anonymous, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.save_observation(indicator=rnd, year=2025, value="2", by=AnonymousUser())


@pytest.mark.parametrize(
    ("year", "value", "message"),
    [
        (2021, "2", "outside this KPI's years"),
        (2028, "2", "outside this KPI's years"),
        (2025, "abc", "is not a number"),
        (2025, "", "Enter a value"),
        (2025, "1.1234567", "at most"),
    ],
)
def test_a_bad_year_or_value_is_refused_with_a_clear_message(
    rnd, busan, year, value, message, settings
):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        enter(rnd, busan, year=year, value=value)
    assert message in " ".join(caught.value.messages)


def test_a_source_must_be_a_web_address(rnd, busan):
    with pytest.raises(ValidationError):
        enter(rnd, busan, source="javascript:alert(1)")


def test_a_stale_version_is_a_conflict_and_overwrites_nothing(rnd, busan):
    first = factories.value(rnd, 2025, "2.05", by=busan.user)
    enter(rnd, busan, value="2.10", version=first.version)  # someone else saved meanwhile
    with pytest.raises(ConflictError) as caught:
        enter(rnd, busan, value="2.20", version=first.version)
    assert "Nothing was saved" in caught.value.message or "저장하지" in caught.value.message
    assert Observation.objects.get(indicator=rnd, year=2025).value == D("2.10")


def test_the_whole_workflow_from_draft_to_approved(rnd, busan, ministry):
    observation = enter(rnd, busan)
    services.submit_observation(observation=observation, by=busan.user)
    observation.refresh_from_db()
    assert observation.status == WorkflowStatus.SUBMITTED and observation.submitted_by == busan.user
    assert len(mail.outbox) == 0  # no ministry officer has an e-mail address in this test
    services.approve_observation(observation=observation, by=ministry.user)
    observation.refresh_from_db()
    assert (
        observation.status == WorkflowStatus.APPROVED and observation.reviewed_by == ministry.user
    )
    assert rnd.observations.approved().filter(year=2025).exists()


def test_submitting_tells_the_ministry_and_returning_tells_the_secretariat(
    rnd, busan, ministry, django_capture_on_commit_callbacks
):
    ministry.user.email = "officer@msit.go.kr"
    ministry.user.save()
    busan.user.email = "kim@bistep.re.kr"
    busan.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        observation = enter(rnd, busan)
        services.submit_observation(observation=observation, by=busan.user)
    assert [m.to for m in mail.outbox] == [["officer@msit.go.kr"]]
    assert "부산광역시" in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.return_observation(
            observation=observation, by=ministry.user, comment="출처 보고서 쪽수를 적어 주세요"
        )
    assert mail.outbox[1].to == ["kim@bistep.re.kr"]
    assert "출처 보고서 쪽수를 적어 주세요" in mail.outbox[1].body


def test_a_secretariat_cannot_approve(rnd, busan):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    with pytest.raises(PermissionDenied):
        services.approve_observation(observation=observation, by=busan.user)


def test_whoever_entered_a_value_does_not_approve_it(national, ministry):
    observation = factories.value(national, 2025, "10", by=ministry.user, to="submitted")
    with pytest.raises(PermissionDenied):
        services.approve_observation(observation=observation, by=ministry.user)
    colleague = factories.account("colleague", "ministry")
    services.approve_observation(observation=observation, by=colleague)


def test_returning_needs_a_comment_and_the_secretariat_can_fix_and_resubmit(rnd, busan, ministry):
    observation = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    with pytest.raises(ValidationError):
        services.return_observation(observation=observation, by=ministry.user, comment="  ")
    returned = services.return_observation(
        observation=observation, by=ministry.user, comment="check the source"
    )
    assert (
        returned.status == WorkflowStatus.RETURNED and returned.review_comment == "check the source"
    )
    fixed = enter(rnd, busan, value="2.06", version=returned.version)
    assert fixed.status == WorkflowStatus.RETURNED
    services.submit_observation(observation=fixed, by=busan.user)
    fixed.refresh_from_db()
    assert fixed.status == WorkflowStatus.SUBMITTED


def test_approved_values_are_locked(rank, busan):
    approved = rank.observations.get(year=2022)
    with pytest.raises(WorkflowError):
        enter(rank, busan, year=2022, value="5", version=approved.version)
    with pytest.raises(WorkflowError):
        services.submit_observation(observation=approved, by=busan.user)


def test_a_ministry_officer_reopens_an_approved_value_with_a_reason(rank, busan, ministry):
    approved = rank.observations.get(year=2022)
    with pytest.raises(PermissionDenied):
        services.reopen_observation(observation=approved, by=busan.user, reason="typo")
    with pytest.raises(ValidationError):
        services.reopen_observation(observation=approved, by=ministry.user, reason="")
    reopened = services.reopen_observation(
        observation=approved, by=ministry.user, reason="KISTEP corrected the edition"
    )
    assert reopened.status == WorkflowStatus.RETURNED
    assert enter(rank, busan, year=2022, value="7", version=reopened.version).value == D("7")


def test_an_outlier_needs_a_note_before_it_is_submitted(rank, busan):
    # Busan's approved ranks (11, 9, 8, 7, 5, 9, 6) have a mean near 7.9 and SD near 2;
    # a rank of 17 is more than 3 SD away.
    observation = factories.value(rank, 2023, "17", by=busan.user)
    with pytest.raises(ValidationError) as caught:
        services.submit_observation(observation=observation, by=busan.user)
    assert "note" in " ".join(caught.value.messages).lower() or "비고" in " ".join(
        caught.value.messages
    )
    noted = enter(
        rank, busan, year=2023, value="17", note="새 평가 방식 적용", version=observation.version
    )
    services.submit_observation(observation=noted, by=busan.user)
    noted.refresh_from_db()
    assert noted.status == WorkflowStatus.SUBMITTED


def test_a_value_in_line_with_history_needs_no_note(rank, busan):
    observation = enter(rank, busan, year=2023, value="7")
    services.submit_observation(observation=observation, by=busan.user)


@pytest.mark.parametrize(
    ("kpi", "value"), [("rcostii_rank", "2.5"), ("rcostii_rank", "18"), ("rnd_to_grdp_pct", "120")]
)
def test_a_value_outside_what_its_unit_allows_is_refused_even_with_a_note(db, busan, kpi, value):
    indicator = factories.seed_kpi("busan-2", kpi)
    with pytest.raises(ValidationError) as caught:
        enter(indicator, busan, year=2024, value=value, note="설명")
    assert list(caught.value.message_dict) == ["value"]
    assert not Observation.objects.filter(indicator=indicator, year=2024).exists()


def test_a_draft_kept_from_before_a_rule_existed_cannot_be_submitted(rnd, busan):
    observation = factories.value(rnd, 2024, "2", by=busan.user)
    Observation.objects.filter(pk=observation.pk).update(value=120, note="older rules")
    observation.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be submitted"):
        services.submit_observation(observation=observation, by=busan.user)


def test_a_secretariat_deletes_a_draft_which_its_history_keeps(rnd, busan, ministry):
    observation = factories.value(rnd, 2024, "2", by=busan.user)
    services.delete_observation(observation=observation, by=busan.user)
    assert not Observation.objects.filter(indicator=rnd, year=2024).exists()
    record = Observation.history.filter(id=observation.pk).latest("history_id")
    assert (record.history_type, record.history_change_reason) == ("-", "deleted")
    assert record.history_user_id == busan.user.pk
    # The year is free again.
    assert enter(rnd, busan, year=2024, value="2.1").value == D("2.1")


@pytest.mark.parametrize("status", ["submitted", "returned", "approved"])
def test_only_a_draft_can_be_deleted(rnd, busan, ministry, status):
    observation = factories.value(
        rnd, 2024, "2", by=busan.user, to=status, reviewer=ministry.user, comment="출처?"
    )
    with translation.override("en"), pytest.raises(WorkflowError, match="Only a draft can be"):
        services.delete_observation(observation=observation, by=busan.user)
    assert Observation.objects.get(pk=observation.pk).status == status


def test_another_region_cannot_delete_or_withdraw_busans_value(rnd, busan, daejeon):
    observation = factories.value(rnd, 2024, "2", by=busan.user)
    with pytest.raises(PermissionDenied):
        services.delete_observation(observation=observation, by=daejeon.user)
    services.submit_observation(observation=observation, by=busan.user)
    with pytest.raises(PermissionDenied):
        services.withdraw_observation(observation=observation, by=daejeon.user)
    assert Observation.objects.get(pk=observation.pk).status == WorkflowStatus.SUBMITTED


def test_a_secretariat_withdraws_an_unreviewed_submission_back_to_draft(rnd, busan):
    submitted = factories.value(rnd, 2024, "2", by=busan.user, to="submitted")
    withdrawn = services.withdraw_observation(
        observation=submitted, by=busan.user, version=submitted.version
    )
    assert withdrawn.status == WorkflowStatus.DRAFT
    assert withdrawn.submitted_by is None and withdrawn.version == submitted.version + 1
    assert withdrawn.history.latest("history_id").history_change_reason == "withdrawn"
    # A draft again: it can be edited and submitted anew.
    assert enter(rnd, busan, year=2024, value="2.2", version=withdrawn.version).value == D("2.2")


@pytest.mark.parametrize("status", ["draft", "returned", "approved"])
def test_only_a_submitted_value_can_be_withdrawn(rnd, busan, ministry, status):
    observation = factories.value(
        rnd, 2024, "2", by=busan.user, to=status, reviewer=ministry.user, comment="출처?"
    )
    with translation.override("en"), pytest.raises(WorkflowError, match="Only a submitted value"):
        services.withdraw_observation(observation=observation, by=busan.user)
    assert Observation.objects.get(pk=observation.pk).status == status


def test_a_stale_version_deletes_and_withdraws_nothing(rnd, busan):
    observation = factories.value(rnd, 2024, "2", by=busan.user)
    with pytest.raises(ConflictError):
        services.delete_observation(observation=observation, by=busan.user, version=99)
    services.submit_observation(observation=observation, by=busan.user)
    with pytest.raises(ConflictError):
        services.withdraw_observation(observation=observation, by=busan.user, version=1)
    assert Observation.objects.get(pk=observation.pk).status == WorkflowStatus.SUBMITTED


def test_submitting_several_values_is_all_or_nothing(rnd, rank, busan):
    good = factories.value(rnd, 2025, "2.05", by=busan.user)
    bad = factories.value(rank, 2023, "17", by=busan.user)
    with pytest.raises(ValidationError):
        services.submit_observations(observations=[good, bad], by=busan.user)
    assert Observation.objects.get(pk=good.pk).status == WorkflowStatus.DRAFT


def test_bulk_approval_is_all_or_nothing(rnd, rank, busan, ministry):
    one = factories.value(rnd, 2025, "2.05", by=busan.user, to="submitted")
    two = factories.value(rank, 2023, "7", by=busan.user)
    with pytest.raises(WorkflowError):
        services.approve_observations(observations=[one, two], by=ministry.user)
    assert Observation.objects.get(pk=one.pk).status == WorkflowStatus.SUBMITTED


def test_a_target_revision_needs_a_reason_and_keeps_the_original(rank, ministry, busan):
    with pytest.raises(PermissionDenied):
        services.revise_target(
            indicator=rank, target_year=2027, target_value="4", reason="better", by=busan.user
        )
    with pytest.raises(ValidationError):
        services.revise_target(
            indicator=rank, target_year=2027, target_value="4", reason="", by=ministry.user
        )
    services.revise_target(
        indicator=rank,
        target_year=2027,
        target_value="4",
        reason="중간점검 결과 상향",
        by=ministry.user,
    )
    rank.refresh_from_db()
    assert rank.target_value == D("4")
    reasons = list(rank.history.values_list("history_change_reason", flat=True))
    assert reasons[0] == "중간점검 결과 상향"


def test_every_change_is_kept_in_history_with_who_and_why(rnd, busan, ministry):
    observation = enter(rnd, busan)
    services.submit_observation(observation=observation, by=busan.user)
    services.return_observation(observation=observation, by=ministry.user, comment="why")
    records = list(Observation.history.filter(id=observation.pk).order_by("history_id"))
    assert [r.status for r in records] == ["draft", "submitted", "returned"]
    assert [r.history_user for r in records] == [busan.user, busan.user, ministry.user]
    assert "why" in records[-1].history_change_reason


def test_a_bulk_save_writes_drafts_with_their_history_all_or_none(rnd, rank, busan):
    entries = [
        {
            "indicator": rnd,
            "year": 2025,
            "value": D("2.05"),
            "source": "",
            "note": "a",
            "version": None,
        },
        {
            "indicator": rank,
            "year": 2023,
            "value": D("7"),
            "source": "",
            "note": "",
            "version": None,
        },
    ]
    assert services.save_observations(entries=entries, by=busan.user) == 2
    saved = Observation.objects.get(indicator=rnd, year=2025)
    assert (saved.value, saved.status, saved.entered_by, saved.version, saved.note) == (
        D("2.05"),
        WorkflowStatus.DRAFT,
        busan.user,
        1,
        "a",
    )
    record = saved.history.get()
    assert (record.history_user, record.history_change_reason, record.history_type) == (
        busan.user,
        "entered",
        "+",
    )
    assert record.value == D("2.05") and record.entered_by == busan.user
    edit = [{**entries[0], "value": D("2.1"), "version": 1}]
    services.save_observations(entries=edit, by=busan.user)
    saved.refresh_from_db()
    assert saved.value == D("2.1") and saved.version == 2
    assert saved.history.count() == 2
    stale = [
        {**entries[1], "value": D("8"), "version": None},
        {**entries[0], "value": D("2.2"), "version": 1},
    ]
    with pytest.raises(services.EntryError) as caught:
        services.save_observations(entries=stale, by=busan.user)
    assert caught.value.position == 0
    assert Observation.objects.get(indicator=rnd, year=2025).value == D("2.1")


def test_a_bulk_save_keeps_text_exactly_and_writes_history_only_for_its_own_values(
    rnd, rank, busan
):
    # Tabs, newlines, backslashes and "\N" mean something in PostgreSQL's COPY format.
    note = 'tab\there\nnew line\r\\ back\\slash \\N "quoted" 한글 <b>'
    before = factories.value(rnd, 2023, "1.9", by=busan.user)
    history_before = Observation.history.count()
    entries = [
        {
            "indicator": rnd,
            "year": year,
            "value": D("2.05"),
            "source": "https://example.org/a?b=c\\d",
            "note": note,
            "version": None,
        }
        for year in (2024, 2025)
    ]
    assert services.save_observations(entries=entries, by=busan.user) == 2
    saved = Observation.objects.filter(indicator=rnd, year__in=(2024, 2025))
    assert {(o.note, o.source) for o in saved} == {(note, "https://example.org/a?b=c\\d")}
    # One "entered" history row per new value, none for the value saved before.
    assert Observation.history.count() == history_before + 2
    records = Observation.history.filter(id__in=[o.pk for o in saved])
    assert sorted((r.year, r.note, r.history_type) for r in records) == [
        (2024, note, "+"),
        (2025, note, "+"),
    ]
    assert before.history.count() == 1


def test_an_administrator_without_a_role_neither_enters_nor_reviews_values(rnd, busan):
    # Separation of duties: the superuser flag is for the admin, not for the workflow.
    root = factories.superuser("root2")
    with pytest.raises(PermissionDenied):
        services.save_observation(indicator=rnd, year=2025, value="2", by=root)
    observation = factories.value(rnd, 2025, "2", by=busan.user, to="submitted")
    with pytest.raises(PermissionDenied):
        services.approve_observation(observation=observation, by=root)


def test_a_target_against_the_kpis_direction_is_refused(rank, rnd, ministry):
    # rank: lower is better, from 9 in 2021; R&D/GRDP: higher is better, from 1.85.
    with pytest.raises(ValidationError) as caught:
        services.revise_target(
            indicator=rank, target_year=2027, target_value="12", reason="오기", by=ministry.user
        )
    assert "target_value" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.revise_target(
            indicator=rnd, target_year=2027, target_value="1.5", reason="오기", by=ministry.user
        )
    rank.refresh_from_db()
    assert rank.target_value == D("5")
