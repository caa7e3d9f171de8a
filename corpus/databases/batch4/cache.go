package cache

var rdb = redis.NewClient(&redis.Options{Addr: "cache:6379", Password: "G0-R3dis"})
