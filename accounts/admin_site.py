"""The Django admin, and the rules every registration in it follows.

The admin is one more way into Tandem's data, so it keeps the rules the pages, the API
and the exports keep (DESIGN.md §2):

* **Only administrators come in.** Staff status alone does not make someone one (a
  partner user marked staff by mistake stays out), and an administrator belongs to the
  home firm.
* **Hidden** — not registered at all: whatever a rule keeps from the home firm, or from
  everyone but one person: a partner's scorecard before the quarter opens (blind until
  both submit), who answered a survey and what, a person's notifications. A scoped
  queryset would not do: simple-history's history pages read past versions straight
  from the history tables, and the app's own pages already show these under their rules.
* **Read-only** (:class:`ReadOnlyAdmin`): records the app edits on its own pages,
  through services that check and record each change (plans, scorecard dimensions and
  releases, survey rounds...), and operational records only the background work writes
  (follow-ups). The admin lists them with a few plain fields — never their free text,
  which the app shows under its rules — and filters them only by the list's own filters.
* **Editable**: the admin's own work — users, accounts, memberships, API token
  revocation, periodic tasks. Deleting an account or a user names only objects the admin
  shows (:class:`DeletionNamesOnlyShownObjects`).

Each admin.py says which of these each model is; tests/test_admin.py holds the whole list
and fails when a model is registered without a decision. Third-party registrations stay
as shipped: auth's groups, django-celery-beat's schedules (editable) and django-axes'
sign-in records (read-only fields; deleting one lifts a lockout). DRF's authtoken app
is not installed (API tokens are ``accounts.ApiToken``) and simple-history registers no
model of its own.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.contrib.auth import get_permission_codename
from django.db import router
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import capfirst

NOT_SHOWN = "Records the admin does not show (scorecards, dashboard figures, survey answers, notifications…)"


class TandemAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_administrator


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record the app edits on its own pages: listed, never added, changed or deleted
    here. A plain ModelAdmin on purpose: simple-history's "revert" page saves a past
    version back even where the admin may not change the record."""

    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Django lets a list be filtered by any of the model's own fields from the URL
        # (?internal_notes__icontains=…); here only by the list's filters.
        return lookup.split(LOOKUP_SEP, 1)[0] in self.list_filter and super().lookup_allowed(lookup, value, request)


class DeletionNamesOnlyShownObjects:
    """Deleting an account takes its scorecards, survey answers and notifications along.
    Django's confirmation page would name each of them — a partner's draft ratings with
    their colours, survey comments —, so it names only what the admin shows and sums up
    the rest in one line. The same goes for what protects the object from deletion (the
    scorecards a champion wrote)."""

    def get_deleted_objects(self, objs, request):
        objs = list(objs)
        if not objs:
            return [], {}, set(), []
        collector = NestedObjects(using=router.db_for_write(type(objs[0])), origin=objs)
        collector.collect(objs)
        shown = self.admin_site.is_registered

        def label(model) -> str:
            return model._meta.verbose_name if shown(model) else NOT_SHOWN

        def may_delete(model) -> bool:
            opts = model._meta
            return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('delete', opts)}")

        to_delete = [f"{capfirst(obj._meta.verbose_name)}: {obj}" for obj in objs]
        model_count = {
            model._meta.verbose_name_plural: len(found) for model, found in collector.model_objs.items() if shown(model)
        }
        if any(not shown(model) for model in collector.model_objs):
            model_count[NOT_SHOWN] = "deleted too"
        perms_needed = {label(model) for model in collector.model_objs if not may_delete(model)}
        protected = sorted({
            f"{capfirst(obj._meta.verbose_name)}: {obj}" if shown(type(obj)) else NOT_SHOWN
            for obj in collector.protected
        })
        return to_delete, model_count, perms_needed, protected
