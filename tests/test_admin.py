import pytest
from django.contrib import admin
from django.urls import reverse

from plans.models import Plan


def registered_models():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_every_admin_list_add_and_change_page_opens(db, admin_client_user, model):
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert admin_client_user.get(changelist).status_code == 200
    assert admin_client_user.get(changelist + "?q=부산").status_code == 200
    assert (
        admin_client_user.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code
        == 200
    )
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert admin_client_user.get(change).status_code == 200


def test_the_admin_speaks_korean(db, admin_client_user):
    html = admin_client_user.get("/admin/").content.decode()
    assert "지방과학기술진흥계획 관리" in html
    assert "성과지표" in html and "중점과제" in html


def test_the_admin_searches_and_filters_plans(db, admin_client_user):
    html = admin_client_user.get("/admin/plans/plan/?q=부산").content.decode()
    assert "busan-2" in html and "daejeon-2023" not in html
    html = admin_client_user.get("/admin/plans/plan/?level__exact=national").content.decode()
    assert "national-6" in html and "busan-2" not in html


def test_sources_are_edited_one_url_per_line(db, admin_client_user):
    plan = Plan.objects.get(key="gyeongbuk-2023")
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    html = admin_client_user.get(url).content.decode()
    assert "https://smtime12.tistory.com/32582\nhttp://m.kimcheon.co.kr" in html


def test_a_bad_source_url_is_explained(db, admin_client_user):
    from regions.forms import URLListField

    field = URLListField(required=False)
    assert field.clean("https://a.example/x\n\nhttp://b.example") == [
        "https://a.example/x",
        "http://b.example",
    ]
    with pytest.raises(Exception, match="2번째 줄|Line 2"):
        field.clean("https://a.example\njavascript:alert(1)")
