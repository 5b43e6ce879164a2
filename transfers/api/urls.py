from django.urls import path

from transfers.api import views

urlpatterns = [
    path("", views.TransferListView.as_view(), name="api-transfers"),
    path("<uuid:transfer_id>/", views.TransferView.as_view(), name="api-transfer"),
    path("<uuid:transfer_id>/accept/", views.AcceptView.as_view(), name="api-transfer-accept"),
    path("<uuid:transfer_id>/reject/", views.RejectView.as_view(), name="api-transfer-reject"),
    path("<uuid:transfer_id>/send/", views.SendView.as_view(), name="api-transfer-send"),
    path(
        "<uuid:transfer_id>/funds-received/",
        views.FundsReceivedView.as_view(),
        name="api-transfer-funds-received",
    ),
    path(
        "<uuid:transfer_id>/complete/", views.CompleteView.as_view(), name="api-transfer-complete"
    ),
    path("<uuid:transfer_id>/cancel/", views.CancelView.as_view(), name="api-transfer-cancel"),
]
