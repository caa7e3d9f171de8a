variable "aws_secret_key" {
  type    = string
  default = "fkJi/KzR8VdH3F0pFS1230uk+AWfX0h7qNFCbJXd"
}
