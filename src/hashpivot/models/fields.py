"""Field types shared by the input models (``Annotated`` with their bounds).

A field declared with one of these types gets the same bounds, error messages and
reference entry as the bounds written out on the field; its default and description stay
on the field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

#: A fraction of a whole, 0 to 1 inclusive. [-]
Fraction = Annotated[float, Field(ge=0, le=1)]

__all__ = ["Fraction"]
