"""The members screen, under /dashboard/members/."""

from django.urls import path

from safepath.accounts import members

app_name = "members"

urlpatterns = [
    path("", members.members_list, name="list"),
    path("invite/", members.member_invite, name="invite"),
    path("import/", members.members_import, name="import"),
    path("invitations/<int:pk>/resend/", members.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", members.invitation_revoke, name="invitation_revoke"),
    path("<int:pk>/", members.member_edit, name="edit"),
    path("<int:pk>/deactivate/", members.member_deactivate, name="deactivate"),
    path(
        "<int:pk>/second-factor/reset/",
        members.member_reset_second_factor,
        name="reset_second_factor",
    ),
]
