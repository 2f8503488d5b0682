from django.contrib import admin
from django.urls import include, path

from negotiations.site.urls import actor_patterns
from ops.views import healthz

admin.site.site_header = "Parley editors"
admin.site.site_title = "Parley"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("actors/", include((actor_patterns, "actors"))),
    path("", include("negotiations.site.urls")),
]
handler404 = "config.views.not_found"
