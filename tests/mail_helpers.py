"""Mail servers that fail the ways the e-mail code must survive, on top of the test
backend that keeps what arrives in ``mail.outbox``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from unittest import mock

from django.core.mail import EmailMessage
from django.core.mail.backends import locmem


class WorkerKilled(BaseException):
    """A worker killed with SIGKILL, as far as the code under test can tell: it stops
    there, and no ``except Exception`` or clean-up of its own runs."""


@contextmanager
def mail_server(*, refuses: Callable[[EmailMessage], Exception | None] = lambda message: None,
                dies_after_accepting: Callable[[EmailMessage], bool] = lambda message: False):
    """A mail server that refuses a message with the error ``refuses`` returns for it;
    or accepts it (into ``mail.outbox``) and then the worker dies before hearing back."""
    deliver = locmem.EmailBackend.send_messages

    def send_messages(backend, messages):
        for message in messages:
            error = refuses(message)
            if error is not None:
                raise error
            deliver(backend, [message])
            if dies_after_accepting(message):
                raise WorkerKilled()
        return len(messages)

    with mock.patch.object(locmem.EmailBackend, "send_messages", send_messages):
        yield
