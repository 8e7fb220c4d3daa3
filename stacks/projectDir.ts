import * as fs from "fs";
import * as path from "path";

/**
 * The directory holding Pulumi.yaml, found upward from `from`: the same answer whether this
 * code runs from its source or from the ahead-of-time build in .build/ (build/prebuilt.js).
 */
export function projectDir(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${from}`);
  }
}
