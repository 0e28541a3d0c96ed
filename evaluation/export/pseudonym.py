"""Stable pseudonymous panel ids: a keyed hash of the person's panel id, never the e-mail."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

__all__ = ["pseudonym", "pseudonymise", "PSEUDONYM_LENGTH"]

#: hex characters kept: 64 bits, so 100 000 persons collide with probability ~3e-10
PSEUDONYM_LENGTH = 16


def pseudonym(key: str | bytes, person_key: str) -> str:
    """HMAC-SHA256 of ``person_key`` under ``key``, as 16 lower-case hex characters.

    Parameters
    ----------
    key : str or bytes
        The secret (the app's ``PSEUDONYM_KEY``). Without it the id cannot be linked back.
    person_key : str
        The person's stable panel id.

    Returns
    -------
    str

    Examples
    --------
    >>> pseudonym("secret", "P-7KQ2-M9XD")
    '5000eb45820f8569'
    """
    if not key:
        raise ValueError("pseudonym: the key is empty; set PSEUDONYM_KEY")
    raw = key.encode("utf-8") if isinstance(key, str) else key
    digest = hmac.new(raw, str(person_key).encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]


def pseudonymise(person_keys: pd.Series, key: str | bytes) -> pd.Series:
    """Replace every person key by its pseudonym (hashing each distinct key once).

    Raises
    ------
    ValueError
        When two persons would get the same pseudonym (never expected; checked anyway).
    """
    uniques = pd.unique(person_keys.astype(str))
    mapping = {k: pseudonym(key, k) for k in uniques}
    if len(set(mapping.values())) != len(mapping):
        raise ValueError("pseudonymise: two persons got the same pseudonym; use a longer id")
    return person_keys.astype(str).map(mapping)
