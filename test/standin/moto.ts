/**
 * moto's server on 127.0.0.1, the AWS API of the stand-in: started on a free port, stopped
 * after, and the AWS SDK v3 clients pointed at it (fake credentials, us-west-2).
 *
 *   const moto = await startMoto();          // ready when GET /moto-api/data.json answers 200
 *   const aws = awsClients(moto.endpoint);   // aws.ec2, aws.elbv2, aws.route53, aws.autoscaling
 *   await moto.reset();                      // every service back to empty
 *   await moto.stop();
 */
import "./quietSdk";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { Route53Client } from "@aws-sdk/client-route-53";

const REPO = path.resolve(__dirname, "../..");

/** The Region of every stand-in client and of the seeded world. */
export const REGION = "us-west-2";

/** A running moto_server. */
export interface MotoServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Empties every service (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Stops the server and waits until it has exited. */
  stop(): Promise<void>;
}

/** The AWS SDK clients the stand-in uses, all against one endpoint. */
export interface AwsClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  route53: Route53Client;
  autoscaling: AutoScalingClient;
}

/** The SDK's settings for moto: fake static credentials, us-west-2, no retries of refusals. */
export function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: REGION,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
  };
}

export function awsClients(endpoint: string): AwsClients {
  const config = clientConfig(endpoint);
  return {
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    route53: new Route53Client(config),
    autoscaling: new AutoScalingClient(config),
  };
}

/** The moto_server executable (scripts/moto.sh installs it when missing). */
export function motoServerPath(): string {
  const r = spawnSync("bash", [path.join(REPO, "scripts/moto.sh")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`scripts/moto.sh failed:\n${r.stderr}`);
  return path.join(r.stdout.trim(), "moto_server");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto_server and resolves once GET /moto-api/data.json answers 200 (moto's own
 * dashboard data: the server has loaded and serves requests). Rejects with moto's stderr if
 * the process exits first, or after `timeoutMs`.
 */
export async function startMoto(timeoutMs = 30_000): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto logs every request to stderr. A file, not a pipe: the tests run `pulumi` with
  // spawnSync, which stops this process's event loop from draining a pipe, and moto blocks
  // once the pipe's buffer is full (then every AWS call of the run hangs).
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "moto-"));
  const logFile = path.join(logDir, "stderr.log");
  const log = fs.openSync(logFile, "w");
  const child = spawn(motoServerPath(), ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", log],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "false" },
  });
  fs.closeSync(log);
  const tail = () => {
    try {
      return fs.readFileSync(logFile, "utf8").slice(-8000);
    } catch {
      return "";
    }
  };
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let done = false;
  const exitedEarly = exited.then((code) => {
    if (!done) throw new Error(`moto_server exited (${code}) before answering:\n${tail()}`);
  });
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const r = await fetch(`${endpoint}/moto-api/data.json`);
        if (r.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || done) {
        throw new Error(`moto_server did not answer on ${endpoint} in ${timeoutMs} ms:\n${tail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const stop = async () => {
    done = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    fs.rmSync(logDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([ready, exitedEarly]);
  } catch (err) {
    await stop();
    throw err;
  }
  done = true;
  return {
    endpoint,
    stop,
    async reset() {
      const r = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!r.ok) throw new Error(`moto reset: ${r.status} ${await r.text()}`);
    },
  };
}
