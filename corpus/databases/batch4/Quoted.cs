var cs = "Data Source=db;User ID=app;Password=\"Qu0ted;Pw\";";
