//! TLS for the connections a service opens (Postgres, Redis, the identity
//! provider, the OTLP collector, the province): one crypto provider (ring)
//! for the whole process, CA bundles read from PEM files, and the
//! verification modes Postgres calls `sslmode`. A connection configured for
//! TLS never falls back to plaintext.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error as TlsError, RootCertStore};
use serde::{Deserialize, Serialize};

/// How a server's certificate is checked (libpq's `sslmode` values, less
/// the ones that may silently fall back to plaintext).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verify {
    /// Plaintext: local development only.
    Disable,
    /// Encrypted, any certificate (protects against passive listeners only).
    Require,
    /// Encrypted, the certificate chains to the configured CA.
    VerifyCa,
    /// Encrypted, chains to the CA and names the host connected to.
    VerifyFull,
}

impl Verify {
    pub fn needs_ca(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes ring the process's TLS provider. Clients that take the process
/// default (Redis) need one; calling it again is harmless.
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The certificates of a PEM bundle; an empty or unreadable file is an error.
pub fn read_ca(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("reading the CA bundle {}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing the CA bundle {}", path.display()))?;
    anyhow::ensure!(!certs.is_empty(), "{} holds no certificate", path.display());
    Ok(certs)
}

/// A rustls client configuration for `mode`; `None` for [`Verify::Disable`].
/// `ca_file` is required by the verifying modes.
pub fn client_config(
    mode: Verify,
    ca_file: Option<&Path>,
) -> anyhow::Result<Option<rustls::ClientConfig>> {
    if mode == Verify::Disable {
        return Ok(None);
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let config = match mode {
        Verify::Disable => unreachable!("answered above"),
        Verify::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider())))
            .with_no_client_auth(),
        Verify::VerifyCa | Verify::VerifyFull => {
            let ca = ca_file.context("a CA file is required to verify the server")?;
            let mut roots = RootCertStore::empty();
            for cert in read_ca(ca)? {
                roots.add(cert).context("adding a CA certificate")?;
            }
            let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .context("building the certificate verifier")?;
            let verifier: Arc<dyn ServerCertVerifier> = if mode == Verify::VerifyCa {
                Arc::new(ChainOnly(verifier))
            } else {
                verifier
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth()
        }
    };
    Ok(Some(config))
}

/// `verify-ca`: the chain is checked, the host name is not.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        // webpki checks the chain before the name, so a name error means
        // the chain was sound.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(TlsError::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `require`: any certificate, but the handshake's signatures still hold.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn reqwest_roots(ca_file: &str) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(ca_file).with_context(|| format!("reading the CA bundle {ca_file}"))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("parsing the CA bundle {ca_file}"))?;
    anyhow::ensure!(!certs.is_empty(), "{ca_file} holds no certificate");
    Ok(certs)
}

/// An HTTP client for outgoing calls. With a `ca_file` it trusts that CA
/// only; without, the system's roots.
pub fn http_client(ca_file: &str, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)));
    if !ca_file.is_empty() {
        builder = builder.tls_built_in_root_certs(false);
        for cert in reqwest_roots(ca_file)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().context("building the HTTP client")
}

/// The blocking twin of [`http_client`] (for the OTLP exporter). Built on a
/// thread of its own: reqwest refuses to build one inside an async runtime.
pub fn blocking_http_client(
    ca_file: &str,
    timeout: Duration,
) -> anyhow::Result<reqwest::blocking::Client> {
    let roots = if ca_file.is_empty() {
        None
    } else {
        Some(reqwest_roots(ca_file)?)
    };
    std::thread::spawn(move || {
        let mut builder = reqwest::blocking::Client::builder().timeout(timeout);
        if let Some(roots) = roots {
            builder = builder.tls_built_in_root_certs(false);
            for cert in roots {
                builder = builder.add_root_certificate(cert);
            }
        }
        builder.build().context("building the HTTP client")
    })
    .join()
    .map_err(|_| anyhow::anyhow!("building the HTTP client panicked"))?
}

/// The problems of a TLS setting: a verifying mode needs a CA file that
/// exists. `(key, message)` pairs relative to the section.
pub fn problems(
    mode: Verify,
    mode_key: &'static str,
    ca_file: &str,
    ca_key: &'static str,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if mode.needs_ca() && ca_file.is_empty() {
        out.push((
            ca_key,
            format!("is required when {mode_key} verifies the server"),
        ));
    }
    out.extend(file_problem(ca_file, ca_key));
    out
}

/// A configured file that does not exist, named at start-up rather than at
/// the first connection.
pub fn file_problem(path: &str, key: &'static str) -> Option<(&'static str, String)> {
    (!path.is_empty() && !Path::new(path).is_file())
        .then(|| (key, format!("{path} does not exist")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifying_modes_need_a_ca_file() {
        assert_eq!(
            problems(Verify::VerifyFull, "sslmode", "", "ca_file")[0].0,
            "ca_file"
        );
        assert!(problems(Verify::Require, "sslmode", "", "ca_file").is_empty());
        assert_eq!(
            problems(Verify::Require, "sslmode", "/no/such/ca.pem", "ca_file")[0].1,
            "/no/such/ca.pem does not exist"
        );
        assert!(client_config(Verify::Disable, None).expect("ok").is_none());
        assert!(client_config(Verify::VerifyCa, None).is_err());
    }

    #[test]
    fn modes_read_as_libpq_spells_them() {
        let mode: Verify = serde_json::from_str("\"verify-full\"").expect("mode");
        assert_eq!(mode, Verify::VerifyFull);
        assert!(serde_json::from_str::<Verify>("\"prefer\"").is_err());
    }
}
