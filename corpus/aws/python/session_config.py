"""Writes a credentials file for the integration box (fake values)."""

CREDENTIALS = """
[default]
aws_access_key_id = AKIAO7OG422OPXNYFTDN
aws_secret_access_key = M2BD2ag2+b2tfU2AwO+c7vlOTDDXG7QacpvSoNa6
region = us-east-1
"""

def session():
    import boto3
    return boto3.Session(aws_access_key_id='ASIA5BSRPWGLIIEJEXGB',
                         aws_secret_access_key='4Xi0ZVY4zR9MOehzHnx2XgQC/Fq7zVQSp3cct/Nk',
                         aws_session_token='FwoGZXIvYXdzEBYaDFakeSessionTokenForTheCorpusOnly')
