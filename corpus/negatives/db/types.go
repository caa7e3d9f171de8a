type Config struct {
	Password string `json:"password" yaml:"password"`
	DBPass   []byte `env:"DB_PASS"`
}
