class Dao {
    static final String URL = "jdbc:oracle:thin:scott/Tiger2024@//db.local:1521/ORCL";
    static final String MYSQL = "jdbc:mysql://db:3306/app?useSSL=true&password=mYsql-77&user=app";
}
