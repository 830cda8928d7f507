"""Without Redis, Celery's filesystem broker keeps every file it writes in the data folder
(TANDEM_DATA_DIR): nothing lands in the folder the process was started from, such as a
checkout of the code."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEND_A_TASK = "import django; django.setup(); from config.celery_app import app; app.send_task('tandem.nothing')"


def test_the_filesystem_broker_writes_only_into_the_data_folder(tmp_path):
    started_in, data = tmp_path / "started-in", tmp_path / "data"
    started_in.mkdir()
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.local", TANDEM_DATA_DIR=str(data),
                       PYTHONPATH=str(ROOT))

    result = subprocess.run([sys.executable, "-c", SEND_A_TASK], cwd=started_in, env=environment,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert list(started_in.iterdir()) == []
    assert (data / "broker" / "control" / "celery.exchange").exists()
    assert len(list((data / "broker" / "queue").iterdir())) == 1
