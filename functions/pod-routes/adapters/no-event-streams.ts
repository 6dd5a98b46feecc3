/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundle (see scripts/lib/bundle-plugins.mjs).
 * The SDK loads it only for operations with event streams, which EC2, Auto Scaling, SQS and Service
 * Quotas have none of. Left external it would be an import Lambda cannot resolve (no node_modules beside
 * the bundle), and bundled it costs its size; this stub says why it is missing, should anything reach it.
 */
function absent(): never {
  throw new Error("pod-routes bundles no event streams: its AWS operations have none");
}

export class EventStreamSerde {
  constructor() {
    absent();
  }
}

export const eventStreamSerdeProvider = absent;
