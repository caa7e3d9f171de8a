package pemutil

const (
	rsaHeader = "-----BEGIN RSA PRIVATE KEY-----"
	rsaFooter = "-----END RSA PRIVATE KEY-----"
)

var pemRe = regexp.MustCompile(`-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----[\s\S]+?-----END (RSA |EC |OPENSSH )?PRIVATE KEY-----`)
