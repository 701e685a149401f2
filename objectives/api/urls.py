from django.urls import path

from objectives.api import planning, views

urlpatterns = [
    path("cycles/", views.CycleListView.as_view(), name="cycle-list"),
    path("cycles/<int:pk>/", views.CycleDetailView.as_view(), name="cycle-detail"),
    path("cycles/<int:pk>/activate/", views.CycleActivateView.as_view(), name="cycle-activate"),
    path("cycles/<int:pk>/close/", views.CycleCloseView.as_view(), name="cycle-close"),
    path("cycles/<int:pk>/grading/", views.CycleGradingView.as_view(), name="cycle-grading"),
    path("cycles/<int:pk>/carry-over/", views.CycleCarryOverView.as_view(), name="cycle-carry-over"),
    path("cycles/<int:pk>/planning/", planning.PlanningBoardView.as_view(), name="cycle-planning"),
    path("cycles/<int:pk>/planning/<int:department_id>/submit/", planning.PlanSubmitView.as_view(), name="plan-submit"),
    path(
        "cycles/<int:pk>/planning/<int:department_id>/approve/",
        planning.PlanApproveView.as_view(),
        name="plan-approve",
    ),
    path("cycles/<int:pk>/planning/<int:department_id>/return/", planning.PlanReturnView.as_view(), name="plan-return"),
    path("objectives/", views.ObjectiveListView.as_view(), name="objective-list"),
    path("objectives/<int:pk>/", views.ObjectiveDetailView.as_view(), name="objective-detail"),
    path("objectives/<int:pk>/status/", views.ObjectiveStatusView.as_view(), name="objective-status"),
    path("objectives/<int:pk>/activate/", views.ObjectiveActivateView.as_view(), name="objective-activate"),
    path(
        "objectives/<int:pk>/retrospective/",
        views.ObjectiveRetrospectiveView.as_view(),
        name="objective-retrospective",
    ),
    path("objectives/<int:pk>/history/", views.ObjectiveHistoryView.as_view(), name="objective-history"),
    path("key-results/", views.KeyResultListView.as_view(), name="key-result-list"),
    path("key-results/<int:pk>/", views.KeyResultDetailView.as_view(), name="key-result-detail"),
    path("key-results/<int:pk>/grade/", views.KeyResultGradeView.as_view(), name="key-result-grade"),
    path("key-results/<int:pk>/history/", views.KeyResultHistoryView.as_view(), name="key-result-history"),
    path("key-results/<int:pk>/check-ins/", views.CheckInListView.as_view(), name="checkin-list"),
    path("check-ins/batch/", views.CheckInBatchView.as_view(), name="checkin-batch"),
    path("check-ins/<int:pk>/correction/", views.CheckInCorrectionView.as_view(), name="checkin-correction"),
    path("check-ins/<int:pk>/undo/", views.CheckInUndoView.as_view(), name="checkin-undo"),
    path("dependencies/", views.DependencyListView.as_view(), name="dependency-list"),
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("export/csv/", views.ExportCSVView.as_view(), name="export-csv"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("dependencies/<int:pk>/", views.DependencyDetailView.as_view(), name="dependency-detail"),
]
