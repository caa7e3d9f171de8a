variable "db_password" {
  type      = string
  sensitive = true
  default   = "Tf-Var-Default1"
}
