"""When a scheduled re-check runs: `--every daily|weekly|CRON` and `--at HH:MM`, validated, and written in
each scheduler's own terms (a cron time, a systemd OnCalendar, launchd's and Task Scheduler's day and time).

A CRON expression is the classic 5 fields (minute hour day-of-month month day-of-week) with `*`, numbers,
three-letter month/day names, `a-b` ranges, `/step` and comma lists. On systemd it becomes an explicit
OnCalendar, except when both day fields are restricted: cron then runs on either day (OR), a timer only on
days matching both, so that one is refused rather than run on other days than asked. An expression that
selects no day in the next four years (`0 0 31 2 *`) is refused too: a schedule that never runs would
look installed and never check anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_AT = "03:17"  # Off-peak, and off the hour when every other job starts.
WEEKLY_DAY = 0  # Sunday, as cron counts (0 or 7).
# Long enough for the 29th of February to come round, short enough to say "never" for anything else.
FIRES_WITHIN_DAYS = 4 * 366
DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class ScheduleError(ValueError):
    """Bad --every/--at, or a schedule a scheduler cannot express: one line for the person."""


@dataclass(frozen=True)
class Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # Names for low, low+1, …


FIELDS = (
    Field("minute", 0, 59),
    Field("hour", 0, 23),
    Field("day of month", 1, 31),
    Field("month", 1, 12, MONTH_NAMES),
    # 7 is Sunday too, as in every cron.
    Field("day of week", 0, 7, tuple(d.lower() for d in DAY_NAMES)),
)

_ITEM = re.compile(r"^(?P<range>\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(?P<step>[0-9]+))?$")


@dataclass(frozen=True)
class Timing:
    """A validated schedule: `daily`/`weekly` at hour:minute, or a cron expression."""

    every: str  # "daily", "weekly" or "cron"
    hour: int = 0
    minute: int = 0
    cron: str | None = None  # Normalised: five fields, one space apart.

    @property
    def at(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    def describe(self) -> str:
        if self.every == "daily":
            return f"every day at {self.at}"
        if self.every == "weekly":
            return f"every {DAY_NAMES[WEEKLY_DAY]}day at {self.at}"
        return f"on cron schedule {self.cron}"


def parse_at(at: str) -> tuple[int, int]:
    match = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", at.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ScheduleError(f"--at {at!r} is not a time of day: use HH:MM, 00:00 to 23:59")
    return int(match[1]), int(match[2])


def parse_timing(every: str, at: str | None, today: date | None = None) -> Timing:
    """`--every` and `--at` as given on the command line (a cron expression must run on some day after
    `today`, by default the local date)."""
    word = every.strip().lower()
    if word in ("daily", "weekly"):
        hour, minute = parse_at(at if at is not None else DEFAULT_AT)
        return Timing(word, hour, minute)
    if "\n" in every or "\r" in every or len(every.split()) != 5:
        raise ScheduleError(
            f"--every {one_line(every)!r} is not daily, weekly or a cron expression of 5 fields "
            "(minute hour day-of-month month day-of-week)"
        )
    if at is not None:
        raise ScheduleError("--at is for --every daily or weekly; a cron expression carries its own time")
    fields = every.split()
    for text, field in zip(fields, FIELDS, strict=True):
        expand(text, field)
    timing = Timing("cron", cron=" ".join(fields))
    if first_day(timing, today or date.today()) is None:
        raise ScheduleError(
            f"--every {timing.cron!r} would not run in the next 4 years: no day has that day of the month, "
            "month and day of the week"
        )
    return timing


def first_day(timing: Timing, start: date, days: int = FIRES_WITHIN_DAYS) -> date | None:
    """The first day from `start` on which a cron timing runs, looking `days` ahead; None when none does.
    Days are matched as cron matches them: when both day fields are restricted (neither starts with `*`),
    either may match; otherwise both must."""
    if timing.cron is None:
        return start
    _, _, dom_text, month_text, dow_text = timing.cron.split()
    dom, month, dow = (expand(t, f) for t, f in zip((dom_text, month_text, dow_text), FIELDS[2:], strict=True))
    either = not dom_text.startswith("*") and not dow_text.startswith("*")
    for offset in range(days + 1):
        day = start + timedelta(days=offset)
        if month is not None and day.month not in month:
            continue
        by_date = dom is None or day.day in dom
        by_weekday = dow is None or day.isoweekday() % 7 in dow
        if (by_date or by_weekday) if either else (by_date and by_weekday):
            return day
    return None


def one_line(text: str) -> str:
    return " ".join(text.split())


def _value(text: str, field: Field) -> int:
    if text.isdigit():
        number = int(text)
    elif text.lower() in field.names:
        number = field.low + field.names.index(text.lower())
    else:
        raise ScheduleError(f"cron {field.name} {text!r} is not a number or a name")
    if not field.low <= number <= field.high:
        raise ScheduleError(f"cron {field.name} {number} is out of range ({field.low}-{field.high})")
    return number


def expand(text: str, field: Field) -> list[int] | None:
    """The values a cron field selects, sorted; None for a bare `*` (every value). Raises ScheduleError."""
    if text == "*":
        return None
    values: set[int] = set()
    for item in text.lower().split(","):
        match = _ITEM.match(item)
        if not match:
            raise ScheduleError(f"cron {field.name} {text!r}: {item!r} is not *, N, N-M or one of those /STEP")
        step = int(match["step"]) if match["step"] else 1
        if step < 1:
            raise ScheduleError(f"cron {field.name} {text!r}: a step of 0")
        if match["range"] == "*":
            low, high = field.low, field.high
        elif "-" in match["range"]:
            first, last = match["range"].split("-")
            low, high = _value(first, field), _value(last, field)
            if low > high:
                raise ScheduleError(f"cron {field.name} {text!r}: the range {item!r} runs backwards")
        else:
            low = _value(match["range"], field)
            # N/STEP means from N to the end, as in Vixie cron.
            high = field.high if match["step"] else low
        values.update(range(low, high + 1, step))
    if field.name == "day of week" and 7 in values:
        values = (values - {7}) | {0}
    return sorted(values)


def cron_time(timing: Timing) -> str:
    """The five time fields of a crontab line."""
    if timing.cron is not None:
        return timing.cron
    day = str(WEEKLY_DAY) if timing.every == "weekly" else "*"
    return f"{timing.minute} {timing.hour} * * {day}"


def _numbers(values: list[int] | None, width: int) -> str:
    return "*" if values is None else ",".join(f"{v:0{width}d}" for v in values)


def on_calendar(timing: Timing) -> str:
    """systemd's OnCalendar= for a timing (checked by `systemd-analyze calendar` in the tests)."""
    if timing.cron is None:
        day = f"{DAY_NAMES[WEEKLY_DAY]} " if timing.every == "weekly" else ""
        return f"{day}*-*-* {timing.at}:00"
    minute, hour, dom, month, dow = (expand(t, f) for t, f in zip(timing.cron.split(), FIELDS, strict=True))
    if dom is not None and dow is not None:
        raise ScheduleError(
            f"cron {timing.cron!r} names both a day of the month and a day of the week, which cron reads as "
            "either day and a systemd timer cannot: use --scheduler cron, or a simpler --every"
        )
    weekdays = "" if dow is None else ",".join(DAY_NAMES[d] for d in dow) + " "
    return f"{weekdays}*-{_numbers(month, 2)}-{_numbers(dom, 2)} {_numbers(hour, 2)}:{_numbers(minute, 2)}:00"


def simple_only(timing: Timing, scheduler: str) -> None:
    """launchd and Task Scheduler are given daily or weekly only."""
    if timing.cron is not None:
        raise ScheduleError(f"{scheduler} takes --every daily or weekly (with --at HH:MM), not a cron expression")
