"""The review pack: a printable page and the same as a PDF."""

from django.urls import reverse

from .factories import with_default_metrics
from .plans_helpers import meeting
from .scorecards_helpers import dimensions_of, draft, submit, text_of


def test_the_pack_downloads_as_a_pdf(client, cast):
    review = meeting(cast.account, days=0)
    client.force_login(cast["partner_user"])
    response = client.get(reverse("plans:pack_pdf", args=[cast.account.slug, review.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_when_the_pdf_cannot_be_made_the_person_is_sent_to_the_printable_page(client, cast, monkeypatch):
    import weasyprint

    def broken(*args, **kwargs):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(weasyprint, "HTML", broken)
    review = meeting(cast.account, days=0)
    client.force_login(cast["manager"])
    response = client.get(reverse("plans:pack_pdf", args=[cast.account.slug, review.pk]), follow=True)
    assert response.status_code == 200
    assert "The PDF could not be made just now" in text_of(response)
    assert response.redirect_chain[-1][0] == reverse("plans:pack", args=[cast.account.slug, review.pk])


def test_the_pack_shows_the_scorecard_comparison_only_once_both_champions_submitted(client, cast):
    with_default_metrics(cast.account)
    dimensions_of(cast.account)
    review = meeting(cast.account, days=0)
    submit(cast["champion"], cast.account, 5)
    draft(cast["partner_champion"], cast.account, 1)
    url = reverse("plans:pack", args=[cast.account.slug, review.pk])
    client.force_login(cast["manager"])
    page = text_of(client.get(url))
    assert "The comparison appears once both champions have submitted" in page
    assert "Bright Green" not in page
    submit(cast["partner_champion"], cast.account, 1)
    page = text_of(client.get(url))
    assert "Bright Green" in page and "Bright Red" in page and "discuss first" in page
    assert "On-time delivery" in page  # the metrics' status table
