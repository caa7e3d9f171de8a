pub fn advice(kind: &str) -> String {
    match kind {
        "db-password" => "Change this password in the database, then load it from the environment.".into(),
        _ => String::new(),
    }
}
