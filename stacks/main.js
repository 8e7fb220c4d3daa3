// Pulumi.yaml's main: the program from the ahead-of-time build while it is current, from its
// TypeScript through ts-node after an edit (build/prebuilt.js).
"use strict";
module.exports = require(require("../build/prebuilt").resolve("stacks/index"));
