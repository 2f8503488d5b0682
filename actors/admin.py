from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from actors.models import Actor, Affiliation, Alias


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    fk_name = "person"
    extra = 1
    autocomplete_fields = ["organization"]


@admin.register(Actor)
class ActorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "parent", "country", "wikidata_id"]
    list_filter = ["kind", "country"]
    list_select_related = ["parent"]
    # Aliases are searched too, so "Abu Obeida" finds the actor by any spelling.
    search_fields = ["name", "slug", "aliases__name", "wikidata_id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    inlines = [AliasInline, AffiliationInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "parent", "country", "description"]}),
        ("Identifiers", {"classes": ["collapse"], "fields": ["wikidata_id"]}),
    ]


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["name", "actor", "language"]
    list_filter = ["language"]
    list_select_related = ["actor"]
    search_fields = ["name", "normalised", "actor__name"]
    autocomplete_fields = ["actor"]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "organization", "start", "end"]
    list_filter = ["organization__kind"]
    list_select_related = ["person", "organization"]
    search_fields = ["person__name", "organization__name", "role"]
    autocomplete_fields = ["person", "organization"]
    date_hierarchy = "start"
