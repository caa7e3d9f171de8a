package storage

var cfg = aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAALLCG2EYLLJ27NI3", "dunMl20/PPstgrXIvbGEl3VMibgJK0q87rn0ZkSf", "")}
