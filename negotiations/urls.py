from django.urls import path

from negotiations import views

app_name = "negotiations"

urlpatterns = [
    path("", views.index, name="index"),
    path("n/<slug:slug>/", views.negotiation_detail, name="detail"),
    path("n/<slug:slug>/issues/<slug:issue_slug>/", views.issue_detail, name="issue"),
    path("n/<slug:slug>/proposals/<slug:proposal_slug>/", views.proposal_detail, name="proposal"),
]
