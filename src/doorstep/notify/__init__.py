"""Customer notifications: channels (SMTP email, an HTTP SMS provider), templates per language and trigger.

Imports ``domain`` only: the services decide what to send and when; this package only renders and delivers."""
