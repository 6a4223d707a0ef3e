"""Public participation pages at /hudong/ (互动交流): consultations, messages, online interviews."""

from . import urls_consultations, urls_interviews, urls_messages

app_name = "participation"
urlpatterns = [
    *urls_consultations.public_patterns,
    *urls_messages.public_patterns,
    *urls_interviews.public_patterns,
]
