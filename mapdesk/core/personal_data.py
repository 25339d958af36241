"""Which fields hold personal data: callers, reporters, their phones and e-mails.

One rule for the whole app: imports drop such fields unless the user keeps
them (FixIt reports), and exports meant for the public leave them out
(web maps). DOMAIN.md: a SeeClickFix ``reporter`` is personal data; Open311
requests can carry callers' contacts. A field just called ``name`` is not
personal (in a stations or streets layer it names the place), nor is NENA's
``FullName`` (a street's full name).
"""

from __future__ import annotations

import re

#: Words that make a field personal wherever they appear in its name.
_PERSONAL = re.compile(
    r"caller|reporter|submitter|submitted_?by|reported_?by|complainant|requester|requestor"
    r"|phone|email|e_mail|e-mail"
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
