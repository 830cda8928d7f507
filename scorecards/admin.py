"""Assessment and Rating: hidden. Blind until both submit holds for administrators too —
they belong to the home firm, so a partner's draft (its colours, comments and "what I
need to do", even that it exists) is never theirs to see, and a submitted one only once
the quarter opens. The scorecard pages apply that rule (``scorecards.selectors``) and
are where an administrator releases or reopens a quarter; an admin list, its filters
and simple-history's history pages could not.

Dimension: read-only — edited on the scorecard's dimensions page.

QuarterRelease: read-only — made on the scorecard history page, which records who lifted
the blind rule for which quarter and why; deleting one here would blind a quarter both
sides have already seen."""

from django.contrib import admin

from accounts.admin_site import ReadOnlyAdmin

from .models import Dimension, QuarterRelease


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyAdmin):
    list_display = ("name", "account", "position", "retired")
    list_filter = ("retired",)
    search_fields = ("name", "account__name")
    fields = ("name", "description", "account", "position", "retired")


@admin.register(QuarterRelease)
class QuarterReleaseAdmin(ReadOnlyAdmin):
    list_display = ("account", "quarter", "released_by", "released_at")
    fields = (*list_display, "reason")
