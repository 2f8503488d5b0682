from django.contrib import admin
from django.urls import include, path

from ops.views import healthz

admin.site.site_header = "Parley editors"
admin.site.site_title = "Parley"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("negotiations.api.urls")),
    path("actors/", include("actors.urls")),
    path("", include("negotiations.urls")),
]
handler404 = "config.views.not_found"
