DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.mysql',
        'NAME': 'blog',
        'USER': 'blog',
        'PASSWORD': 'Bl0g-Dj4ngo',
        'HOST': 'mysql',
        'PORT': '3306',
    }
}
