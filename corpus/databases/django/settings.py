DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop",
        "PASSWORD": "dj4ng0-db-pw",
        "HOST": "localhost",
    }
}
