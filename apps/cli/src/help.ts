export const HELP = `sealbox — secure mail (S/MIME) server and webmail

Usage:
  sealbox --version                 print the version
  sealbox --help                    this help
  sealbox [ui] [--store URL]        the terminal mail client (needs a terminal; without one: this
                                    help, exit 2)
  sealbox store info [--json]       the store in use and its schema version
  sealbox pfx inspect FILE --password-env VAR [--json]     what a PKCS#12 file holds
  sealbox pfx convert IN --password-env VAR --out OUT --new-password-env VAR2 [--legacy]
                                    re-protect a PKCS#12 file (AES-256 default, 3DES legacy)
  sealbox cert verify LEAF.pem [--untrusted CERT.pem]... [--trust ROOT.pem]... [--crl CRL.pem]...
        [--at ISO-8601] [--purpose any|email-sign|email-encrypt] [--email ADDRESS] [--json]
                                    path validation as smime open judges a signer (exit 0 valid or not)

S/MIME (no store needed):
  sealbox smime open FILE.eml [--pfx FILE.p12 --password-env VAR]... [--trust CA.pem]...
        [--cert KNOWN.pem]... [--from ADDRESS] [--at ISO-8601] [--out FILE] [--json]
  sealbox smime protect FILE.eml [--sign --pfx FILE.p12 --password-env VAR [--digest NAME] [--opaque]]
        [--encrypt --to CERT.pem [--to CERT.pem]... [--cipher NAME] [--oaep]] --out FILE

Domains, accounts and mail (the store; every command takes --store URL, every listing --json):
  sealbox domain add DOMAIN [--smime on|off] [--directory on|off]
  sealbox domain set DOMAIN [--smime on|off] [--directory on|off] [--unlock-seconds N]
        [--default-cipher NAME] [--allowed-ciphers LIST|default] [--hide-subject on|off]
  sealbox domain list [--json]
  sealbox domain trust add DOMAIN CA.pem [--json]     trust a CA certificate (PEM or DER) for the domain
  sealbox domain trust list DOMAIN [--json]           its anchors, the server-wide ones and the server CA
  sealbox domain trust remove DOMAIN SHA256           by the certificate's SHA-256 as trust list shows it
  sealbox account add ADDRESS --password-env VAR [--name "Real Name"] [--role user|domain-admin|server-admin]
        (creates INBOX, Sent, Drafts, Trash; a new domain is created with defaults)
  sealbox account set ADDRESS [--name NAME] [--from ADDRESS|default] [--encryption-method NAME|default]
        [--smime on|off] [--disabled on|off] [--role ROLE] [--password-env VAR]
  sealbox account list [DOMAIN] [--json]
  sealbox mailbox list ACCOUNT [--json]          also: mailbox create|rename|delete
  sealbox message list ACCOUNT MAILBOX [--json] [--limit N] [--search TEXT]
  sealbox message show ACCOUNT MAILBOX ID [--raw|--json]
                                    also: message flag|move|copy|delete
  sealbox rule add ACCOUNT|--domain DOMAIN --name NAME [--priority 1-9|inactive]
        --if "FIELD OP VALUE"... --then "ACTION [ARGUMENT]"... [--stop]     (or --json '{…}')
  sealbox rule list ACCOUNT|--domain DOMAIN [--json]
  sealbox rule remove ACCOUNT|--domain DOMAIN NAME
  sealbox deliver ACCOUNT < message.eml    local delivery through the rules (exit 0 delivered,
                                    65 refused: header over 256 KB or 1,000 fields,
                                    67 no such account, 75 try again later)
  sealbox message decrypt|encrypt ACCOUNT MAILBOX ID --secure-password-env VAR
                                    the Decrypt / Encrypt buttons (replace the stored message)
  sealbox message encrypt-all|decrypt-all|re-encrypt-all ACCOUNT MAILBOX --secure-password-env VAR [--json]
                                    Encrypt All / Decrypt All: each message in place, with a
                                    progress bar on a terminal; --json: a line per message and a
                                    summary; exit 1 if any failed or it stopped (run it again)
  sealbox message append ACCOUNT MAILBOX FILE... [--json]   store .eml files exactly (no rules)
  sealbox send ACCOUNT [--sign] [--encrypt] [--cipher NAME] [--secure-password-env VAR] < message.eml
  sealbox worker status [--json]    the outgoing queue: depth, in flight, failed, delivered per minute

Secure Mail (the account's key and certificate):
  sealbox secure-mail status ACCOUNT [--json]
  sealbox secure-mail import ACCOUNT --pfx FILE --password-env VAR --secure-password-env VAR2
  sealbox secure-mail generate ACCOUNT --secure-password-env VAR [--key rsa-2048|rsa-3072|rsa-4096|ec-p256]
  sealbox secure-mail export ACCOUNT --secure-password-env VAR --out FILE --file-password-env VAR2 [--legacy]
  sealbox secure-mail passwd ACCOUNT --secure-password-env OLD --new-secure-password-env NEW
  sealbox secure-mail renew ACCOUNT --secure-password-env VAR [--json]
                                    Renew Key and Certificate (the old key stays as an earlier
                                    key); then message re-encrypt-all moves a folder to the new key
  sealbox secure-mail remove ACCOUNT --pfx FILE --password-env VAR
  sealbox ca show [--pem|--json]    the server CA that issues users' certificates
  sealbox ca install --pfx FILE --password-env VAR      use an existing corporate CA
  sealbox ca crl --out FILE [--pem]
  sealbox ca issued [--json]        what the server CA issued, with revocations
  sealbox ca revoke --account ADDRESS|--serial HEX|--sha256 HEX [--reason REASON]

  Secrets come only from the variable a --…-env flag names, or a prompt on a terminal.

Environment:
  SEALBOX_HOME    data folder (default: data/ in the checkout)
  SEALBOX_STORE   store URL: sqlite:PATH (default: sealbox.db in the data folder) or postgres://…
  SEALBOX_SECRET  server secret sealing the CA key (default: data folder's server-secret file;
                  set it when several nodes share one PostgreSQL)
  SEALBOX_PUBLIC_URL  the web UI's public address: certificates the server CA issues name
                  SEALBOX_PUBLIC_URL/pki/ca.crl as their CRL distribution point

Every command and group takes --help for its own usage (sealbox message --help).

Exit codes: 0 ok, 1 the operation failed (message says why), 2 usage error, 65, 67 and 75
from deliver (see above), 70 a bug (the message shows where).
`;
