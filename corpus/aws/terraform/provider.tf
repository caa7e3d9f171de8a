provider "aws" {
  region     = "us-east-1"
  access_key = "AKIAXPX4L3DPX7YI6N5P"
  secret_key = "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"
}
