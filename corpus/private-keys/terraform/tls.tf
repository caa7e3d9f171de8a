resource "null_resource" "x" {
  private_key = "-----BEGIN EC PRIVATE KEY-----\nMIGkAgEBBDAXqe+1cCkfnQBzhpvBeJxMnp+TfIm5ehzYuFkso6hvQHsyVwW9lsYS\nQj7nw67bJ4ugBwYFK4EEACKhZANiAASEFyHGOew8VeLS/tgK1tksZW1TkVITMd4Y\n9bMTweBo7ENp3nrznCXnHiyGld/H+TCHl2TRw6ekfFN05TOsxid9GSPWAuYo2BKz\neoPYJcH8a+NbXkjT4LORk9w+/LVRZxc=\n-----END EC PRIVATE KEY-----\n"
}
