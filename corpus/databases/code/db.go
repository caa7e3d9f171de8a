package db

var cfg = mysql.Config{User: "app", Passwd: "g0-mysql-pw", Net: "tcp", Addr: "db:3306"}
