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

import re
from collections.abc import Iterable

#: Words that make a field personal wherever they appear in its name.
_PERSONAL = re.compile(
    r"caller|reporter|submitter|complainant|requester|requestor|phone|email|e_mail|e-mail"
    r"|(?:first|last|given|family|middle|contact|person|customer|citizen|resident|user)"
    r"_?name|surname|birth|ssn"
)
#: Words that make a field personal when they are a whole word of its name.
_PERSONAL_WORDS = frozenset({"contact", "mobile", "tel", "dob", "mail"})
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def is_sensitive_field(name: str) -> bool:
    """True when a field's name says it holds personal data.

    Examples
    --------
    >>> names = ("reporter", "CallerPhone", "st_name", "description", "FullName")
    >>> [is_sensitive_field(n) for n in names]
    [True, True, False, False, False]
    """
    text = str(name)
    if _PERSONAL.search(text.lower()):
        return True
    return any(word.lower() in _PERSONAL_WORDS for word in _WORDS.findall(text))


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
