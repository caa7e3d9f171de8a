resource "aws_db_instance" "main" {
  engine            = "postgres"
  username          = "app"
  password          = "tf-Passw0rd-2024"
  instance_class    = "db.t3.micro"
}
