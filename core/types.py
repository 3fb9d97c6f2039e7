"""The value types of the rule language and of declared fields and parameters."""

from __future__ import annotations

from enum import StrEnum


class Type(StrEnum):
    """A value type; every field, metric, parameter and sub-expression has one."""

    INTEGER = "integer"
    NUMBER = "number"
    TEXT = "text"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    DURATION = "duration"
    TEXT_LIST = "list<text>"
    NUMBER_LIST = "list<number>"
    NULL = "null"
    # Parameter-only types: a configured channel name, a message template.
    CHANNEL = "channel"
    TEMPLATE = "template"
    ANY = "any"

    def __str__(self) -> str:
        return self.value

    @property
    def is_numeric(self) -> bool:
        """True for integer and number."""
        return self in (Type.INTEGER, Type.NUMBER)

    @property
    def is_list(self) -> bool:
        """True for list types."""
        return self in (Type.TEXT_LIST, Type.NUMBER_LIST)

    @property
    def element(self) -> Type:
        """The element type of a list type."""
        return {Type.TEXT_LIST: Type.TEXT, Type.NUMBER_LIST: Type.NUMBER}.get(self, Type.ANY)

    def accepts(self, other: Type) -> bool:
        """Whether a value of type `other` may stand where this type is expected."""
        if self is Type.ANY or other in (Type.ANY, Type.NULL) or self is other:
            return True
        if self is Type.NUMBER and other is Type.INTEGER:
            return True
        return bool(self is Type.TEMPLATE and other is Type.TEXT)
