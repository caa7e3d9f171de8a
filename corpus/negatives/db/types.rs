pub struct DbConfig {
    pub password: Option<String>,
    pub passwd: SecretString,
}
