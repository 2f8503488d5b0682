"""Admin for entering a negotiation by hand; statements go through their service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from negotiations import targets
from negotiations.models import (
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
from negotiations.site.admin.forms import ClaimInlineForm, ProposalForm, StatementForm
from negotiations.site.admin.views import import_job, import_upload, review_queue
from negotiations.statements import services


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


class ClaimInline(admin.TabularInline):
    model = Claim
    form = ClaimInlineForm
    extra = 1
    max_num = services.MAX_CLAIMS
    autocomplete_fields = ["subject"]

    def get_formset(self, request, obj=None, **kwargs):
        # More claims than a statement may have is a form error, not a refused save.
        return super().get_formset(request, obj, validate_max=True, **kwargs)

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


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    """Statements and their claims, written through negotiations.statements.services.

    A published statement opens read-only for editors, a retracted one for
    everyone: has_change_permission asks the service. Publishing happens in the
    review queue, which shows each statement whole and names the version seen.
    """

    form = StatementForm
    # No bulk actions: each would write without naming the version it saw. Drafts are
    # deleted one by one; publishing happens in the review queue.
    actions = None

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
        version = request.POST.get("version", "")
        services.statement_delete(
            statement=obj, user=request.user, version=int(version) if version.isdigit() else None
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refused_politely(
            request, super().changeform_view, request, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._refused_politely(
            request, super().delete_view, request, object_id, extra_context
        )

    def _refused_politely(self, request, view, *args):
        # A write the form let through can still be refused by the service (someone saved
        # in between): say so, and show the statement as it is now. Nothing was written.
        try:
            return view(*args)
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
            path(
                "import/<int:job_id>/",
                wrap(self.import_job_view),
                name="negotiations_statement_import_job",
            ),
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

    def import_job_view(self, request, job_id: int):
        return import_job(self, request, job_id)

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
