resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
output "secret" {
  value     = aws_iam_access_key.ci.secret
  sensitive = true
}
data "aws_iam_policy_document" "x" {
  statement {
    resources = ["arn:aws:iam::123456789012:user/AKIA-rotation-bot"]
  }
}
