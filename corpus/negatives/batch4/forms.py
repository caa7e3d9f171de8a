def change(request):
    password = request.form["password"]
    new_password = request.form.get("new_password")
    user_password = None
    PASSWORD_MIN = 8
