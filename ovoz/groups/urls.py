"""URLs of working groups: staff pages (in the ``staff`` namespace) and public pages (per language)."""

from django.urls import path

from ovoz.groups.views import actions, public, staff

staff_urlpatterns = [
    path("groups/", staff.group_list_view, name="groups"),
    path("groups/<slug:slug>/", staff.group_view, name="group"),
    path("groups/<slug:slug>/members/", staff.members_view, name="group_members"),
    path("groups/<slug:slug>/institutions/", staff.institutions_view, name="group_institutions"),
    path("groups/<slug:slug>/concerns/", staff.concerns_view, name="group_concerns"),
    path("groups/<slug:slug>/meetings/", staff.meetings_view, name="group_meetings"),
    path("groups/<slug:slug>/meetings/<int:meeting_id>/", staff.meeting_view, name="group_meeting"),
    path("groups/<slug:slug>/meetings/<int:meeting_id>/print/", staff.meeting_print_view, name="group_meeting_print"),
    path("groups/<slug:slug>/meetings/<int:meeting_id>/scores/", staff.scores_view, name="group_scores"),
    path("groups/<slug:slug>/criteria/", staff.criteria_view, name="group_criteria"),
    path("groups/<slug:slug>/actions/", actions.actions_view, name="group_actions"),
    path("groups/<slug:slug>/actions/<int:action_id>/", actions.action_view, name="group_action"),
    path(
        "groups/<slug:slug>/actions/<int:action_id>/photos/<int:photo_id>/",
        actions.action_photo_view,
        name="group_action_photo",
    ),
]

# Outside the staff namespace: the invitee has no account yet.
invitation_urlpatterns = [
    path("invitation/<str:token>/", staff.invitation_view, name="group_invitation"),
]

public_urlpatterns = [
    path("groups/", public.group_list_view, name="group_list"),
    path("groups/<slug:slug>/", public.group_detail_view, name="group_detail"),
    path("groups/<slug:slug>/meetings/<int:meeting_id>/", public.meeting_view, name="group_meeting_summary"),
    path("groups/<slug:slug>/feed/", public.UpdatesFeed(), name="group_feed"),
    path("groups/<slug:slug>/photos/<int:photo_id>/", public.photo_view, name="group_photo"),
]
