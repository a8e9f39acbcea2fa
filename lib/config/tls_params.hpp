// The TLS keywords of a connection (sslmode, sslrootcert, ...), resolved: what lib/net/tls_session
// needs to set up a session, kept with the rest of the settings (lib/config/conn_params.hpp).
#pragma once
#include "lib/config/conn_enums.hpp"

#include <string>

namespace uvpg::detail {

// libpq's TLS parameters, resolved (lib/config/conn_params.cpp).
struct TlsParams {
    SslModeValue sslmode = SslMode::prefer;
    SslNegotiationValue sslnegotiation = SslNegotiation::postgres;  // direct: PostgreSQL 17, TLS first, ALPN
    std::string rootcert;   // a file, "system", or empty for ~/.postgresql/root.crt
    std::string cert, key;  // client certificate and key; empty: ~/.postgresql/postgresql.*
    std::string crl;        // a CRL file; empty: ~/.postgresql/root.crl if it exists
    std::string password;   // for an encrypted key
    bool sni = true;
    std::string min_protocol = "TLSv1.2", max_protocol;  // "" = no upper bound
    ChannelBindingValue channel_binding = ChannelBinding::prefer;
    std::string home;  // for the ~/.postgresql defaults

    bool verify_chain() const { return sslmode == SslMode::verify_ca || sslmode == SslMode::verify_full; }
};

}  // namespace uvpg::detail
