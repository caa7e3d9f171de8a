docker run -d -e POSTGRES_PASSWORD=D0cker-Run postgres:16
mongosh "mongodb://admin@db:27017" --username admin --password 'M0ngo-Cli'
redis-cli -h cache -a R3dis-Auth ping
mysql --user=app --password=MyCl1-Long shop
sqlcmd -S db -U sa -P 'Sq1cmd-Pass' -Q 'select 1'
