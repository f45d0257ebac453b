# Django's Arabic formats define a date and a time but no date-time, which then falls back
# to the English "N j, Y, P" ("نوفمبر 26, 2026, 3:08 ص"); these join its own two.
DATETIME_FORMAT = "j F، Y، g:i A"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y g:i A"
