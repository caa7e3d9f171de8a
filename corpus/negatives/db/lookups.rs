let password = std::env::var("DB_PASSWORD")?;
let password = env::var("DB_PASSWORD").unwrap_or_default();
