import psycopg2

conn = psycopg2.connect("host=db.local port=5432 dbname=app user=app password='pg-S3cret'")
conn2 = psycopg2.connect("host=db.local dbname=app user=etl password=EtlRun2024")
