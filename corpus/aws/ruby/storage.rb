require "aws-sdk-s3"

Aws.config.update(
  region: "us-east-1",
  credentials: Aws::Credentials.new("AKIAVRHQKS2V7ZC5XAGG", "ABFiOgcO16WeN4xr2AYvClcRr9qcRFlMNCSigV44")
)
