"""Training URLs: the learner's pages under /training/, administrators' under
/training/manage/. The public verification page is mounted at /verify/ in safepath.urls."""

from django.urls import path

from safepath.training import views

app_name = "training"

urlpatterns = [
    path("", views.learner_home, name="home"),
    path("a/<int:pk>/", views.assignment_view, name="assignment"),
    path("a/<int:pk>/lessons/<slug:lesson_id>/", views.lesson_view, name="lesson"),
    path("a/<int:pk>/scenarios/<slug:scenario_id>/", views.scenario_view, name="scenario"),
    path("a/<int:pk>/assessment/", views.assessment_view, name="assessment"),
    path("certificates/<str:pk>.pdf", views.certificate_pdf_view, name="certificate_pdf"),
    path("manage/", views.manage, name="manage"),
    path("manage/sites/", views.sites, name="sites"),
    path("manage/requirements/", views.requirements, name="requirements"),
    path("manage/requirements/<int:pk>/", views.requirement_view, name="requirement"),
    path(
        "manage/lessons/<slug:course>/<slug:lesson_id>/",
        views.local_lesson,
        name="local_lesson",
    ),
    path("manage/assignments/<int:pk>/", views.manage_assignment, name="manage_assignment"),
    path("manage/certificates/<str:pk>/", views.manage_certificate, name="manage_certificate"),
    path("manage/people/<int:pk>/", views.person, name="person"),
    path("manage/units/<int:pk>/", views.compliance, name="compliance"),
    path(
        "manage/units/<int:pk>/compliance.csv",
        views.compliance,
        {"fmt": "csv"},
        name="compliance_csv",
    ),
    path(
        "manage/units/<int:pk>/compliance.pdf",
        views.compliance,
        {"fmt": "pdf"},
        name="compliance_pdf",
    ),
    path("manage/completions/<int:pk>/xapi.json", views.completion_xapi, name="completion_xapi"),
    path("manage/organization/", views.choose_organization, name="choose_organization"),
    path("manage/compliance/", views.organization_compliance, name="organization_compliance"),
    path(
        "manage/compliance.csv",
        views.organization_compliance,
        {"fmt": "csv"},
        name="organization_compliance_csv",
    ),
    path(
        "manage/compliance.pdf",
        views.organization_compliance,
        {"fmt": "pdf"},
        name="organization_compliance_pdf",
    ),
    path("manage/people/", views.people, name="people"),
    path("manage/people/<int:pk>/transcript/", views.transcript, name="transcript"),
    path(
        "manage/people/<int:pk>/transcript.pdf",
        views.transcript,
        {"fmt": "pdf"},
        name="transcript_pdf",
    ),
    path("manage/people/<int:pk>/external/", views.external_record, name="external_record"),
    path("manage/questions/", views.questions, name="questions"),
    path("manage/questions/<int:pk>/", views.question, name="question"),
    path("manage/xapi.json", views.organization_xapi, name="organization_xapi"),
    path("manage/lrs/", views.learning_record_store, name="learning_record_store"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/<int:pk>/", views.session_view, name="session"),
]
