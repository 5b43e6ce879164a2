from django.urls import path

from contributions.api import views
from contributions.models import Enrolment

urlpatterns = [
    path("persons/", views.PersonListView.as_view(), name="api-persons"),
    path("persons/<str:id_number>/", views.PersonView.as_view(), name="api-person"),
    path(
        "persons/<str:id_number>/record/",
        views.PersonRecordView.as_view(),
        name="api-person-record",
    ),
    path(
        "persons/<str:id_number>/death/", views.PersonDeathView.as_view(), name="api-person-death"
    ),
    path(
        "persons/<str:id_number>/deemed-service/",
        views.DeemedServiceView.as_view(),
        name="api-person-deemed-service",
    ),
    path(
        "persons/<str:id_number>/retirement/",
        views.RetirementView.as_view(),
        name="api-person-retirement",
    ),
    path("me/record/", views.MyRecordView.as_view(), name="api-my-record"),
    path("employers/", views.EmployerListView.as_view(), name="api-employers"),
    path("enrolments/", views.EnrolmentListView.as_view(), name="api-enrolments"),
    path(
        "enrolments/<int:pk>/suspend/",
        views.EnrolmentEndView.as_view(end_status=Enrolment.Status.SUSPENDED),
        name="api-enrolment-suspend",
    ),
    path(
        "enrolments/<int:pk>/close/",
        views.EnrolmentEndView.as_view(end_status=Enrolment.Status.CLOSED),
        name="api-enrolment-close",
    ),
    path(
        "enrolments/<int:pk>/organisational-transfer/",
        views.OrganisationalTransferView.as_view(),
        name="api-enrolment-organisational-transfer",
    ),
    path("benefit-payments/", views.BenefitPaymentView.as_view(), name="api-benefit-payments"),
    path("certifications/", views.CertificationView.as_view(), name="api-certifications"),
    path(
        "back-payment-evidence/",
        views.BackPaymentEvidenceView.as_view(),
        name="api-back-payment-evidence",
    ),
    path("contributions/", views.ContributionListView.as_view(), name="api-contributions"),
    path(
        "contributions/batches/",
        views.ContributionBatchView.as_view(),
        name="api-contribution-batches",
    ),
    path(
        "contributions/batches/<uuid:batch_id>/",
        views.ContributionBatchDetailView.as_view(),
        name="api-contribution-batch",
    ),
    path("policies/<str:province>/<int:year>/", views.PolicyView.as_view(), name="api-policy"),
    path("journal/balances/", views.JournalBalanceView.as_view(), name="api-journal-balances"),
]
