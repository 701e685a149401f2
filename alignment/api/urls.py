from django.urls import path

from alignment.api import views

urlpatterns = [
    path("alignment/tree/", views.TreeView.as_view(), name="alignment-tree"),
    path("alignment/gaps/", views.GapsView.as_view(), name="alignment-gaps"),
]
