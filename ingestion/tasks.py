"""Background work of ingestion. Tasks take ids, are safe to run twice, and retry
network and database errors with exponential backoff and jitter."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import DatabaseError

from ingestion import services
from ingestion.models import Article

_RETRY = {
    "acks_late": True,
    # OSError covers timeouts, refused connections, DNS failures and 5xx answers
    # (fetching.TemporaryFetchError); a refused URL is a ValueError and is not retried.
    "autoretry_for": (OSError, DatabaseError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


class ArticleTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Out of retries (or a bug): say so on the article instead of leaving it queued.
        article_id = args[0] if args else kwargs.get("article_id")
        if article_id is not None:
            services.article_fail(
                article_id=article_id, reason=f"Gave up: {type(exc).__name__}: {exc}"
            )


@shared_task(base=ArticleTask, **_RETRY)
def fetch_article(article_id: int) -> str:
    try:
        article = Article.objects.get(pk=article_id)
    except Article.DoesNotExist:
        return "gone"
    return services.article_fetch(article=article).status


@shared_task(base=ArticleTask, **_RETRY)
def extract_article(article_id: int) -> str:
    try:
        article = Article.objects.get(pk=article_id)
    except Article.DoesNotExist:
        return "gone"
    return services.article_extract(article=article).status
