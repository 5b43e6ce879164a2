"""Pages of the insured person's portal (個人網頁)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: what the portal is, and where each kind of user goes."""
    return render(request, "portal/home.html")
