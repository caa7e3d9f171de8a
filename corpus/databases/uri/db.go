package db

const dsn = "oracle://scott:tiger123@oradb.internal:1521/ORCLPDB1"
const pg = "postgresql://reader:P%C3%A4ssw%C3%B6rd@pg.internal/analytics?sslmode=require"
