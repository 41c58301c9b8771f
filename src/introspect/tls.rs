//! TLS with rustls, checking exactly what libpq's `sslmode` says to check.
//!
//! tokio-postgres only knows "TLS or not"; what is verified lives in the rustls
//! `ServerCertVerifier` given to the connector:
//!
//! | sslmode | verifier |
//! | --- | --- |
//! | `disable` | none (no TLS) |
//! | `allow`, `prefer` | any certificate |
//! | `require` | any certificate; with a root certificate file, the chain (as libpq) |
//! | `verify-ca` | the chain, against `sslrootcert` or `~/.postgresql/root.crt`; not the name |
//! | `verify-full` | the chain and the host name; the system's roots when no file is given |
//!
//! "Any certificate" still checks the handshake signature, so the server holds the key of the
//! certificate it shows (which channel binding relies on). Name checks follow libpq: the
//! subjectAltName entries of the host's kind (DNS name or IP address), else the certificate's
//! Common Name, with a leading `*.` matching one label.

use super::conn::{RootCert, SslMode, TlsSettings};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;
use x509_cert::der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use x509_cert::der::oid::db::rfc4519::COMMON_NAME;
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, Tag, Tagged};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

/// What the certificate check covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// Nothing but the handshake signature.
    Nothing,
    /// The chain, against these roots.
    Chain(Roots),
    /// The chain and the host name.
    ChainAndName(Roots),
}

/// Where the trusted roots come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Roots {
    /// A PEM file.
    File(std::path::PathBuf),
    /// The operating system's store, else the bundled Mozilla roots.
    System,
}

/// What libpq would check for these settings; an error when it would refuse to connect.
pub(crate) fn check_for(tls: &TlsSettings) -> Result<Check, String> {
    let existing_file = match &tls.root_cert {
        Some(RootCert::File(path) | RootCert::DefaultFile(path)) if path.exists() => {
            Some(Roots::File(path.clone()))
        }
        _ => None,
    };
    let missing_explicit_file = match &tls.root_cert {
        Some(RootCert::File(path)) if !path.exists() => Some(path),
        _ => None,
    };
    Ok(match tls.mode {
        SslMode::Disable | SslMode::Allow | SslMode::Prefer => Check::Nothing,
        SslMode::Require => existing_file.map_or(Check::Nothing, Check::Chain),
        SslMode::VerifyCa => {
            if let Some(path) = missing_explicit_file {
                return Err(missing_root_file(path, tls.mode));
            }
            match existing_file {
                Some(roots) => Check::Chain(roots),
                None => {
                    return Err(format!(
                        "sslmode=verify-ca needs the CA that signed the server's certificate: \
                         give sslrootcert=FILE (or put it in ~/.postgresql/root.crt), or use \
                         sslmode=verify-full{}",
                        match &tls.root_cert {
                            Some(RootCert::DefaultFile(path)) =>
                                format!(" ({} does not exist)", path.display()),
                            _ => String::new(),
                        }
                    ))
                }
            }
        }
        SslMode::VerifyFull => {
            if let Some(path) = missing_explicit_file {
                return Err(missing_root_file(path, tls.mode));
            }
            Check::ChainAndName(existing_file.unwrap_or(Roots::System))
        }
    })
}

fn missing_root_file(path: &Path, mode: SslMode) -> String {
    format!(
        "root certificate file {} does not exist (sslrootcert, needed by sslmode={}); give the \
         CA's file, or sslrootcert=system with sslmode=verify-full for a public CA",
        path.display(),
        mode.as_str()
    )
}

/// The connector tokio-postgres uses for TCP hosts.
pub(crate) fn connector(tls: &TlsSettings) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match check_for(tls)? {
        Check::Nothing => Arc::new(AnyCertificate {
            algorithms: provider.signature_verification_algorithms,
        }),
        Check::Chain(roots) => Arc::new(LibpqVerifier {
            webpki: webpki_verifier(&roots, &provider)?,
            check_name: false,
        }),
        Check::ChainAndName(roots) => Arc::new(LibpqVerifier {
            webpki: webpki_verifier(&roots, &provider)?,
            check_name: true,
        }),
    };
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // PostgreSQL 17 requires this ALPN name for sslnegotiation=direct and accepts it otherwise.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    config.enable_sni = tls.sni;
    Ok(MakeRustlsConnect::new(config))
}

fn webpki_verifier(
    roots: &Roots,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    let store = match roots {
        Roots::File(path) => file_roots(path)?,
        Roots::System => system_roots(),
    };
    WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
        .build()
        .map_err(|e| format!("TLS setup failed: {e}"))
}

fn file_roots(path: &Path) -> Result<RootCertStore, String> {
    let shown = path.display();
    let mut store = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read root certificate file {shown}: {e}"))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("cannot read root certificate file {shown}: {e}"))?;
        store
            .add(cert)
            .map_err(|e| format!("root certificate file {shown}: {e}"))?;
    }
    if store.is_empty() {
        return Err(format!(
            "root certificate file {shown} holds no PEM certificate"
        ));
    }
    Ok(store)
}

/// The operating system's roots; Mozilla's bundled ones when it has none (a bare container).
fn system_roots() -> RootCertStore {
    let mut store = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    store.add_parsable_certificates(native.certs);
    if store.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    store
}

/// `prefer` and `require` without roots: encryption without knowing who is at the other end.
#[derive(Debug)]
struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// webpki's checks, with libpq's view of names: `verify-ca` ignores them, `verify-full` also
/// accepts what libpq accepts and webpki does not (a Common Name when no subjectAltName of the
/// host's kind exists).
#[derive(Debug)]
struct LibpqVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    check_name: bool,
}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        // webpki checks the name last, so a name error means the chain was good.
        match result {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name || libpq_name_matches(end_entity, &host_text(server_name)) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

fn host_text(server_name: &ServerName<'_>) -> String {
    match server_name {
        ServerName::DnsName(name) => name.as_ref().to_owned(),
        ServerName::IpAddress(addr) => IpAddr::from(*addr).to_string(),
        other => format!("{other:?}"),
    }
}

/// libpq's host name check (`pq_verify_peer_name_matches_certificate_guts`, PostgreSQL 17).
fn libpq_name_matches(cert: &CertificateDer<'_>, host: &str) -> bool {
    let Ok(cert) = Certificate::from_der(cert.as_ref()) else {
        return false;
    };
    let host_ip = host.parse::<IpAddr>().ok();
    let mut check_common_name = true;
    for name in subject_alt_names(&cert) {
        match name {
            GeneralName::DnsName(dns) => {
                if host_ip.is_none() {
                    check_common_name = false;
                }
                if name_matches(dns.as_str(), host) {
                    return true;
                }
            }
            GeneralName::IpAddress(bytes) => {
                if host_ip.is_some() {
                    check_common_name = false;
                }
                if host_ip.is_some_and(|ip| ip_bytes(ip) == bytes.as_bytes()) {
                    return true;
                }
            }
            _ => {}
        }
    }
    check_common_name && common_name(&cert).is_some_and(|cn| name_matches(&cn, host))
}

fn subject_alt_names(cert: &Certificate) -> Vec<GeneralName> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|ext| ext.extn_id == SubjectAltName::OID)
        .filter_map(|ext| SubjectAltName::from_der(ext.extn_value.as_bytes()).ok())
        .flat_map(|san| san.0)
        .collect()
}

/// The subject's first Common Name, as text.
fn common_name(cert: &Certificate) -> Option<String> {
    let value = cert
        .tbs_certificate
        .subject
        .0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == COMMON_NAME)?
        .value
        .clone();
    let text = match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(&value).ok()?.as_str().to_owned(),
        Tag::PrintableString => PrintableStringRef::try_from(&value)
            .ok()?
            .as_str()
            .to_owned(),
        Tag::Ia5String => Ia5StringRef::try_from(&value).ok()?.as_str().to_owned(),
        Tag::TeletexString => TeletexStringRef::try_from(&value).ok()?.as_str().to_owned(),
        _ => return None,
    };
    // libpq refuses names with embedded NULs: they could end the string early.
    (!text.contains('\0')).then_some(text)
}

fn ip_bytes(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// Case-insensitive equality, or `*.rest` matching exactly one label before `rest`.
fn name_matches(pattern: &str, host: &str) -> bool {
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(suffix) = pattern.strip_prefix('*') else {
        return false;
    };
    if !suffix.starts_with('.') || suffix.len() < 2 || host.len() < suffix.len() {
        return false;
    }
    let (label, rest) = host.split_at(host.len() - suffix.len());
    rest.eq_ignore_ascii_case(suffix) && !label.is_empty() && !label.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn settings(mode: SslMode, root_cert: Option<RootCert>) -> TlsSettings {
        TlsSettings {
            mode,
            root_cert,
            sni: true,
        }
    }

    #[test]
    fn what_each_sslmode_checks() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "").unwrap();
        let missing = PathBuf::from("/nonexistent/root.crt");
        let file = || Some(RootCert::File(ca.clone()));
        let default_file = || Some(RootCert::DefaultFile(ca.clone()));
        let no_default = || Some(RootCert::DefaultFile(missing.clone()));
        let roots = || Roots::File(ca.clone());
        for mode in [SslMode::Disable, SslMode::Allow, SslMode::Prefer] {
            assert_eq!(check_for(&settings(mode, file())), Ok(Check::Nothing));
        }
        use SslMode::*;
        assert_eq!(check_for(&settings(Require, None)), Ok(Check::Nothing));
        assert_eq!(
            check_for(&settings(Require, no_default())),
            Ok(Check::Nothing)
        );
        // libpq: with a root certificate file, require checks the chain.
        assert_eq!(
            check_for(&settings(Require, file())),
            Ok(Check::Chain(roots()))
        );
        assert_eq!(
            check_for(&settings(Require, default_file())),
            Ok(Check::Chain(roots()))
        );
        assert_eq!(
            check_for(&settings(Require, Some(RootCert::File(missing.clone())))),
            Ok(Check::Nothing)
        );
        assert_eq!(
            check_for(&settings(VerifyCa, file())),
            Ok(Check::Chain(roots()))
        );
        assert!(check_for(&settings(VerifyCa, no_default()))
            .unwrap_err()
            .contains("sslrootcert=FILE"));
        assert!(
            check_for(&settings(VerifyCa, Some(RootCert::File(missing.clone()))))
                .unwrap_err()
                .contains("does not exist")
        );
        assert_eq!(
            check_for(&settings(VerifyFull, file())),
            Ok(Check::ChainAndName(roots()))
        );
        assert_eq!(
            check_for(&settings(VerifyFull, no_default())),
            Ok(Check::ChainAndName(Roots::System))
        );
        assert_eq!(
            check_for(&settings(VerifyFull, Some(RootCert::System))),
            Ok(Check::ChainAndName(Roots::System))
        );
        assert!(
            check_for(&settings(VerifyFull, Some(RootCert::File(missing))))
                .unwrap_err()
                .contains("does not exist")
        );
    }

    #[test]
    fn wildcards_match_one_label() {
        assert!(name_matches("DB.example.com", "db.EXAMPLE.com"));
        assert!(name_matches("*.example.com", "db.example.com"));
        assert!(!name_matches("*.example.com", "a.db.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.example.com", ".example.com"));
        assert!(!name_matches("*example.com", "dbexample.com"));
        assert!(!name_matches("db.example.com", "db2.example.com"));
    }

    fn cert(params: rcgen::CertificateParams) -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().clone()
    }

    #[test]
    fn common_name_counts_only_without_a_san_of_the_host_kind() {
        let mut cn_only = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        cn_only
            .distinguished_name
            .push(rcgen::DnType::CommonName, "db.example.com");
        let cn_only = cert(cn_only);
        assert!(libpq_name_matches(&cn_only, "db.example.com"));
        assert!(!libpq_name_matches(&cn_only, "other.example.com"));

        let mut with_dns = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        with_dns
            .distinguished_name
            .push(rcgen::DnType::CommonName, "db.example.com");
        let with_dns = cert(with_dns);
        assert!(libpq_name_matches(&with_dns, "localhost"));
        // A DNS name SAN hides the Common Name from DNS hosts...
        assert!(!libpq_name_matches(&with_dns, "db.example.com"));
        // ...but not from IP hosts, which look at the Common Name when no IP SAN exists.
        assert!(!libpq_name_matches(&with_dns, "127.0.0.1"));
        let mut ip_in_cn = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        ip_in_cn
            .distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        assert!(libpq_name_matches(&cert(ip_in_cn), "127.0.0.1"));

        let with_ip = cert(
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap(),
        );
        assert!(libpq_name_matches(&with_ip, "127.0.0.1"));
        assert!(!libpq_name_matches(&with_ip, "127.0.0.2"));
    }
}
