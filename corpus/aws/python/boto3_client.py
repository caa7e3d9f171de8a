import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIA2IBYYURL7B6KJ6HB",
    aws_secret_access_key="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",
    region_name="eu-west-1",
)
