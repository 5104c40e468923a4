import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The certificate and key a server speaks TLS with: read from PEM files an operator names,
/// or, for a demo, a self-signed certificate Concert makes once and keeps beside its database.
public enum TLSFiles {
    /// What went wrong reading or making the files, in words an operator can act on.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// The server's TLS configuration from a PEM certificate chain (the server's certificate
    /// first) and its PEM private key: TLS 1.2 at least.
    public static func configuration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate)
        } catch {
            throw Problem(
                description: "Cannot read the TLS certificate '\(certificate)': it must be a PEM file (\(error)).")
        }
        guard !chain.isEmpty else { throw Problem(description: "'\(certificate)' holds no PEM certificate.") }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw Problem(
                description: "Cannot read the TLS key '\(key)': it must be an unencrypted PEM private key (\(error)).")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Checks that the key belongs to the certificate now, not at the first client.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw Problem(description: "The TLS key '\(key)' does not fit the certificate '\(certificate)' (\(error)).")
        }
        return configuration
    }

    /// A self-signed certificate and its key: read from `certificate` and `key` when both exist,
    /// else made (ECDSA P-256, valid a year, for `localhost`, 127.0.0.1, ::1 and `hosts`) and
    /// written there, the key readable by its owner only. Returns the certificate's SHA-256
    /// fingerprint, for users to compare with what their browser shows.
    @discardableResult
    public static func selfSigned(certificate: String, key: String, hosts: [String] = []) throws -> String {
        let files = FileManager.default
        if !files.fileExists(atPath: certificate) || !files.fileExists(atPath: key) {
            let privateKey = P256.Signing.PrivateKey()
            let certificateKey = Certificate.PrivateKey(privateKey)
            let name = try DistinguishedName {
                OrganizationName("Concert")
                CommonName("Concert self-signed (localhost)")
            }
            var names: [GeneralName] = [
                .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            ]
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))))
            for host in hosts where !host.isEmpty && host != "localhost" {
                if let v4 = ipv4Bytes(host) {
                    names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(v4))))
                } else if !host.contains(":") {
                    names.append(.dnsName(host))
                }
            }
            let now = Date()
            let made = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: certificateKey.publicKey,
                notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(365 * 86_400),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    // Its own issuer: a client that trusts it checks its signature with it, as
                    // with `openssl req -x509`; it signs no other certificate (path length 0).
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(names)
                }, issuerPrivateKey: certificateKey)
            try write(privateKey.pemRepresentation + "\n", to: key, permissions: 0o600)
            try write(try made.serializeAsPEM().pemString + "\n", to: certificate, permissions: 0o644)
        }
        return try fingerprint(ofCertificateAt: certificate)
    }

    /// The SHA-256 of the first certificate in a PEM file, as colon-separated hex.
    public static func fingerprint(ofCertificateAt path: String) throws -> String {
        guard let first = try NIOSSLCertificate.fromPEMFile(path).first else {
            throw Problem(description: "'\(path)' holds no PEM certificate.")
        }
        let der = try first.toDERBytes()
        return SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    private static func write(_ text: String, to path: String, permissions: Int) throws {
        let url = URL(fileURLWithPath: path)
        try Data(text.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
    }

    /// The four bytes of a dotted IPv4 address, or nil.
    private static func ipv4Bytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { UInt8($0) }
        return bytes.count == 4 ? bytes : nil
    }
}
