"""Let the editor and reviewer groups submit articles and review their candidates."""

from django.db import migrations

CODENAMES = ["view_article", "add_article", "view_candidate", "delete_candidate"]


def grant(apps, schema_editor):
    # Permissions are normally created after migrations; create them now.
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    create_permissions(global_apps.get_app_config("ingestion"), verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        codename__in=CODENAMES, content_type__app_label="ingestion"
    )
    for group in Group.objects.filter(name__in=["editor", "reviewer"]):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        codename__in=CODENAMES, content_type__app_label="ingestion"
    )
    for group in Group.objects.filter(name__in=["editor", "reviewer"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("ingestion", "0001_initial"),
        ("negotiations", "0006_editor_and_reviewer_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
