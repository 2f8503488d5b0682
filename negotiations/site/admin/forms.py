"""The admin's forms: they parse what editors type and show what the services refuse.

The rules themselves live in negotiations.statements.services (statements and
claims) and in the models' clean() (what is on the table).
"""

from __future__ import annotations

import datetime

from django import forms
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html

from core.dates import FuzzyDate, FuzzyDateFormField
from negotiations import targets
from negotiations.models import TARGET_FIELDS, Claim, Proposal, Statement
from negotiations.statements import services


class FuzzyDateAdminForm(forms.ModelForm):
    """A model form that edits a pair of earliest/latest fields as one text box.

    Subclasses name the pair's prefix in `fuzzy_date_prefix`. Relative forms
    ("on Monday") are read against `reference_date()`.
    """

    fuzzy_date_prefix = "date"
    fuzzy_date = FuzzyDateFormField(
        label="Date",
        max_length=100,
        help_text="As the source gives it: “Aug 19, 2024”, “late May 2024”, “2024-06”. "
        "Relative forms (“on Monday”) are read against the source's publication date.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix = self.fuzzy_date_prefix
        earliest = getattr(self.instance, f"{prefix}_earliest")
        latest = getattr(self.instance, f"{prefix}_latest")
        if earliest and latest:
            stored = FuzzyDate(earliest, latest)
            self.initial["fuzzy_date"] = stored
            self._show_reading(stored)
        self.fields["fuzzy_date"].reference = self.reference_date()

    def reference_date(self) -> datetime.date | None:
        return None

    def _show_reading(self, value: FuzzyDate) -> None:
        # The editor sees how the text was read before trusting it.
        how = self.base_fields["fuzzy_date"].help_text
        self.fields["fuzzy_date"].help_text = f"Read as {value.reading()}. {how}"

    def _update_errors(self, errors):
        # The model speaks of <prefix>_earliest/_latest, which this form shows as one box.
        if hasattr(errors, "error_dict"):
            box = {f"{self.fuzzy_date_prefix}_earliest", f"{self.fuzzy_date_prefix}_latest"}
            errors = forms.ValidationError(
                {
                    ("fuzzy_date" if field in box else field): messages
                    for field, messages in errors.error_dict.items()
                }
            )
        super()._update_errors(errors)

    def clean_fuzzy_date(self) -> FuzzyDate:
        value = self.cleaned_data["fuzzy_date"]
        self._show_reading(value)
        prefix = self.fuzzy_date_prefix
        setattr(self.instance, f"{prefix}_earliest", value.earliest)
        setattr(self.instance, f"{prefix}_latest", value.latest)
        return value


class ProposalForm(FuzzyDateAdminForm):
    fuzzy_date_prefix = "presented"

    class Meta:
        model = Proposal
        fields = [
            "negotiation",
            "title",
            "slug",
            "proposed_by",
            "summary",
            "document_url",
            "supersedes",
        ]


class ClaimTargetSelect(forms.Select):
    """One searchable box for the four kinds of target (static/negotiations/claim-targets.js).

    It asks StatementAdmin.targets_view for matches within the negotiation chosen
    in the statement form; only the current choice is rendered in the page.
    """

    class Media:
        css = {"screen": ["admin/css/vendor/select2/select2.css", "admin/css/autocomplete.css"]}
        js = [
            "admin/js/vendor/jquery/jquery.js",
            "admin/js/vendor/select2/select2.full.js",
            "admin/js/jquery.init.js",
            "negotiations/claim-targets.js",
        ]

    def __init__(self, attrs=None):
        super().__init__(
            choices=[("", "")],
            attrs={
                "class": "claim-target",
                "data-url": reverse_lazy("admin:negotiations_statement_targets"),
                "data-placeholder": "Search proposals, provisions, demands, issues",
                **(attrs or {}),
            },
        )


class ClaimInlineForm(forms.ModelForm):
    """A claim with one target box, and a subject that defaults to the speaker's side."""

    target = forms.CharField(
        widget=ClaimTargetSelect,
        help_text="A proposal, provision, demand or issue of the statement's negotiation.",
    )

    class Meta:
        model = Claim
        fields = ["subject", "target", "stance", "basis"]
        help_texts = {"subject": "Whose position. Left empty: the speaker's side on that date."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].required = False
        if self.instance.pk and self.instance.target is not None:
            self.initial["target"] = targets.key(self.instance.target)
            self._offer(self.instance.target)

    def _offer(self, target) -> None:
        # Only the current choice is in the page; the box searches for the rest.
        self.fields["target"].widget.choices = [
            ("", ""),
            (targets.key(target), targets.label(target)),
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        statement = cleaned.get("statement") or self.instance.statement
        if cleaned.get("target"):
            try:
                target = targets.resolve(cleaned["target"])
            except targets.TargetKeyError as error:
                self.add_error("target", forms.ValidationError(str(error), code="invalid"))
            else:
                self._offer(target)  # shown again if the form comes back with errors
                kind = targets.key(target).partition(":")[0]
                for name in TARGET_FIELDS:
                    setattr(self.instance, name, target if name == kind else None)
        if not cleaned.get("subject") and "subject" not in self.errors:
            side = statement.on_behalf_of if statement is not None else None
            if side is None:
                self.add_error(
                    "subject",
                    forms.ValidationError(
                        "The speaker's side on that date is not known: choose the subject.",
                        code="required",
                    ),
                )
            else:
                cleaned["subject"] = side
        if not self.errors and not cleaned.get("DELETE"):
            for field, messages in services.claim_problems(
                self.instance, statement.negotiation_id if statement else None
            ).items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned

    def _update_errors(self, errors):
        # The model reports target problems on proposal/provision/demand/issue,
        # which this form shows as one box.
        if hasattr(errors, "error_dict"):
            errors = forms.ValidationError(
                {
                    ("target" if field in TARGET_FIELDS else field): messages
                    for field, messages in errors.error_dict.items()
                }
            )
        super()._update_errors(errors)


class StatementForm(FuzzyDateAdminForm):
    """Parses what the editor typed; negotiations.statements.services decides what is allowed.

    It carries the version the editor loaded, so that a save over someone else's
    newer one is refused rather than overwriting it.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    current_user = None  # set by StatementAdmin.get_form

    class Meta:
        model = Statement
        fields = [
            "negotiation",
            "speaker",
            "source",
            "status",
            "retraction_reason",
            "quote",
            "quote_language",
            "translation",
            "summary",
            "on_behalf_of",
        ]

    # Where the service's field names show in this form.
    FIELDS = {"date": "fuzzy_date", "version": None, "claims": None}

    def reference_date(self) -> datetime.date | None:
        """The source's publication date: of the source sent, else of the one stored."""
        if self.is_bound:
            try:
                source = self.fields["source"].clean(self["source"].data)
            except forms.ValidationError:
                return None
        else:
            source = self.instance.source if self.instance.source_id else None
        return source.published if source else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["expected_version"] = self.instance.version if self.instance.pk else None
        if "status" in self.fields:
            # Offer the moves this user may make from here, as the service allows them.
            current = self.instance.status if self.instance.pk else services.NEW
            allowed = services.next_statuses(self.current_user, current)
            self.fields["status"].choices = [
                (value, label) for value, label in services.S.choices if value in allowed
            ]

    def _post_clean(self) -> None:
        super()._post_clean()  # the values are on self.instance now
        if self.errors:
            return
        try:
            services.check_statement(
                self.instance,
                user=self.current_user,
                version=self.cleaned_data.get("expected_version"),
            )
        except services.Refused as refused:
            for field, errors in refused.error_dict.items():
                for error in errors:
                    self.add_error(self.FIELDS.get(field, field), self._linked(error))
        except services.Forbidden as error:
            self.add_error("status" if "status" in self.changed_data else None, str(error))

    @staticmethod
    def _linked(error: forms.ValidationError) -> forms.ValidationError | str:
        if error.code != "duplicate":
            return error
        url = reverse("admin:negotiations_statement_change", args=[error.params["pk"]])
        return format_html('{} <a href="{}">Open it</a>.', " ".join(error.messages), url)
