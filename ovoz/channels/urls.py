from django.urls import path

from ovoz.channels.views import webhooks

app_name = "channels"

urlpatterns = [
    path("sms/<uuid:channel_id>/", webhooks.sms_webhook, name="sms"),
    path("telegram/<uuid:channel_id>/", webhooks.telegram_webhook, name="telegram"),
]
