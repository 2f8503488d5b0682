"""The API's address book: where each app's endpoints are mounted under /api/.

The one module of this package that imports the apps (it wires their views in)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from actors.api import ActorViewSet, PopoloView
from api.auth import CreateTokenView, RevokeTokenView
from negotiations.api import views

router = DefaultRouter()
router.register("actors", ActorViewSet, basename="actor")
router.register("negotiations", views.NegotiationViewSet, basename="negotiation")
router.register(
    r"negotiations/(?P<negotiation_slug>[-\w]+)/issues", views.IssueViewSet, basename="issue"
)
router.register(
    r"negotiations/(?P<negotiation_slug>[-\w]+)/proposals",
    views.ProposalViewSet,
    basename="proposal",
)
router.register("demands", views.DemandViewSet, basename="demand")
router.register("sources", views.SourceViewSet, basename="source")
router.register("statements", views.StatementViewSet, basename="statement")
router.register("claims", views.ClaimViewSet, basename="claim")

urlpatterns = [
    path(
        "v1/actors/<slug:slug>/history/",
        views.ActorHistoryView.as_view(),
        name="actor-history",
    ),
    path("v1/", include(router.urls)),
    path("v1/popolo/", PopoloView.as_view(), name="popolo"),
    path("v1/auth/token/", CreateTokenView.as_view(), name="token-create"),
    path("v1/auth/token/revoke/", RevokeTokenView.as_view(), name="token-revoke"),
    path("auth/", include("rest_framework.urls")),  # log in to the browsable API
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
