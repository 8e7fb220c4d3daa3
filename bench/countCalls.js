/**
 * A counting proxy for the Docker Engine API: listens on a unix socket, forwards every request
 * to the lab manager's socket, and appends "METHOD /path" to a log, one line per request, so
 * the benchmark can count the calls (and the writes among them) a command makes.
 *
 *   node bench/countCalls.js <listen socket> <upstream socket> <log file>
 */
"use strict";
const fs = require("fs");
const http = require("http");

const [listen, upstream, logFile] = process.argv.slice(2);
if (!logFile) {
  console.error("usage: node bench/countCalls.js <listen socket> <upstream socket> <log file>");
  process.exit(2);
}
fs.rmSync(listen, { force: true });

// Docker's Engine API accepts request headers up to 1 MiB; Node's default is 16 KiB.
const server = http.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
  const size = req.rawHeaders.reduce((n, h) => n + h.length + 2, req.url.length);
  if (size > 8192)
    console.error(`countCalls: ${req.method} ${req.url.slice(0, 80)} headers ${size} B`);
  fs.appendFileSync(logFile, `${req.method} ${req.url.replace(/^\/v[\d.]+/, "")}\n`);
  const out = http.request(
    { socketPath: upstream, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode, answer.rawHeaders);
      // A stream (GET /events) gets its headers at once, as from the Engine itself.
      res.flushHeaders();
      answer.pipe(res);
    },
  );
  out.on("error", (err) => res.destroy(err));
  req.pipe(out);
});
server.listen(listen, () => console.error(`countCalls: ${listen} -> ${upstream}, log ${logFile}`));
