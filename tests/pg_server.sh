#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL for the test suite.
#   tests/pg_server.sh start DIR   -> prints shell assignments (UVPG_TEST_*) to eval
#   tests/pg_server.sh stop DIR
# The server runs as the `postgres` OS user when we are root (initdb refuses root), listens on
# 127.0.0.1 at a free port with its unix socket in DIR, and has one role per auth method.
# With the `openssl` command it also makes a fresh test PKI in DIR/ssl (valid for 2 days: a root
# CA, server, client, wrong-host, expired, unknown-CA and revoked certificates, a CRL), turns TLS
# on, and adds pg_hba lines for the TLS tests (UVPG_TEST_SSL_* below); without it UVPG_TEST_SSL=0.
# It also starts a pgbouncer in transaction mode in front of the server (DIR/pgbouncer: a pool of
# 2 server connections, trust for `postgres`, UVPG_TEST_PGBOUNCER_* below); start fails when it
# cannot (Debian package pgbouncer), because the pooler tests must run, never skip.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}

bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg_server.sh: no PostgreSQL server binaries found" >&2; exit 1; }

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# make_pki DIR: the test PKI, made afresh each start. Everything belongs to the invoking user (who
# runs the tests: clients refuse keys that others can read) except the server key, which the
# server's user must own. EC P-256 keys, so that start-up stays fast.
make_pki() {
    local d=$1
    mkdir -p "$d/ca-db/newcerts" "$d/other-ca"
    : >"$d/ca-db/index.txt"
    echo 1000 >"$d/ca-db/serial"
    echo 1000 >"$d/ca-db/crlnumber"
    cat >"$d/openssl.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $d/ca-db/index.txt
new_certs_dir = $d/ca-db/newcerts
serial = $d/ca-db/serial
crlnumber = $d/ca-db/crlnumber
certificate = $d/root.crt
private_key = $d/root.key
default_md = sha256
default_days = 2
default_crl_days = 2
policy = policy_cn
unique_subject = no
copy_extensions = none
[ policy_cn ]
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_localhost ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ server_other ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:other.example
[ server_cn_only ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    local cnf=$d/openssl.cnf
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" && chmod 600 "$1"; }
    csr() { openssl req -new -config "$cnf" -key "$1" -subj "$2" -out "$3"; }
    # issue NAME CN EXTENSIONS [openssl ca options]: NAME.key and NAME.crt from the root CA.
    issue() {
        local name=$1 cn=$2 ext=$3; shift 3
        key "$d/$name.key"
        csr "$d/$name.key" "/CN=$cn" "$d/$name.csr"
        openssl ca -batch -notext -config "$cnf" -extensions "$ext" -in "$d/$name.csr" -out "$d/$name.crt" "$@"
    }
    # The root CA, the one the server trusts for client certificates and the clients trust.
    key "$d/root.key"
    openssl req -new -x509 -config "$cnf" -extensions v3_ca -key "$d/root.key" -subj "/CN=uvpg test root CA" \
        -days 2 -out "$d/root.crt"
    issue server localhost server_localhost
    issue client uvpg_cert client
    openssl pkey -in "$d/client.key" -aes256 -passout pass:uvpg-key-pass -out "$d/client-enc.key"
    chmod 600 "$d/client-enc.key"
    issue other other.example server_other                  # valid, but for another host name
    issue cn-only localhost server_cn_only                 # no subjectAltName: the CN counts
    issue san-other localhost server_other                 # SAN other.example, CN localhost: the CN does not count
    issue expired localhost server_localhost \
        -startdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)"
    issue revoked localhost server_localhost
    openssl ca -batch -config "$cnf" -revoke "$d/revoked.crt" -crl_reason keyCompromise
    openssl ca -batch -config "$cnf" -gencrl -out "$d/root.crl"
    # An unrelated CA and a localhost certificate from it.
    key "$d/other-ca/root.key"
    openssl req -new -x509 -config "$cnf" -extensions v3_ca -key "$d/other-ca/root.key" \
        -subj "/CN=uvpg unrelated test CA" -days 2 -out "$d/unknown-ca.crt"
    key "$d/unknown.key"
    csr "$d/unknown.key" "/CN=localhost" "$d/unknown.csr"
    openssl x509 -req -in "$d/unknown.csr" -CA "$d/unknown-ca.crt" -CAkey "$d/other-ca/root.key" \
        -CAserial "$d/other-ca/serial" -CAcreateserial -days 2 -sha256 \
        -extfile "$cnf" -extensions server_localhost -out "$d/unknown.crt"
    rm -f "$d"/*.csr
    chmod 755 "$d"
    chmod 644 "$d"/*.crt "$d/root.crl"
    # The server reads these as its own user; the key must be its own and private.
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$d/server.key"; fi
}

# start_pgbouncer DIR SERVER_PORT: pgbouncer in transaction mode on 127.0.0.1 at a free port, as the
# server's user, with its files in DIR/pgbouncer; prints the port. Fails with its log tail.
start_pgbouncer() {
    local d=$1/pgbouncer server_port=$2 bin bport
    bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
    [ -x "$bin" ] || { echo "pg_server.sh: pgbouncer not found (Debian package pgbouncer: scripts/deps.sh installs it)" >&2; return 1; }
    mkdir -p "$d"
    bport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # trust still wants the user in auth_file. No unix socket: loopback TCP only.
    echo '"postgres" ""' >"$d/userlist.txt"
    cat >"$d/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$server_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = trust
auth_file = $d/userlist.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
logfile = $d/pgbouncer.log
pidfile = $d/pgbouncer.pid
admin_users = postgres
INI
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$d"
    as_pg "$bin" -d -q "$d/pgbouncer.ini" >"$d/start.log" 2>&1 \
        || { cat "$d/start.log" "$d/pgbouncer.log" >&2 2>/dev/null; return 1; }
    # Ready when a query goes through it to the server.
    local i
    for i in $(seq 1 100); do
        if as_pg "$bindir/psql" -h 127.0.0.1 -p "$bport" -U postgres -d uvpg_test -qAt -c 'SELECT 1' >/dev/null 2>&1; then
            echo "$bport"
            return 0
        fi
        sleep 0.1
    done
    echo "pg_server.sh: pgbouncer did not answer on 127.0.0.1:$bport" >&2
    tail -n 20 "$d/pgbouncer.log" >&2 2>/dev/null || true
    return 1
}

case "$cmd" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # IPv6 loopback too, where the machine has it (some containers do not).
    listen="127.0.0.1"; ipv6=0
    if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
        listen="127.0.0.1,::1"; ipv6=1
    fi
    ssl=0
    if command -v openssl >/dev/null; then
        # In a shell of its own, so that set -e stops it at the first failing command.
        bash -euo pipefail -c "$(declare -f make_pki); make_pki \"\$1\"" make_pki "$dir/ssl" >"$dir/pki.log" 2>&1 \
            || { cat "$dir/pki.log" >&2; exit 1; }
        ssl=1
    fi
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '$listen'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
    if [ $ssl = 1 ]; then
        cat >>"$dir/data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$dir/ssl/server.crt'
ssl_key_file = '$dir/ssl/server.key'
ssl_ca_file = '$dir/ssl/root.crt'
CONF
    fi
    # The TLS tests' lines come first: they must win over the generic ones below. Database
    # uvpg_tls_scram: SCRAM over TLS only; role uvpg_cert: client certificate over TLS only;
    # database uvpg_nossl: trust without TLS, refused with it.
    hba_ssl=""
    if [ $ssl = 1 ]; then
        hba_ssl="hostssl uvpg_tls_scram all 127.0.0.1/32 scram-sha-256
hostssl uvpg_tls_scram all ::1/128 scram-sha-256
hostssl all uvpg_cert 127.0.0.1/32 cert
hostssl all uvpg_cert ::1/128 cert
hostssl uvpg_nossl all all reject
"
    fi
    cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
${hba_ssl}hostnossl uvpg_tls_scram all all reject
hostnossl all uvpg_cert all reject
hostnossl uvpg_nossl all 127.0.0.1/32 trust
hostnossl uvpg_nossl all ::1/128 trust
host all uvpg_password 127.0.0.1/32 password
host all uvpg_md5 127.0.0.1/32 md5
host all uvpg_scram 127.0.0.1/32 scram-sha-256
host all uvpg_sasl_wide,uvpg_sasl_nfc,uvpg_sasl_nfd,uvpg_sasl_ctrl,uvpg_sasl_unassigned,uvpg_sasl_bidi 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
HBA
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET password_encryption = 'md5';
CREATE ROLE uvpg_md5 LOGIN PASSWORD 'md5_secret';
SET password_encryption = 'scram-sha-256';
CREATE ROLE uvpg_password LOGIN PASSWORD 'plain_secret';
CREATE ROLE uvpg_scram LOGIN PASSWORD 'scram_secret';
CREATE ROLE uvpg_cert LOGIN;
-- SASLprep (RFC 4013): the server hashes the prepared password, or the raw bytes where SASLprep
-- refuses it. Fullwidth "secret" (NFKC: "secret"); "café" composed (U+00E9) and decomposed
-- (e U+0301), which NFKC makes equal; and three that SASLprep refuses, so the raw bytes count:
-- a control character (C.2.1), a code point unassigned in Unicode 3.2 (A.1: U+0221), and a
-- right-to-left character that does not end the string (RFC 3454 section 6).
CREATE ROLE uvpg_sasl_wide LOGIN PASSWORD U&'\FF53\FF45\FF43\FF52\FF45\FF54';
CREATE ROLE uvpg_sasl_nfc LOGIN PASSWORD U&'caf\00E9';
CREATE ROLE uvpg_sasl_nfd LOGIN PASSWORD U&'cafe\0301';
CREATE ROLE uvpg_sasl_ctrl LOGIN PASSWORD U&'\FF53e\0301\0007';
CREATE ROLE uvpg_sasl_unassigned LOGIN PASSWORD U&'\FF53\0221';
CREATE ROLE uvpg_sasl_bidi LOGIN PASSWORD U&'\05D0\FF53';
CREATE DATABASE uvpg_test;
CREATE DATABASE uvpg_tls_scram;
CREATE DATABASE uvpg_nossl;
CREATE ROLE uvpg_limited LOGIN CONNECTION LIMIT 0;
SQL
    bport=$(start_pgbouncer "$dir" "$port") || {
        echo "pg_server.sh: could not start pgbouncer" >&2
        as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        exit 1
    }
    echo "UVPG_TEST_DSN='host=127.0.0.1 port=$port user=postgres dbname=uvpg_test'"
    echo "UVPG_TEST_HOST=127.0.0.1"
    echo "UVPG_TEST_PORT=$port"
    echo "UVPG_TEST_SOCKET_DIR='$dir'"
    echo "UVPG_TEST_AUTH=1"
    echo "UVPG_TEST_IPV6=$ipv6"
    echo "UVPG_TEST_PG_BINDIR='$bindir'"
    echo "UVPG_TEST_PGDATA='$dir/data'"
    echo "UVPG_TEST_SSL=$ssl"
    echo "UVPG_TEST_SSL_SCRAM_DB=uvpg_tls_scram"
    echo "UVPG_TEST_SSL_SCRAM_USER=uvpg_scram"
    echo "UVPG_TEST_SSL_SCRAM_PASSWORD=scram_secret"
    echo "UVPG_TEST_SSL_CERT_USER=uvpg_cert"
    echo "UVPG_TEST_NOSSL_DB=uvpg_nossl"
    # The SASLprep roles above, with their passwords as $'...' strings of UTF-8 bytes (\xHH: no locale needed).
    echo "UVPG_TEST_SASL_WIDE_USER=uvpg_sasl_wide"
    echo "UVPG_TEST_SASL_WIDE_PASSWORD=\$'\\xef\\xbd\\x93\\xef\\xbd\\x85\\xef\\xbd\\x83\\xef\\xbd\\x92\\xef\\xbd\\x85\\xef\\xbd\\x94'"
    echo "UVPG_TEST_SASL_NFC_USER=uvpg_sasl_nfc"
    echo "UVPG_TEST_SASL_NFD_USER=uvpg_sasl_nfd"
    echo "UVPG_TEST_SASL_COMPOSED_PASSWORD=\$'caf\\xc3\\xa9'"
    echo "UVPG_TEST_SASL_DECOMPOSED_PASSWORD=\$'cafe\\xcc\\x81'"
    echo "UVPG_TEST_SASL_CTRL_USER=uvpg_sasl_ctrl"
    echo "UVPG_TEST_SASL_CTRL_PASSWORD=\$'\\xef\\xbd\\x93e\\xcc\\x81\\x07'"
    echo "UVPG_TEST_SASL_UNASSIGNED_USER=uvpg_sasl_unassigned"
    echo "UVPG_TEST_SASL_UNASSIGNED_PASSWORD=\$'\\xef\\xbd\\x93\\xc8\\xa1'"
    echo "UVPG_TEST_SASL_BIDI_USER=uvpg_sasl_bidi"
    echo "UVPG_TEST_SASL_BIDI_PASSWORD=\$'\\xd7\\x90\\xef\\xbd\\x93'"
    echo "UVPG_TEST_LIMITED_USER=uvpg_limited"
    echo "UVPG_TEST_PGBOUNCER_PORT=$bport"
    echo "UVPG_TEST_PGBOUNCER_DSN='host=127.0.0.1 port=$bport user=postgres dbname=uvpg_test'"
    if [ $ssl = 1 ]; then
        s=$dir/ssl
        echo "UVPG_TEST_SSL_DIR='$s'"
        echo "UVPG_TEST_SSL_ROOT='$s/root.crt'"
        echo "UVPG_TEST_SSL_CRL='$s/root.crl'"
        echo "UVPG_TEST_SSL_CLIENT_CERT='$s/client.crt'"
        echo "UVPG_TEST_SSL_CLIENT_KEY='$s/client.key'"
        echo "UVPG_TEST_SSL_CLIENT_KEY_ENC='$s/client-enc.key'"
        echo "UVPG_TEST_SSL_CLIENT_KEY_PASSWORD=uvpg-key-pass"
        echo "UVPG_TEST_SSL_OTHER_CERT='$s/other.crt'"
        echo "UVPG_TEST_SSL_OTHER_KEY='$s/other.key'"
        echo "UVPG_TEST_SSL_EXPIRED_CERT='$s/expired.crt'"
        echo "UVPG_TEST_SSL_EXPIRED_KEY='$s/expired.key'"
        echo "UVPG_TEST_SSL_UNKNOWN_CA='$s/unknown-ca.crt'"
        echo "UVPG_TEST_SSL_UNKNOWN_CERT='$s/unknown.crt'"
        echo "UVPG_TEST_SSL_UNKNOWN_KEY='$s/unknown.key'"
        echo "UVPG_TEST_SSL_CN_ONLY_CERT='$s/cn-only.crt'"
        echo "UVPG_TEST_SSL_CN_ONLY_KEY='$s/cn-only.key'"
        echo "UVPG_TEST_SSL_SAN_OTHER_CERT='$s/san-other.crt'"
        echo "UVPG_TEST_SSL_SAN_OTHER_KEY='$s/san-other.key'"
        echo "UVPG_TEST_SSL_REVOKED_CERT='$s/revoked.crt'"
        echo "UVPG_TEST_SSL_REVOKED_KEY='$s/revoked.key'"
    fi
    ;;
stop)
    # pgbouncer first (it is ours: its pid file), then the server.
    if [ -f "$dir/pgbouncer/pgbouncer.pid" ]; then
        kill "$(cat "$dir/pgbouncer/pgbouncer.pid")" 2>/dev/null || true
    fi
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
