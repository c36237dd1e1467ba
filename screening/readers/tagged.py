"""Grouping tag lines (``TAG - value``) into ``tag -> [values]``, fast.

``group_tag_lines`` runs in C when the optional extension ``_speedups`` was built (a
compiler was present at install time) and in Python otherwise; both give the same result
(tests/screening/readers/test_tagged.py checks it on random input).
"""

from __future__ import annotations

__all__ = ["SPEEDUPS", "group_tag_lines", "group_tag_lines_py"]


def group_tag_lines_py(text: str, tag_width: int, sep: str) -> dict[str, list[str]] | None:
    """Python version of the C ``group_tag_lines``; None when a line is not standard.

    Every line must be a tag (``[A-Z][A-Z0-9]*``) left-justified in ``tag_width``
    characters, then ``sep``, then the value (trailing spaces removed). The separator's
    trailing spaces may be missing when the value is empty (``AB  -``).
    """
    result: dict[str, list[str]] = {}
    value_offset = tag_width + len(sep)
    lines = text.split("\n") if text else []
    if lines and not lines[-1]:
        lines.pop()  # a final newline ends the last line; it does not start another
    for line in lines:
        if len(line) <= tag_width or not ("A" <= line[0] <= "Z"):
            return None
        key_len = 1
        while key_len < tag_width and (line[key_len].isascii() and
                                       (line[key_len].isupper() or line[key_len].isdigit())):
            key_len += 1
        padding = line[key_len:tag_width]
        if padding.strip(" ") or len(padding) != tag_width - key_len:
            return None
        found = line[tag_width:value_offset]
        if found != sep[: len(found)] or sep[len(found):].strip(" "):
            return None
        value = line[value_offset:].rstrip(" \t\r")
        values = result.get(line[:key_len])
        if values is None:
            result[line[:key_len]] = [value]
        else:
            values.append(value)
    return result


try:
    from screening.readers._speedups import group_tag_lines
except ImportError:  # built without a C compiler
    group_tag_lines = group_tag_lines_py
    SPEEDUPS = False
else:
    SPEEDUPS = True
