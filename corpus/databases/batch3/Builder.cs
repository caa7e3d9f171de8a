var b = new NpgsqlConnectionStringBuilder { Host = "db", Username = "app", Password = "Npg-Builder" };
