from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from ovoz.accounts.views import workspace
from ovoz.api import api, api_not_found
from ovoz.channels.views import staff as channel_staff_views
from ovoz.concerns import open311
from ovoz.concerns.views import offline as offline_views
from ovoz.concerns.views import public as concern_views
from ovoz.concerns.views import staff as concern_staff_views
from ovoz.core.favicon import favicon_view
from ovoz.groups import urls as group_urls
from ovoz.insights import alert_views
from ovoz.insights import views as insight_views
from ovoz.operations import health, metrics
from ovoz.places.views import staff as area_staff_views
from ovoz.referrals import urls as referral_urls
from ovoz.surveys import urls as survey_urls
from ovoz.surveys.views import public as survey_views

staff_patterns = (
    [
        path("", workspace.home_view, name="home"),
        path("areas/", area_staff_views.areas_view, name="areas"),
        path("areas/<int:area_id>/", area_staff_views.areas_view, name="area"),
        path("themes/", concern_staff_views.themes_view, name="themes"),
        path("concerns/", concern_staff_views.inbox_view, name="concerns"),
        path("concerns/status/", concern_staff_views.bulk_status_view, name="concerns_bulk_status"),
        path("concerns/<int:concern_id>/", concern_staff_views.detail_view, name="concern"),
        path(
            "concerns/<int:concern_id>/suggested-theme/",
            insight_views.staff_suggestion_accept_view,
            name="concern_suggestion_accept",
        ),
        path(
            "concerns/<int:concern_id>/photos/<int:attachment_id>/",
            concern_staff_views.attachment_view,
            name="concern_photo",
        ),
        path("audit/", workspace.audit_view, name="audit"),
        path("dashboard/", insight_views.staff_dashboard_view, name="dashboard"),
        path("dashboard/<slug:chart>.csv", insight_views.staff_dashboard_csv_view, name="dashboard_csv"),
        path("alerts/", alert_views.alerts_view, name="alerts"),
        path("alerts/<int:alert_id>/", alert_views.alert_view, name="alert"),
        path("exports/concerns.csv", insight_views.staff_export_concerns_view, name="export_concerns"),
        path("account/telegram/", channel_staff_views.telegram_link_view, name="telegram_link"),
        *group_urls.staff_urlpatterns,
        *referral_urls.staff_urlpatterns,
        *survey_urls.staff_urlpatterns,
    ],
    "staff",
)

urlpatterns = [
    path("favicon.ico", favicon_view, name="favicon"),
    path("healthz", health.healthz_view, name="healthz"),
    path("readyz", health.readyz_view, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),
    path("staff/", include(staff_patterns)),
    path("staff/", include("ovoz.accounts.urls")),
    path("staff/", include(group_urls.invitation_urlpatterns)),
    path("staff/admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("report-worker.js", offline_views.report_worker_view, name="report_worker"),
    path("channels/", include("ovoz.channels.urls")),
    path("data/concerns.<slug:fmt>", insight_views.export_concerns_view, name="export_concerns"),
    path("data/areas.<slug:fmt>", insight_views.export_areas_view, name="export_areas"),
    re_path(r"^open311/v2/discovery\.(?P<fmt>\w+)$", open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services\.(?P<fmt>\w+)$", open311.service_list, name="open311_services"),
    re_path(r"^open311/v2/services/(?P<code>[\w-]+)\.(?P<fmt>\w+)$", open311.service_definition),
    re_path(r"^open311/v2/requests\.(?P<fmt>\w+)$", open311.request_list, name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>\d+)\.(?P<fmt>\w+)$", open311.request_detail),
    re_path(r"^open311/v2/tokens/(?P<token>[\w-]+)\.(?P<fmt>\w+)$", open311.token_detail),
]

urlpatterns += i18n_patterns(
    path("", concern_views.home_view, name="home"),
    path("report/", concern_views.report_view, name="report"),
    path("report/sent/", concern_views.report_sent_view, name="report_sent"),
    path("follow/", concern_views.follow_view, name="follow"),
    path("concerns/", concern_views.concern_list_view, name="concerns"),
    path("map/", insight_views.map_view, name="map"),
    path("dashboard/", insight_views.dashboard_view, name="dashboard"),
    path("dashboard/<slug:chart>.csv", insight_views.dashboard_csv_view, name="dashboard_csv"),
    path("data/", insight_views.data_view, name="data"),
    path("data/dictionary/", insight_views.data_dictionary_view, name="data_dictionary"),
    path("concerns/<int:concern_id>/", concern_views.concern_detail_view, name="concern"),
    path("concerns/<int:concern_id>/support/", concern_views.concern_support_view, name="concern_support"),
    *group_urls.public_urlpatterns,
    path("surveys/", survey_views.survey_index_view, name="survey_index"),
    path("surveys/<slug:survey_slug>/", survey_views.survey_answer_view, name="survey_answer"),
    path("surveys/<slug:survey_slug>/thanks/", survey_views.survey_thanks_view, name="survey_thanks"),
    *survey_urls.public_urlpatterns,
    prefix_default_language=True,
)
