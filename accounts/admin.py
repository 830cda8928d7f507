"""Users, accounts and memberships are the admin's own work: editable here. Background
follow-ups are operational records: read-only. What else the admin shows, and why, is
in ``accounts.admin_site``."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .admin_site import DeletionNamesOnlyShownObjects, ReadOnlyAdmin
from .concurrency import claim
from .models import ApiToken, FollowUp, LevelChange, Membership, PartnerAccount, User


# Editable. Deleting a user lists neither their notifications nor the scorecards that
# keep a champion from being deleted (deactivate them instead).
@admin.register(User)
class UserAdmin(DeletionNamesOnlyShownObjects, BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "email", "first_name", "last_name", "global_role", "is_active")
    list_filter = ("global_role", "is_active", "is_staff")
    fieldsets = BaseUserAdmin.fieldsets + (("Tandem", {"fields": ("global_role", "title")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Tandem", {"fields": ("global_role",)}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class LevelChangeInline(admin.TabularInline):
    model = LevelChange
    extra = 0
    readonly_fields = ("recorded_at", "changed_by")


# Editable. Deleting an account names only what the admin shows: not its scorecards
# (a partner's draft), survey answers or notifications.
@admin.register(PartnerAccount)
class PartnerAccountAdmin(DeletionNamesOnlyShownObjects, SimpleHistoryAdmin):
    list_display = ("name", "kind", "level", "target_level", "region", "annual_value", "currency")
    list_filter = ("kind", "level", "target_level")
    search_fields = ("name", "slug", "industry", "region")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline, LevelChangeInline]

    def save_model(self, request, obj, form, change):
        # A change here moves the version on too, so that an edit page opened before it
        # meets it as a conflict instead of overwriting it (accounts.concurrency).
        if change:
            obj.version = claim(PartnerAccount, obj.pk, obj.version, what="the account's details")
        super().save_model(request, obj, form, change)


# Editable: who may see which account, on which side.
@admin.register(Membership)
class MembershipAdmin(DeletionNamesOnlyShownObjects, SimpleHistoryAdmin):
    list_display = ("user", "account", "side", "role")
    list_filter = ("side", "role")
    search_fields = ("user__username", "account__name")
    autocomplete_fields = ("user", "account")


# Editable, for revoking only.
@admin.register(ApiToken)
class ApiTokenAdmin(DeletionNamesOnlyShownObjects, SimpleHistoryAdmin):
    """Administrators see who has tokens and may revoke one (set “revoked at”); keys are
    made only by their owners, on their profile page."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


# Read-only: what the background work still owes, did, or gave up on — to answer "why is
# this dashboard's trend not updated yet?". Only the worker changes them.
@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("task", "key", "run_after", "dispatched_at", "started_at", "done_at", "failed_at", "attempts")
    list_filter = ("task",)
    fields = (*list_display, "args", "created_at", "last_error")
