"""Messages in the caller's language (Flask-Babel over the catalogue in ``yunquan/translations``,
kept by ``yunquan/messages.py``). Any ``api.py`` may call ``translate`` for a text it answers with
outside an error (an import's dry-run report); errors go through it in ``yunquan/errors.py``.

The code raises errors with English texts; the English text is the msgid. When an answer is made,
``translate`` looks the message up for the request's locale:
1. the text itself (``the request body is not valid JSON``);
2. a template: an f-string's msgid has named placeholders (``organisation {org_id} not found``),
   so the message is matched against the templates and the values it holds go into the
   translation (``未找到组织 {org_id}``);
3. else the general message of the error's code (context ``error code``), so a text nobody wrote
   down (a router's 404) is still Chinese.
``code`` never changes. The locale: ``Accept-Language`` for ``/api/...`` (``zh``, ``zh-CN``,
``zh-Hans``… choose Chinese, anything else English); every other path (the portal) is always zh_CN.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from typing import Any

from flask import Flask, has_request_context, request
from flask_babel import Babel, get_translations

CODE_CONTEXT = "error code"  # the msgctxt of a code's general message
DEFAULT = "en"
CHINESE = "zh_CN"


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT
    if not request.path.startswith("/api/"):
        return CHINESE  # the portal speaks Chinese
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"], default=DEFAULT)
    return CHINESE if best.lower().startswith("zh") else DEFAULT


def init_app(app: Flask, directory: str) -> None:
    """Flask-Babel over the catalogues in ``directory`` (``yunquan/translations``)."""
    Babel(app, default_locale=DEFAULT, default_translation_directories=directory, locale_selector=select_locale)


def is_default() -> bool:
    return not has_request_context() or select_locale() == DEFAULT


def translate(message: str, code: str | None = None) -> str:
    """``message`` in the request's language; ``code``'s general message when the text is unknown."""
    if is_default() or not isinstance(message, str):
        return message
    catalog = get_translations()
    found = _lookup(catalog, message)
    if found is not None:
        return found
    if code:
        general = catalog.pgettext(CODE_CONTEXT, code)
        if general != code:
            return general
    return message


def translate_details(details: dict) -> dict:
    """The texts in ``details``: the field messages of a 422 (``fields``) and every ``message``
    entry (an import's row errors); other values (names, amounts, codes) are data and stay."""
    if is_default() or not isinstance(details, dict):
        return details
    catalog = get_translations()

    def texts(value: Any) -> Any:
        if isinstance(value, str):
            found = _lookup(catalog, value)
            return value if found is None else found
        if isinstance(value, list):
            return [texts(v) for v in value]
        if isinstance(value, dict):
            return {k: texts(v) for k, v in value.items()}
        return value

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: texts(v) if k in ("fields", "message") else walk(v) for k, v in value.items()}
        return value

    return walk(details)


def _lookup(catalog, message: str) -> str | None:
    table = getattr(catalog, "_catalog", None)
    if not table:
        return None
    found = _exact(table, message)
    if found is not None:
        return found
    for pattern, translation in _templates(id(catalog), catalog):
        match = pattern.fullmatch(message)
        if match:
            # a value that is itself a known text ("line 3: {message}") is translated too
            values = {k: _exact(table, v) or v for k, v in match.groupdict().items()}
            try:
                return translation.format(**values)
            except (KeyError, IndexError, ValueError):
                return None
    return None


def _exact(table: dict, message: str) -> str | None:
    """A text without placeholders: its msgid doubles any brace (python-brace-format)."""
    found = table.get(message.replace("{", "{{").replace("}", "}}"))
    return found.replace("{{", "{").replace("}}", "}") if found else None


@lru_cache(maxsize=8)
def _templates(_key: int, catalog) -> list[tuple[re.Pattern, str]]:
    """Every msgid with placeholders as a regular expression, the most specific (longest fixed
    text) first, with its translation."""
    out = []
    for msgid, msgstr in catalog._catalog.items():
        if not isinstance(msgid, str) or "\x04" in msgid or not msgstr:
            continue
        try:
            parts = list(string.Formatter().parse(msgid))
        except ValueError:
            continue
        if not any(name for _, name, _, _ in parts):
            continue
        regex, fixed, seen = [], 0, set()
        for literal, name, _, _ in parts:
            regex.append(re.escape(literal))
            fixed += len(literal)
            if name:
                if name in seen or not name.isidentifier():
                    regex.append(".+?")
                else:
                    seen.add(name)
                    regex.append(f"(?P<{name}>.+?)")
        out.append((fixed, re.compile("".join(regex), re.DOTALL), msgstr))
    out.sort(key=lambda item: -item[0])
    return [(pattern, msgstr) for _, pattern, msgstr in out]
