"""The create-record reaction's placeholder filling, as PHP does it.

Mirrors TYPO3-CMS/reactions@13.4:Classes/Reaction/CreateRecordReaction.php::replacePlaceHolders
with TYPO3-CMS/core ArrayUtility::getValueByPath and PHP's (string) cast.
"""
from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\$\{([^\}]*)\}")  # the reaction's regex /\$\{([^\}]*)\}/m


class MissingPath(LookupError):
    """ArrayUtility's MissingArrayPathException: caught by the reaction, literal stays."""


def php_string(value) -> str:
    """PHP's (string) cast: null/false → "", true → "1", arrays → "Array" (with a warning)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, (list, dict)):
        return "Array"
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


def value_by_path(payload, path: str):
    """ArrayUtility::getValueByPath(payload, path, '.'): dots nest, numeric segments index lists."""
    if path == "":
        raise MissingPath(path)
    current = payload
    for segment in path.split("."):
        if isinstance(current, dict) and segment in current:
            current = current[segment]
        elif isinstance(current, list) and segment.isdigit() and int(segment) < len(current):
            current = current[int(segment)]
        else:
            raise MissingPath(path)
    return current


def replace_placeholders(template, payload):
    """Each ${path} is replaced in turn with str_replace over the whole, already partly
    replaced value; a missing path leaves the literal ${path}. Non-strings pass through."""
    if not isinstance(template, str):
        return template
    value = template
    for match in PLACEHOLDER.finditer(template):
        try:
            value = value.replace(match.group(0), php_string(value_by_path(payload, match.group(1))))
        except MissingPath:
            pass
    return value
