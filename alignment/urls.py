from django.urls import path

from alignment import views

app_name = "alignment"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("nodes/<int:objective_id>/children/", views.tree_children, name="tree_children"),
    path("gaps/", views.gaps, name="gaps"),
]
