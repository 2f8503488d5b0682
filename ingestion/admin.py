"""Submit an article, then review the draft statements read from it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.highlight import highlight
from ingestion import services
from ingestion.forms import ArticleSubmitForm
from ingestion.models import Article, Candidate


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "publisher_display", "published", "negotiation", "status",
                    "candidate_count", "review_link"]  # fmt: skip
    list_filter = ["status", "negotiation", "language"]
    list_select_related = ["publisher", "negotiation"]
    search_fields = ["title", "url", "publisher_name", "publisher__name"]
    date_hierarchy = "published"
    fieldsets = [
        (None, {"fields": ["title", "url", "negotiation", "status", "error", "review_link"]}),
        (None, {"fields": ["publisher", "publisher_name", "published", "language", "source"]}),
        ("Text", {"classes": ["collapse"], "fields": ["text", "content_hash"]}),
        ("Submitted", {"classes": ["collapse"], "fields": ["submitted_by", "created_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # What was fetched is a record: change nothing, review the candidates instead.
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(candidate_total=Count("candidates"))

    @admin.display(description="candidates", ordering="candidate_total")
    def candidate_count(self, article: Article) -> int:
        return getattr(article, "candidate_total", None) or article.candidates.count()

    @admin.display(description="review")
    def review_link(self, article: Article) -> str:
        if article.pk is None:
            return "—"
        url = reverse("admin:ingestion_article_candidates", args=[article.pk])
        return format_html('<a href="{}">Review candidates</a>', url)

    @admin.display(description="publisher")
    def publisher_display(self, article: Article) -> str:
        return article.publisher_display

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:article_id>/candidates/",
                view(self.candidates_view),
                name="ingestion_article_candidates",
            ),
            path(
                "<int:article_id>/candidates/<int:candidate_id>/accept/",
                view(require_POST(self.accept_view)),
                name="ingestion_candidate_accept",
            ),
            path(
                "<int:article_id>/candidates/<int:candidate_id>/discard/",
                view(require_POST(self.discard_view)),
                name="ingestion_candidate_discard",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """Submit a URL or pasted text; an existing article is reused, not duplicated."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ArticleSubmitForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                article, created = services.article_submit(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if created:
                    self.message_user(
                        request, f"“{article}” was submitted; its candidates appear below soon."
                    )
                else:
                    self.message_user(
                        request,
                        f"This article was already submitted (#{article.pk}); here it is.",
                        level=messages.WARNING,
                    )
                return HttpResponseRedirect(
                    reverse("admin:ingestion_article_candidates", args=[article.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Submit an article",
            "form": form,
        }
        return TemplateResponse(request, "admin/ingestion/article/submit.html", context)

    def _get_article_or_404(self, request: HttpRequest, article_id: int) -> Article:
        article = get_object_or_404(
            Article.objects.select_related("negotiation", "publisher", "source"), pk=article_id
        )
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def candidates_view(self, request: HttpRequest, article_id: int) -> HttpResponse:
        article = self._get_article_or_404(request, article_id)
        candidates = list(Candidate.objects.filter(article=article).for_review())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Candidates: {article}",
            "article": article,
            "candidates": candidates,
            "highlighted": highlight(article.text, [(c.start, c.end, c.pk) for c in candidates]),
            "can_discard": request.user.has_perm("ingestion.delete_candidate"),
            "can_accept": request.user.has_perm("negotiations.change_statement"),
        }
        return TemplateResponse(request, "admin/ingestion/article/candidates.html", context)

    def _candidate(self, request, article_id: int, candidate_id: int) -> Candidate:
        article = self._get_article_or_404(request, article_id)
        return get_object_or_404(
            Candidate.objects.select_related("statement"), pk=candidate_id, article=article
        )

    def _back(self, article_id: int) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:ingestion_article_candidates", args=[article_id])
        )

    def accept_view(self, request, article_id: int, candidate_id: int) -> HttpResponse:
        candidate = self._candidate(request, article_id, candidate_id)
        try:
            version = request.POST.get("version", "")
            services.candidate_accept(
                candidate=candidate,
                user=request.user,
                version=int(version) if version.isdigit() else 0,
            )
        except (PermissionDenied, ValidationError) as error:
            message = error.messages[0] if hasattr(error, "messages") else str(error)
            self.message_user(request, message or "Not allowed.", level=messages.ERROR)
        else:
            self.message_user(request, f"“{candidate.statement}” was submitted for review.")
        return self._back(article_id)

    def discard_view(self, request, article_id: int, candidate_id: int) -> HttpResponse:
        candidate = self._candidate(request, article_id, candidate_id)
        try:
            version = request.POST.get("version", "")
            services.candidate_discard(
                candidate=candidate,
                user=request.user,
                version=int(version) if version.isdigit() else 0,
            )
        except (PermissionDenied, ValidationError) as error:
            message = error.messages[0] if hasattr(error, "messages") else str(error)
            self.message_user(request, message or "Not allowed.", level=messages.ERROR)
        else:
            self.message_user(request, "The draft statement was discarded.")
        return self._back(article_id)
