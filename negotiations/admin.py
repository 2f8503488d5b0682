"""Admin for entering a negotiation by hand. The review workflow comes later."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from actors.models import resolve_side
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
    StatementStatus,
    Subscription,
)
from negotiations.services import (
    statement_check_transition,
    statement_problems,
    statement_transition,
)


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
        statement = cleaned.get("statement")
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


class StatementForm(FuzzyDateAdminForm):
    """Also enforces the workflow for the editor at hand and refuses lost updates."""

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

    def reference_date(self, cleaned_data: dict) -> datetime.date | None:
        source = cleaned_data.get("source")
        return source.published if source else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["expected_version"] = self.instance.version if self.instance.pk else None

    def _check_workflow(self, cleaned: dict) -> None:
        current = (
            Statement.objects.select_for_update().filter(pk=self.instance.pk).first()
            if self.instance.pk
            else None
        )
        expected = cleaned.get("expected_version")
        if current is not None and expected is not None and expected != current.version:
            raise forms.ValidationError(
                "Someone else saved this statement while you were editing it (it is now at "
                "version %(version)s). Nothing was overwritten: reload the page and make your "
                "changes again.",
                code="stale",
                params={"version": current.version},
            )
        wanted = cleaned.get("status")
        if wanted and self.current_user is not None:
            try:
                statement_check_transition(
                    current=current.status if current else StatementStatus.DRAFT,
                    wanted=wanted,
                    user=self.current_user,
                    reason=cleaned.get("retraction_reason", ""),
                )
            except PermissionDenied as error:
                self.add_error("status", str(error))
            except forms.ValidationError as error:
                field = "retraction_reason" if error.code == "reason_required" else "status"
                self.add_error(field, error)

    def _check_content(self, cleaned: dict) -> None:
        when = cleaned.get("fuzzy_date")
        if not isinstance(when, FuzzyDate):
            return
        problems = statement_problems(
            speaker=cleaned.get("speaker"),
            source=cleaned.get("source"),
            earliest=when.earliest,
            latest=when.latest,
            quote=cleaned.get("quote", ""),
            exclude_pk=self.instance.pk,
        )
        for problem in problems:
            message = problem.message
            if problem.duplicate_of is not None:
                url = reverse("admin:negotiations_statement_change", args=[problem.duplicate_of])
                message = format_html('{} <a href="{}">Open it</a>.', message, url)
            self.add_error("fuzzy_date" if problem.field == "date" else problem.field, message)

    def clean(self) -> dict:
        cleaned = super().clean()
        self._check_workflow(cleaned)
        self._check_content(cleaned)
        speaker, when = cleaned.get("speaker"), cleaned.get("fuzzy_date")
        if speaker and isinstance(when, FuzzyDate) and not cleaned.get("on_behalf_of"):
            side = resolve_side(speaker, when.earliest, when.latest)
            if side.is_ambiguous:
                names = ", ".join(str(actor) for actor in side.candidates)
                self.add_error(
                    "on_behalf_of",
                    forms.ValidationError(
                        "%(speaker)s held roles in several organisations on that date "
                        "(%(names)s): choose whom they spoke for.",
                        code="ambiguous_side",
                        params={"speaker": speaker, "names": names},
                    ),
                )
            else:
                cleaned["on_behalf_of"] = side.organization
                self.instance.on_behalf_of = side.organization
        return cleaned


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    form = StatementForm
    actions = ["submit_for_review", "publish"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"current_user": request.user})

    def get_changeform_initial_data(self, request) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("negotiation", Negotiation.sole_pk())
        return initial

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        self.message_user(request, f"The date was read as {obj.date.reading()}.")

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

    def _move(self, request, queryset, to: str) -> None:
        moved, refused = 0, []
        for statement in queryset:
            try:
                statement_transition(statement=statement, to=to, user=request.user)
                moved += 1
            except (PermissionDenied, forms.ValidationError) as error:
                message = error.messages[0] if hasattr(error, "messages") else str(error)
                refused.append(f"{statement}: {message}")
        if moved:
            self.message_user(request, f"{moved} statement(s) moved to {to.replace('_', ' ')}.")
        for line in refused:
            self.message_user(request, line, level=messages.WARNING)

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._move(request, queryset, StatementStatus.IN_REVIEW)

    @admin.action(description="Publish", permissions=["publish"])
    def publish(self, request, queryset):
        self._move(request, queryset, StatementStatus.PUBLISHED)

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("negotiations.publish_statement")

    def has_delete_permission(self, request, obj=None) -> bool:
        # The public record keeps statements: only drafts may be deleted.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == StatementStatus.DRAFT)

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
    list_display = ["__str__", "statement", "stance", "basis"]
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
    autocomplete_fields = ["statement", "subject", "proposal", "provision", "demand", "issue"]


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
