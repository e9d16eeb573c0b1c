"""The app's settings file (TOML): due-soon window, theme, key overrides.

    due_soon_days = 21          # window for "due soon", in days
    theme = "textual-light"     # a Textual theme name
    sender = "pmo@council.example"    # reminders' From (else --from or $HSP_TUI_MAIL_FROM)
    reply_to = "pmo-team@council.example"  # reminders' Reply-To (optional)
    escalate_after = 3          # after this many reminders about an item, the owner's sponsor is copied
    [keys]                      # binding id = "key[,key...]"
    set_done = "4,ctrl+d"

A missing file means defaults. Anything else wrong (bad TOML, an unknown setting, a wrong type) is one
clear line naming the file and the setting. This module is core: it never imports Textual, so the
theme name and the binding ids are checked by the app against what it knows (`check_theme`,
`check_keys` take the known names).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from msgspec import Struct, field

from hsp_tui.domain.errors import InputError
from hsp_tui.domain.rules import DEFAULT_ESCALATE_AFTER, check_address
from hsp_tui.domain.textsafe import visible

KNOWN = ("due_soon_days", "theme", "keys", "sender", "reply_to", "escalate_after")
MAX_DUE_SOON_DAYS = 3660


class Settings(Struct, frozen=True):
    """What the settings file says; None where it says nothing."""

    path: Path | None = None
    due_soon_days: int | None = None
    theme: str | None = None
    sender: str | None = None
    reply_to: str | None = None
    escalate_after: int = DEFAULT_ESCALATE_AFTER  # reminders about an item before its sponsor is copied
    keys: Mapping[str, str] = field(default_factory=dict)

    def check_theme(self, known: Iterable[str]) -> None:
        """Refuse a theme the app does not have, naming the file and listing a few that exist."""
        names = sorted(known)
        if self.theme is not None and self.theme not in names:
            raise InputError(f"{self.path}: theme {self.theme!r} is not a known theme "
                             f"(try one of: {', '.join(names)})")

    def check_keys(self, known_ids: Iterable[str]) -> None:
        """Refuse a [keys] entry for a binding id the app does not have."""
        ids = sorted(known_ids)
        for binding_id in self.keys:
            if binding_id not in ids:
                raise InputError(f"{self.path}: [keys] {binding_id!r} is not a binding id "
                                 f"(known ids: {', '.join(ids)})")


    def check_key_clashes(self, scopes: Iterable[tuple[str, Iterable[tuple[str, str, str]]]],
                          normalize: Callable[[str], str] = lambda key: key) -> None:
        """Refuse a [keys] table that gives one key to two bindings that are active at the same time.

        `scopes`: for each set of bindings active together, where it is (e.g. "on the main screen")
        and its bindings as (binding id or name, default keys, action). A binding not remapped keeps
        its default keys; two bindings for the same action may share a key, and so may two that
        share it by default (e.g. q closes the help screen rather than quitting: by design).
        """
        for where, bindings in scopes:
            bindings = list(bindings)
            defaults = {name: {normalize(k.strip()) for k in default.split(",")} for name, default, _ in bindings}
            taken: dict[str, tuple[str, str]] = {}  # key -> (binding, action)
            for name, default, action in bindings:
                for key in self.keys.get(name, default).split(","):
                    key = normalize(key.strip())
                    other = taken.get(key)
                    if (other is not None and other[1] != action
                            and not (key in defaults[name] and key in defaults[other[0]])):  # as designed
                        first, second = sorted((other[0], name))
                        raise InputError(f"{self.path}: [keys] gives {key!r} to both {first} and {second} "
                                         f"({where}); give one of them another key")
                    taken.setdefault(key, (name, action))


def _type_name(value: Any) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "text", dict: "a table",
            list: "a list"}.get(type(value), type(value).__name__)


def parse_settings(text: str, path: Path) -> Settings:
    import tomllib  # noqa: PLC0415 - only when there is a settings file

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    for key in data:
        if key not in KNOWN:
            raise InputError(f"{path}: unknown setting {key!r} (known settings: {', '.join(KNOWN)})")

    days = data.get("due_soon_days")
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int):
            raise InputError(f"{path}: due_soon_days must be a whole number of days, not {_type_name(days)} "
                             f"({days!r})")
        if not 0 <= days <= MAX_DUE_SOON_DAYS:
            raise InputError(f"{path}: due_soon_days must be between 0 and {MAX_DUE_SOON_DAYS}, not {days}")

    theme = data.get("theme")
    if theme is not None and (not isinstance(theme, str) or not theme.strip()):
        raise InputError(f"{path}: theme must be a theme name (text), not {_type_name(theme)} ({theme!r})")

    addresses = {}
    for name in ("sender", "reply_to"):
        value = data.get(name)
        if value is None:
            continue
        try:
            addresses[name] = check_address(value)
        except InputError as exc:
            raise InputError(f"{path}: {name}: {exc}") from None

    escalate = data.get("escalate_after", DEFAULT_ESCALATE_AFTER)
    if isinstance(escalate, bool) or not isinstance(escalate, int) or escalate < 0:
        raise InputError(f"{path}: escalate_after must be a whole number of reminders (0 or more), not {escalate!r}")

    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise InputError(f"{path}: keys must be a table ([keys] with binding_id = \"key\"), "
                         f"not {_type_name(keys)}")
    for binding_id, value in keys.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{path}: [keys] {visible(binding_id)} must be text such as \"ctrl+d\" or \"4,d\", "
                             f"not {_type_name(value)} ({value!r})")
        if any(not part.strip() for part in value.split(",")):
            raise InputError(f"{path}: [keys] {visible(binding_id)} has an empty key in {value!r}")
        if visible(value) != value or not value.isprintable():  # it would be drawn in the footer and help
            raise InputError(f"{path}: [keys] {visible(binding_id)} has a control character in {value!r}: "
                             "a key name is letters, digits and + (such as \"ctrl+d\")")
    return Settings(path=path, due_soon_days=days, theme=theme.strip() if theme else None, **addresses,
                    escalate_after=escalate,
                    keys={k: ",".join(p.strip() for p in v.split(",")) for k, v in keys.items()})


def load_settings(path: Path) -> Settings:
    """Read the settings file; a missing file means defaults."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(path=path)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a settings file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the settings file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: the settings file is not UTF-8 text") from None
    return parse_settings(text, path)
