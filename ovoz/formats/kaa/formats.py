"""Karakalpak formats, after Uzbek's (Django's ``uz`` locale): Karakalpakstan writes numbers and dates as
Uzbekistan does. Month names are avoided: Django has no Karakalpak catalog of its own, so a format naming
the month would print it in English; dates are numeric instead."""

DATE_FORMAT = "d.m.Y"
TIME_FORMAT = "G:i"
DATETIME_FORMAT = "d.m.Y G:i"
YEAR_MONTH_FORMAT = "m.Y"
MONTH_DAY_FORMAT = "d.m"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d.%m.%Y",  # '25.10.2006'
    "%Y-%m-%d",  # '2006-10-25'
]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",  # '25.10.2006 14:30:59'
    "%d.%m.%Y %H:%M:%S.%f",  # '25.10.2006 14:30:59.000200'
    "%d.%m.%Y %H:%M",  # '25.10.2006 14:30'
    "%Y-%m-%d %H:%M:%S",  # '2006-10-25 14:30:59'
    "%Y-%m-%d %H:%M",  # '2006-10-25 14:30'
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
