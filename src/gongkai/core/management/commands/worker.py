"""`gongkai worker`: the huey consumer (periodic jobs: deadline escalation, and later ingestion)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动后台任务进程(定时任务与队列)。"

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, workers, **options):
        # A worker killed while a task held a huey lock (concerns_poll's) leaves the lock behind, and the
        # task would be refused ever after: locks are cleared when the worker starts.
        call_command("run_huey", workers=workers, worker_type="thread", flush_locks=True)
