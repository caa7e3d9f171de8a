resource "tls_locally_signed_cert" "x" {
  ca_private_key_pem = <<EOT
-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDAXqe+1cCkfnQBzhpvBeJxMnp+TfIm5ehzYuFkso6hvQHsyVwW9lsYS
Qj7nw67bJ4ugBwYFK4EEACKhZANiAASEFyHGOew8VeLS/tgK1tksZW1TkVITMd4Y
9bMTweBo7ENp3nrznCXnHiyGld/H+TCHl2TRw6ekfFN05TOsxid9GSPWAuYo2BKz
eoPYJcH8a+NbXkjT4LORk9w+/LVRZxc=
-----END EC PRIVATE KEY-----
EOT
}
