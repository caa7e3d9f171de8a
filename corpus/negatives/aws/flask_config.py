# Not AWS: a Flask signing key and a MinIO key. They are secrets, but not AWS secret access keys,
# and no AWS key id is anywhere near.
SECRET_KEY = "Qm9vVXJ0cXZ3S2xNbk9wUXJTdFV2V3hZWjAxMjM0"
MINIO_SECRET_KEY = "x7Kp2LmN9qRsT4vWyZ1bC3dF5gH8jK0mN2pQ4rS6"
