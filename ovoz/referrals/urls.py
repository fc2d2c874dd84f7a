from django.urls import path

from ovoz.referrals.views import staff

staff_urlpatterns = [
    path("concerns/<int:concern_id>/referrals/", staff.concern_referrals_view, name="concern_referrals"),
    path("referrals/", staff.inbox_view, name="referrals"),
    path("referrals/<int:referral_id>/", staff.detail_view, name="referral"),
    path("referrals/<int:referral_id>/photos/<int:attachment_id>/", staff.photo_view, name="referral_photo"),
]
