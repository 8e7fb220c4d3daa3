/**
 * What `npm run review -- --record` keeps of a preview, so `--from` renders the same comment
 * offline: the engine events (secrets masked) and the routed applications read with them.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { renderReview } from "./markdown";
import type { RoutedRead } from "./routed";
import { stepsOf } from "./steps";

export interface Recording {
  stack: string;
  events: EngineEvent[];
  /** Absent in recordings made before the review read the routed applications. */
  routed?: RoutedRead;
}

/** The review comment of a recording. */
export function renderRecording(recording: Recording): string {
  return renderReview(recording.stack, stepsOf(recording.events), recording.routed);
}
