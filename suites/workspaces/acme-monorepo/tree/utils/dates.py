from datetime import date, datetime, timedelta


def parse_iso(value):
    return datetime.fromisoformat(value).date()


def business_days_between(start, end):
    days = 0
    current = start
    while current < end:
        if current.weekday() < 5:
            days += 1
        current += timedelta(days=1)
    return days


def next_monday(day):
    return day + timedelta(days=(7 - day.weekday()) % 7 or 7)


def format_range(start, end, sep=" - "):
    return f"{start:%d %b}{sep}{end:%d %b %Y}"
