var cs = "Driver={ODBC Driver 18 for SQL Server};Server=db;Uid=report;Pwd={xY7#kq!2};";
var ado = "Server=tcp:db.local,1433;Database=app;User Id=sa;Password=Winter2023!;";
