import redis
r = redis.Redis(host='cache', port=6379, password='Py-R3dis')
