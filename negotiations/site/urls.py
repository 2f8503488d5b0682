from django.urls import path

from negotiations.site.views import actors, feeds, issues, matrix, overview, proposals, timeline

app_name = "negotiations"

urlpatterns = [
    path("", overview.index, name="index"),
    path("search/", timeline.search, name="search"),
    path("n/<slug:slug>/", overview.negotiation_detail, name="detail"),
    path("n/<slug:slug>/timeline/", timeline.timeline, name="timeline"),
    path("n/<slug:slug>/matrix/", matrix.matrix_page, name="matrix"),
    path("n/<slug:slug>/compare/", matrix.compare, name="compare"),
    path("n/<slug:slug>/issues/<slug:issue_slug>/", issues.issue_detail, name="issue"),
    path(
        "n/<slug:slug>/proposals/<slug:proposal_slug>/",
        proposals.proposal_detail,
        name="proposal",
    ),
    path("n/<slug:slug>/feeds/statements/", feeds.StatementFeed(), name="feed_statements"),
    path("n/<slug:slug>/feeds/changes/", feeds.ChangeFeed(), name="feed_changes"),
]

# Mounted at /actors/ with the namespace "actors" (config/urls.py): an actor's page is
# where it stands in the negotiations, so it lives with the other pages.
actor_patterns = [
    path("<slug:slug>/", actors.actor_detail, name="detail"),
]
