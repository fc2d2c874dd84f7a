from django.urls import path

from ovoz.surveys.views import channel_staff, collect, collect_offline, groups, imports, results, staff

staff_urlpatterns = [
    path("surveys/", staff.survey_list_view, name="surveys"),
    path("surveys/import/", staff.survey_import_view, name="survey_import"),
    path("surveys/groups/<slug:slug>/", groups.survey_group_view, name="survey_group"),
    path("surveys/collect/", collect.collect_list_view, name="survey_collect_list"),
    path("surveys/collect/<int:round_id>/", collect.collect_view, name="survey_collect"),
    path(
        "surveys/collect/<int:round_id>/offline/",
        collect_offline.collect_offline_view,
        name="survey_collect_offline",
    ),
    path("surveys/collect/key/", collect_offline.collect_key_view, name="survey_collect_key"),
    path("surveys/collect/sync/", collect_offline.collect_sync_view, name="survey_collect_sync"),
    path("surveys/collect/worker.js", collect_offline.collect_worker_view, name="survey_collect_worker"),
    path("surveys/enumerators/", collect.enumerators_view, name="survey_enumerators"),
    path("surveys/<int:survey_id>/", staff.survey_view, name="survey"),
    path("surveys/<int:survey_id>/rounds/", staff.survey_round_open_view, name="survey_round_open"),
    path(
        "surveys/<int:survey_id>/rounds/<int:number>/results/",
        staff.survey_round_results_view,
        name="survey_round_results",
    ),
    path(
        "surveys/<int:survey_id>/rounds/<int:number>/channels/",
        channel_staff.survey_round_channels_view,
        name="survey_round_channels",
    ),
    path(
        "surveys/<int:survey_id>/rounds/<int:number>/close/", staff.survey_round_close_view, name="survey_round_close"
    ),
    path("surveys/<int:survey_id>/indicators/", staff.survey_indicator_add_view, name="survey_indicator_add"),
    path(
        "surveys/<int:survey_id>/indicators/<int:indicator_id>/remove/",
        staff.survey_indicator_remove_view,
        name="survey_indicator_remove",
    ),
    path("surveys/<int:survey_id>/publish/", staff.survey_results_publish_view, name="survey_results_publish"),
    path(
        "surveys/<int:survey_id>/rounds/<int:number>/results.<str:file_format>",
        staff.survey_round_export_view,
        name="survey_round_export",
    ),
    path(
        "surveys/<int:survey_id>/rounds/<int:number>/import/",
        imports.survey_answers_import_view,
        name="survey_answers_import",
    ),
]

public_urlpatterns = [
    path("surveys/<slug:survey_slug>/results/", results.survey_results_view, name="survey_results"),
    path(
        "surveys/<slug:survey_slug>/results/<int:number>.<str:file_format>",
        results.survey_results_export_view,
        name="survey_results_export",
    ),
]
