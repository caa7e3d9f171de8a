ActiveRecord::Base.establish_connection(
  adapter: "mysql2",
  host: "db",
  username: "app",
  password: "Ruby0nRails!"
)
