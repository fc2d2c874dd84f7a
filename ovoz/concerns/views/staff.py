from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ovoz.accounts.decorators import staff_required
from ovoz.concerns.selectors import theme_list


@staff_required
def themes_view(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/themes.html", {"themes": theme_list(include_inactive=True)})
