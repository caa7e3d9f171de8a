def connect(host, user, password=None):
    return driver.connect(host=host, user=user, password=password)

def change_password(user, new_password):
    user.set_password(new_password)
