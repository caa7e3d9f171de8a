password = ENV["DB_PASSWORD"]
other_password = ENV.fetch("OTHER_PASSWORD")
