object Config {
    val password = BuildConfig.DB_PASSWORD
}
