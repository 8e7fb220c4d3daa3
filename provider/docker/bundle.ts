/**
 * The client bundle's certificate: which one a connection presents, when it expires, and what an
 * Engine API or TLS error says about it. MKE 3.9 expires client bundles, and a lapsed bundle
 * otherwise surfaces as an OpenSSL error line far from the fix, so these name the certificate's
 * source and the renewal steps instead. Only certificates (public) are read, never key.pem.
 *
 * Node modules are required inside the functions: the dynamic providers reach the cluster through
 * this code, and their serialized closures must not capture modules (pulumi/pulumi#6115).
 */
import { currentConnection, describeEndpoint, DockerConnection } from "./connection";

/** How close to its expiry a bundle's certificate starts to warn. */
export const DEFAULT_EXPIRY_WARN_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

const RENEW =
  "download a new client bundle from MKE (user profile → client bundles) and set it with " +
  "pulumi config set --secret --path 'interlock-ingress:docker.cert' < cert.pem " +
  "(and docker.key, docker.ca), or load its env.sh; " +
  'see docs/day-two.md, "Rotating the client bundle"';

export interface ClientCertificate {
  pem: string;
  /** Where it came from, for messages: a stack config key or the file read. */
  source: string;
}

export interface BundleExpiry {
  notAfter: Date;
  /** Whole days left (negative once expired). */
  daysLeft: number;
  /** e.g. `CN=alice`; MKE puts the user's name there. */
  subject: string;
}

export interface BundleProblem {
  severity: "error" | "warning";
  message: string;
}

export interface BundleCheckOptions {
  warnDays?: number;
  now?: Date;
  env?: NodeJS.ProcessEnv;
}

/**
 * The client certificate this connection presents, chosen as `connect` (./connection) and
 * docker-modem choose: the stack's `docker.cert` when `docker.host` is a TCP endpoint, otherwise
 * the bundle that DOCKER_HOST/DOCKER_TLS_VERIFY/DOCKER_CERT_PATH point at. Undefined when no
 * certificate is involved (a unix socket, plain TCP) or the file cannot be read; the connection
 * then fails with an error of its own, which says more than a missing file would here.
 */
export function clientCertificate(
  conn?: DockerConnection,
  env: NodeJS.ProcessEnv = process.env,
): ClientCertificate | undefined {
  conn = currentConnection(conn);
  if (conn?.host) {
    // `connect` ignores the environment once a host is configured, even without a cert.
    if (isSocket(conn.host) || !conn.cert) return undefined;
    return { pem: conn.cert, source: "interlock-ingress:docker.cert" };
  }
  const host = env.DOCKER_HOST;
  if (!host || isSocket(host) || /^ssh:\/\//.test(host)) return undefined;
  if (!env.DOCKER_TLS_VERIFY && !env.DOCKER_CERT_PATH) return undefined;
  const path = require("path") as typeof import("path");
  const os = require("os") as typeof import("os");
  // ~/.docker is the Docker CLI's default; docker-modem itself reads only $DOCKER_CERT_PATH, so
  // without it the CLI and this project may disagree, and the CLI's bundle is the one people renew.
  const dir = env.DOCKER_CERT_PATH || path.join(env.HOME || os.homedir(), ".docker");
  const file = path.join(dir, "cert.pem");
  try {
    const fs = require("fs") as typeof import("fs");
    return { pem: fs.readFileSync(file, "utf8"), source: `$DOCKER_CERT_PATH/cert.pem (${file})` };
  } catch {
    return undefined;
  }
}

function isSocket(host: string): boolean {
  return /^(unix|npipe|fd):\/\//.test(host);
}

/**
 * When the bundle's certificate stops working. A bundle's cert.pem may carry its chain after the
 * client certificate; only the first certificate is the one presented as the client's.
 */
export function bundleExpiry(pem: string, now: Date = new Date()): BundleExpiry {
  const cert = firstCertificate(pem);
  const notAfter = new Date(cert.validTo);
  return {
    notAfter,
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    subject: subjectOf(cert),
  };
}

function firstCertificate(pem: string): import("crypto").X509Certificate {
  const { X509Certificate } = require("crypto") as typeof import("crypto");
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!first) throw new Error("no -----BEGIN CERTIFICATE----- block");
  return new X509Certificate(first[0]);
}

function subjectOf(cert: import("crypto").X509Certificate): string {
  return cert.subject.split("\n").filter(Boolean).join(", ");
}

/**
 * Problems with the bundle's certificate found before any request: an expired or not yet valid
 * certificate is an error, one that expires within `warnDays` a warning. A connection without a
 * client certificate has none.
 */
export function bundleProblems(
  conn: DockerConnection | undefined,
  opts: BundleCheckOptions = {},
): BundleProblem[] {
  const cert = clientCertificate(conn, opts.env ?? process.env);
  if (!cert) return [];
  const now = opts.now ?? new Date();
  const warnDays = opts.warnDays ?? DEFAULT_EXPIRY_WARN_DAYS;
  let parsed: import("crypto").X509Certificate;
  try {
    parsed = firstCertificate(cert.pem);
  } catch (err) {
    return [
      {
        severity: "error",
        message:
          `credentials rejected: the client certificate in ${cert.source} cannot be read ` +
          `(${(err as Error).message}); ${RENEW}`,
      },
    ];
  }
  const notBefore = new Date(parsed.validFrom);
  const notAfter = new Date(parsed.validTo);
  const left = notAfter.getTime() - now.getTime();
  if (left <= 0) {
    return [
      {
        severity: "error",
        message:
          `credentials expired: the client bundle's certificate (${cert.source}, ` +
          `${subjectOf(parsed)}) expired on ${notAfter.toISOString()}; ${RENEW}`,
      },
    ];
  }
  if (now.getTime() < notBefore.getTime()) {
    return [
      {
        severity: "error",
        message:
          `credentials rejected: the client bundle's certificate (${cert.source}, ` +
          `${subjectOf(parsed)}) is not valid before ${notBefore.toISOString()} and this ` +
          `machine's clock says ${now.toISOString()}; check the clock, or ${RENEW}`,
      },
    ];
  }
  if (left <= warnDays * DAY_MS) {
    return [
      {
        severity: "warning",
        message:
          `the client bundle's certificate (${cert.source}) expires ${inDays(left)}, on ` +
          `${notAfter.toISOString()}; renew it before then: ${RENEW}`,
      },
    ];
  }
  return [];
}

function inDays(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  if (days === 0) return "in less than a day";
  return `in ${days} day${days === 1 ? "" : "s"}`;
}

interface TlsLikeError {
  code?: string;
  message?: string;
  reason?: string;
  statusCode?: number;
  json?: { message?: string };
  cause?: unknown;
}

/** The client's own checks of the server's certificate (node's codes, from OpenSSL's). */
// An array, not a Set: Pulumi serializes a Set captured by a provider as a plain object.
const SERVER_CERT_CODES = [
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_REVOKED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
];

/**
 * One line for an Engine API or TLS error caused by the credentials, or undefined for any other
 * error. `credentials expired:` when the server said the client certificate has expired,
 * `credentials rejected:` for every other refusal; each names the endpoint and what to renew.
 * OpenSSL's own text (addresses, source file and line) is left out. Follows `cause`, so the
 * errors `reaching` wraps classify as well.
 */
export function credentialsProblem(err: unknown, conn?: DockerConnection): string | undefined {
  const where = describeEndpoint(conn);
  for (let e = err as TlsLikeError | undefined, depth = 0; e && depth < 5; depth++) {
    const found = classify(e, where);
    if (found) return found;
    e = e.cause as TlsLikeError | undefined;
  }
  return undefined;
}

function classify(e: TlsLikeError, where: string): string | undefined {
  const alert = tlsAlert(e);
  if (alert) return alertProblem(alert, where);
  const code = e.code ?? "";
  if (SERVER_CERT_CODES.includes(code)) return serverCertProblem(code, e.message ?? "", where);
  if (code === "ERR_OSSL_X509_KEY_VALUES_MISMATCH") {
    return (
      `credentials rejected: the client certificate and key for ${where} are not a pair ` +
      `(key values mismatch); take cert.pem and key.pem from the same bundle: ${RENEW}`
    );
  }
  // Malformed PEM fails in this process before any connection (e.g. ERR_OSSL_PEM_NO_START_LINE).
  if (/^ERR_OSSL_(PEM|ASN1|UNSUPPORTED|DECODER)/.test(code)) {
    return (
      `credentials rejected: the client bundle for ${where} cannot be loaded ` +
      `(${code}: ${e.reason ?? "not a PEM certificate or key"}); ${RENEW}`
    );
  }
  if (e.statusCode === 401 || e.statusCode === 403) {
    const said = e.json?.message ?? e.message ?? "";
    const answer = `answered ${e.statusCode} (${said.trim()})`;
    if (/expired/i.test(said)) {
      return `credentials expired: the Docker Engine API at ${where} ${answer}; ${RENEW}`;
    }
    return (
      `credentials rejected: the Docker Engine API at ${where} ${answer}; the bundle's user may ` +
      `lack access, or the bundle was revoked; ${RENEW}`
    );
  }
  return undefined;
}

/**
 * The alert a server sent, e.g. `certificate expired`. TLS 1.3 reports it in the code
 * (ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED); TLS 1.2 reports EPROTO and only the message has it.
 */
function tlsAlert(e: TlsLikeError): string | undefined {
  const fromCode = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(.+)$/.exec(e.code ?? "");
  if (fromCode) return fromCode[1].toLowerCase().replace(/_/g, " ");
  const fromText = /(?:sslv3|tlsv1|tlsv13) alert ([a-z0-9 ]+)/i.exec(e.reason ?? e.message ?? "");
  return fromText?.[1].trim().toLowerCase();
}

function alertProblem(alert: string, where: string): string {
  const server = `the Docker Engine API at ${where}`;
  const said = `(TLS alert "${alert}")`;
  switch (alert) {
    case "certificate expired":
      // Go's crypto/tls sends this one for a client certificate not yet valid as well.
      return `credentials expired: ${server} refused the client certificate as expired ${said}; ${RENEW}`;
    case "unknown ca":
      return (
        `credentials rejected: ${server} does not know the CA that issued the client certificate ` +
        `${said}: a bundle from another cluster, or the cluster's CA was replaced; ${RENEW}`
      );
    case "certificate required":
      return (
        `credentials rejected: ${server} wants a client certificate and none was sent ${said}; ` +
        `set docker.cert and docker.key, or DOCKER_CERT_PATH: ${RENEW}`
      );
    case "handshake failure":
      // TLS 1.2 has no "certificate required"; OpenSSL sends this instead (so could a cipher clash).
      return (
        `credentials rejected: ${server} ended the TLS handshake ${said}, most likely because it ` +
        `wants a client certificate and none was sent; set docker.cert and docker.key, or ` +
        `DOCKER_CERT_PATH: ${RENEW}`
      );
    default:
      // bad certificate, certificate revoked, certificate unknown, access denied, ...
      return (
        `credentials rejected: ${server} refused the client certificate ${said}: revoked, not ` +
        `yet valid, or not a client certificate of this cluster; ${RENEW}`
      );
  }
}

function serverCertProblem(code: string, message: string, where: string): string {
  const prefix = `credentials rejected: the server certificate of the Docker Engine API at ${where}`;
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
    return (
      `${prefix} is outside its validity (${code}: ${message}); an MKE administrator must renew ` +
      `the cluster's certificates, or this machine's clock is wrong`
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return (
      `${prefix} is not issued for that name (${code}: ${message}); use the host name the ` +
      `bundle's env.sh sets as DOCKER_HOST`
    );
  }
  return (
    `${prefix} is not signed by the bundle's ca.pem (${code}: ${message}); the ca.pem belongs ` +
    `to another cluster or the cluster's CA was replaced: ${RENEW}`
  );
}
