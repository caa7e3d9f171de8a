const { MongoClient } = require("mongodb");
const client = new MongoClient("mongodb://root:letmein2020@mongo-0:27017,mongo-1:27017/?replicaSet=rs0");
const mssql = "mssql://app:Spring2023@sql.internal/app";
module.exports = { client, mssql };
