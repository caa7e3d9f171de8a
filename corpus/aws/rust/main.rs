use aws_credential_types::Credentials;

fn creds() -> Credentials {
    Credentials::new(
        "AKIAPJ6C6PDJJUNEMFUS",
        "mfcAKYXI+JuLOqCFX0oLJGnDJcyPC1VymjQviVlq",
        None,
        None,
        "static",
    )
}
