"""Which layers and fields a web map leaves out unless the user insists.

A web map is often published, so personal data stays out by default
(DOMAIN.md: a SeeClickFix ``reporter`` is "personal data: never export it";
Open311 requests carry callers' contacts). The rule:

- a layer is sensitive when the project flags it (``layer.sensitive``:
  Layer Properties ▸ Holds personal data) or the caller names it in the options;
- a field is sensitive when the caller names it, or its name speaks of a
  person's contact or identity: caller, reporter, submitter, complainant,
  requester, phone, e-mail, or a person's name (first/last/contact/
  caller... name, surname). A field just called ``name`` is not: in a
  stations or streets layer it names the place; nor is ``FullName``, NENA's
  full street name in road centrelines and address points.
"""

from __future__ import annotations

from collections.abc import Iterable

from mapdesk.core.personal_data import is_sensitive_field

__all__ = ["is_sensitive_field", "sensitive_fields"]


def sensitive_fields(
    fields: Iterable[str], flagged: Iterable[str] = (), *, by_name: bool = True
) -> dict[str, str]:
    """The sensitive ones among ``fields``, each with why (for the export's report)."""
    named = set(flagged)
    found: dict[str, str] = {}
    for field in fields:
        if field in named:
            found[field] = "marked sensitive"
        elif by_name and is_sensitive_field(field):
            found[field] = "its name suggests personal data"
    return found
