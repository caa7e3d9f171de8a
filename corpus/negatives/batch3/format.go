dsn := fmt.Sprintf("postgres://%s:%s@%s/db", user, pass, host)
