/**
 * The reasons a check gives when it could not run (provider/docker/errors.ts): one row per
 * branch of each classification, and the precedence between them.
 */
import * as assert from "assert";
import { whyNoAnswer, whyNotChecked } from "../../provider/docker/errors";

const REACH =
  "cannot reach the Docker Engine API at unix:///run/m0.sock (connect ENOENT /run/m0.sock); set DOCKER_HOST/DOCKER_CERT_PATH/DOCKER_TLS_VERIFY from your UCP client bundle (env.sh) or the interlock-ingress:docker stack config";
const EXPIRED =
  "credentials expired: the client bundle's certificate for tcp://ucp:443 expired on 2026-11-30";
const FIX_SALT =
  "the stack file's encryptionsalt belongs to another passphrase than PULUMI_CONFIG_PASSPHRASE (a file copied from another stack keeps that stack's salt): remove the encryptionsalt line and set the secret values again with pulumi config set --secret";

describe("why a check could not run, from what the run printed", () => {
  const rows: Array<[string, string, string]> = [
    [
      "the bundle's own message, wherever it stands in its line",
      `Previewing refresh (lab):\n    error: interlock-ingress:docker: ${EXPIRED}\nerror: refresh failed`,
      EXPIRED,
    ],
    ["the bundle before the stack's secrets", `error: incorrect passphrase\n${EXPIRED}`, EXPIRED],
    [
      "the stack's secrets, with the copied salt's fix",
      "error: incorrect passphrase",
      `stack secrets unreadable: incorrect passphrase; ${FIX_SALT}`,
    ],
    [
      "the secrets before an unreachable cluster",
      `error: could not create Secrets Manager\n${REACH}`,
      `stack secrets unreadable: could not create Secrets Manager; ${FIX_SALT}`,
    ],
    ["an unreachable cluster", `  error: ${REACH}`, `cluster unreachable: ${REACH}`],
    [
      "an unreachable cluster before a certificate line",
      `error: x509: certificate signed by unknown authority\n${REACH}`,
      `cluster unreachable: ${REACH}`,
    ],
    [
      "a certificate the client refused",
      "error: x509: certificate signed by unknown authority",
      "credentials rejected: x509: certificate signed by unknown authority",
    ],
    [
      "an HTTP refusal",
      "the Docker Engine API at tcp://ucp:443 answered: 403 Forbidden",
      "credentials rejected: the Docker Engine API at tcp://ucp:443 answered: 403 Forbidden",
    ],
    [
      "the first error line that is not the run's summary",
      "error: update failed\nerror: the program threw\nerror: another",
      "could not check: error: the program threw",
    ],
    ["without an error line, the last line printed", "one\n  two  \n\n", "could not check: two"],
    ["nothing printed", "", "could not check: unknown error"],
  ];
  for (const [what, text, reason] of rows) {
    it(what, () => assert.strictEqual(whyNotChecked(text), reason));
  }
});

describe("why the Engine API did not answer a ping", () => {
  const refused = { code: "ECONNREFUSED" };
  const rows: Array<[string, unknown, string, string]> = [
    ["the bundle's own message, as it is", { code: "EPROTO" }, EXPIRED, EXPIRED],
    ["the bundle's message before the cluster out of reach", refused, EXPIRED, EXPIRED],
    ["the cluster out of reach", refused, REACH, `cluster unreachable: ${REACH}`],
    [
      "a TLS failure",
      { code: "EPROTO" },
      "the Docker Engine API at tcp://ucp:443 answered: write EPROTO",
      "credentials rejected: the Docker Engine API at tcp://ucp:443 answered: write EPROTO",
    ],
    [
      "an HTTP refusal",
      { statusCode: 401 },
      "the Docker Engine API at tcp://ucp:443 answered: unauthorized",
      "credentials rejected: the Docker Engine API at tcp://ucp:443 answered: unauthorized",
    ],
    [
      "any other answer, and the bundle's words only at the start count",
      { statusCode: 500 },
      "the Docker Engine API at tcp://ucp:443 answered: credentials rejected: no",
      "could not check: the Docker Engine API at tcp://ucp:443 answered: credentials rejected: no",
    ],
  ];
  for (const [what, err, message, reason] of rows) {
    it(what, () => assert.strictEqual(whyNoAnswer(err, message), reason));
  }
});
