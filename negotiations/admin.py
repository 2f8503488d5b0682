"""Admin for entering a negotiation by hand; statements go through their service."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from negotiations import targets
from negotiations.admin_views import import_upload, review_queue
from negotiations.dates import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from negotiations.models import (
    TARGET_FIELDS,
    Claim,
    Delivery,
    DeliveryAttempt,
    Demand,
    Issue,
    Negotiation,
    Participant,
    Proposal,
    Provision,
    Source,
    Statement,
    Subscription,
)
from negotiations.statements import services


class FuzzyDateAdminForm(forms.ModelForm):
    """A model form that edits a pair of earliest/latest fields as one text box.

    Subclasses name the pair's prefix in `fuzzy_date_prefix`. Relative forms
    ("on Monday") are read against `reference_date()`.
    """

    fuzzy_date_prefix = "date"
    fuzzy_date = forms.CharField(
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
            self.initial["fuzzy_date"] = str(stored)
            self._show_reading(stored)

    def reference_date(self, cleaned_data: dict) -> datetime.date | None:
        return None

    def _show_reading(self, value: FuzzyDate) -> None:
        # The editor sees how the text was read before trusting it.
        how = self.base_fields["fuzzy_date"].help_text
        self.fields["fuzzy_date"].help_text = f"Read as {value.reading()}. {how}"

    def clean(self) -> dict:
        cleaned = super().clean()
        text = cleaned.get("fuzzy_date")
        if text:
            try:
                value = parse_fuzzy_date(text, reference=self.reference_date(cleaned))
            except FuzzyDateError as error:
                self.add_error("fuzzy_date", forms.ValidationError(str(error), code="invalid"))
            else:
                self._show_reading(value)
                prefix = self.fuzzy_date_prefix
                setattr(self.instance, f"{prefix}_earliest", value.earliest)
                setattr(self.instance, f"{prefix}_latest", value.latest)
                cleaned["fuzzy_date"] = value
        return cleaned


class ProvisionInline(admin.TabularInline):
    model = Provision
    extra = 1
    autocomplete_fields = ["issue"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 1
    autocomplete_fields = ["actor"]


class IssueInline(admin.TabularInline):
    model = Issue
    extra = 0
    fields = ["title", "slug", "parent", "order"]
    prepopulated_fields = {"slug": ["title"]}
    show_change_link = True


@admin.register(Negotiation)
class NegotiationAdmin(admin.ModelAdmin):
    list_display = ["title", "start", "end"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "start"
    inlines = [ParticipantInline, IssueInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["actor", "negotiation", "role", "side"]
    list_filter = ["role", "negotiation"]
    list_select_related = ["actor", "negotiation"]
    search_fields = ["actor__name", "side"]
    autocomplete_fields = ["actor", "negotiation"]


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["title", "negotiation", "parent", "order"]
    list_filter = ["negotiation"]
    list_select_related = ["negotiation", "parent"]
    list_editable = ["order"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["negotiation", "parent"]


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


@admin.register(Proposal)
class ProposalAdmin(SimpleHistoryAdmin):
    form = ProposalForm
    list_display = ["title", "negotiation", "proposed_by", "presented_display", "supersedes"]
    list_filter = ["negotiation"]
    list_select_related = ["negotiation", "proposed_by", "supersedes"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["negotiation", "proposed_by", "supersedes"]
    inlines = [ProvisionInline]
    fieldsets = [
        (None, {"fields": ["negotiation", "title", "slug", "proposed_by", "fuzzy_date"]}),
        (None, {"fields": ["summary", "document_url"]}),
        ("Lineage", {"classes": ["collapse"], "fields": ["supersedes"]}),
    ]

    @admin.display(description="presented", ordering="presented_earliest")
    def presented_display(self, proposal: Proposal) -> str:
        return str(proposal.presented)


@admin.register(Provision)
class ProvisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "issue"]
    list_filter = ["proposal__negotiation", "phase"]
    list_select_related = ["proposal", "issue"]
    search_fields = ["text", "proposal__title"]
    autocomplete_fields = ["proposal", "issue"]


@admin.register(Demand)
class DemandAdmin(SimpleHistoryAdmin):
    list_display = ["text", "actor", "issue"]
    list_filter = ["issue__negotiation"]
    list_select_related = ["actor", "issue"]
    search_fields = ["text", "actor__name", "issue__title"]
    autocomplete_fields = ["actor", "issue"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher_display", "published", "language"]
    list_filter = ["language"]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "publisher__name", "publisher_name"]
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published"
    fieldsets = [
        (None, {"fields": ["title", "url", "publisher", "publisher_name", "published"]}),
        (
            "Archive",
            {"classes": ["collapse"], "fields": ["language", "content_hash", "archive_url"]},
        ),
    ]

    @admin.display(description="publisher", ordering="publisher__name")
    def publisher_display(self, source: Source) -> str:
        return source.publisher_display


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


class ClaimInline(admin.TabularInline):
    model = Claim
    form = ClaimInlineForm
    extra = 1
    autocomplete_fields = ["subject"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_targets()

    # Claims change with their statement, under the same rules (statements.services).
    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and (
            obj is None or services.may_change(request.user, obj)
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or services.may_change(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or services.may_change(request.user, obj)
        )


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

    def reference_date(self, cleaned_data: dict) -> datetime.date | None:
        source = cleaned_data.get("source")
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


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    """Statements and their claims, written through negotiations.statements.services.

    A published statement opens read-only for editors, a retracted one for
    everyone: has_change_permission asks the service. Publishing happens in the
    review queue, which shows each statement whole and names the version seen.
    """

    form = StatementForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"current_user": request.user})

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("negotiation", Negotiation.sole_pk())
        return initial

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or services.may_change(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (
            obj is None or services.may_delete(request.user, obj)
        )

    def save_model(self, request, obj, form, change) -> None:
        """Nothing yet: save_related writes the statement with its claims in one call."""

    def save_related(self, request, form, formsets, change) -> None:
        claims, deleted = [], []
        for formset in formsets:
            claims += formset.save(commit=False)
            deleted += formset.deleted_objects
        services.statement_save(
            form.instance,
            user=request.user,
            claims=claims,
            deleted_claims=deleted,
            version=form.cleaned_data.get("expected_version"),
        )
        self.message_user(request, f"The date was read as {form.instance.date.reading()}.")

    def delete_model(self, request, obj) -> None:
        services.statement_delete(statement=obj, user=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A save that lost a race after its form was checked (someone saved in between)
        # is refused by the service: say so, and show the statement as it is now.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (services.Refused, services.Forbidden) as error:
            text = " ".join(error.messages) if hasattr(error, "messages") else str(error)
            self.message_user(request, f"Nothing was saved: {text}", level=messages.ERROR)
            return redirect(request.path)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("targets/", wrap(self.targets_view), name="negotiations_statement_targets"),
            path("review/", wrap(self.review_view), name="negotiations_statement_review"),
            path("import/", wrap(self.import_view), name="negotiations_statement_import"),
            *super().get_urls(),
        ]

    def targets_view(self, request):
        """Claim targets for the claims inline's search box (select2's JSON format)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        negotiation = request.GET.get("negotiation", "")
        found = targets.search(
            request.GET.get("term", "")[:100],
            negotiation_id=int(negotiation) if negotiation.isdigit() else None,
        )
        results = [
            {"text": group, "children": [{"id": k, "text": text} for k, text in rows]}
            for group, rows in found
        ]
        return JsonResponse({"results": results, "pagination": {"more": False}})

    def review_view(self, request):
        return review_queue(self, request)

    def import_view(self, request):
        return import_upload(self, request)

    list_display = ["__str__", "on_behalf_of", "status", "negotiation", "source"]
    list_filter = ["status", "negotiation", "quote_language"]
    list_select_related = ["speaker", "on_behalf_of", "negotiation", "source__publisher"]
    search_fields = ["quote", "translation", "summary", "speaker__name", "speaker__aliases__name"]
    autocomplete_fields = ["negotiation", "speaker", "on_behalf_of", "source"]
    inlines = [ClaimInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "negotiation",
                    "speaker",
                    "fuzzy_date",
                    "source",
                    "status",
                    "retraction_reason",
                    "expected_version",
                ]
            },
        ),
        (None, {"fields": ["quote", "quote_language", "translation", "summary"]}),
        ("Advanced", {"classes": ["collapse"], "fields": ["on_behalf_of"]}),
    ]


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    """Claims to find and read. They are written in their statement's form, where the
    statement's rules and version apply (negotiations.statements.services)."""

    list_display = ["__str__", "statement_link", "stance", "basis"]
    list_filter = ["basis", "stance", "statement__negotiation"]
    list_select_related = [
        "subject",
        "statement__speaker",
        "proposal",
        "provision__proposal",
        "demand__actor",
        "issue",
    ]
    search_fields = ["subject__name", "statement__quote"]

    @admin.display(description="statement", ordering="statement")
    def statement_link(self, claim: Claim) -> str:
        url = reverse("admin:negotiations_statement_change", args=[claim.statement_id])
        return format_html('<a href="{}">{}</a>', url, claim.statement)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "negotiation", "actor", "issue", "active"]
    list_filter = ["active", "negotiation"]
    list_select_related = ["negotiation", "actor", "issue"]
    search_fields = ["url"]
    autocomplete_fields = ["negotiation", "actor", "issue"]


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: read-only, one row per event and subscriber."""

    list_display = ["event_id", "subscription", "status", "attempt_count", "created_at"]
    list_filter = ["status", "subscription"]
    list_select_related = ["subscription"]
    search_fields = ["event_id", "subscription__url"]
    readonly_fields = ["subscription", "event_id", "payload", "status", "delivered_at"]
    inlines = [DeliveryAttemptInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(attempt_count=Count("attempts"))

    @admin.display(description="attempts", ordering="attempt_count")
    def attempt_count(self, delivery: Delivery) -> int:
        return delivery.attempt_count

    def has_add_permission(self, request) -> bool:
        return False
