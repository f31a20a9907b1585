export const HELP = `sealbox — secure mail (S/MIME) server and webmail

Usage:
  sealbox --version                 print the version
  sealbox --help                    this help
  sealbox ui                        the interactive terminal UI
  sealbox store info [--json]       the store in use and its schema version

S/MIME (no store needed):
  sealbox smime open FILE.eml [--pfx FILE.p12 --password-env VAR]... [--trust CA.pem]...
        [--cert KNOWN.pem]... [--from ADDRESS] [--at ISO-8601] [--out FILE] [--json]
  sealbox smime protect FILE.eml [--sign --pfx FILE.p12 --password-env VAR [--digest NAME] [--opaque]]
        [--encrypt --to CERT.pem [--to CERT.pem]... [--cipher NAME] [--oaep]] --out FILE

Environment:
  SEALBOX_HOME    data folder (default: data/ in the checkout)
  SEALBOX_STORE   store URL: sqlite:PATH (default: sealbox.db in the data folder) or postgres://…

Exit codes: 0 ok, 1 the operation failed (message says why), 2 usage error.
`;
