"""The public verification page of a certificate (no sign-in): what the QR code on it opens."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET

from ..certificates import verify
from ..forms import VerifyForm


@require_GET
def verify_form(request):
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        return redirect("services:verify", serial=form.cleaned_data["serial"])
    return render(request, "services/verify.html", {"form": form, "result": None})


@require_GET
def verify_page(request, serial: str):
    result = verify(serial)
    return render(request, "services/verify.html", {"form": VerifyForm(initial={"serial": serial[:40]}),
                                                    "result": result, "serial": serial[:40]})


urls = [
    path("verify/", verify_form, name="verify_form"),
    path("verify/<str:serial>/", verify_page, name="verify"),
]
