package db

var db, _ = sql.Open("postgres", "host=db user=app password=G0-libpq dbname=app sslmode=disable")
