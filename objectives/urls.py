from django.urls import path

from objectives import views

app_name = "objectives"

urlpatterns = [
    path("", views.my_key_results, name="my_key_results"),
    path("check-in/", views.weekly_checkin, name="weekly_checkin"),
    path("activity/", views.activity, name="activity"),
    path("objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/parents/", views.parent_options, name="parent_options"),
    path("objectives/hints/", views.objective_hints, name="objective_hints"),
    path("objectives/<int:objective_id>/", views.objective_detail, name="objective"),
    path("objectives/<int:objective_id>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:objective_id>/status/", views.objective_status, name="objective_status"),
    path("objectives/<int:objective_id>/retrospective/", views.objective_retrospective, name="objective_retrospective"),
    path("objectives/<int:objective_id>/key-results/new/", views.key_result_create, name="key_result_create"),
    path("objectives/<int:objective_id>/dependencies/", views.dependency_add, name="dependency_add"),
    path(
        "objectives/<int:objective_id>/dependencies/<int:dependency_id>/delete/",
        views.dependency_remove,
        name="dependency_remove",
    ),
    path(
        "objectives/<int:objective_id>/shared-key-results/<int:key_result_id>/remove/",
        views.shared_key_result_remove,
        name="shared_key_result_remove",
    ),
    path("cycles/<int:cycle_id>/grading/", views.cycle_grading, name="cycle_grading"),
    path("cycles/<int:cycle_id>/carry-over/", views.cycle_carry_over, name="cycle_carry_over"),
    path("cycles/<int:cycle_id>/report/", views.cycle_report_page, name="cycle_report"),
    path("cycles/<int:cycle_id>/report.csv", views.cycle_report_download, name="cycle_report_csv"),
    path("cycles/<int:cycle_id>/planning/", views.cycle_planning, name="planning"),
    path("cycles/<int:cycle_id>/planning/<int:department_id>/<str:action>/", views.plan_action, name="plan_action"),
    path("cycles/<int:cycle_id>/overlaps/dismiss/", views.overlap_dismiss_view, name="overlap_dismiss"),
    path("cycles/<int:cycle_id>/overlaps/convert/", views.overlap_convert_view, name="overlap_convert"),
    path("import/", views.okr_import, name="import"),
    path("key-results/hints/", views.key_result_hints, name="key_result_hints"),
    path("key-results/<int:key_result_id>/", views.key_result_detail, name="key_result"),
    path("key-results/<int:key_result_id>/edit/", views.key_result_edit, name="key_result_edit"),
    path("key-results/<int:key_result_id>/delete/", views.key_result_delete, name="key_result_delete"),
    path("key-results/<int:key_result_id>/check-in/", views.check_in, name="check_in"),
    path("key-results/<int:key_result_id>/grade/", views.key_result_grade, name="key_result_grade"),
    path("check-ins/<int:checkin_id>/correct/", views.checkin_correct, name="checkin_correct"),
    path("check-ins/<int:checkin_id>/undo/", views.checkin_undo, name="checkin_undo"),
]
