package db

var password = os.Getenv("DB_PASSWORD")
var dsn = fmt.Sprintf("postgres://app:%s@db/app", password)
