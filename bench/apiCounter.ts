/**
 * A counting proxy in front of a Docker Engine API unix socket: what a command asks of the
 * cluster, by method. Writes are every call that is not GET or HEAD.
 */
import * as fs from "fs";
import * as http from "http";

export interface ApiCounter {
  socket: string;
  /** Calls since the last reset, e.g. { GET: 40, POST: 0 }, and the write calls' paths. */
  counts(): { reads: number; writes: number; writePaths: string[] };
  reset(): void;
  close(): Promise<void>;
}

export async function startApiCounter(upstream: string, socket: string): Promise<ApiCounter> {
  fs.rmSync(socket, { force: true });
  let reads = 0;
  let writePaths: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === "GET" || req.method === "HEAD") reads++;
    else writePaths.push(`${req.method} ${req.url?.replace(/\?.*/, "")}`);
    const forward = http.request(
      { socketPath: upstream, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    socket,
    counts: () => ({ reads, writes: writePaths.length, writePaths: [...writePaths] }),
    reset: () => {
      reads = 0;
      writePaths = [];
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
