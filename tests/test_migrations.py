from io import StringIO

from django.core.management import call_command


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_a_name_or_location_stored_with_line_breaks_is_put_on_one_line_by_its_migration(cast):
    from accounts.models import PartnerAccount
    from accounts.text import make_stored_values_one_line

    PartnerAccount.objects.filter(pk=cast.account.pk).update(name="Helix\r\nComponents\t")
    assert make_stored_values_one_line(PartnerAccount, "name") == 1
    assert sorted(PartnerAccount.objects.values_list("name", flat=True)) == [
        "Corvane Logistics", "Helix Components", "Tarn Metals",
    ]
    assert make_stored_values_one_line(PartnerAccount, "name") == 0
