import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_embedded_broker_folders(sender, **kwargs):
    # kombu's filesystem transport expects its folders to exist.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_ready.connect
def _dispatch_follow_ups_on_start(sender, **kwargs):
    # Whatever a stopped worker held may be lost (the embedded broker drops the message
    # of a killed worker); this start need not wait for the next minute's run to redo it.
    app.send_task("accounts.dispatch_follow_ups", kwargs={"worker_start": True})
