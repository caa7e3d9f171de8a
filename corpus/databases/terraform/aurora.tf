resource "aws_rds_cluster" "main" {
  master_username = "admin"
  master_password = "Aur0ra-Master#1"
}
