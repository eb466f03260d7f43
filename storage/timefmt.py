"""Times as people read them: "2026年12月1日 14:47", in this computer's time zone.

The workspace stores local times without an offset (`workspace.now()`); a bundle's
manifest carries its offset (`2026-12-01T14:47:15+08:00`), so a time made on another
computer is shown in local time here.
"""

from __future__ import annotations

from datetime import date, datetime


def parse(text) -> datetime | None:
    if not text:
        return None
    if isinstance(text, datetime):
        value = text
    else:
        raw = str(text).strip()
        if raw.endswith("Z"):
            raw = raw[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            try:
                d = date.fromisoformat(raw[:10])
            except ValueError:
                return None
            value = datetime(d.year, d.month, d.day)
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value


def local_time(text, seconds: bool = False) -> str:
    """'2026-12-01T06:47:15+00:00' -> '2026年12月1日 14:47' on a computer at UTC+8; text
    that is not a time is returned as it is."""
    value = parse(text)
    if value is None:
        return str(text or "")
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}" + (f":{value:%S}" if seconds else "")


def local_date(text) -> str:
    """'2027-11-20' or '2027-11-20T10:00:00' -> '2027年11月20日'."""
    value = parse(text)
    if value is None:
        return str(text or "")
    return f"{value.year}年{value.month}月{value.day}日"


def stamp_with_offset() -> str:
    """Now, local, with its UTC offset: for what travels to other computers."""
    return datetime.now().astimezone().isoformat(timespec="seconds")
