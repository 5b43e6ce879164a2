from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from portal import api, health, views

if settings.OTP_REQUIRED:
    # django-otp's documented switch: staff sign in with a password and a TOTP code.
    admin.site.__class__ = OTPAdminSite
admin.site.site_header = "全国统筹养老保险 · 经办管理"
admin.site.site_title = "经办管理"
admin.site.index_title = "Caseworker administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("signin/", views.SignInView.as_view(), name="signin"),
    path("signout/", views.sign_out, name="signout"),
    path("activate/", views.activate, name="activate"),
    path("dev/outbox/", views.development_outbox, name="dev-outbox"),
    path("me/", views.me_home, name="me-home"),
    path("me/record/", views.me_record, name="me-record"),
    path("me/record.csv", views.me_record_csv, name="me-record-csv"),
    path("me/gaps/", views.me_gaps, name="me-gaps"),
    path("me/estimate/", views.me_estimate, name="me-estimate"),
    path("me/transfers/", views.me_transfers, name="me-transfers"),
    path("me/corrections/", views.me_corrections, name="me-corrections"),
    path("me/statement.pdf", views.me_statement, name="me-statement"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("me/access-log/", views.me_access_log, name="me-access-log"),
    path("me/large-text/", views.me_large_text, name="me-large-text"),
    path("me/keep-alive/", views.me_keep_alive, name="me-keep-alive"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler404 = api.not_found
handler500 = api.server_error
