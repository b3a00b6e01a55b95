/**
 * Where session messages go: every one on the session channel for live
 * views, the terminal ones (complete, incomplete) also onto a list a backend
 * can block on. The session status key is written by the scripts themselves.
 */
import type { ChainableCommander } from 'ioredis';

import type { OutgoingSessionMessage } from './messages.js';

export interface SessionTargets {
  /** Pub/sub channel for every session message. */
  channel: string;
  /** List that receives each session's one terminal message. */
  results: string;
}

export function sessionDeliveryCommands(
  pipeline: ChainableCommander,
  targets: SessionTargets,
  messages: readonly OutgoingSessionMessage[],
): ChainableCommander {
  for (const message of messages) {
    pipeline.publish(targets.channel, message.json);
    if (message.terminal) pipeline.rpush(targets.results, message.json);
  }
  return pipeline;
}
