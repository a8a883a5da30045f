"""Every way into a session goes through blueprints/auth/logins.py, which enforces the second
factor and records the login. A new `login_user` call anywhere else fails here: signup once
logged people in with their password alone (no second factor, no audit event)."""

from __future__ import annotations

import ast
from pathlib import Path

WEBAPP = Path(__file__).resolve().parents[2] / "webapp"
LOGINS = WEBAPP / "blueprints" / "auth" / "logins.py"
# the only functions allowed to call login_user, and why
ALLOWED = {
    "_complete": "after the password and, when the person has one, the second factor",
    "renew_session": "the person already logged in takes their own new session epoch",
}


def login_user_calls(root: Path = WEBAPP) -> list[tuple[Path, str, int]]:
    """(file, enclosing function, line) of every reference to login_user under `root`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                name = getattr(node, "id", None) or getattr(node, "attr", None)
                if name == "login_user" and isinstance(node, ast.Name | ast.Attribute):
                    found.append((path, func.name, node.lineno))
    return found


def imports_of_login_user() -> list[Path]:
    files = []
    for path in sorted(WEBAPP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(a.name == "login_user" for a in node.names):
                files.append(path)
    return files


def test_login_user_is_called_only_by_the_login_module():
    calls = login_user_calls()
    assert calls, "the walk found no login_user at all: it is broken"
    outside = [
        f"{path.relative_to(WEBAPP.parent)}:{line} in {func}()"
        for path, func, line in calls
        if path != LOGINS or func not in ALLOWED
    ]
    assert not outside, (
        "login_user outside blueprints/auth/logins.py: log people in with start_login() so the "
        "second factor and the audit log are never skipped: " + ", ".join(outside)
    )
    assert imports_of_login_user() == [LOGINS]


def test_the_walk_sees_a_bypass(tmp_path):
    """The check itself: a route calling login_user directly is reported."""
    bad = tmp_path / "evil.py"
    bad.write_text("from flask_login import login_user\n\ndef route(user):\n    login_user(user)\n")
    assert [(p.name, f) for p, f, _ in login_user_calls(tmp_path)] == [("evil.py", "route")]
