const AWS = require("aws-sdk");

// TODO move to the vault
const s3 = new AWS.S3({
  accessKeyId: "AKIAPNRTDL4F53IUEFIG",
  secretAccessKey: "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",
  region: "us-west-2",
});
module.exports = s3;
