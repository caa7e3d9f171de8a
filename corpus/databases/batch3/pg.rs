let opts = PgConnectOptions::new()
    .host("db")
    .username("app")
    .password("Rust-Pg-1");
