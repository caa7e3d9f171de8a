class Lookups {
    String password = System.getenv("DB_PASSWORD");
    String pw2 = props.getProperty("db.password");
    void set(String password) { this.password = password; }
}
