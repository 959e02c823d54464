from django.shortcuts import render

from plans import queries


def region_detail(request, code):
    region, plans = queries.region_page(code)
    return render(request, "regions/region_detail.html", {"region": region, "plans": plans})
