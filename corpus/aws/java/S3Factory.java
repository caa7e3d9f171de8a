package com.example.storage;

import com.amazonaws.auth.BasicAWSCredentials;

public class S3Factory {
    // old key, rotated? AKIAQBTZ2RTX6M4GDZAF
    private static final BasicAWSCredentials CREDS =
        new BasicAWSCredentials("AKIAC7NWOK3EPCKW2QUF", "j9c1HNSssiiPEuXt0UrCM0ea6gK8HTJ+WF0GzPC5");
}
