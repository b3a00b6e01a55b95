/**
 * The session messages the scripts write, as consumers receive them. The
 * Lua builds the JSON (so the status key and the message are one atomic
 * write); these types document it and let tests and the demo read it.
 */

interface SessionMessageHead {
  version: 1;
  session_id: string;
}

/** After every chunk recorded: the transcript so far with no gap in it. */
export interface SessionUpdate extends SessionMessageHead {
  type: 'session_update';
  state: 'open';
  stable_chunks: number;
  stable_ms: number;
  chunks_received: number;
  final_index: number | null;
  text: string;
  updated_at: number;
}

export interface SessionSegment {
  chunk_index: number;
  /** On the session's time line: from the start of chunk 0. */
  start_ms: number;
  end_ms: number;
  text: string;
}

/** Once, when the final chunk and every chunk before it have results. */
export interface SessionComplete extends SessionMessageHead {
  type: 'session_complete';
  state: 'complete';
  chunks: number;
  audio_ms: number;
  text: string;
  segments: SessionSegment[];
  /** Chunks that ended failed or expired: they add no text. */
  unanswered_chunks: number[];
  withheld_segments: number;
  finished_at: number;
}

/** Once, when chunks stopped arriving for the idle time before completion. */
export interface SessionIncomplete extends SessionMessageHead {
  type: 'session_incomplete';
  state: 'incomplete';
  missing_chunks: number[];
  missing_truncated: boolean;
  final_received: boolean;
  stable_chunks: number;
  chunks_received: number;
  text: string;
  idle_ms: number;
  finished_at: number;
}

export type SessionMessage = SessionUpdate | SessionComplete | SessionIncomplete;

/** A message ready to send: terminal ones also go onto the session result list. */
export interface OutgoingSessionMessage {
  terminal: boolean;
  json: string;
}

/** The record script's reply: kind, JSON pairs ('u' update, 't' terminal). */
export function outgoingFromReply(reply: readonly string[]): OutgoingSessionMessage[] {
  const messages: OutgoingSessionMessage[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    messages.push({ terminal: reply[i] === 't', json: reply[i + 1]! });
  }
  return messages;
}
