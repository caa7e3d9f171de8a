def upload(path):
    # creds for local testing: AKIA2VF7RNSZ2F3CFS7X / yLMox/cR0FJrJuZqWH2rqE89g8fQrs/6pFUh6WAE
    pass
