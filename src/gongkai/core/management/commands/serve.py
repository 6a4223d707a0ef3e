"""`gongkai serve`: the web server and a background worker in one command (what `make run` uses)."""

import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动网站服务和后台任务进程(开发与演示用;生产环境请用 gunicorn 和 gongkai worker)。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程。")

    def handle(self, *args, host, port, no_worker, **options):
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "gongkai", "worker"])  # noqa: S603
            self.stdout.write(f"后台任务进程已启动(pid {worker.pid})。")
        try:
            if not settings.DEBUG:
                call_command("collectstatic", interactive=False, verbosity=0)
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=10)
