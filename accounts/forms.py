from django import forms
from django.contrib.auth import get_user_model

from .concurrency import VersionedModelForm
from .models import Membership, PartnerAccount


class AccountForm(VersionedModelForm):
    level_note = forms.CharField(
        required=False, max_length=300,
        help_text="Why the level or target changed (kept in the level history).",
    )

    class Meta:
        model = PartnerAccount
        fields = [
            "name", "slug", "kind", "level", "target_level", "industry", "region",
            "annual_value", "currency", "description", "strategy_pillars",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "strategy_pillars": forms.Textarea(attrs={"rows": 4}),
        }


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "side", "role"]

    def __init__(self, *args, account: PartnerAccount, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.account = account
        taken = account.memberships.exclude(pk=self.instance.pk).values("user")
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True).exclude(pk__in=taken).order_by("username")
        )
        if self.instance.pk:
            self.fields["user"].disabled = True


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What will use it, e.g. “quarterly upload script”.")
