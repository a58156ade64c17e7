"""The one mail layer: build a message, then hand it to a transport.

Transports: SMTP (``smtp_host`` set) via aiosmtplib, or the embedded outbox, a
table admins read at ``/admin/outbox``. Sign-in links and (later) digests both
go through ``Mailer.send``.
"""
