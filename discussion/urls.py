"""Pages of the discussion app, mounted under /c/<company_slug>/discussion/."""

from django.urls import path

from discussion import views

app_name = "discussion"

urlpatterns = [
    path("objectives/<int:objective_id>/", views.objective_thread, name="objective"),
    path("objectives/<int:objective_id>/check-ins/", views.objective_checkin_talk, name="objective_checkins"),
    path("key-results/<int:key_result_id>/", views.key_result_thread, name="key_result"),
    path("key-results/<int:key_result_id>/check-ins/", views.key_result_checkin_talk, name="key_result_checkins"),
    path("check-ins/<int:checkin_id>/", views.checkin_thread, name="checkin"),
    path("check-ins/<int:checkin_id>/react/", views.checkin_react, name="checkin_react"),
    path("comments/<int:comment_id>/reply/", views.reply, name="reply"),
    path("comments/<int:comment_id>/delete/", views.delete, name="delete"),
    path("comments/<int:comment_id>/react/", views.comment_react, name="comment_react"),
    path("mentions/", views.mentions, name="mentions"),
]
