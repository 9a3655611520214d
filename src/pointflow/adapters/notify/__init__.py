"""Notification channels as outbox receivers: e-mail (SMTP), push (MQTT) and a signed webhook."""
