"""The admin lives in negotiations.site.admin; Django's autodiscover looks here."""

import negotiations.site.admin  # noqa: F401
