from django.shortcuts import render

from plans import queries


def home(request):
    return render(
        request,
        "plans/home.html",
        {
            "national_plans": queries.national_plans(),
            "regions": queries.regions_with_plans(),
        },
    )


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
