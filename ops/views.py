from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ops.health import health, is_healthy


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Tell a load balancer or container runtime whether Parley can do its work.

    No login, exempt from the HTTPS redirect (settings.SECURE_REDIRECT_EXEMPT);
    200 when every check passes, 503 naming the failing one otherwise.
    """
    checks = health()
    return JsonResponse(checks, status=200 if is_healthy(checks) else 503)
