import os
from pathlib import Path

from celery import Celery, bootsteps

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


class DispatchFollowUpsOnConnect(bootsteps.StartStopStep):
    """Whenever the worker (re)connects to the broker: hand over what is due at once.
    A killed worker's messages may be lost (the embedded broker drops them), and a worker
    that lost Redis could not hand back the ones it held; neither should wait for the
    dispatch job's lost-message delay. The consumer's steps start again on reconnection."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        consumer.app.send_task("accounts.dispatch_follow_ups", kwargs={"worker_start": True})


app.steps["consumer"].add(DispatchFollowUpsOnConnect)
