#!/bin/sh
mysqldump -u root -p'r00t-Pa55' app > /backup/app.sql
PGPASSWORD=Pg-S3cret psql -h db -U app -c 'select 1'
mysql -h db -uadmin -pAdm1nCli app < seed.sql
