from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ovoz.concerns.promises import CONFIDENTIAL_EXPLAINED
from ovoz.concerns.selectors import theme_list


def home_view(request: HttpRequest) -> HttpResponse:
    """What Ovoz is for, in the visitor's language."""
    return render(request, "core/home.html", {"themes": theme_list(), "confidential_explained": CONFIDENTIAL_EXPLAINED})
