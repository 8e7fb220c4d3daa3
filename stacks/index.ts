// Entry point for `pulumi up` with a regular Pulumi installation; the offline runner
// (npm run stack) runs the same program inline.
import { ingressProgram } from "./program";

export = ingressProgram();
