import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";

export interface SandboxTls {
  /** PEM of the CA certificate: point NODE_EXTRA_CA_CERTS at `caPath`. */
  caPath: string;
  cert: string;
  key: string;
}

function newKeyPair(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey; privatePem: string } {
  // node:crypto is ~100x faster than forge's pure-JS RSA key generation.
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privatePem: privateKey,
  };
}

function certificate(subjectCn: string, publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = "01" + randomBytes(8).toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  cert.setSubject([{ name: "commonName", value: subjectCn }]);
  return cert;
}

/**
 * A CA and a server certificate for 127.0.0.1/localhost, created on first use in `dir` and reused
 * afterwards, so that a process started with NODE_EXTRA_CA_CERTS=<caPath> trusts every emulator.
 */
export function ensureSandboxTls(dir: string): SandboxTls {
  const caPath = join(dir, "ca.pem");
  const certPath = join(dir, "server.pem");
  const keyPath = join(dir, "server-key.pem");
  if (existsSync(caPath) && existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, "utf8");
    const notAfter = forge.pki.certificateFromPem(cert).validity.notAfter.getTime();
    if (notAfter - Date.now() > 86_400_000) {
      return { caPath, cert, key: readFileSync(keyPath, "utf8") };
    }
  }
  mkdirSync(dir, { recursive: true });

  const caKeys = newKeyPair();
  const ca = certificate("secret-watchdog sandbox CA", caKeys.publicKey, 365);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKeys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());

  const serverKeys = newKeyPair();
  const server = certificate("127.0.0.1", serverKeys.publicKey, 90);
  server.setIssuer(ca.subject.attributes);
  server.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());

  const caPem = forge.pki.certificateToPem(ca);
  const certPem = forge.pki.certificateToPem(server);
  writeFileSync(caPath, caPem);
  writeFileSync(certPath, certPem);
  writeFileSync(keyPath, serverKeys.privatePem, { mode: 0o600 });
  return { caPath, cert: certPem, key: serverKeys.privatePem };
}

/** Where the sandbox keeps its CA unless told otherwise: `<repo>/.sandbox/tls`. */
export function defaultTlsDir(): string {
  return join(process.cwd(), ".sandbox", "tls");
}
