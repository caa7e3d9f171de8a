import os

DATABASES = {
    "default": {
        "PASSWORD": os.environ["DB_PASSWORD"],
        "USER": os.getenv("DB_USER"),
    }
}
DSN = "postgresql://%(user)s:%(password)s@%(host)s/%(name)s"
LOG_LINE = "connecting with password=%(password)s"
password = settings.DB_PASSWORD
