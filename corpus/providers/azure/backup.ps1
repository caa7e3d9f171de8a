# nightly backup upload
$storageKey = "rD1/2j+C/QAh8E/O4BHDYPW7ddVpVNkWil1+44Hh83ZbgzH1cl+Vimn06KPkpTsG028bhlx8r1wTOci16xSZAg=="
$sasUrl = "https://acmeprod.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2026-12-31T00:00:00Z&st=2025-01-01T00:00:00Z&spr=https&sig=%2FXpgzTctJBx2se5rrI1u7JcLo2sHTWLqxatsJYuH5z4%3D"
$docsUrl = "https://acmeprod.blob.core.windows.net/backups?sv=2022-11-02&sp=r&sig=<signature>"
azcopy copy ./dump.sql.gz $sasUrl
