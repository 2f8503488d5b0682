"""Two admin pages beside the statement list: the review queue and the bulk import.

Both are reached from StatementAdmin.get_urls, so the admin's login, staff
check and CSRF protection apply; each also checks the model permission it needs.
"""

from __future__ import annotations

import base64
import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from core.highlight import excerpt
from negotiations.models import ImportJob, Statement, StatementStatus
from negotiations.statements import services
from negotiations.statements.importer import (
    MAX_FILE_BYTES,
    ImportFileError,
    import_job_submit,
    import_statements,
    read_rows,
)

QUEUE_PAGE_SIZE = 25
PENDING_IMPORT = "negotiations:pending-import"
RECENT_JOBS = 5


def _context(model_admin, request, title: str, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Statement._meta,
        "title": title,
        **extra,
    }


# --- review queue --------------------------------------------------------------------------


def review_queue(model_admin, request):
    """Statements waiting for a reviewer, longest-waiting first, each shown whole."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    if request.method == "POST":
        _review_move(request)
        return redirect(request.get_full_path())
    waiting = (
        Statement.objects.for_display()
        # Statements drafted from an article show the passage they came from.
        .select_related("ingestion_candidate__article")
        .filter(status=StatementStatus.IN_REVIEW)
        .order_by("updated_at", "pk")
    )
    page = Paginator(waiting, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    statements = list(page.object_list)
    submitted = _submitted_by([statement.pk for statement in statements])
    for statement in statements:
        statement.submitted = submitted.get(statement.pk)
        statement.passage = _passage(statement)
    context = _context(
        model_admin,
        request,
        "Review queue",
        page=page,
        statements=statements,
        may_publish=request.user.has_perm("negotiations.publish_statement"),
        may_change=model_admin.has_change_permission(request),
    )
    return TemplateResponse(request, "admin/negotiations/statement/review_queue.html", context)


def _passage(statement: Statement) -> dict | None:
    candidate = getattr(statement, "ingestion_candidate", None)
    if candidate is None:
        return None
    article = candidate.article
    return {
        "html": excerpt(article.text, candidate.start, candidate.end, candidate.pk),
        "article": article,
        "url": reverse("admin:ingestion_article_candidates", args=[article.pk])
        + f"#candidate-{candidate.pk}",
    }


def _submitted_by(pks: list[int]) -> dict[int, object]:
    """The history row that last put each statement into review (one query)."""
    rows = (
        Statement.history.filter(id__in=pks)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    submitted: dict[int, object] = {}
    status: dict[int, str] = {}
    for row in rows:
        if row.status == StatementStatus.IN_REVIEW and status.get(row.id) != row.status:
            submitted[row.id] = row
        status[row.id] = row.status
    return submitted


MOVES = {"publish": StatementStatus.PUBLISHED, "return": StatementStatus.DRAFT}


def _review_move(request) -> None:
    to = MOVES.get(request.POST.get("action", ""))
    statement = Statement.objects.filter(pk=_int(request.POST.get("statement"))).first()
    if to is None or statement is None:
        messages.error(request, "That statement is no longer in the queue.")
        return
    try:
        services.statement_transition(
            statement=statement,
            to=to,
            user=request.user,
            version=_int(request.POST.get("version")) or 0,
        )
    except services.Stale:
        messages.warning(
            request,
            f"{statement} changed after you opened the queue; nothing was done. "
            "Read it again below.",
        )
        return
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, f"{statement}: {_message(error)}")
        return
    done = "published" if to == StatementStatus.PUBLISHED else "returned to its editor as a draft"
    messages.success(request, f"{statement} {done}.")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _message(error: Exception) -> str:
    return error.messages[0] if isinstance(error, ValidationError) else str(error)


# --- bulk import -----------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text=f"CSV with the columns of the API's statement export, or JSON; "
        f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB."
    )

    def clean_file(self) -> tuple[str, bytes]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                "The file has %(size)s bytes; the limit is %(limit)s.",
                code="too_large",
                params={"size": f"{upload.size:,}", "limit": f"{MAX_FILE_BYTES:,}"},
            )
        data = upload.read()
        try:
            read_rows(data, upload.name)
        except ImportFileError as error:
            raise ValidationError(str(error), code="unreadable") from None
        return upload.name, data


def import_upload(model_admin, request):
    """Upload → dry run with every row error → confirm → all-or-nothing import.

    The checked file waits in the session between the two steps; once confirmed, a
    worker imports exactly that file (its SHA-256 goes with it) as an ImportJob,
    whose page (import_job) the editor watches.
    """
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    report = None
    pending = request.session.get(PENDING_IMPORT) if request.method == "POST" else None
    form = ImportForm()
    if request.method == "POST" and "commit" in request.POST:
        if not pending or request.POST.get("commit") != pending["sha"]:
            messages.error(request, "That check is out of date: upload the file again.")
            return redirect(request.path)
        data = base64.b64decode(pending["data"])
        job = import_job_submit(
            user=request.user, name=pending["name"], data=data, sha256=pending["sha"]
        )
        del request.session[PENDING_IMPORT]
        return redirect(reverse("admin:negotiations_statement_import_job", args=[job.pk]))
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        request.session.pop(PENDING_IMPORT, None)
        pending = None
        if form.is_valid():
            name, data = form.cleaned_data["file"]
            report = import_statements(read_rows(data, name), user=request.user, commit=False)
            if report.ok:
                pending = {
                    "name": name,
                    "data": base64.b64encode(data).decode(),
                    "sha": hashlib.sha256(data).hexdigest(),
                }
                request.session[PENDING_IMPORT] = pending
    context = _context(
        model_admin,
        request,
        "Import statements",
        form=form,
        report=report,
        pending=pending,
        jobs=ImportJob.objects.filter(user=request.user).defer("data")[:RECENT_JOBS],
    )
    return TemplateResponse(request, "admin/negotiations/statement/import.html", context)


def import_job(model_admin, request, job_id: int):
    """A confirmed import as a worker runs it: progress, then the summary and every row
    error. The page reloads itself until the job is finished."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    # Not the file: the page reloads every few seconds while the job runs.
    job = get_object_or_404(ImportJob.objects.defer("data"), pk=job_id, user=request.user)
    context = _context(model_admin, request, f"Import of {job.file_name}", job=job)
    return TemplateResponse(request, "admin/negotiations/statement/import_job.html", context)
