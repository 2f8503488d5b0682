"""The editor and reviewer groups (see negotiations/statements/services.py for the workflow)."""

from django.db import migrations

VIEW = ["view_%s" % m for m in (
    "negotiation", "participant", "issue", "proposal", "provision", "demand", "source",
    "statement", "claim",
)] + ["view_actor", "view_alias", "view_affiliation"]
EDIT = [
    "add_statement", "change_statement", "add_claim", "change_claim", "delete_claim",
    "add_source", "change_source", "add_demand", "change_demand",
    "add_actor", "change_actor", "add_alias", "change_alias", "delete_alias",
    "add_affiliation", "change_affiliation",
]
REVIEW = ["publish_statement", "delete_statement", "add_proposal", "change_proposal",
          "add_provision", "change_provision", "add_issue", "change_issue"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrations; create them now.
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("editor", VIEW + EDIT), ("reviewer", VIEW + EDIT + REVIEW)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(
                codename__in=codenames, content_type__app_label__in=["actors", "negotiations"]
            )
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["editor", "reviewer"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("actors", "0002_history_workflow_locking"),
        ("negotiations", "0005_history_workflow_locking"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
