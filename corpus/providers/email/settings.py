# Django settings for the notifications service (staging)
import os

TWILIO_ACCOUNT_SID = "ACd7312ec66fb4c32058f3de40bb03bd33"
TWILIO_AUTH_TOKEN = "93274299b77de16e53e43445d3d0743c"
TWILIO_FROM = "+15005550006"

SENDGRID_API_KEY = "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"
SENDGRID_TEMPLATE_ID = "d-5f3b12688dbc2932c78a1a44991f1c24"

# mailgun
MAILGUN_DOMAIN = "mg.acme.dev"
MAILGUN_API_KEY = "key-a060fda252e4ced3ea23b33c9363da43"

MAILCHIMP_API_KEY = "48fd1dc6ffdcf35a60b5bcceeb4fca2f-us8"
MAILCHIMP_LIST_ID = "a1b2c3d4e5"

POSTMARK_SERVER_TOKEN = "8bd1828c-76d2-45de-acf3-753941b5faf4"
POSTMARK_MESSAGE_STREAM = "outbound"
REQUEST_ID_HEADER = "eb937466-b356-45ba-ab39-837b05899848"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "anymail.backends.sendgrid.EmailBackend")
