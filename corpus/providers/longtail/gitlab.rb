# Session replay fixture
cookies = "_gitlab_session=680f26d6bdfa0143f86091457097f4a5"
incoming_email_token = "glimt-jlo_6eVVeT0CsT8cMrtqE-xgG"
scim_token = "glsoat-l0XO7zFsm7Q4ZZX82LIt"
