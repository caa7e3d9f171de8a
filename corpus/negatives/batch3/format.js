const uri = `mongodb://${user}:${pass}@mongo:27017/app`;
