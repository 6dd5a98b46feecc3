import type { Clock } from "../../functions/pod-routes/jobs/dependencies.js";

/** Real time whose pauses end at once: a handler's waits for EC2 cost a unit test nothing. */
export const instantClock: Clock = { now: () => Date.now(), pause: () => Promise.resolve() };
