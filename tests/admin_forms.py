"""The POST data of the admin's statement forms, as a browser would send it."""

from __future__ import annotations

from django.urls import reverse

from negotiations.models import StatementStatus


def change_form_data(client, statement) -> dict:
    """Every field of the statement's change form and its claims, as the page shows them."""
    response = client.get(reverse("admin:negotiations_statement_change", args=[statement.pk]))
    form = response.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in ((n, form[n].value()) for n in form.fields)
    }
    formset = response.context["inline_admin_formsets"][0].formset
    management = formset.management_form
    data.update({f"{management.prefix}-{n}": management[n].value() for n in management.fields})
    for index, inline in enumerate(formset.forms):
        for name in inline.fields:
            value = inline[name].value()
            data[f"{formset.prefix}-{index}-{name}"] = "" if value is None else value
    return data


def add_form_data(issue, speaker, source, date: str, **extra) -> dict:
    """A new statement with one claim on the issue, as the add form posts it."""
    data = {
        "negotiation": issue.negotiation_id,
        "speaker": speaker.pk,
        "fuzzy_date": date,
        "source": source.pk,
        "status": StatementStatus.DRAFT,
        "retraction_reason": "",
        "quote": "The next step is for Hamas to say yes.",
        "quote_language": "en",
        "translation": "",
        "summary": "",
        "on_behalf_of": "",
        "claims-TOTAL_FORMS": "1",
        "claims-INITIAL_FORMS": "0",
        "claims-MIN_NUM_FORMS": "0",
        "claims-MAX_NUM_FORMS": "1000",
        "claims-0-subject": speaker.pk,
        "claims-0-target": f"issue:{issue.pk}",
        "claims-0-stance": "2",
        "claims-0-basis": "own",
    }
    data.update(extra)
    return data
