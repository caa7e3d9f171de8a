url = f"postgres://{user}:{password}@{host}/db"
jdbc = "jdbc:postgresql://db/app?user=" + user + "&password=" + password
PASSWORD_REGEX = r"^(?=.*[A-Z]).{8,}$"
