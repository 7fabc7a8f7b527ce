"""Logging in to the portal from Flask's test client, with the CSRF token of the page."""
from __future__ import annotations

import re

from yunquan import passwords

PASSWORD = "correct horse battery"


def csrf_of(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(client)})


def portal_user(world, uow_factory, roles, org=None, *, username=None) -> str:
    """A user with a portal password; returns the username."""
    user_id, _ = world.user(roles, org, username=username)
    with uow_factory() as uow:
        passwords.set_password(uow, user_id=user_id, password=PASSWORD)
    with uow_factory.reader() as s:
        from yunquan.models import User
        return s.get(User, user_id).username
