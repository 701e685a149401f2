from django.urls import path

from webhooks.api import views

urlpatterns = [
    path("webhooks/", views.EndpointListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", views.EndpointDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/rotate-secret/", views.EndpointRotateSecretView.as_view(), name="webhook-rotate-secret"),
    path("webhooks/<int:pk>/test/", views.EndpointTestView.as_view(), name="webhook-test"),
    path("webhooks/<int:pk>/deliveries/", views.DeliveryListView.as_view(), name="webhook-delivery-list"),
    path("webhook-deliveries/<int:pk>/redeliver/", views.RedeliverView.as_view(), name="webhook-redeliver"),
]
