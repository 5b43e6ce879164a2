"""/api/v1/: every app's endpoints under one version prefix."""

from django.urls import include, path

from transfers.api.views import EmployerMoveView

urlpatterns = [
    path("", include("contributions.api.urls")),
    path("employers/<str:uscc>/move/", EmployerMoveView.as_view(), name="api-employer-move"),
    path("calculations/", include("contributions.api.calculations")),
    path("calculations/", include("transfers.api.calculations")),
    path("risk/", include("risk.api.urls")),
    path("transfers/", include("transfers.api.urls")),
]
