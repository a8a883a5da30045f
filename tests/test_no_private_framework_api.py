"""webapp/ uses only the public API of its frameworks (issue 21).

A library upgrade may rename or drop any private name without notice, so code that reads one
breaks silently. This test walks the AST of every .py file under webapp/ and fails on:

1. an import of a name starting with "_" (not a dunder) from outside webapp, or from a module
   whose dotted path has such a part;
2. an attribute `x._name` where no file in webapp defines `_name` (a function, class, module or
   class-level assignment, or `self._name = …`/`cls._name = …`): what webapp did not define
   belongs to someone else, whatever the receiver is;
3. a string that names a private attribute: `getattr(x, "_name")` and friends with `_name` not
   defined in webapp; and every `_name` key of `g` or `session` (`g.get("_name")`,
   `"_name" in g`, `session["_name"]`) that webapp does not set itself: there the frameworks
   keep their per-request state and, for Flask-Login, the logged-in user's keys. Flask-Login's
   documentation tells applications to use `current_user`, `login_user`, `login_fresh()` and
   the `user_loader` and names none of its keys, so a release may change them;
4. a class of webapp that defines or assigns `_name` that one of its framework base classes
   already has: overriding a private hook of a Flask subclass, for example.

The self-checks below plant made-up private names in a throwaway module: this file names no
real internal of any framework.

Names that start with "_" yet are documented public API are allowed in PUBLIC_UNDERSCORE_NAMES,
each with its reason. Keyword arguments (`url_for(…, _external=True)`, `_anchor=`) are
documented parameters, not attributes, and are not looked at.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEBAPP = ROOT / "webapp"

# Documented public API despite the leading underscore.
PUBLIC_UNDERSCORE_NAMES = {
    # Werkzeug's LocalProxy: "_get_current_object()" is the documented way to get the object
    # behind current_user/current_app (werkzeug.local docs; Flask's docs on proxies say the same)
    "_get_current_object": "werkzeug.local.LocalProxy, documented",
    # SQLAlchemy's Row: the underscore keeps these from clashing with column names; all are in
    # the Row API reference, as are namedtuple's
    "_mapping": "sqlalchemy.engine.Row._mapping, documented",
    "_asdict": "sqlalchemy.engine.Row._asdict() / namedtuple, documented",
    "_fields": "sqlalchemy.engine.Row._fields / namedtuple, documented",
    "_tuple": "sqlalchemy.engine.Row._tuple(), documented",
    "_t": "sqlalchemy.engine.Row._t, documented",
    "_replace": "namedtuple._replace(), documented",
    "_make": "namedtuple._make(), documented",
    # WTForms: the hook a custom field overrides for the text its widget shows (WTForms docs,
    # "Fields" → "Custom Fields", the TagListField example); CountryField uses it
    "_value": "wtforms.Field._value(), documented for custom fields",
}

# Where a string names an attribute or a key of g/session.
_NAME_TAKING_BUILTINS = {"getattr", "setattr", "hasattr", "delattr"}
_KEYED_OBJECTS = {"g", "session"}
_KEY_METHODS = {"get", "pop", "setdefault"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    name: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.name} ({self.why})"


def _is_private(name: str) -> bool:
    """`_x` and `__x`, not a dunder `__x__` and not the bare `_` (gettext, throwaways)."""
    return (
        len(name) > 1
        and name.startswith("_")
        and not (name.startswith("__") and name.endswith("__"))
        and name not in PUBLIC_UNDERSCORE_NAMES
    )


def _target_names(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"self", "cls"}
        ):
            yield node.attr


def defined_names(tree: ast.AST) -> set[str]:
    """Every name a module defines: functions, classes, assignment targets (module, class and
    local), `self.x =`/`cls.x =`, and import aliases. Attributes set on other objects (a
    framework's) are not the module's own."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(_target_names(target))
        elif isinstance(
            node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension
        ):
            names.update(_target_names(node.target))
        elif isinstance(node, ast.NamedExpr):
            names.add(node.target.id)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            names.update(_target_names(node.optional_vars))
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
    return names


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_keyed_object(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in _KEYED_OBJECTS


def _named_strings(tree: ast.AST) -> Iterator[tuple[ast.AST, str, str]]:
    """(node, string, where) for each string used as an attribute name or a g/session key."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _NAME_TAKING_BUILTINS and node.args[1:]:
                if (text := _string(node.args[1])) is not None:
                    yield node, text, f"{func.id}() name"
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in _KEY_METHODS
                and _is_keyed_object(func.value)
                and node.args
                and (text := _string(node.args[0])) is not None
            ):
                yield node, text, f"{func.value.id}.{func.attr}() key"  # type: ignore[attr-defined]
        elif isinstance(node, ast.Subscript) and _is_keyed_object(node.value):
            if (text := _string(node.slice)) is not None:
                yield node, text, f"{node.value.id}[] key"  # type: ignore[attr-defined]
        elif (
            isinstance(node, ast.Compare)
            and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)
            and any(_is_keyed_object(c) for c in node.comparators)
            and (text := _string(node.left)) is not None
        ):
            yield node, text, "key tested with `in`"


def _own_module(module: str | None, level: int) -> bool:
    return level > 0 or module == "webapp" or (module or "").startswith("webapp.")


def violations(source: str, path: str, defined: set[str]) -> list[Violation]:
    """The private framework names `source` uses; `defined` is every name webapp defines."""
    tree = ast.parse(source, filename=path)
    found: list[Violation] = []

    def flag(node: ast.AST, name: str, why: str) -> None:
        found.append(Violation(path, getattr(node, "lineno", 0), name, why))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _own_module(alias.name, 0):
                    for part in alias.name.split("."):
                        if _is_private(part):
                            flag(node, part, f"import of private module {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            if _own_module(node.module, node.level):
                continue
            for part in (node.module or "").split("."):
                if _is_private(part):
                    flag(node, part, f"import from private module {node.module}")
            for alias in node.names:
                if _is_private(alias.name):
                    flag(node, alias.name, f"private name imported from {node.module}")
        elif (
            isinstance(node, ast.Attribute) and _is_private(node.attr) and node.attr not in defined
        ):
            flag(node, node.attr, "private attribute that webapp does not define")
    for node, text, where in _named_strings(tree):
        if not _is_private(text):
            continue
        if where.startswith(("g", "session")):
            flag(node, text, f"{where}: a framework's private key")
        elif text not in defined:
            flag(node, text, f"{where} naming a private attribute webapp does not define")
    return found


def _webapp_sources() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for path in sorted(WEBAPP.rglob("*.py"))
    }


def _webapp_defined(sources: dict[str, str]) -> set[str]:
    names: set[str] = set()
    for path, source in sources.items():
        names |= defined_names(ast.parse(source, filename=path))
    return names


def _class_private_names(cls_node: ast.ClassDef) -> dict[str, int]:
    """`_names` a class's own body defines or its methods assign to self/cls, with their line."""
    names: dict[str, int] = {}
    for node in cls_node.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.setdefault(node.name, node.lineno)
            for inner in ast.walk(node):
                if isinstance(inner, ast.Assign | ast.AnnAssign | ast.AugAssign):
                    targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id in {"self", "cls"}
                        ):
                            names.setdefault(target.attr, inner.lineno)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in _target_names(target):
                    names.setdefault(name, node.lineno)
    return {name: line for name, line in names.items() if _is_private(name)}


def overridden_private_names(path: str, source: str) -> list[Violation]:
    """`_names` a webapp class defines that a base class from outside webapp already has."""
    module_name = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    module = importlib.import_module(module_name)
    found = []
    for node in ast.parse(source, filename=path).body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(module, node.name, None)
        if not inspect.isclass(cls):
            continue
        outside = [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] != "webapp"]
        for name, line in _class_private_names(node).items():
            for base in outside:
                if base is not object and name in vars(base):
                    found.append(
                        Violation(path, line, name, f"overrides private {base.__qualname__}.{name}")
                    )
    return found


def test_webapp_uses_no_private_framework_name():
    sources = _webapp_sources()
    defined = _webapp_defined(sources)
    found = []
    for path, source in sources.items():
        found += violations(source, path, defined)
        found += overridden_private_names(path, source)
    assert not found, "private framework names in webapp/:\n" + "\n".join(map(str, found))


# The planted private names are spelled PLANTED_… here and made private below, so this file
# itself holds no line that imports or reads a framework's private name.
PLANTED = """
from flask import g, session, url_for
from flask.globals import PLANTED_var
import werkzeug.PLANTED_module
from sqlalchemy.orm.PLANTED_package import mapped_column


class Mine:
    def __init__(self):
        self._kept = {}

    def read(self):
        return self._kept


def route_rules(app):
    return app.url_map.PLANTED_index["x"][0].PLANTED_table


def cached(stmt, rule):
    user = g.get("PLANTED_user")
    state = g.PLANTED_state
    later = getattr(rule, "PLANTED_cache", None), g.pop("PLANTED_pop", None)
    return stmt.PLANTED_options, user, state, later, "PLANTED_in" in g, session["PLANTED_key"]


def peeks():
    return "_marker" not in session, session["_kept"]


def fine(current_user, row, _, kind):
    user = current_user._get_current_object()
    label = _("Customers")
    key = f"{kind}_id"
    return user, row._mapping, label, Mine()._kept, url_for("x", _external=True), key
""".replace("PLANTED_", "_made_up_")


def test_the_walk_finds_planted_violations():
    """Self-check: a module written to break every rule is caught on each line, and what is
    allowed (our own `_kept`, documented `_get_current_object`/`_mapping`, gettext's `_`,
    url_for's `_external` keyword, dunders) is not."""
    found = violations(PLANTED, "planted.py", defined_names(ast.parse(PLANTED)))
    assert sorted((v.line, v.name) for v in found) == [
        (3, "_made_up_var"),
        (4, "_made_up_module"),
        (5, "_made_up_package"),
        (17, "_made_up_index"),
        (17, "_made_up_table"),
        (21, "_made_up_user"),
        (22, "_made_up_state"),
        (23, "_made_up_cache"),
        (23, "_made_up_pop"),
        (24, "_made_up_in"),
        (24, "_made_up_key"),
        (24, "_made_up_options"),
        (28, "_kept"),
        (28, "_marker"),
    ]


def test_a_private_key_of_g_or_session_fails_even_where_webapp_defines_the_name():
    """g and session keys belong to the frameworks whatever webapp names its own functions
    (a `def _made_up_key()` in webapp does not make `session["_made_up_key"]` ours)."""
    source = "from flask import session\n\ndef f():\n    return session.get('_made_up_key')\n"
    assert [v.name for v in violations(source, "x.py", {"_made_up_key"})] == ["_made_up_key"]


def test_overriding_a_framework_private_hook_is_found(tmp_path, monkeypatch):
    # a made-up "framework" with a private hook, and a throwaway module shaped like a webapp
    # module that subclasses it
    framework = tmp_path / "framework_planted"
    framework.mkdir()
    (framework / "__init__.py").write_text(
        "class Base:\n    def _made_up_hook(self):\n        return 1\n"
    )
    package = tmp_path / "webapp_planted"
    package.mkdir()
    source = (
        "from framework_planted import Base\n\n"
        "class App(Base):\n"
        "    def _made_up_hook(self):\n"
        "        return None\n\n"
        "    def mine(self):\n"
        "        self._own = 1\n"
    )
    (package / "hooks.py").write_text(source)
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = overridden_private_names("webapp_planted/hooks.py", source)
    assert [(v.line, v.name) for v in found] == [(4, "_made_up_hook")]
