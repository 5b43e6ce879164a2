"""Admin helpers shared by the apps."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse


def action_confirmation(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    form: forms.Form,
    **texts: str,
) -> TemplateResponse:
    """The confirmation page of an admin action that needs input (a reason, a month)."""
    context = {
        **model_admin.admin_site.each_context(request),
        **texts,
        "form": form,
        "items": queryset,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/action_form.html", context)
