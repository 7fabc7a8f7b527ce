"""The message catalogue's upkeep: which English texts the service can answer with, found in the
source, and the Babel tooling that keeps ``yunquan/translations/*/LC_MESSAGES/messages.po`` and its
compiled ``.mo`` in step with them.

What is extracted (a Babel extraction method, ``extract``):
- the message of every error built in the code: a call of a ``DomainError`` subclass (raised or
  returned), of ``ValueError`` and of marshmallow's ``ValidationError`` whose message is a string or
  an f-string. An f-string becomes a template: ``f"organisation {org_id} not found"`` is the msgid
  ``organisation {org_id} not found``; ``adapters.i18n`` matches a message against the templates and
  puts the values it finds into the translation;
- texts marked ``N_("...")`` (a message kept in a variable before it is raised);
- every error code (``code = "X"`` in a class, ``code="X"`` in a call, the HTTP codes), with the
  context ``error code``: the general message of a code, for a text nobody wrote down (a router's
  404, werkzeug's 405);
- marshmallow's and webargs' own messages for fields and validators (``Missing data for required
  field.``, ``Must be one of: {choices}.``), which fill ``details.fields`` of a 422.

``adapters/i18n.py`` translates at answer time. ``python -m yunquan.messages update`` re-extracts and merges into the ``.po`` (new texts arrive
untranslated, texts no longer in the code are dropped); ``compile`` writes the ``.mo`` the service
loads. ``tests/test_i18n.py`` fails on a text without a Chinese translation and on a ``.mo`` older
than its ``.po``.
"""
from __future__ import annotations

import ast
import io
import pathlib
import string
import sys
from typing import Iterable, Iterator

from adapters.i18n import CODE_CONTEXT

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("kernel", "adapters", "ledger", "parties", "catalog", "schemes", "claims", "clusters", "payouts",
            "vouchers", "financing", "talent", "reports", "portal", "yunquan")
TRANSLATIONS = pathlib.Path(__file__).resolve().parent / "translations"
LOCALES = ("zh",)  # Simplified Chinese: Babel finds it for zh, zh-CN and zh-Hans (zh_Hans_CN)
DOMAIN = "messages"
EXTRA_CALLS = {"ValueError", "N_"}
POSITIONED = {"Problem": 1}  # catalog.rules.Problem(field, message): a product's problems, raised or listed


def N_(message: str) -> str:
    """Marks a text for the catalogue where it is defined, not where it is raised."""
    return message


def error_class_names() -> set[str]:
    """Names of every DomainError subclass of the project (importing every package)."""
    from kernel.errors import DomainError
    from yunquan import schema  # noqa: F401  (imports every models module)
    from yunquan.app import _blueprints
    _blueprints()
    names, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def error_codes() -> set[str]:
    from kernel.errors import DomainError
    error_class_names()
    codes, todo = set(), [DomainError]
    while todo:
        cls = todo.pop()
        codes.add(cls.code)
        todo.extend(cls.__subclasses__())
    return codes


def template(node: ast.AST) -> str | None:
    """The msgid of a message expression: a string, an f-string (placeholders named after what they
    show), or strings joined with ``+``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template(node.left), template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "{" + placeholder(node.left) + "}") + \
            (right if right is not None else "{" + placeholder(node.right) + "}")
    if isinstance(node, ast.JoinedStr):
        out, used = [], {}
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value).replace("{", "{{").replace("}", "}}"))
            else:
                name = placeholder(part.value)
                used[name] = used.get(name, 0) + 1
                out.append("{" + (name if used[name] == 1 else f"{name}_{used[name]}") + "}")
        return "".join(out)
    return None


def templates(node: ast.AST) -> list[str]:
    """The msgids of a message expression; ``a if c else b`` gives both."""
    if isinstance(node, ast.IfExp):
        return templates(node.body) + templates(node.orelse)
    text = template(node)
    return [text] if text and text.strip() else []


def placeholder(expr: ast.AST) -> str:
    """A readable placeholder name for what an f-string shows: ``org_id``, ``claim.status`` ->
    ``claim_status``, ``len(code)`` -> ``len_code``, ``', '.join(allowed)`` -> ``allowed``."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        inner = placeholder(expr.value)
        return f"{inner}_{expr.attr}" if inner != "value" else expr.attr
    if isinstance(expr, ast.Subscript):
        return placeholder(expr.value)
    if isinstance(expr, ast.Call):
        if isinstance(expr.func, ast.Attribute) and expr.func.attr == "join" and expr.args:
            return placeholder(expr.args[0])
        func = expr.func.id if isinstance(expr.func, ast.Name) else (
            expr.func.attr if isinstance(expr.func, ast.Attribute) else "call")
        return f"{func}_{placeholder(expr.args[0])}" if expr.args else func
    if isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
        return placeholder(expr.generators[0].iter)
    if isinstance(expr, ast.BinOp):
        return placeholder(expr.left)
    if isinstance(expr, ast.IfExp):
        return placeholder(expr.body)
    return "value"


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else (f.attr if isinstance(f, ast.Attribute) else "")


def error_helpers(tree: ast.AST, error_names: set[str]) -> Iterator[str]:
    """Functions that build an error from their first argument (``def _bad(message, ...): return
    ValidationError(message, ...)``): their callers' texts are messages too."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.args.args:
            first = node.args.args[0].arg
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and _call_name(inner) in error_names and inner.args \
                        and isinstance(inner.args[0], ast.Name) and inner.args[0].id == first:
                    yield node.name
                    break


def extract_source(source: str, error_names: set[str]) -> Iterator[tuple[int, str, str | tuple, list[str]]]:
    """(line, funcname, message, comments) as a Babel extraction method yields them."""
    tree = ast.parse(source)
    makers = error_names | EXTRA_CALLS | set(error_helpers(tree, error_names))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in POSITIONED and len(node.args) > POSITIONED[name]:
                for text in templates(node.args[POSITIONED[name]]):
                    yield node.lineno, name, text, []
            if name == "append" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == "problems" and node.args and isinstance(node.args[0], ast.Tuple) \
                    and len(node.args[0].elts) == 2:
                # problems.append((field, message)): an import's row errors
                for text in templates(node.args[0].elts[1]):
                    yield node.lineno, name, text, []
            if name in makers:
                args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg == "message"]
                for arg in args:
                    for text in templates(arg):
                        yield node.lineno, name, text, []
            for k in node.keywords:
                if k.arg == "code" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str) \
                        and k.value.value.isupper():
                    yield node.lineno, "pgettext", (CODE_CONTEXT, k.value.value), []
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code" for t in stmt.targets) \
                        and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                    yield stmt.lineno, "pgettext", (CODE_CONTEXT, stmt.value.value), []
        elif isinstance(node, ast.Dict):
            # HTTP_CODES = {400: "MALFORMED_REQUEST", ...}
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, int) and 400 <= key.value < 600 \
                        and isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.isupper():
                    yield node.lineno, "pgettext", (CODE_CONTEXT, value.value), []


_ERROR_NAMES: set[str] | None = None


def extract(fileobj, keywords, comment_tags, options):
    """A Babel extraction method (``babel.messages.extract.extract(extract, fileobj)``)."""
    global _ERROR_NAMES
    if _ERROR_NAMES is None:
        _ERROR_NAMES = error_class_names()
    source = fileobj.read()
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    for lineno, funcname, message, comments in extract_source(source, _ERROR_NAMES):
        if isinstance(message, tuple):  # (context, msgid): Babel's pgettext shape is (msgctxt, msgid)
            yield lineno, "pgettext", message, comments
        else:
            yield lineno, "gettext", message, comments


def framework_messages() -> Iterator[str]:
    """marshmallow's and webargs' messages that reach ``details.fields`` of a 422."""
    import marshmallow as ma
    from marshmallow import validate
    seen = set()

    def classes(root):
        todo = [root]
        while todo:
            cls = todo.pop()
            yield cls
            todo.extend(cls.__subclasses__())

    error_class_names()  # our fields are imported
    for cls in classes(ma.fields.Field):
        for message in getattr(cls, "default_error_messages", {}).values():
            if isinstance(message, str) and message not in seen:
                seen.add(message)
                yield message
    for cls in classes(ma.Schema):
        for message in getattr(cls, "_default_error_messages", {}).values():
            if isinstance(message, str) and message not in seen:
                seen.add(message)
                yield message
    for cls in classes(validate.Validator):
        texts = {attr: message for attr, message in vars(cls).items()
                 if (attr.startswith("message") or attr.startswith("default_message")) and isinstance(message, str)}
        # Range words its message in two steps: "Must be {min_op} {{min}}." with min_op "greater than"…
        ops = {attr: text for attr, text in texts.items() if "{" not in text}
        for attr, message in texts.items():
            variants = [message]
            if "{{" in message:
                mins = [t for a, t in ops.items() if a in ("message_gt", "message_gte")] or [""]
                maxs = [t for a, t in ops.items() if a in ("message_lt", "message_lte")] or [""]
                variants = [message.format(min_op=lo, max_op=hi) for lo in mins for hi in maxs]
            elif attr in ops and attr in ("message_gt", "message_gte", "message_lt", "message_lte"):
                continue  # a word of the message above, never a message of its own
            for text in variants:
                if text not in seen:
                    seen.add(text)
                    yield text


def sources() -> Iterator[pathlib.Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def template_catalog():
    """The catalogue template (what a .pot holds): every text the service can answer with."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract as babel_extract
    catalog = Catalog(project="yunquan", charset="utf-8")
    for path in sources():
        with path.open("rb") as fh:
            for lineno, message, comments, context in babel_extract(extract, fh):
                rel = str(path.relative_to(ROOT))
                if isinstance(message, tuple):
                    message = message[0]
                catalog.add(message, locations=[(rel, lineno)], context=context,
                            flags=("python-brace-format",) if _has_fields(message) else ())
    for message in framework_messages():
        catalog.add(message, locations=[("marshmallow", 0)],
                    flags=("python-brace-format",) if _has_fields(message) else ())
    for code in sorted(error_codes()):
        catalog.add(code, locations=[("kernel/errors.py", 0)], context=CODE_CONTEXT)
    return catalog


def _has_fields(message: str) -> bool:
    try:
        return any(name for _, name, _, _ in string.Formatter().parse(message))
    except ValueError:
        return False


def po_path(locale: str) -> pathlib.Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_po(locale: str):
    from babel.messages.pofile import read_po as babel_read_po
    with po_path(locale).open("rb") as fh:
        return babel_read_po(fh, locale=locale)


def update() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po
    template = template_catalog()
    for locale in LOCALES:
        path = po_path(locale)
        catalog = read_po(locale) if path.exists() else Catalog(locale=locale, project="yunquan", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=120, sort_output=True, omit_header=False)


def compiled(locale: str) -> bytes:
    from babel.messages.mofile import write_mo
    buf = io.BytesIO()
    write_mo(buf, read_po(locale))
    return buf.getvalue()


def compile_all() -> None:
    for locale in LOCALES:
        po_path(locale).with_suffix(".mo").write_bytes(compiled(locale))


def missing(locale: str) -> list[str]:
    """Texts of the code with no (or a fuzzy) translation in the locale's .po."""
    catalog = read_po(locale)
    out = []
    for message in template_catalog():
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None or not found.string or found.fuzzy:
            out.append(f"{message.context + ': ' if message.context else ''}{message.id}")
    return out


def main(argv: Iterable[str] = ()) -> int:
    args = list(argv) or ["update", "compile"]
    for command in args:
        if command == "update":
            update()
        elif command == "compile":
            compile_all()
        elif command == "missing":
            for locale in LOCALES:
                for text in missing(locale):
                    print(f"{locale}\t{text}")
        else:
            print(f"unknown command {command}: update, compile, missing", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
