"""API routes of the discussion app, mounted under /api/v1/companies/<slug>/."""

from django.urls import path

from discussion.api import views

urlpatterns = [
    path("objectives/<int:pk>/comments/", views.ObjectiveCommentsView.as_view(), name="objective-comments"),
    path("key-results/<int:pk>/comments/", views.KeyResultCommentsView.as_view(), name="key-result-comments"),
    path("check-ins/<int:pk>/comments/", views.CheckInCommentsView.as_view(), name="checkin-comments"),
    path("check-ins/<int:pk>/reactions/", views.CheckInReactionsView.as_view(), name="checkin-reactions"),
    path("check-ins/<int:pk>/reactions/<str:kind>/", views.CheckInReactionView.as_view(), name="checkin-reaction"),
    path("comments/<int:pk>/", views.CommentDetailView.as_view(), name="comment-detail"),
    path("comments/<int:pk>/replies/", views.CommentRepliesView.as_view(), name="comment-replies"),
    path("comments/<int:pk>/reactions/", views.CommentReactionsView.as_view(), name="comment-reactions"),
    path("comments/<int:pk>/reactions/<str:kind>/", views.CommentReactionView.as_view(), name="comment-reaction"),
]
