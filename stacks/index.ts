// The program's one entry point (Pulumi.yaml's main), for `pulumi` and `npm run stack` alike.
import { ingressProgram } from "./program";

export = ingressProgram();
