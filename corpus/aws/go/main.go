package main

import (
	"github.com/aws/aws-sdk-go/aws/credentials"
)

func creds() *credentials.Credentials {
	return credentials.NewStaticCredentials(
		"AKIAML46LVUGOA4F4HAW",
		"2sD6crsh2d6OQm79+o36JkKV+0gHtNRu/d4j1/PM",
		"")
}
