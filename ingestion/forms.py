from __future__ import annotations

from django import forms

from actors.models import Actor
from negotiations.models import Negotiation


class ArticleSubmitForm(forms.Form):
    negotiation = forms.ModelChoiceField(
        queryset=Negotiation.objects.all(),
        help_text="The negotiation the statements found in the article belong to.",
    )
    url = forms.URLField(
        label="URL",
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="The article's address. Fetched in the background (http or https only).",
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text="Or paste the article's text (leave the URL empty).",
    )
    title = forms.CharField(
        max_length=500, required=False, help_text="Taken from the page if empty."
    )
    publisher = forms.ModelChoiceField(
        queryset=Actor.objects.all(),
        required=False,
        help_text="The outlet, if it is an actor here.",
    )
    publisher_name = forms.CharField(
        max_length=200, required=False, help_text="Or the outlet's name, e.g. “Reuters”."
    )
    published = forms.DateField(
        help_text="Publication date (2024-08-19); “on Monday” in the text is read from it."
    )
    language = forms.CharField(max_length=20, initial="en", help_text="E.g. en, ar, he.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["negotiation"].initial = Negotiation.sole_pk()

    def clean(self) -> dict:
        cleaned = super().clean()
        if bool(cleaned.get("url")) == bool((cleaned.get("text") or "").strip()):
            self.add_error(
                None,
                forms.ValidationError(
                    "Give either the article's URL or its text, not both.", code="url_or_text"
                ),
            )
        if not cleaned.get("publisher") and not (cleaned.get("publisher_name") or "").strip():
            self.add_error(
                "publisher_name",
                forms.ValidationError(
                    "Name the publisher, or choose it as an actor.", code="no_publisher"
                ),
            )
        return cleaned
