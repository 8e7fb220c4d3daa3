/**
 * The stand-in plugin's entry (test/standin/aws/pulumi-resource-aws runs it): the TypeScript
 * through ts-node, transpile only (about 1.4 s to the port line).
 */
"use strict";
const path = require("path");

require("ts-node").register({
  transpileOnly: true,
  project: path.join(__dirname, "../../../tsconfig.json"),
});
require("./provider").serve(process.argv.slice(2));
