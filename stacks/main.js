// Pulumi.yaml's main: the program from the ahead-of-time build while it is current, from its
// TypeScript through ts-node after an edit (scripts/prebuilt.js).
"use strict";
module.exports = require(require("../scripts/prebuilt").resolve("stacks/index"));
