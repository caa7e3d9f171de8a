class Repo {
    void init(HikariDataSource ds) {
        ds.setUsername("app");
        ds.setPassword("H1kari-CP");
    }
}
