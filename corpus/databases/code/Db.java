class Db {
    java.sql.Connection open() throws Exception {
        return java.sql.DriverManager.getConnection("jdbc:postgresql://db/app", "app", "j4va-Pg-pass");
    }
}
