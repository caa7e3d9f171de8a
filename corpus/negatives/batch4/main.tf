resource "aws_db_instance" "db" {
  password = "${var.db_password}"
}
resource "aws_rds_cluster" "c" {
  master_password = random_password.db.result
}
resource "aws_db_instance" "d" {
  password = data.aws_secretsmanager_secret_version.db.secret_string
}
