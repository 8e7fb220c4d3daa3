// Prints the node_modules folders that the named packages need at run time, so the lab's
// Interlock stand-in image carries real libraries and not a hand-written Docker client.
const fs = require("fs");
const path = require("path");

const [root, ...names] = process.argv.slice(2);
const seen = new Set();
function visit(name) {
  if (seen.has(name)) return;
  const manifest = path.join(root, "node_modules", name, "package.json");
  if (!fs.existsSync(manifest)) return; // an optional dependency that was not installed
  seen.add(name);
  const pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep);
}
names.forEach(visit);
console.log([...seen].join("\n"));
