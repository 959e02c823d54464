from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.cache import public_page
from plans import queries


@require_safe
@public_page
def home(request):
    return render(
        request,
        "plans/home.html",
        {
            "national_plans": queries.national_plans(),
            "regions": queries.regions_with_plans(),
        },
    )


@require_safe
@public_page
def plan_detail(request, key):
    plan = queries.plan_page(key)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "budget_rows": queries.budget_rows(plan),
        },
    )


@require_safe
@public_page
def task_detail(request, key, code):
    task, serving = queries.task_page(key, code)
    return render(
        request,
        "plans/task_detail.html",
        {
            "task": task,
            "plan": task.strategy.plan,
            "serving": serving,
        },
    )
