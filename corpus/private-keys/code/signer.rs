const KEY: &str = r#"-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJnPfS4c/lfV1xgTVE8r/sWPodqG+RA2yw7f4AiMegvO
-----END PRIVATE KEY-----
"#;
