"""Staff pages of 公众参与 at /console/participation/."""

from . import urls_consultations, urls_interviews, urls_messages

app_name = "participation_console"
urlpatterns = [
    *urls_consultations.console_patterns,
    *urls_messages.console_patterns,
    *urls_interviews.console_patterns,
]
