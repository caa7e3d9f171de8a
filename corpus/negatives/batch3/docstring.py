def client(aws_access_key_id=None, aws_secret_access_key=None):
    """
    :param aws_secret_access_key: The secret key to use when creating the client.
    """
