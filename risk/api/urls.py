from django.urls import path

from risk.api import views

urlpatterns = [
    path("flags/", views.FlagListView.as_view(), name="api-risk-flags"),
    path("screenings/", views.ScreeningStartView.as_view(), name="api-risk-screenings"),
    path(
        "screenings/<uuid:run_id>/",
        views.ScreeningDetailView.as_view(),
        name="api-risk-screening",
    ),
]
