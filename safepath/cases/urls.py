"""Staff URLs of the responders' side."""

from django.urls import path

from safepath.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports.csv", views.reports_csv, name="reports_csv"),
    path("audit/", views.audit_log, name="audit_log"),
    path("reports/<str:reference>/", views.report_detail, name="report_detail"),
    path("reports/<str:reference>/row/", views.report_row, name="report_row"),
    path("reports/<str:reference>/status/", views.report_status, name="report_status"),
    path("reports/<str:reference>/assign/", views.report_assign, name="report_assign"),
    path("reports/<str:reference>/notes/", views.report_note, name="report_note"),
    path("reports/<str:reference>/share/", views.report_share, name="report_share"),
    path("reports/<str:reference>/link/", views.report_link, name="report_link"),
    path("shares/<int:share_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/entries/", views.case_entry, name="case_entry"),
    path("cases/<str:reference>/observations/", views.case_observation, name="case_observation"),
    path("cases/<str:reference>/notes/", views.case_note, name="case_note"),
    path("cases/<str:reference>/documents/", views.case_document, name="case_document"),
    path(
        "cases/<str:reference>/documents/<int:document_id>/",
        views.case_document_download,
        name="case_document_download",
    ),
    path("cases/<str:reference>/share/", views.case_share, name="case_share"),
    path("cases/<str:reference>/summary.pdf", views.case_summary, name="case_summary"),
    path("reports/<str:reference>/reply/", views.report_reply, name="report_reply"),
]
urlpatterns += [
    path("reports/<str:reference>/live/", views.report_live, name="report_live"),
    path("reports/<str:reference>/photo.jpg", views.report_photo, name="report_photo"),
]
