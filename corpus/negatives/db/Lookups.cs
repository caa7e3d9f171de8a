var password = Environment.GetEnvironmentVariable("DB_PASSWORD");
var cs = $"Server=db;User Id=app;Password={password};";
